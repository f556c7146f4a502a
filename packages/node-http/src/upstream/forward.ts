import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { GATEWAY_ERRORS, type Denial, type JsonRpcId } from '@gw/core';
import { deny, isUpstreamFailure } from '@gw/core/internal';
import type { Answer } from '../wire/answer.js';
import type { Departure } from '../wire/departure.js';
import { scanAnswer, type ErrorCode } from '../wire/answer-scan.js';
import { UPSTREAM_ACCEPT, upstreamHeaders, type ForwardedHeaders } from './forward-headers.js';
import { EventRelay, relayJson, unanswered } from './relay.js';
import type { UpstreamRuntime } from './upstream-runtime.js';
import { idKey, type Session, type UpstreamSession } from '../state/sessions.js';
import { mediaTypeOf, parseJson } from './upstream-answer.js';
import { eraOf } from './era-of.js';
import { upstreamFailure, type Exchange, type ExchangeSink, type UpstreamClient } from './upstream-client.js';
import { badStatus, UpstreamSessionError } from './upstream-errors.js';
import { forgetUpstreamSession, upstreamSession } from './upstream-sessions.js';

/** One message (or the original bytes of one) on its way to an upstream. */
export interface Forwarding {
  session: Session;
  upstream: string;
  /** What of the client's headers may reach the upstream (picked where the request came in). */
  forwarded: ForwardedHeaders;
  body: string | Uint8Array;
  /** The id of the request in the body, if it is a request; its answer is awaited and relayed. */
  requestId: JsonRpcId | undefined;
  answer: Answer;
  /** The client going away: the upstream request is aborted with it. */
  departure: Departure;
  /** When set, a JSON answer goes to this response byte for byte (one request, client takes JSON). */
  direct?: { res: ServerResponse; headers: Record<string, string> };
  /** How the message failed, once it has: for the audit trail. */
  failure?: Denial;
  /**
   * The upstream answered the request with a JSON-RPC error, passed to the client as it came:
   * for the audit trail (`UPSTREAM_REFUSED` with the upstream's code), not a failure.
   */
  refused?: Denial;
  /**
   * The whole answer within the upstream's timeoutMs, however it streams: the gateway's own
   * requests (lists, catalog refreshes), whose events no one watches while they last.
   */
  bounded?: true;
  /**
   * A client's answer to a server-to-client request: never sent again on a new upstream session
   * when the upstream lost the one that asked, since the request it answers ended with it.
   */
  answersServer?: true;
}

/**
 * Sends one message to an upstream inside the client's session and relays the answer. The
 * upstream session opens on first use; if the upstream has forgotten it (404: it did not take the
 * message), it is reopened and a request or notification sent once more (a client's answer to a
 * server request is not: what it answers is gone). Failures become JSON-RPC errors for the request, recorded on
 * the job for the audit trail. One async function for all of it: each more is a promise per message.
 */
export async function forward(gw: UpstreamRuntime, job: Forwarding): Promise<Denial | undefined> {
  const key = job.requestId === undefined ? undefined : idKey(job.requestId);
  if (key) job.session.inFlight.set(key, job.upstream);
  try {
    for (let attempt = 0; ; attempt++) {
      // An open upstream session is used as it is, without a promise hop.
      let upstream = job.session.ready.get(job.upstream);
      const opening = upstream ? undefined : upstreamSession(gw, job.session, job.upstream, job.forwarded);
      if (opening) {
        try {
          upstream = await opening;
        } catch (error) {
          fail(job, error instanceof UpstreamSessionError ? error.denial : upstreamFailure(job.upstream, error));
          break;
        }
      }
      const outcome = await send(gw, job, upstream!);
      if (outcome !== 'session-gone') break;
      // The upstream ended its session (restart, its own idle timeout): open a new one, retry once.
      forgetUpstreamSession(job.session, job.upstream, upstream!);
      // A session a sealed id carries cannot be reopened: the next turn ends the client's session.
      if (job.answersServer && !job.session.sealed?.carried.has(job.upstream)) {
        fail(job, lostServerRequest(job.upstream));
        break;
      }
      if (attempt > 0) {
        fail(job, badStatus(job.upstream, 404, 'the request in a session it had just opened'));
        break;
      }
    }
  } finally {
    if (key && job.session.inFlight.get(key) === job.upstream) job.session.inFlight.delete(key);
  }
  const failure = job.failure;
  gw.metrics.upstream(job.upstream, failure);
  if (failure && isUpstreamFailure(failure.name)) gw.logger.warn('upstream failed', { upstream: job.upstream, error: failure.error.message });
  return failure;
}

