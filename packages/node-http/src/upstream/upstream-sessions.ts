import type { IncomingHttpHeaders } from 'node:http';
import type { Denial } from '@gw/core';
import { deny, extend } from '@gw/core/internal';
import { upstreamHeaders } from './forward-headers.js';
import type { UpstreamRuntime } from './upstream-runtime.js';
import type { CloseScope, Session, UpstreamSession } from '../state/sessions.js';
import { upstreamFailure, type UpstreamClient } from './upstream-client.js';
import { discoverUpstream, knownStateless, offersStateless } from './stateless-upstream.js';
import { readOwnAnswer, responseHeader, TooLargeError } from './upstream-answer.js';

/** What every upstream is sent as Accept: it may answer in either format, the gateway reads both. */
export const UPSTREAM_ACCEPT = 'application/json, text/event-stream';

/** The id of the initialize the gateway sends upstream; it never reaches the client. */
const INITIALIZE_ID = 'mcp-gateway-initialize';

/** How long closing an upstream session may take before the gateway stops waiting. */
const CLOSE_TIMEOUT_MS = 5_000;

/** Thrown inside the opening promise so every waiter sees the same denial. */
export class UpstreamSessionError extends Error {
  constructor(readonly denial: Denial) {
    super(denial.error.message);
  }
}

/**
 * The session of `session` on upstream `name`, opened now if it is not open yet: the client's
 * initialize is replayed there, then notifications/initialized, as a client would. Concurrent
 * callers share one opening; a failed opening is forgotten so the next message tries again.
 */
export function upstreamSession(
  gw: UpstreamRuntime,
  session: Session,
  name: string,
  clientHeaders: IncomingHttpHeaders,
): Promise<UpstreamSession> {
  const existing = session.upstreams.get(name);
  if (existing) return existing;
  // A carried session the upstream forgot cannot be reopened here: its state is gone for every replica.
  if (session.sealed?.carried.has(name)) return Promise.reject(new UpstreamSessionError(endLostSession(gw, session, name)));
  const client = gw.upstreams.get(name)!;
  const opening = openUpstreamSession(gw, client, session, clientHeaders);
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

async function openUpstreamSession(
  gw: UpstreamRuntime,
  client: UpstreamClient,
  session: Session,
  clientHeaders: IncomingHttpHeaders,
): Promise<UpstreamSession> {
  const forward = gw.options.upstreamHeaders.forward;
  const post = async (body: unknown, context: { sessionId?: string; protocolVersion?: string }) => {
    try {
      return await client.request({
        method: 'POST',
        headers: upstreamHeaders(clientHeaders, forward, client, extend(context, { accept: UPSTREAM_ACCEPT, contentType: 'application/json' })),
        body: JSON.stringify(body),
        signal: session.closed.signal,
      });
    } catch (error) {
      throw new UpstreamSessionError(upstreamFailure(client.name, error));
    }
  };

  // A stateless (2026-07-28) upstream has no session to open: what it offers comes from server/discover.
  const discover = async (): Promise<UpstreamSession> => {
    let discovered: UpstreamSession | undefined;
    try {
      discovered = await discoverUpstream(client, clientHeaders, forward, session.closed.signal);
    } catch (error) {
      throw new UpstreamSessionError(upstreamFailure(client.name, error));
    }
    if (!discovered) throw new UpstreamSessionError(deny('UPSTREAM_BAD_RESPONSE', `upstream "${client.name}" refused initialize and server/discover`));
    gw.profiles.set(client.name, discovered.instructions === undefined ? { capabilities: discovered.capabilities } : { capabilities: discovered.capabilities, instructions: discovered.instructions });
    return discovered;
  };
  if (knownStateless(client)) return discover();

  // initialize first: a session-based upstream (most of them) costs no extra request, and a
  // stateless-only one refuses it naming the revisions it speaks (then it is asked to discover).
  const started = performance.now();
  const response = await post({ jsonrpc: '2.0', id: INITIALIZE_ID, method: 'initialize', params: session.initializeParams }, {});
  if (response.statusCode !== 200) {
    if (await offersStateless(response, client.maxResponseBytes)) return discover();
    throw new UpstreamSessionError(badStatus(client.name, response.statusCode, 'initialize'));
  }
  const sessionId = responseHeader(response, 'mcp-session-id');
  let answer: unknown;
  try {
    answer = await readOwnAnswer(response, INITIALIZE_ID, client.maxResponseBytes, client.timeoutMs - (performance.now() - started));
  } catch (error) {
    if (error instanceof TooLargeError) throw new UpstreamSessionError(deny('UPSTREAM_BAD_RESPONSE', `upstream "${client.name}" answered initialize with ${error.message}`));
    throw new UpstreamSessionError(upstreamFailure(client.name, error));
  }
  const result = (answer as { result?: unknown } | undefined)?.result;
  if (typeof result !== 'object' || result === null) {
    const error = (answer as { error?: { message?: unknown } } | undefined)?.error;
    const detail = typeof error?.message === 'string' ? `it refused initialize: ${error.message.slice(0, 200)}` : 'no initialize result';
    throw new UpstreamSessionError(deny('UPSTREAM_BAD_RESPONSE', `upstream "${client.name}": ${detail}`));
  }
  const { protocolVersion, capabilities, instructions } = result as { protocolVersion?: unknown; capabilities?: unknown; instructions?: unknown };
  const opened: UpstreamSession = {
    sessionId,
    protocolVersion: typeof protocolVersion === 'string' ? protocolVersion : session.protocolVersion,
    capabilities: typeof capabilities === 'object' && capabilities !== null ? (capabilities as Record<string, unknown>) : {},
  };
  if (typeof instructions === 'string') opened.instructions = instructions;
  gw.profiles.set(client.name, opened.instructions === undefined ? { capabilities: opened.capabilities } : { capabilities: opened.capabilities, instructions: opened.instructions });

  const initialized = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, { sessionId, protocolVersion: opened.protocolVersion });
  await initialized.body.dump();
  if (initialized.statusCode >= 300) throw new UpstreamSessionError(badStatus(client.name, initialized.statusCode, 'notifications/initialized'));
  return opened;
}

/** An upstream HTTP status the gateway cannot pass on as it is. */
export function badStatus(name: string, status: number, what: string): Denial {
  const why = status === 401 || status === 403 ? ' (check upstreams[].auth: the gateway\'s credential for it)' : '';
  return deny('UPSTREAM_BAD_RESPONSE', `upstream "${name}" answered ${what} with HTTP ${status}${why}`);
}

/** Ends an upstream session (DELETE with its id), best effort and bounded in time. */
export async function closeUpstreamSession(client: UpstreamClient, upstream: UpstreamSession): Promise<void> {
  if (!upstream.sessionId) return;
  try {
    const response = await client.request({
      method: 'DELETE',
      headers: upstreamHeaders({}, [], client, { sessionId: upstream.sessionId, protocolVersion: upstream.protocolVersion, accept: UPSTREAM_ACCEPT }),
      timeoutMs: Math.min(client.timeoutMs, CLOSE_TIMEOUT_MS),
    });
    await response.body.dump();
  } catch {
    // The upstream is gone or slow; its own idle timeout will end the session.
  }
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
