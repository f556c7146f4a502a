import type { JsonRpcId } from '@gw/core';
import { deny } from '@gw/core/internal';
import type { Answer } from '../wire/answer.js';
import { idKey, type Session } from '../state/sessions.js';
import { scanAnswer, type ErrorCode } from '../wire/answer-scan.js';
import { parseJson } from './upstream-answer.js';
import { SseParser, type SseEvent } from '../wire/sse.js';
import { readCanonical } from '../wire/canonical-events.js';
import { asBuffer } from '../wire/utf8-stream.js';

/**
 * Event ids an upstream gives its SSE events are prefixed with the upstream's name, so a
 * client resuming with Last-Event-ID reaches the upstream whose stream it was (names cannot
 * contain ':').
 */
export function gatewayEventId(upstream: string, id: string): string {
  return `${upstream}:${id}`;
}

/** Gives the id the client sees for an upstream's own event id. */
export type EventIdMap = (id: string) => string;

/**
 * The event as the client sees it: its id, if it has one, prefixed with the upstream's name, or
 * as `eventId` makes it (the merged GET stream's ids carry every upstream's position).
 */
function withGatewayEventId(upstream: string, event: SseEvent, eventId?: EventIdMap): SseEvent {
  if (event.id === undefined) return event;
  return { ...event, id: eventId ? eventId(event.id) : gatewayEventId(upstream, event.id) };
}

/** The upstream and its own event id inside a gateway event id. */
export function splitEventId(id: string): { upstream: string; id: string } | undefined {
  const colon = id.indexOf(':');
  return colon > 0 ? { upstream: id.slice(0, colon), id: id.slice(colon + 1) } : undefined;
}

/**
 * Hands one upstream message to the client. A server-to-client request gets a gateway id (two
 * upstreams both number their requests from 0) that leads the client's response back to the
 * upstream that asked: remembered in the session, or, with sealed session ids, signed into the
 * id itself so any replica can route the response. Everything else passes unchanged. Returns
 * the id of the response it carried, if any.
 */
export function relayMessage(
  session: Session,
  upstream: string,
  event: SseEvent,
  message: unknown,
  answer: Pick<Answer, 'event'>,
  expected?: ExpectedResponse,
  eventId?: EventIdMap,
): JsonRpcId | undefined {
  const out = withGatewayEventId(upstream, event, eventId);
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    answer.event(out, message);
    return undefined;
  }
  const record = message as { id?: unknown; method?: unknown };
  if (typeof record.method === 'string' && (typeof record.id === 'string' || typeof record.id === 'number')) {
    const gatewayId = session.serverRequests.add(upstream, record.id);
    const rewritten = { ...record, id: gatewayId };
    answer.event({ ...out, data: JSON.stringify(rewritten) }, rewritten);
    return undefined;
  }
  if (record.method === 'notifications/cancelled') {
    const cancelled = cancelledServerRequest(session, upstream, message as { params?: { requestId?: unknown } });
    if (cancelled) {
      answer.event({ ...out, data: JSON.stringify(cancelled) }, cancelled);
      return undefined;
    }
  }
  const id = typeof record.method !== 'string' && (typeof record.id === 'string' || typeof record.id === 'number') ? record.id : undefined;
  // A response to a request the gateway did not send on this exchange (another client's, another
  // upstream's, or none) is the upstream's mistake or its attack: it never reaches the client.
  if (id !== undefined && expected !== undefined && idKey(id) !== expected) return undefined;
  answer.event(out, message);
  return id;
}

/**
 * The one response an exchange may carry, as idKey gives it; null when it carries none (a
 * notification or a client's response was forwarded, a standalone GET stream). A resumed stream,
 * which may carry the response of the stream it resumes, checks nothing: undefined.
 */
export type ExpectedResponse = string | null;

/**
 * An upstream withdrawing one of its own requests names it by its own id; the client knows it by
 * the gateway's. Returns the notification with the id the client knows, or undefined if it names
 * no relayed request.
 */
function cancelledServerRequest(session: Session, upstream: string, notification: { params?: { requestId?: unknown } }): unknown {
  const gatewayId = session.serverRequests.withdraw(upstream, notification.params?.requestId);
  return gatewayId === undefined ? undefined : { ...notification, params: { ...notification.params, requestId: gatewayId } };
}

/**
 * Relays an upstream's SSE answer event by event, as its bytes arrive, and keeps track of what
 * the stream carried: the responses (to know which requests were answered) and whether its
 * events had ids (a stream the client can resume may end early on purpose).
 */
export class EventRelay {
  /** Ids (as keys) of the responses the stream carried. */
  readonly answered = new Set<string>();
  /** The error codes of the error responses among them, by id key (for the audit trail). */
  readonly refused = new Map<string, number | null>();
  /** Whether any event had an id. */
  resumable = false;
  /** Made for the first chunk that does not pass as it came (most streams never need one). */
  private parser: SseParser | undefined;

  constructor(
    private readonly session: Session,
    private readonly upstream: string,
    private readonly answer: Pick<Answer, 'event' | 'eventBytes'>,
    private readonly expected?: ExpectedResponse,
    /** The ids the client sees; `<upstream>:<id>` without it. */
    private readonly eventId?: EventIdMap,
  ) {}