/** A client's answer that cannot be delivered: the upstream session whose request it answers is gone. */
function lostServerRequest(upstream: string): Denial {
  return deny('UPSTREAM_BAD_RESPONSE', `upstream "${upstream}" no longer knows the session whose request this answers (it restarted or timed it out); the answer was not delivered, and the next message opens a new session there`);
}

function fail(job: Forwarding, denial: Denial): void {
  job.failure = denial;
  if (!job.departure.gone) job.answer.fail(job.requestId ?? null, denial);
}

/** How the answer's bytes are handled, chosen from its status and content type. */
type Mode = 'discard' | 'json' | 'sse' | 'refusal' | 'bad';

/** One exchange with the upstream; resolves when the answer is relayed (or the client left). */
function send(gw: UpstreamRuntime, job: Forwarding, upstream: UpstreamSession): Promise<'done' | 'session-gone'> {
  const client: UpstreamClient = gw.upstreams.get(job.upstream)!;
  const era = eraOf(upstream);
  // The message as the upstream's era takes it (a stateless one: its client in _meta, its name in headers).
  const outgoing = era.outgoing(job.body, job.session, job.forwarded);
  if (!outgoing) return Promise.resolve('done');
  const headers = withHeaders(
    upstreamHeaders(job.forwarded, client, {
      sessionId: upstream.sessionId,
      protocolVersion: upstream.protocolVersion,
      accept: UPSTREAM_ACCEPT,
      contentType: 'application/json',
    }),
    outgoing.headers,
  );
  return new Promise((resolve) => new UpstreamCall(job, client, upstream, era.refusesWith404, resolve).send(headers, outgoing.body));
}

/**
 * One message's exchange with its upstream, as the sink of the answer: what the answer turned out
 * to be and what has arrived of it. An object with methods rather than closures made per message.
 */
class UpstreamCall implements ExchangeSink {
  private mode: Mode = 'discard';
  private status = 0;
  private type = '';
  private chunks: Buffer[] = [];
  private received = 0;
  private relay: EventRelay | undefined;
  private sessionGone = false;
  private exchange: Exchange | undefined;
  private stopWatching: (() => void) | undefined;

  constructor(
    private readonly job: Forwarding,
    private readonly client: UpstreamClient,
    private readonly upstream: UpstreamSession,
    /** The upstream's era answers a message it refuses with 404 (not a forgotten session). */
    private readonly refusesWith404: boolean,
    private readonly resolve: (outcome: 'done' | 'session-gone') => void,
  ) {}

  /** When the message went to the upstream. */
  private sentAt = 0;

  send(headers: Record<string, string>, body: string | Uint8Array): void {
    this.sentAt = performance.now();
    this.exchange = this.client.exchange({ method: 'POST', headers, body }, this);
    this.stopWatching = this.job.departure.on(() => {
      this.exchange!.abort();
      this.finish();
    });
  }

  start(status: number, headers: IncomingHttpHeaders): void {
    const { job } = this;
    this.status = status;
    const type = (this.type = mediaTypeOf(headers['content-type']));
    if (status === 404 && this.upstream.sessionId !== undefined) this.sessionGone = true;
    else if (status === 200 && type === 'text/event-stream') {
      this.mode = 'sse';
      this.relay = new EventRelay(job.session, job.upstream, job.answer, job.requestId === undefined ? null : idKey(job.requestId));
      // A client that takes only JSON sees nothing of the stream until the response: each event
      // resetting the silence timer, an upstream streaming forever would hold it (and the gateway's
      // reading) for ever. Its wait is timeoutMs in all. A streaming client sees the progress and
      // may cancel, so its stream is timed by silence only.
      if ((!job.answer.streams || job.bounded) && job.requestId !== undefined) this.deadline = setTimeout(() => this.expire(), Math.max(0, this.client.timeoutMs - (performance.now() - this.sentAt)));
    } else if (status === 200 && type === 'application/json') this.mode = job.requestId === undefined ? 'discard' : 'json';
    else if (status === 202 || (status === 200 && job.requestId === undefined)) this.mode = 'discard';
    else if (status >= 400 && status < 500 && status !== 401 && status !== 403 && (status !== 404 || this.refusesWith404)) this.mode = 'refusal';
    else this.mode = 'bad';
  }

