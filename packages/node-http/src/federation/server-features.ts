import type { IncomingHttpHeaders } from 'node:http';
import { mergeCapabilities, type ServerCapabilities } from '@gw/core/internal';
import type { GatewayRuntime } from '../runtime.js';
import type { Session } from '../state/sessions.js';
import { upstreamSession } from '../upstream/upstream-sessions.js';

/**
 * What an upstream that could not be asked contributes: the three server features, so the
 * client still tries them and gets a clear 502 per call rather than a session that can do nothing.
 */
const UNKNOWN_UPSTREAM: ServerCapabilities = { tools: {}, resources: {}, prompts: {} };

/** What the gateway declares as one server: every upstream's capabilities merged, their instructions joined. */
export function serverFeatures(gw: GatewayRuntime): { capabilities: ServerCapabilities; instructions: string | undefined } {
  const profiles = [...gw.upstreams.keys()].map((name) => gw.profiles.get(name));
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
export async function learnUnknownProfiles(gw: GatewayRuntime, session: Session, headers: IncomingHttpHeaders): Promise<void> {
  const unknown = [...gw.upstreams.keys()].filter((name) => !gw.profiles.has(name));
  await Promise.all(unknown.map((name) => learnProfile(gw, name, () => upstreamSession(gw, session, name, headers))));
}

/**
 * Opens an upstream session to learn the upstream's capabilities, unless another client is
 * already doing so: then this one waits for that answer instead of opening a session of its own,
 * so a burst of clients after a restart does not open one session per client on every upstream.
 */
function learnProfile(gw: GatewayRuntime, name: string, open: () => Promise<unknown>): Promise<void> {
  const pending = gw.profiling.get(name);
  if (pending) return pending;
  const learning = open().then(
    () => undefined,
    () => undefined,
  );
  gw.profiling.set(name, learning);
  void learning.finally(() => gw.profiling.delete(name));
  return learning;
}
