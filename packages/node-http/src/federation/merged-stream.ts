import type { ServerResponse } from 'node:http';
import { authorizeStream, type Denial, type JsonRpcRequest, type Subject } from '@gw/core';
import { deny } from '@gw/core/internal';
import { EventRelay } from '../upstream/relay.js';
import { sessionTag, StreamPositions, type Position, type Resumption } from './stream-positions.js';
import type { GatewayRuntime } from '../runtime.js';
import { Departure } from '../wire/departure.js';
import type { Session, StandaloneStream, UpstreamSession } from '../state/sessions.js';
import { eraOf } from '../upstream/era-of.js';
import { listenUpstream, responseFlow } from '../upstream/upstream-listen.js';
import { formatSseEvent, type SseEvent } from '../wire/sse.js';
import { endLostSession } from '../upstream/upstream-sessions.js';
import { UPSTREAM_ACCEPT, upstreamHeaders, type ForwardedHeaders } from '../upstream/forward-headers.js';
import type { UpstreamClient } from '../upstream/upstream-client.js';
import { mediaTypeOf } from '../upstream/upstream-answer.js';
import type { Answer } from '../wire/answer.js';

// One client stream merged from its upstreams' streams: the 2025 GET stream (session/get-stream.ts)
// and the 2026-07-28 subscriptions/listen (stateless/listen.ts) both open one. It lives here, below
// both eras, so neither era imports the other; the checks that admit such a stream live with it.

/**
 * Admits a client's new stream: the subject must have the right to one (authorizeStream in
 * core) and a place among its sessions.maxStreamsPerSubject. Gives the function that frees the
 * place when the stream ends, or the denial to answer with. Checked before any upstream work,
 * so a subject with no right to a stream costs the upstreams nothing.
 */
export function admitStream(gw: GatewayRuntime, subject: Subject): { ok: true; release: () => void } | Denial {
  const allowed = authorizeStream(gw.core.policy, subject);
  if (!allowed.ok) return allowed;
  const release = gw.streams.take(subject);
  if (!release) return deny('TOO_MANY_STREAMS', `this client holds sessions.maxStreamsPerSubject (${gw.options.sessions.maxStreamsPerSubject}) streams already; close one first`);
  return { ok: true, release };
}

/** The refusal for a stream that would open on an upstream with all its upstreams[].maxStreams places taken, if one would. */
export function upstreamStreamsFull(gw: GatewayRuntime, upstreams: Iterable<string>): Denial | undefined {
  for (const name of upstreams) {
    const client = gw.upstreams.get(name);
    if (client && client.openStreams >= client.maxStreams) {
      return deny('STREAMS_EXHAUSTED', `upstream "${name}" has its upstreams[].maxStreams (${client.maxStreams}) streams open; try again later`);
    }
  }
  return undefined;
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
    /** What of the client's headers may reach the upstreams. */
    private readonly forwarded: ForwardedHeaders,
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

  /** Settles when each upstream stream attached so far has answered (or failed), so nothing it sends from then on is missed. */
  started(): Promise<void> {
    return Promise.all(this.starting).then(() => undefined);
  }

  /** One per attach: resolved by the upstream's answer to its GET, or by its relay ending. */
  private readonly starting: Promise<void>[] = [];
  private readonly onStart = new Map<string, () => void>();

  attach(name: string): void {
    if (this.attached.has(name) || this.abort.signal.aborted) return;
    this.attached.add(name);
    this.live++;
    let opened!: () => void;
    this.starting.push(new Promise<void>((resolve) => (opened = resolve)));
    this.onStart.set(name, opened);
    void this.relay(name).finally(() => {
      opened();
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
    await listenUpstream(this.gw, this.forwarded, responseFlow(this.res), this.session, request, name, upstream, { toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true }, departure, deliver);
    await new Promise<void>((resolve) => departure.on(resolve));
  }

  /** Relays one upstream's GET stream until it ends, fails or this stream closes, on one of the upstream's stream places. */
  private async relay(name: string): Promise<void> {
    const upstream = await this.session.upstreams.get(name)?.catch(() => undefined);
    if (!upstream || this.abort.signal.aborted) return;
    const client = this.gw.upstreams.get(name)!;
    // A stateless upstream has no GET stream: its own subscriptions/listen carries its list
    // changes (and takes its own stream place).
    if (eraOf(upstream).reportsChangesBy === 'listen') return this.listen(name, upstream, this.writer().event);
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
    const opened = this.onStart.get(name);
    await new Promise<void>((resolve) => {
      const exchange = client.exchange(
        {
          method: 'GET',
          headers: upstreamHeaders(this.forwarded, client, {
            sessionId: upstream.sessionId,
            protocolVersion: upstream.protocolVersion,
            accept: UPSTREAM_ACCEPT,
            ...(lastEventId === undefined ? {} : { lastEventId }),
          }),
          stream: true,
        },
        {
          start(status, headers) {
            opened?.();
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