  data(chunk: Buffer): void {
    const { job, client, mode } = this;
    if (mode === 'sse') {
      if (!this.relay!.feed(chunk, client.maxResponseBytes)) {
        this.exchange!.abort();
        fail(job, deny('UPSTREAM_BAD_RESPONSE', `upstream "${job.upstream}" sent an event of more than ${client.maxResponseBytes} bytes (upstreams[].maxResponseBytes)`));
        return this.finish();
      }
      if (job.requestId !== undefined && this.relay!.answered.size !== 0 && this.relay!.answered.has(idKey(job.requestId))) {
        // The response is in: the client's answer does not wait for the upstream to close its
        // stream (the specification has it close after the response). The rest is read and
        // dropped, so the connection goes back to the pool.
        noteRefusal(job, this.relay!.refused.get(idKey(job.requestId)));
        this.mode = 'discard';
        return this.finish();
      }
      // The client reads slower than the upstream writes: stop reading until it catches up.
      if (job.answer.congested) {
        const exchange = this.exchange!;
        exchange.pause();
        job.answer.onceDrained(() => exchange.resume());
      }
    } else if (mode !== 'discard' && mode !== 'bad') {
      this.received += chunk.length;
      this.chunks.push(chunk);
      if (this.received > client.maxResponseBytes) {
        // A JSON answer is held whole before it is sent: bound what one upstream can make the gateway hold.
        this.exchange!.abort();
        fail(job, deny('UPSTREAM_BAD_RESPONSE', `upstream "${job.upstream}" answered with more than ${client.maxResponseBytes} bytes (upstreams[].maxResponseBytes)`));
        this.chunks = [];
        this.finish();
      }
    }
  }

  end(): void {
    if (!this.sessionGone) complete(this.job, this.mode, this.status, this.type, this.chunks, this.relay);
    this.chunks = [];
    this.finish();
  }

  error(error: Error): void {
    // The message was answered or given up already: what the upstream does now concerns no one.
    if (this.done) return;
    // Before any answer, the exchange failed (refused, timed out); after, the upstream broke off.
    const { job } = this;
    const failure = upstreamFailure(job.upstream, error);
    fail(job, this.status === 0 || failure.name === 'UPSTREAM_TIMEOUT' ? failure : deny('UPSTREAM_BAD_RESPONSE', `upstream "${job.upstream}" broke off its answer (${(error as { code?: string }).code ?? 'stream error'})`));
    this.sessionGone = false;
    this.finish();
  }

  /** The message is answered, failed or abandoned: the caller has been told. */
  private done = false;

  /** A JSON-only client's whole wait for a streamed answer, set only for those. */
  private deadline: NodeJS.Timeout | undefined;

  private expire(): void {
    if (this.done) return;
    this.exchange!.abort();
    fail(this.job, deny('UPSTREAM_TIMEOUT', `upstream "${this.job.upstream}" streamed for ${this.client.timeoutMs} ms without answering (upstreams[].timeoutMs)`));
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    if (this.deadline) clearTimeout(this.deadline);
    this.stopWatching?.();
    this.resolve(this.sessionGone ? 'session-gone' : 'done');
  }
}

function withHeaders(headers: Record<string, string>, extra: Readonly<Record<string, string>> | undefined): Record<string, string> {
  if (extra) for (const [name, value] of Object.entries(extra)) headers[name] = value;
  return headers;
}

