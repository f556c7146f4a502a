import type { Denial } from '@gw/core';
import { deny } from '@gw/core/internal';
import type { UpstreamRuntime } from './upstream-runtime.js';
import type { CloseScope, Session, UpstreamSession } from '../state/sessions.js';
import type { ForwardedHeaders } from './forward-headers.js';
import type { UpstreamClient } from './upstream-client.js';
import { eraOf, eraToOpen } from './era-of.js';
import { EraRefusedError, UpstreamSessionError } from './upstream-errors.js';

/**
 * The session of `session` on upstream `name`, opened now if it is not open yet, in the
 * upstream's era (upstream/era.ts): the session era replays the client's initialize. Concurrent
 * callers share one opening; a failed opening is forgotten so the next message tries again.
 */
export function upstreamSession(
  gw: UpstreamRuntime,
  session: Session,
  name: string,
  forwarded: ForwardedHeaders,
): Promise<UpstreamSession> {
  const existing = session.upstreams.get(name);
  if (existing) return existing;
  // A carried session the upstream forgot cannot be reopened here: its state is gone for every replica.
  if (session.sealed?.carried.has(name)) return Promise.reject(new UpstreamSessionError(endLostSession(gw, session, name)));
  const client = gw.upstreams.get(name)!;
  const opening = openUpstreamSession(gw, client, session, forwarded);
  session.upstreams.set(name, opening);
  opening.then(
    (opened) => {
      if (session.closed.signal.aborted) {
        void closeUpstreamSession(client, opened);
        return;
      }
      session.ready.set(name, opened);
      session.stream?.attach(name);
    },
    () => {
      if (session.upstreams.get(name) === opening) session.upstreams.delete(name);
    },
  );
  return opening;
}

/**
 * Ends a sealed session one of whose carried upstream sessions is gone (the upstream answered
 * 404: it restarted, timed the session out, or the client's DELETE reached another replica).
 * Its other upstream sessions are closed too, and the client is told to initialize again.
 */
export function endLostSession(gw: UpstreamRuntime, session: Session, name: string): Denial {
  gw.sessions.end(session);
  // Every replica refuses the id at once, rather than each learning it from the upstream's 404.
  void gw.shared?.end(session);
  void closeSessionUpstreams(gw, session);
  return deny('SESSION_NOT_FOUND', `upstream "${name}" no longer knows this session; send initialize to open a new one`);
}

/**
 * Forgets an upstream session the upstream no longer knows (it answered 404), so the next use
 * reopens it; for a session a sealed id carries, the next use ends the client's session instead.
 */
export function forgetUpstreamSession(session: Session, name: string, stale: UpstreamSession): void {
  // Another request may have reopened it already; that newer session stays.
  if (session.ready.get(name) !== stale) return;
  session.ready.delete(name);
  session.upstreams.delete(name);
}

/** Opens the upstream session in the era the upstream was last seen to speak, and records what it answered. */
async function openUpstreamSession(gw: UpstreamRuntime, client: UpstreamClient, session: Session, forwarded: ForwardedHeaders): Promise<UpstreamSession> {
  const known = gw.facts.era(client.name);
  const opening = { client, session, forwarded, learned: (opened: UpstreamSession) => gw.facts.opened(client.name, opened) };
  try {
    return await eraToOpen(known).open(opening);
  } catch (error) {
    // It no longer speaks the era it was last seen in (redeployed): open it as an unknown one.
    const fresh = eraToOpen(undefined);
    if (error instanceof EraRefusedError && known !== undefined && known !== fresh) return fresh.open(opening);
    throw error;
  }
}

/** Ends an upstream session as its era does (DELETE for a session-based upstream), best effort. */
export function closeUpstreamSession(client: UpstreamClient, upstream: UpstreamSession): Promise<void> {
  return eraOf(upstream).close(client, upstream);
}

/**
 * Ends the upstream sessions behind a client session: all of them, or with scope `local` (a
 * replica letting go of a sealed session that other replicas may still serve) only those this
 * replica opened itself, not those the sealed id carries.
 */
export async function closeSessionUpstreams(gw: UpstreamRuntime, session: Session, scope: CloseScope = 'all'): Promise<void> {
  const carried = scope === 'local' ? session.sealed?.carried : undefined;
  const leaving = [...session.upstreams].filter(([name]) => !carried?.has(name));
  const closing = leaving.map(async ([name, opening]) => {
    const upstream = await opening.catch(() => undefined);
    const client = gw.upstreams.get(name);
    if (upstream && client) await closeUpstreamSession(client, upstream);
  });
  session.upstreams.clear();
  session.ready.clear();
  await Promise.all(closing);
}
