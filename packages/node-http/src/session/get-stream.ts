import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkAccept, deny, streamMessageAllowed, type JsonRpcRequest, type Subject } from '@gw/core';
import { EventRelay } from '../upstream/relay.js';
import { parseLastEventId, sessionTag, StreamPositions, type Position, type Resumption } from '../federation/stream-positions.js';
import { checkRequest, findLiveSession, header } from '../http/request-checks.js';
import { sendDenial } from '../wire/respond.js';
import type { GatewayRuntime } from '../runtime.js';
import { Departure } from '../wire/departure.js';
import { admitStream, upstreamStreamsFull } from '../state/stream-slots.js';
import type { Session, StandaloneStream, UpstreamSession } from '../state/sessions.js';
import { isStateless } from '../upstream/stateless-upstream.js';
import { listenUpstream, responseFlow } from '../upstream/upstream-listen.js';
import { formatSseEvent, sseHead, type SseEvent } from '../wire/sse.js';
import { endLostSession, UPSTREAM_ACCEPT } from '../upstream/upstream-sessions.js';
import { upstreamHeaders } from '../upstream/forward-headers.js';
import type { UpstreamClient } from '../upstream/upstream-client.js';
import { mediaTypeOf } from '../upstream/upstream-answer.js';
import type { Answer } from '../wire/answer.js';

/**
 * GET: the client's stream of messages its upstreams send outside any request. The gateway
 * merges the GET stream of every upstream session the client's session has (and of each one
 * that opens later) into one; its event ids carry each upstream's position (stream-positions.ts).
 * With the Last-Event-ID of such an event it resumes every upstream's stream, each from its
 * position where it has one; with that of a POST's stream it resumes the one upstream stream
 * that event came from. A newer GET, resumed or not, replaces an older one of the same session.
 * With sealed session ids, whichever replica receives the GET opens the upstream GETs itself.
 */
export async function handleGet(gw: GatewayRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const accept = checkAccept(header(req.headers, 'accept'), 'stream');
  if (!accept.ok) return sendDenial(res, accept, null);
  const checked = checkRequest(gw, req);
  if (!checked.ok) return sendDenial(res, checked, null);
  const found = await findLiveSession(gw, req, res, checked.subject);
  if (!found.ok) return sendDenial(res, found, null);
  const { session } = found;

  const lastEventId = header(req.headers, 'last-event-id');
  const resume = lastEventId === undefined ? undefined : parseLastEventId(lastEventId);
  if (lastEventId !== undefined && !resume) {
    return sendDenial(res, deny('BAD_REQUEST', 'Last-Event-ID is not the id of an event this gateway sent; send the last id received, or none'), null);
  }
  // A POST's stream resumed through GET: the one upstream that answered it.
  const single = resume?.kind === 'stream' ? resume : undefined;
  if (single && !session.upstreams.has(single.upstream)) {
    return sendDenial(res, deny('BAD_REQUEST', 'Last-Event-ID names no stream of this session'), null);
  }
  // A merged stream's positions name configured upstreams; those without a session here are not resumed.
  if (resume?.kind === 'merged') {
    for (const name of resume.positions.keys()) {
      if (!gw.upstreams.has(name)) return sendDenial(res, deny('BAD_REQUEST', 'Last-Event-ID names no stream of this session'), null);
    }
  }
  // The stream this one replaces gives its places back first: a client reconnecting its GET
  // never finds itself over its bound.
  if (!single) session.stream?.close();
  const admitted = admitStream(gw, checked.subject);
  if (!admitted.ok) return sendDenial(res, admitted, null);
  const full = upstreamStreamsFull(gw, single ? [single.upstream] : session.upstreams.keys());
  if (full) {
    admitted.release();
    return sendDenial(res, full, null);
  }

  res.writeHead(200, sseHead({ 'mcp-session-id': session.id }));
  res.flushHeaders();
  const stream = new MergedStream(gw, session, req, res, resume, streamFilter(gw, checked.subject), admitted.release);
  if (single) {
    stream.attach(single.upstream);
    return;
  }
  session.stream = stream;
  for (const [name, opening] of session.upstreams) opening.then(() => stream.attach(name), () => undefined);
}

