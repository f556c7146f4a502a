import type { ServerResponse } from 'node:http';
import type { Denial, JsonRpcId } from '@gw/core';
import { extend, jsonRpcError } from '@gw/core/internal';
import { sendDenial, sendJson } from './respond.js';
import { formatSseEvent, sseHead, type SseEvent } from './sse.js';

/**
 * Where the messages answering one POST go. The client may take SSE (events leave as they
 * arrive) or only JSON (responses are collected and sent once all are in); the code that
 * relays upstream answers does not need to know which.
 */
export interface Answer {
  /** One message for the client: the event's data is its JSON text, `message` the parsed value. */
  event(event: SseEvent, message: unknown): void;
  /**
   * Present when the answer writes events as text and never reads `message`: then a response
   * passes on without being parsed into objects, only checked (answer-scan.ts), and events
   * already written as the client gets them come here as their bytes (canonical-events.ts).
   */
  eventBytes?(bytes: Uint8Array): void;
  /** The gateway's own error for a request; before anything was written it becomes the HTTP status. */
  fail(id: JsonRpcId | null, denial: Denial): void;
  /** Everything is in: send what is held and end the response. */
  end(): void;
  /** True once the client has gone. */
  readonly gone: boolean;
  /** True when the client receives events as they come (and so can resume a stream). */
  readonly streams: boolean;
  /** True while the client's socket has more queued than it should: stop reading upstream. */
  readonly congested: boolean;
  /** Runs `resume` once the client has taken what was queued. */
  onceDrained(resume: () => void): void;
}

/**
 * The SSE answers of one gateway holding the events of this turn of the event loop. After the
 * turn, those still holding go on as streams: one timer for every answer of the turn rather than
 * one each, as nearly every answer ends within its turn and would only find its timer with
 * nothing to do. One per gateway (GatewayRuntime.heldAnswers), so two gateways share nothing.
 */
export class HeldAnswers {
  private holding: SseAnswer[] = [];

  /** Set once, so a turn's timer costs no new function. */
  private readonly openHeld = (): void => {
    const answers = this.holding;
    this.holding = [];
    for (const answer of answers) answer.open();
  };

  /** Holds an answer until the end of this turn; the first of the turn sets the turn's timer. */
  hold(answer: SseAnswer): void {
    if (this.holding.push(answer) === 1) setImmediate(this.openHeld);
  }
}

/** Events held as text (formatted by the gateway) and as bytes (passed as they came), in one piece. */
function joined(pieces: (string | Uint8Array)[]): string | Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  let text = true;
  for (const piece of pieces) if (typeof piece !== 'string') text = false;
  return text ? pieces.join('') : Buffer.concat(pieces.map((piece) => (typeof piece === 'string' ? Buffer.from(piece) : piece)));
}

function isResponse(message: unknown): boolean {
  return typeof message === 'object' && message !== null && 'id' in message && !('method' in message);
}

/**
 * Answers as an event stream, opened when the first event is ready, so an early failure can still
 * set the status. The events of the first turn of the event loop are held: an answer that is
 * complete by then (the usual tools/call) leaves as one write with a Content-Length, head and
 * events together; a longer one becomes a chunked stream after that turn, and its later events
 * go out as they come.
 */
