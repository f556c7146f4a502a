import { createHash } from 'node:crypto';
import type { GatewayRuntime } from '../runtime.js';
import { DEFAULT_MAX_AGE_MS, type ServerRequestOrigin, type Session } from '../state/sessions.js';

/**
 * Takes the client's answer to one server request of a sealed session, once across the replicas
 * that share the rate-limit store (Redis): false when another replica (or this one) took it. The
 * key names the upstream session that asked, so an upstream that reopened its session and
 * numbers its requests anew is not mistaken for a repeat; it is kept as long as a sealed id lives.
 */
export function claimAnswer(gw: GatewayRuntime, session: Session, origin: ServerRequestOrigin): Promise<boolean> {
  const upstreamSession = session.ready.get(origin.upstream)?.sessionId ?? '';
  const name = createHash('sha256').update(session.id).update('\n').update(origin.upstream).update('\n').update(upstreamSession).update('\n').update(JSON.stringify(origin.id)).digest('base64url');
  return gw.core.claimOnce(`answer:${name}`, gw.options.sessions.maxAgeMs ?? DEFAULT_MAX_AGE_MS);
}
