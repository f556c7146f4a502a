import type { GatewayRuntime } from './runtime.js';
import type { Session } from './sessions.js';
import { closeSessionUpstreams } from './upstream-sessions.js';

/**
 * A sealed session this replica's sweep found idle. With a shared store, when no replica has
 * served it for the idle timeout, one replica (the first to claim it) marks it ended for all and
 * closes every upstream session its id carries, as an idle session in memory would be closed.
 * Otherwise (in use elsewhere, another replica closes it, no shared store, the store failing)
 * this replica lets go only of the upstream sessions it opened for itself.
 */
export async function closeIdleSession(gw: GatewayRuntime, session: Session): Promise<void> {
  if (!gw.shared || !(await gw.shared.closesIdle(session))) return closeSessionUpstreams(gw, session, 'local');
  // Ended first, so no replica serves the id while its upstream sessions go away.
  gw.sessions.end(session);
  await gw.shared.end(session);
  gw.logger.info('sealed session idle on every replica: closing its upstream sessions', { event: 'session_idle_closed' });
  return closeSessionUpstreams(gw, session, 'all');
}
