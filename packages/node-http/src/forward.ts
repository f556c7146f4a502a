import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { deny, type Denial, type JsonRpcId } from '@gw/core';
import type { Dispatcher } from 'undici';
import type { Answer } from './answer.js';
import { upstreamHeaders } from './forward-headers.js';
import { relayEventStream, relayJson, unanswered } from './relay.js';
import type { GatewayRuntime } from './runtime.js';
import { idKey, type Session, type UpstreamSession } from './sessions.js';
import { mediaType, parseJson } from './upstream-answer.js';
import { upstreamFailure } from './upstream-client.js';
import { badStatus, forgetUpstreamSession, UPSTREAM_ACCEPT, upstreamSession, UpstreamSessionError } from './upstream-sessions.js';

/** One message (or the original bytes of one) on its way to an upstream. */
export interface Forwarding {
  session: Session;
  upstream: string;
  clientHeaders: IncomingHttpHeaders;
  body: string | Uint8Array;
  /** The id of the request in the body, if it is a request; its answer is awaited and relayed. */
  requestId: JsonRpcId | undefined;
  answer: Answer;
  /** Aborted when the client goes away: the upstream request is aborted with it. */
  signal: AbortSignal;
  /** When set, a JSON answer goes to this response byte for byte (one request, client takes JSON). */
  direct?: { res: ServerResponse; headers: Record<string, string> };
}

/**
 * Sends one message to an upstream inside the client's session and relays the answer. The
 * upstream session opens on first use; if the upstream has forgotten it (404), it is reopened
 * and the message sent once more. Failures become JSON-RPC errors for the request.
 */
export async function forward(gw: GatewayRuntime, job: Forwarding): Promise<void> {
  const client = gw.upstreams.get(job.upstream)!;
  const key = job.requestId === undefined ? undefined : idKey(job.requestId);
  if (key) job.session.inFlight.set(key, job.upstream);
  const fail = (denial: Denial) => {
    if (!job.signal.aborted) job.answer.fail(job.requestId ?? null, denial);
  };
  try {
    let response: Dispatcher.ResponseData | undefined;
    for (let attempt = 0; response === undefined; attempt++) {
      const opening = upstreamSession(gw, job.session, job.upstream, job.clientHeaders);
      let upstream: UpstreamSession;
      try {
        upstream = await opening;
      } catch (error) {
        return fail(error instanceof UpstreamSessionError ? error.denial : upstreamFailure(job.upstream, error));
      }
      try {
        response = await client.request({
          method: 'POST',
          headers: upstreamHeaders(job.clientHeaders, gw.options.upstreamHeaders.forward, client, {
            sessionId: upstream.sessionId,
            protocolVersion: upstream.protocolVersion,
            accept: UPSTREAM_ACCEPT,
            contentType: 'application/json',
          }),
          body: job.body,
          signal: job.signal,
        });
      } catch (error) {
        return fail(upstreamFailure(job.upstream, error));
      }
      if (response.statusCode === 404 && upstream.sessionId !== undefined && attempt === 0) {
        // The upstream ended its session (restart, its own idle timeout): open a new one, retry once.
        await response.body.dump();
        forgetUpstreamSession(job.session, job.upstream, opening);
        response = undefined;
      }
    }
    await relayAnswer(job, response, fail);
  } finally {
    if (key && job.session.inFlight.get(key) === job.upstream) job.session.inFlight.delete(key);
  }
}

async function relayAnswer(job: Forwarding, response: Dispatcher.ResponseData, fail: (denial: Denial) => void): Promise<void> {
  const { session, upstream, answer } = job;
  const status = response.statusCode;
  const type = mediaType(response);
  try {
    if (status === 202 || (status === 200 && job.requestId === undefined && type !== 'text/event-stream')) {
      await response.body.dump();
      return;
    }
    if (status === 200 && type === 'application/json') {
      if (job.direct) return await sendJsonBytes(response, job.direct);
      const answered = relayJson(session, upstream, await response.body.text(), answer);
      if (job.requestId !== undefined && !answered.has(idKey(job.requestId))) fail(unanswered(upstream));
      return;
    }
    if (status === 200 && type === 'text/event-stream') {
      const outcome = await relayEventStream(session, upstream, response.body, answer);
      const done = job.requestId === undefined || outcome.answered.has(idKey(job.requestId));
      // A resumable stream may end early on purpose (SSE polling): the client resumes with GET.
      if (!done && !job.signal.aborted && !(outcome.resumable && answer.streams)) fail(unanswered(upstream));
      return;
    }
    if (status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 404) {
      // The upstream refused the message itself (bad params, say): the client gets its words and status.
      const refusal = upstreamRefusal(await response.body.text(), status);
      if (refusal) return fail(refusal);
    } else {
      await response.body.dump();
    }
    fail(status === 200 ? deny('UPSTREAM_BAD_RESPONSE', `upstream "${upstream}" answered with content type "${type}"`) : badStatus(upstream, status, 'the request'));
  } catch (error) {
    // The upstream answered, then broke off: a timeout is still 504, anything else a bad answer.
    if (job.signal.aborted) return;
    const failure = upstreamFailure(upstream, error);
    fail(failure.name === 'UPSTREAM_TIMEOUT' ? failure : deny('UPSTREAM_BAD_RESPONSE', `upstream "${upstream}" broke off its answer (${(error as { code?: string }).code ?? 'stream error'})`));
  }
}

/** A 4xx body that is a JSON-RPC error, as a denial carrying the upstream's own error object. */
function upstreamRefusal(text: string, status: number): Denial | undefined {
  const parsed = parseJson(text);
  const error = parsed.ok ? (parsed.value as { error?: unknown } | null)?.error : undefined;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (!Number.isInteger(code) || typeof message !== 'string') return undefined;
  // The nearest table entry names it; the error object is the upstream's own.
  return { ok: false, name: 'BAD_REQUEST', status, error: error as Denial['error'] };
}

/**
 * Sends a JSON answer on unchanged, byte for byte. It is read whole first: a JSON answer is one
 * message, useless in part, and an upstream that breaks off mid-body must become a JSON-RPC
 * error rather than a truncated 200.
 */
async function sendJsonBytes(response: Dispatcher.ResponseData, direct: { res: ServerResponse; headers: Record<string, string> }): Promise<void> {
  const bytes = new Uint8Array(await response.body.arrayBuffer());
  if (direct.res.headersSent || direct.res.destroyed) return;
  direct.res.writeHead(200, { ...direct.headers, 'content-type': 'application/json', 'content-length': String(bytes.byteLength) });
  direct.res.end(bytes);
}