/** Delivers a complete answer according to its mode. */
function complete(job: Forwarding, mode: Mode, status: number, type: string, body: Buffer[], relay: EventRelay | undefined): void {
  const { upstream, answer } = job;
  switch (mode) {
    case 'discard':
      return;
    case 'json': {
      const bytes = body.length === 1 ? body[0]! : Buffer.concat(body);
      if (job.direct) {
        // Passed on byte for byte only once it is known to be the response to this request:
        // an upstream's invalid or empty body must become a JSON-RPC error, not a 200 with it.
        // As latin1 (one character per byte) the same text is scanned and then written unchanged.
        const latin1 = bytes.toString('latin1');
        const scanned = scanAnswer(latin1);
        if (scanned.kind === 'invalid') return fail(job, notJson(upstream));
        if (scanned.kind === 'response' && scanned.id === job.requestId) {
          noteRefusal(job, scanned.errorCode);
          return sendJsonText(latin1, job.direct);
        }
        // Anything else (a batch, server requests before the response) is relayed message by message.
      }
      const text = bytes.toString('utf8');
      const key = idKey(job.requestId!);
      const answered = relayJson(job.session, upstream, text, answer, key);
      if (!answered.has(key)) fail(job, parseJson(text).ok ? unanswered(upstream) : notJson(upstream));
      else noteRefusal(job, answered.get(key));
      return;
    }
    case 'sse': {
      const done = job.requestId === undefined || relay!.answered.has(idKey(job.requestId));
      if (job.requestId !== undefined && relay!.refused.has(idKey(job.requestId))) noteRefusal(job, relay!.refused.get(idKey(job.requestId)));
      // A resumable stream may end early on purpose (SSE polling): the client resumes with GET.
      if (!done && !(relay!.resumable && answer.streams)) fail(job, unanswered(upstream));
      return;
    }
    case 'refusal': {
      // The upstream refused the message itself (bad params, say): the client gets its words and status.
      const refusal = upstreamRefusal(Buffer.concat(body).toString('utf8'), status);
      return fail(job, refusal ?? badStatus(upstream, status, 'the request'));
    }
    case 'bad':
      return fail(job, status === 200 ? deny('UPSTREAM_BAD_RESPONSE', `upstream "${upstream}" answered with content type "${type}"`) : badStatus(upstream, status, 'the request'));
  }
}

function notJson(upstream: string): Denial {
  return deny('UPSTREAM_BAD_RESPONSE', `upstream "${upstream}" answered with a body that is not JSON`);
}

/** Records that the upstream answered the request with an error of its own (see Forwarding.refused). */
function noteRefusal(job: Forwarding, errorCode: ErrorCode): void {
  job.refused = refusalOf(job.upstream, errorCode);
}

/**
 * The audit trail's record of an error response the upstream sent inside a 200 answer (JSON or
 * SSE), passed to the client as it came; undefined for a result.
 */
export function refusalOf(upstream: string, errorCode: ErrorCode): Denial | undefined {
  if (errorCode === undefined) return undefined;
  return {
    ok: false,
    name: 'UPSTREAM_REFUSED',
    status: 200,
    // A malformed error (no integer code) is recorded under the table's code for the outcome.
    error: { code: errorCode ?? GATEWAY_ERRORS.UPSTREAM_REFUSED.code, message: `refused by upstream "${upstream}"` },
  };
}

/** A 4xx body that is a JSON-RPC error, as a denial carrying the upstream's own error object. */
function upstreamRefusal(text: string, status: number): Denial | undefined {
  const parsed = parseJson(text);
  const error = parsed.ok ? (parsed.value as { error?: unknown } | null)?.error : undefined;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (!Number.isInteger(code) || typeof message !== 'string') return undefined;
  // The error object and status are the upstream's own; the name says who refused.
  return { ok: false, name: 'UPSTREAM_REFUSED', status, error: error as Denial['error'] };
}

/**
 * Sends a JSON answer on unchanged, byte for byte, once it is whole: a JSON answer is one
 * message, useless in part, and an upstream that breaks off mid-body must become a JSON-RPC
 * error rather than a truncated 200. The text is the answer's bytes as latin1, one character each.
 */
function sendJsonText(latin1: string, direct: { res: ServerResponse; headers: Record<string, string> }): void {
  if (direct.res.headersSent || direct.res.destroyed) return;
  // All headers in one object given to writeHead: node:http takes it as it is, where headers set
  // before with setHeader would first be merged with it.
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': latin1.length };
  for (const name in direct.headers) headers[name] = direct.headers[name]!;
  direct.res.writeHead(200, headers);
  // As a latin1 string (each byte one character, so the bytes are unchanged) node:http sends the
  // head and the body in one write instead of a writev of two buffers.
  direct.res.end(latin1, 'latin1');
}
