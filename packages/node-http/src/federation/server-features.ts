import { mergeCapabilities, type ServerCapabilities } from '@gw/core/internal';
import type { GatewayRuntime } from '../runtime.js';
import type { Session } from '../state/sessions.js';
import type { ForwardedHeaders } from '../upstream/forward-headers.js';
import { upstreamSession } from '../upstream/upstream-sessions.js';

/**
 * What an upstream that could not be asked contributes: the three server features, so the
 * client still tries them and gets a clear 502 per call rather than a session that can do nothing.
 */
const UNKNOWN_UPSTREAM: Readonly<ServerCapabilities> = { tools: {}, resources: {}, prompts: {} };

/** What the gateway declares as one server: every upstream's capabilities merged, their instructions joined. */
export function serverFeatures(gw: GatewayRuntime): { capabilities: ServerCapabilities; instructions: string | undefined } {
  const profiles = [...gw.upstreams.keys()].map((name) => gw.facts.profile(name));
  const instructions = profiles.flatMap((profile) => (profile?.instructions ? [profile.instructions] : []));
  return {
    capabilities: mergeCapabilities(profiles.map((profile) => profile?.capabilities ?? UNKNOWN_UPSTREAM)),
    instructions: instructions.length > 0 ? instructions.join('\n\n') : undefined,
  };
}

/**
 * Learns the capabilities of the upstreams not known yet, by opening their sessions within
 * `session` (kept for it, not wasted). A burst of clients shares one opening per upstream.
 */
export async function learnUnknownProfiles(gw: GatewayRuntime, session: Session, forwarded: ForwardedHeaders): Promise<void> {
  const unknown = [...gw.upstreams.keys()].filter((name) => gw.facts.profile(name) === undefined);
  await Promise.all(unknown.map((name) => gw.facts.learn(name, () => upstreamSession(gw, session, name, forwarded))));
}
