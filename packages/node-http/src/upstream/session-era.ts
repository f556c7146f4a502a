import { deny, extend, isStatelessVersion } from '@gw/core/internal';
import type { UpstreamSession } from '../state/sessions.js';
import type { Opening, UpstreamEra } from './era.js';
import { NOTHING_FORWARDED, UPSTREAM_ACCEPT, upstreamHeaders } from './forward-headers.js';
import { STATELESS_ERA, offersStateless } from './stateless-era.js';
import { readOwnAnswer, responseHeader, TooLargeError } from './upstream-answer.js';
import { upstreamFailure, type UpstreamClient } from './upstream-client.js';
import { badStatus, UpstreamSessionError } from './upstream-errors.js';

/** The id of the initialize the gateway sends upstream; it never reaches the client. */
const INITIALIZE_ID = 'mcp-gateway-initialize';

/** How long closing an upstream session may take before the gateway stops waiting. */
const CLOSE_TIMEOUT_MS = 5_000;

/**
 * The session era (the 2025 revisions): the client's initialize is replayed to open an upstream
 * session, messages pass as they are, list changes come on the session's GET stream, and DELETE
 * ends it. An upstream that refuses initialize naming the stateless revision is that era instead.
 */
export const SESSION_ERA: Readonly<UpstreamEra> = {
  name: 'session',
  open: initialize,
  outgoing: (body) => ({ body, headers: undefined }),
  refusesWith404: false,
  reportsChangesBy: 'get-stream',
  takesLogLevelBy: 'request',
  asksInputBy: 'server-requests',
  close,
};

/**
 * initialize, then notifications/initialized, as a client would. The first thing tried with an
 * upstream of unknown era: a session-based one (most of them) costs no extra request, and a
 * stateless-only one refuses it naming the revisions it speaks, then is asked to discover.
 */
async function initialize(opening: Opening): Promise<UpstreamSession> {
  const { client, session, forwarded } = opening;
  const post = async (body: unknown, context: { sessionId?: string; protocolVersion?: string }) => {
    try {
      return await client.request({
        method: 'POST',
        headers: upstreamHeaders(forwarded, client, extend(context, { accept: UPSTREAM_ACCEPT, contentType: 'application/json' })),
        body: JSON.stringify(body),
        signal: session.closed.signal,
      });
    } catch (error) {
      throw new UpstreamSessionError(upstreamFailure(client.name, error));
    }
  };

  const started = performance.now();
  // The client's initialize, asking for the revision the gateway agreed with the client (a
  // session one), not whatever the client asked for: an upstream that echoes the request must
  // not be led into another era.
  const params = extend(session.initializeParams, { protocolVersion: session.protocolVersion });
  const response = await post({ jsonrpc: '2.0', id: INITIALIZE_ID, method: 'initialize', params }, {});
  if (response.statusCode !== 200) {
    if (await offersStateless(response, client.maxResponseBytes)) return STATELESS_ERA.open(opening);
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
  // An upstream session is of the era its revision names (eraOf): a stateless revision, which has
  // no initialize, in answer to one is a broken upstream, not a reason to treat it as stateless.
  if (typeof protocolVersion === 'string' && isStatelessVersion(protocolVersion)) {
    throw new UpstreamSessionError(deny('UPSTREAM_BAD_RESPONSE', `upstream "${client.name}" answered initialize with protocol revision ${JSON.stringify(protocolVersion)}, which has no initialize`));
  }
  const opened: UpstreamSession = {
    sessionId,
    protocolVersion: typeof protocolVersion === 'string' ? protocolVersion : session.protocolVersion,
    capabilities: typeof capabilities === 'object' && capabilities !== null ? (capabilities as Record<string, unknown>) : {},
  };
  if (typeof instructions === 'string') opened.instructions = instructions;
  // What it offers is known now, even if what follows fails: no client re-learns it for nothing.
  opening.learned(opened);

  const initialized = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, { sessionId, protocolVersion: opened.protocolVersion });
  await initialized.body.dump();
  if (initialized.statusCode >= 300) throw new UpstreamSessionError(badStatus(client.name, initialized.statusCode, 'notifications/initialized'));
  return opened;
}

/** Ends an upstream session (DELETE with its id), best effort and bounded in time. */
async function close(client: UpstreamClient, upstream: UpstreamSession): Promise<void> {
  if (!upstream.sessionId) return;
  try {
    const response = await client.request({
      method: 'DELETE',
      headers: upstreamHeaders(NOTHING_FORWARDED, client, { sessionId: upstream.sessionId, protocolVersion: upstream.protocolVersion, accept: UPSTREAM_ACCEPT }),
      timeoutMs: Math.min(client.timeoutMs, CLOSE_TIMEOUT_MS),
    });
    await response.body.dump();
  } catch {
    // The upstream is gone or slow; its own idle timeout will end the session.
  }
}
