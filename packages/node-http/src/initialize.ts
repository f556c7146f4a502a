import type { IncomingMessage, ServerResponse } from 'node:http';
import { deny, mergeCapabilities, type Denial, negotiateProtocolVersion, type AcceptedFormats, type JsonRpcParams, type JsonRpcRequest, type ServerCapabilities, type Subject } from '@gw/core';
import { sendDenial, sendJson } from './respond.js';
import type { GatewayRuntime } from './runtime.js';
import { formatSseEvent, SSE_HEADERS } from './sse.js';
import { MAX_TOKEN_CHARS } from './session-token.js';
import type { Session } from './sessions.js';
import { closeSessionUpstreams, upstreamSession, UpstreamSessionError } from './upstream-sessions.js';
import { GATEWAY_NAME, GATEWAY_VERSION } from './version.js';

/**
 * What an upstream that could not be asked contributes: the three server features, so the
 * client still tries them and gets a clear 502 per call rather than a session that can do nothing.
 */
const UNKNOWN_UPSTREAM: ServerCapabilities = { tools: {}, resources: {}, prompts: {} };

/**
 * The gateway answers initialize itself: it opens the client's session, and declares the
 * capabilities of all its upstreams merged. Upstreams whose capabilities it has not learned yet
 * are opened now for this session (their sessions are kept, not wasted); the others open lazily,
 * on the first message routed to them. With sealed session ids, every upstream opens now.
 */
export async function answerInitialize(
  gw: GatewayRuntime,
  req: IncomingMessage,
  res: ServerResponse,
  subject: Subject,
  request: JsonRpcRequest,
  formats: AcceptedFormats,
): Promise<Denial | undefined> {
  const params = request.params ?? {};
  const version = negotiateProtocolVersion(params['protocolVersion']);
  const opened = gw.sessions.sealing ? await openSealedSession(gw, req, subject, version, params) : await openSession(gw, req, subject, version, params);
  if (!opened.ok) {
    sendDenial(res, opened, request.id);
    return opened;
  }
  const { session } = opened;

  const profiles = [...gw.upstreams.keys()].map((name) => gw.profiles.get(name));
  const instructions = profiles.flatMap((profile) => (profile?.instructions ? [profile.instructions] : []));
  const result: Record<string, unknown> = {
    protocolVersion: version,
    capabilities: mergeCapabilities(profiles.map((profile) => profile?.capabilities ?? UNKNOWN_UPSTREAM)),
    serverInfo: { name: GATEWAY_NAME, version: GATEWAY_VERSION },
  };
  if (instructions.length > 0) result['instructions'] = instructions.join('\n\n');

  const body = { jsonrpc: '2.0', id: request.id, result };
  const headers = { 'mcp-session-id': session.id };
  if (formats.json) sendJson(res, 200, body, headers);
  else {
    res.writeHead(200, { ...SSE_HEADERS, ...headers });
    res.end(formatSseEvent({ data: JSON.stringify(body) }));
  }
  return undefined;
}

/** A session kept in this process; upstream sessions open lazily, except to learn capabilities. */
async function openSession(gw: GatewayRuntime, req: IncomingMessage, subject: Subject, version: string, params: JsonRpcParams): Promise<{ ok: true; session: Session } | Denial> {
  const session = gw.sessions.create(subject, version, params);
  if (!session) return deny('UNAVAILABLE', 'the gateway holds sessions.maxSessions sessions; try again later');
  const unknown = [...gw.upstreams.keys()].filter((name) => !gw.profiles.has(name));
  await Promise.all(unknown.map((name) => learnProfile(gw, name, () => upstreamSession(gw, session, name, req.headers))));
  return { ok: true, session };
}

/**
 * A session whose id is a sealed token. The id cannot change after initialize, so every
 * upstream session is opened now and its id sealed in: any replica can then use them. An
 * upstream that cannot be opened now is left out; whichever replica needs it later opens it
 * lazily and keeps it for itself.
 */
async function openSealedSession(gw: GatewayRuntime, req: IncomingMessage, subject: Subject, version: string, params: JsonRpcParams): Promise<{ ok: true; session: Session } | Denial> {
  const draft = gw.sessions.draft(subject, version, params);
  await Promise.all(
    [...gw.upstreams.keys()].map((name) =>
      upstreamSession(gw, draft, name, req.headers).catch((error: unknown) => {
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

/**
 * Opens an upstream session to learn the upstream's capabilities, unless another initialize is
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
