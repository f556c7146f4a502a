import type { Denial, JsonRpcParams, JsonRpcRequest, Subject } from '@gw/core';
import { deny, negotiateProtocolVersion } from '@gw/core/internal';
import { sendDenial, sendJson } from '../wire/respond.js';
import type { PostRequest } from '../http/post-request.js';
import type { GatewayRuntime } from '../runtime.js';
import { learnUnknownProfiles, serverFeatures } from '../federation/server-features.js';
import { formatSseEvent, sseHead } from '../wire/sse.js';
import { MAX_TOKEN_CHARS } from '../state/session-token.js';
import type { Session } from '../state/sessions.js';
import type { ForwardedHeaders } from '../upstream/forward-headers.js';
import { UpstreamSessionError } from '../upstream/upstream-errors.js';
import { closeSessionUpstreams, upstreamSession } from '../upstream/upstream-sessions.js';
import { GATEWAY_NAME, GATEWAY_VERSION } from '../wire/version.js';

/**
 * The gateway answers initialize itself: it opens the client's session, and declares the
 * capabilities of all its upstreams merged. Upstreams whose capabilities it has not learned yet
 * are opened now for this session (their sessions are kept, not wasted); the others open lazily,
 * on the first message routed to them. With sealed session ids, every upstream opens now.
 */
export async function answerInitialize(gw: GatewayRuntime, post: PostRequest, request: JsonRpcRequest): Promise<Denial | undefined> {
  const { res, subject, forwarded, formats } = post;
  const params = request.params ?? {};
  const version = negotiateProtocolVersion(params['protocolVersion']);
  const opened = gw.sessions.sealing ? await openSealedSession(gw, forwarded, subject, version, params) : await openSession(gw, forwarded, subject, version, params);
  if (!opened.ok) {
    sendDenial(res, opened, request.id);
    return opened;
  }
  const { session } = opened;

  const { capabilities, instructions } = serverFeatures(gw);
  const result: Record<string, unknown> = {
    protocolVersion: version,
    capabilities,
    serverInfo: { name: GATEWAY_NAME, version: GATEWAY_VERSION },
  };
  if (instructions !== undefined) result['instructions'] = instructions;

  const body = { jsonrpc: '2.0', id: request.id, result };
  const headers = { 'mcp-session-id': session.id };
  if (formats.json) sendJson(res, 200, body, headers);
  else {
    res.writeHead(200, sseHead(headers));
    res.end(formatSseEvent({ data: JSON.stringify(body) }));
  }
  return undefined;
}

/** A session kept in this process; upstream sessions open lazily, except to learn capabilities. */
async function openSession(gw: GatewayRuntime, forwarded: ForwardedHeaders, subject: Subject, version: string, params: JsonRpcParams): Promise<{ ok: true; session: Session } | Denial> {
  const session = gw.sessions.create(subject, version, params);
  if (!session) {
    const { maxPerSubject } = gw.options.sessions;
    if (gw.sessions.countOf(subject) >= maxPerSubject) {
      return deny('TOO_MANY_SESSIONS', `this client holds sessions.maxPerSubject (${maxPerSubject}) sessions already; end one with DELETE or let one expire`);
    }
    return deny('UNAVAILABLE', 'the gateway holds sessions.maxSessions sessions; try again later');
  }
  await learnUnknownProfiles(gw, session, forwarded);
  return { ok: true, session };
}

/**
 * A session whose id is a sealed token. The id cannot change after initialize, so every
 * upstream session is opened now and its id sealed in: any replica can then use them. An
 * upstream that cannot be opened now is left out; whichever replica needs it later opens it
 * lazily and keeps it for itself.
 */
async function openSealedSession(gw: GatewayRuntime, forwarded: ForwardedHeaders, subject: Subject, version: string, params: JsonRpcParams): Promise<{ ok: true; session: Session } | Denial> {
  const draft = gw.sessions.draft(subject, version, params);
  await Promise.all(
    [...gw.upstreams.keys()].map((name) =>
      upstreamSession(gw, draft, name, forwarded).catch((error: unknown) => {
        const reason = error instanceof UpstreamSessionError ? error.denial.error.message : String(error);
        gw.logger.warn('upstream not opened at initialize: left out of the sealed session id', { upstream: name, error: reason });
      }),
    ),
  );
  const session = gw.sessions.admit(draft, MAX_TOKEN_CHARS);
  if (session) return { ok: true, session };
  void closeSessionUpstreams(gw, draft);
  return deny('UPSTREAM_BAD_RESPONSE', `the upstreams' session ids do not fit in one session id of at most ${MAX_TOKEN_CHARS} characters`);
}
