import type { GatewayRuntime } from '../runtime.js';
import type { Session, UpstreamSession } from '../state/sessions.js';
import { closeSessionUpstreams, closeUpstreamSession } from '../upstream/upstream-sessions.js';

/**
 * A sealed session this replica's sweep found idle. The upstream sessions this replica opened
 * for itself go at once. Those the id carries belong to every replica: with a shared store, when
 * no replica has served the session for the idle timeout, one replica (the first to claim it)
 * marks it ended for all and closes them, as an idle session in memory would be closed; while
 * another replica still serves it, this one asks again when it would be idle. Without a shared
 * store they stay open (maxAgeMs, DELETE or the upstream's own timeout end them).
 */
export async function closeIdleSession(gw: GatewayRuntime, session: Session): Promise<void> {
  const carried = [...session.ready].filter(([name]) => session.sealed?.carried.has(name));
  await closeSessionUpstreams(gw, session, 'local');
  if (gw.shared) await closeIfIdleEverywhere(gw, session, carried);
}

async function closeIfIdleEverywhere(gw: GatewayRuntime, session: Session, carried: readonly [string, UpstreamSession][]): Promise<void> {
  const shared = gw.shared!;
  const verdict = await shared.idleVerdict(session);
  if (!verdict.close) {
    if (verdict.askAgainInMs !== undefined) shared.askAgain(session, verdict.askAgainInMs, () => void closeIfIdleEverywhere(gw, session, carried));
    return;
  }
  // Ended first, so no replica serves the id while its upstream sessions go away.
  gw.sessions.end(session);
  await shared.end(session);
  gw.logger.info('sealed session idle on every replica: closing the upstream sessions its id carries', { event: 'session_idle_closed', upstreams: carried.length });
  await Promise.all(
    carried.map(([name, upstream]) => {
      const client = gw.upstreams.get(name);
      return client ? closeUpstreamSession(client, upstream) : undefined;
    }),
  );
}