export class SseAnswer implements Answer {
  readonly streams = true;
  private started = false;
  /** Events not written yet: set from the first event until the end of its turn. */
  private held: (string | Uint8Array)[] | undefined;
  private readonly pending: { id: JsonRpcId | null; denial: Denial }[] = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Record<string, string>,
    /** With one request in the POST, a failure before any event is answered with its HTTP status. */
    private readonly single: boolean,
    /** The gateway's answers of this turn, which this one joins with its first event. */
    private readonly turn: HeldAnswers,
  ) {}

  get gone(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  get congested(): boolean {
    return this.res.writableNeedDrain;
  }

  onceDrained(resume: () => void): void {
    this.res.once('drain', resume);
  }

  event(event: SseEvent): void {
    this.put(formatSseEvent(event));
  }

  eventBytes(bytes: Uint8Array): void {
    this.put(bytes);
  }

  private put(events: string | Uint8Array): void {
    if (this.gone) return;
    if (this.held !== undefined) {
      this.held.push(events);
    } else if (this.started) {
      this.res.write(events);
    } else {
      this.started = true;
      this.held = [events];
      this.turn.hold(this);
    }
  }

  /** The answer goes on past the turn of its first event: open the stream with what was held. */
  open(): void {
    const held = this.held;
    if (held === undefined || this.gone) return;
    this.held = undefined;
    this.res.writeHead(200, sseHead(this.headers));
    this.res.write(joined(held));
  }

  fail(id: JsonRpcId | null, denial: Denial): void {
    if (this.single && !this.started) this.pending.push({ id, denial });
    else this.event({ data: JSON.stringify(jsonRpcError(denial, id)) });
  }

  end(): void {
    // Already answered: the client left, or the answer went out directly as JSON bytes.
    if (this.gone || (!this.started && this.res.headersSent)) return;
    const first = this.pending[0];
    if (first && !this.started) {
      sendDenial(this.res, first.denial, first.id, this.headers);
      return;
    }
    if (this.held !== undefined) {
      // Complete within one turn: the whole stream is known, so it goes with its length, in one
      // write (no chunk framing, no corked pieces gathered into a writev).
      const body = joined(this.held);
      this.held = undefined;
      const head = sseHead(this.headers);
      head['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
      this.res.writeHead(200, head);
      this.res.end(body);
      return;
    }
    if (!this.started) {
      // Every request was cancelled or the stream held nothing: still a valid, empty stream.
      this.res.writeHead(200, sseHead(this.headers));
    }
    this.res.end();
  }
}

/**
 * Answers with JSON: the responses are held and sent at the end, one object for a single
 * message, an array for a batch. Notifications and server requests on an upstream's stream
 * cannot reach a client that takes no streams, so they are not kept.
 */
export class JsonAnswer implements Answer {
  readonly streams = false;
  private readonly responses: unknown[] = [];
  private firstFailure: Denial | undefined;
  private failures = 0;

  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Record<string, string>,
    private readonly batch: boolean,
  ) {}

  get gone(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  /** Nothing is written before the end, so nothing queues up. */
  readonly congested = false;

  onceDrained(resume: () => void): void {
    resume();
  }

  event(_event: SseEvent, message: unknown): void {
    if (isResponse(message)) this.responses.push(message);
  }

  fail(id: JsonRpcId | null, denial: Denial): void {
    this.firstFailure ??= denial;
    this.failures++;
    this.responses.push(jsonRpcError(denial, id));
  }

  end(): void {
    if (this.gone || this.res.headersSent) return;
    if (this.responses.length === 0) {
      this.res.writeHead(202, this.headers);
      this.res.end();
      return;
    }
    // When every answer is the gateway's own failure of one kind, the HTTP status says so too.
    const status = this.firstFailure && this.failures === this.responses.length && !this.batch ? this.firstFailure.status : 200;
    const headers = status === 200 || !this.firstFailure?.headers ? this.headers : extend(this.headers, this.firstFailure.headers);
    sendJson(this.res, status, this.batch ? this.responses : this.responses[0], headers);
  }
}

/**
 * An answer that hands everything to another (the client's) and lets a subclass change what it
 * must: the gateway's own requests upstream capture or rename their response this way, while
 * notifications and server requests flow on to the client at the client's pace.
 */
export class DelegatingAnswer implements Answer {
  constructor(protected readonly client: Answer) {}

  get gone(): boolean {
    return this.client.gone;
  }

  get streams(): boolean {
    return this.client.streams;
  }

  get congested(): boolean {
    return this.client.congested;
  }

  onceDrained(resume: () => void): void {
    this.client.onceDrained(resume);
  }

  event(event: SseEvent, message: unknown): void {
    this.client.event(event, message);
  }

  fail(id: JsonRpcId | null, denial: Denial): void {
    this.client.fail(id, denial);
  }

  /** The client's answer is ended by whoever owns it, not by a request made on its behalf. */
  end(): void {}
}