/**
 * What of the upstreams' streams reaches a subject: list changes of the lists it may call and
 * updates of resources it may read (streamMessageAllowed in core); the rest passes as it came.
 */
function streamFilter(gw: GatewayRuntime, subject: Subject): StreamFilter {
  const core = gw.core;
  return (event, message) => (streamMessageAllowed(core, subject, message) ? event : undefined);
}

/** What passes from an upstream stream to the client's, possibly changed; undefined drops it. */
export type StreamFilter = (event: SseEvent, message: unknown) => SseEvent | undefined;

/** The client's GET response, fed by one GET per upstream session. */
export class MergedStream implements StandaloneStream {
  private readonly attached = new Set<string>();
  private readonly abort = new AbortController();
  private live = 0;
  /** When resuming a POST's stream: its upstream and that upstream's own event id; the stream ends with it. */
  private readonly single: { upstream: string; id: string } | undefined;
  /** When resuming a merged stream: where each upstream's stream starts again, used once. */
  private readonly from: Map<string, Position>;
  /** Each upstream's position on this stream, which every event id carries. */
  private readonly positions: StreamPositions;

  constructor(
    private readonly gw: GatewayRuntime,
    private readonly session: Session,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    /** What a Last-Event-ID asked to resume, if anything. */
    resume: Resumption | undefined,
    /** Keeps (and may change) what reaches the client; everything passes without it. */
    private readonly filter?: StreamFilter,
    /** Gives the subject's stream place back when this stream ends. */
    private readonly release?: () => void,
  ) {
    this.single = resume?.kind === 'stream' ? resume : undefined;
    this.from = resume?.kind === 'merged' ? resume.positions : new Map();
    this.positions = new StreamPositions(this.from);
    res.on('close', () => this.close());
  }

  attach(name: string): void {
    if (this.attached.has(name) || this.abort.signal.aborted) return;
    this.attached.add(name);
    this.live++;
    void this.relay(name).finally(() => {
      this.live--;
      // A resumed POST stream ends with its upstream's; a merged one lets a reopened upstream session attach again.
      if (this.single) {
        if (this.live === 0) this.close();
      } else {
        this.attached.delete(name);
      }
    });
  }

  close(): void {
    if (this.abort.signal.aborted) return;
    this.release?.();
    this.abort.abort();
    if (this.session.stream === this) this.session.stream = undefined;
    if (!this.res.writableEnded) this.res.end();
  }

  /** Relays a stateless upstream's list changes, through a listen of the gateway's own, until this stream closes. */
  private async listen(name: string, upstream: UpstreamSession, deliver: (event: SseEvent, message: unknown) => void): Promise<void> {
    const departure = new Departure();
    this.abort.signal.addEventListener('abort', () => departure.leave(), { once: true });
    const request: JsonRpcRequest = { jsonrpc: '2.0', id: 0, method: 'subscriptions/listen' };
    await listenUpstream(this.gw, this.req, responseFlow(this.res), this.session, request, name, upstream, { toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true }, departure, deliver);
    await new Promise<void>((resolve) => departure.on(resolve));
  }

  /** Relays one upstream's GET stream until it ends, fails or this stream closes, on one of the upstream's stream places. */
  private async relay(name: string): Promise<void> {
    const upstream = await this.session.upstreams.get(name)?.catch(() => undefined);
    if (!upstream || this.abort.signal.aborted) return;
    const client = this.gw.upstreams.get(name)!;
    // A stateless upstream has no GET stream: its own subscriptions/listen carries its list
    // changes (and takes its own stream place).
    if (isStateless(upstream)) return this.listen(name, upstream, this.writer().event);
    const place = client.takeStream();
    if (!place) {
      // Admitted while there was room; an upstream session opened since finds none: this
      // upstream contributes nothing to the stream, the others go on.
      this.gw.logger.warn('upstream stream not opened: upstreams[].maxStreams reached', { upstream: name });
      return;
    }
    try {
      const tag = sessionTag(upstream.sessionId);
      const start = this.from.get(name);
      this.from.delete(name);
      // A position is resumed only in the upstream session that gave it: another (the upstream
      // restarted, or another replica opened its own) would not know the id.
      const lastEventId = this.single ? this.single.id : start?.tag === tag ? start.id : undefined;
      if (!this.single && lastEventId === undefined) this.positions.delete(name);
      const streamed = await this.relayOn(name, upstream, client, lastEventId, tag);
      // An upstream that refuses to resume from the position (it forgot the id) is streamed freshly.
      if (!streamed && !this.single && lastEventId !== undefined && !this.abort.signal.aborted && this.session.ready.get(name) === upstream) {
        this.positions.delete(name);
        await this.relayOn(name, upstream, client, undefined, tag);
      }
    } finally {
      place();
    }
  }