  /** Bytes fed since the last event was dispatched: one event's size, bounded by the caller. */
  private sinceEvent = 0;

  /**
   * Feeds bytes as they come (the parser decodes a character split across chunks once whole). Returns
   * false once a single event has grown past `maxEventBytes` (the parser would hold it whole).
   */
  feed(chunk: Uint8Array, maxEventBytes = Number.POSITIVE_INFINITY): boolean {
    this.sinceEvent += chunk.length;
    if (this.answer.eventBytes !== undefined && (this.parser === undefined || this.parser.idle) && this.passCanonical(chunk)) {
      this.sinceEvent = 0;
      return true;
    }
    (this.parser ??= new SseParser((event) => this.relay(event))).feed(chunk);
    return this.sinceEvent <= maxEventBytes;
  }

  /** Passes a chunk of whole events as it came, if they are written as the gateway writes them (canonical-events.ts). */
  private passCanonical(chunk: Uint8Array): boolean {
    const bytes = asBuffer(chunk);
    const text = bytes.toString('latin1');
    const found = readCanonical(text);
    if (found === undefined) return false;
    // A response this exchange did not ask for is dropped event by event, by the parser's path.
    if (this.expected !== undefined) for (const id of found.answered) if (idKey(id) !== this.expected) return false;
    for (let i = 0; i < found.answered.length; i++) this.noteAnswered(idKey(found.answered[i]!), found.errorCodes[i]);
    if (found.idStarts.length === 0) {
      this.answer.eventBytes!(bytes);
      return true;
    }
    // Ids made from more than the upstream's own (the merged stream's) are written by the parser's path.
    if (this.eventId) return false;
    this.resumable = true;
    // Each id gets its upstream's name in front, as gatewayEventId writes it.
    const prefix = gatewayEventId(this.upstream, '');
    let out = '';
    let from = 0;
    for (const start of found.idStarts) {
      out += text.slice(from, start) + prefix;
      from = start;
    }
    this.answer.eventBytes!(Buffer.from(out + text.slice(from), 'latin1'));
    return true;
  }

  private relay(event: SseEvent): void {
    this.sinceEvent = 0;
    if (event.id !== undefined) this.resumable = true;
    if (this.answer.eventBytes !== undefined && event.data !== '') {
      // A response (most events) is only checked, not built: the answer writes its text as it is.
      const scanned = scanAnswer(event.data);
      if (scanned.kind !== 'other') {
        if (scanned.kind === 'response') {
          const key = idKey(scanned.id);
          if (this.expected !== undefined && key !== this.expected) return;
          this.noteAnswered(key, scanned.errorCode);
        }
        this.answer.event(withGatewayEventId(this.upstream, event, this.eventId), undefined);
        return;
      }
    }
    const parsed = event.data === '' ? undefined : parseJson(event.data);
    if (!parsed?.ok) {
      // A priming event (id and retry, no data) lets the client resume; data that is not JSON is
      // the upstream's to explain. Both pass as they are.
      this.answer.event(withGatewayEventId(this.upstream, event, this.eventId), undefined);
      return;
    }
    const batch = Array.isArray(parsed.value);
    for (const message of batch ? (parsed.value as unknown[]) : [parsed.value]) {
      const answered = relayMessage(this.session, this.upstream, batch ? { ...event, data: JSON.stringify(message) } : event, message, this.answer, this.expected, this.eventId);
      if (answered !== undefined) this.noteAnswered(idKey(answered), errorCodeIn(message));
    }
  }

  private noteAnswered(key: string, errorCode: ErrorCode): void {
    this.answered.add(key);
    if (errorCode !== undefined) this.refused.set(key, errorCode);
  }
}

/** What a parsed response says of its failure (see ErrorCode). */
export function errorCodeIn(message: unknown): ErrorCode {
  if (typeof message !== 'object' || message === null || !Object.hasOwn(message, 'error')) return undefined;
  const error = (message as { error?: unknown }).error;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return Number.isInteger(code) ? (code as number) : null;
}

/**
 * Relays an upstream's JSON answer (one message or a batch). Returns what it answered: each
 * response's id key, with what the response says of its failure (see ErrorCode).
 */
export function relayJson(session: Session, upstream: string, text: string, answer: Answer, expected: ExpectedResponse): Map<string, ErrorCode> {
  const answered = new Map<string, ErrorCode>();
  const parsed = parseJson(text);
  if (!parsed.ok) return answered;
  const batch = Array.isArray(parsed.value);
  for (const message of batch ? (parsed.value as unknown[]) : [parsed.value]) {
    const id = relayMessage(session, upstream, { data: batch ? JSON.stringify(message) : text }, message, answer, expected);
    if (id !== undefined) answered.set(idKey(id), errorCodeIn(message));
  }
  return answered;
}

/** The error for requests an upstream stream ended without answering. */
export function unanswered(upstream: string) {
  return deny('UPSTREAM_BAD_RESPONSE', `upstream "${upstream}" ended its answer without responding`);
}