  /** Where one upstream's events go: through the filter, if there is one, to the client's response. */
  private writer(): Pick<Answer, 'event' | 'eventBytes'> {
    const { res, filter } = this;
    return {
      event: (event: SseEvent, message: unknown) => {
        const out = filter ? filter(event, message) : event;
        if (out && !res.writableEnded) res.write(formatSseEvent(out));
      },
      // Without a filter, events are written as text: responses are only checked, and events the
      // upstream wrote as the gateway would pass as their bytes.
      eventBytes: filter
        ? undefined
        : (bytes: Uint8Array) => {
            if (!res.writableEnded) res.write(bytes);
          },
    };
  }

  /** Relays one upstream's GET stream, from `lastEventId` when given; resolves whether the upstream answered with a stream. */
  private async relayOn(name: string, upstream: UpstreamSession, client: UpstreamClient, lastEventId: string | undefined, tag: string): Promise<boolean> {
    const { res, session, positions } = this;
    const writer = this.writer();
    // Only a POST's stream resumed may carry a response (of the request it answered).
    const resumed = this.single !== undefined;
    const eventId = resumed
      ? undefined
      : (id: string) => {
          positions.set(name, tag, id);
          return positions.eventId();
        };
    // The upstream forgot a session the sealed id carries: the client's session is over.
    let lost = false;
    let relay: EventRelay | undefined;
    await new Promise<void>((resolve) => {
      const exchange = client.exchange(
        {
          method: 'GET',
          headers: upstreamHeaders(this.req.headers, this.gw.options.upstreamHeaders.forward, client, {
            sessionId: upstream.sessionId,
            protocolVersion: upstream.protocolVersion,
            accept: UPSTREAM_ACCEPT,
            ...(lastEventId === undefined ? {} : { lastEventId }),
          }),
          stream: true,
        },
        {
          start(status, headers) {
            // 405: this upstream offers no stream of its own, which the protocol allows.
            const type = mediaTypeOf(headers['content-type']);
            // A standalone stream carries no response (the specification forbids one there): one
            // would be an upstream answering a request it was never sent, perhaps another
            // upstream's. A resumed stream may carry the response of the stream it resumes.
            if (status === 200 && type === 'text/event-stream') relay = new EventRelay(session, name, writer, resumed ? undefined : null, eventId);
            else if (status === 404 && upstream.sessionId !== undefined && session.sealed?.carried.has(name)) lost = true;
          },
          data(chunk) {
            if (relay && !relay.feed(chunk, client.maxResponseBytes)) {
              // One event past upstreams[].maxResponseBytes: this upstream's stream ends, the others go on.
              exchange.abort();
              return done();
            }
            if (relay && res.writableNeedDrain) {
              exchange.pause();
              res.once('drain', () => exchange.resume());
            }
          },
          end: () => done(),
          // The upstream's stream broke; the others carry on.
          error: () => done(),
        },
      );
      const onClose = () => {
        exchange.abort();
        resolve();
      };
      const done = () => {
        this.abort.signal.removeEventListener('abort', onClose);
        resolve();
      };
      this.abort.signal.addEventListener('abort', onClose, { once: true });
    });
    if (lost) endLostSession(this.gw, session, name);
    return relay !== undefined;
  }
}
