import { Utf8Stream } from './utf8-stream.js';

/** One server-sent event as the HTML standard's parser dispatches it. */
export interface SseEvent {
  event?: string;
  id?: string;
  retry?: number;
  data: string;
}

/**
 * An incremental SSE parser: feed it text as it arrives and it calls `onEvent` for every
 * complete event. Lines end in CRLF, LF or CR; comments are dropped; an event with no data
 * field is dispatched only if it carries an id or retry (those matter to resumption).
 *
 * Why not eventsource-parser (what the MCP SDK uses): it reports no id without data and a retry
 * only through a callback, so the gateway could not relay those, and it does not say when it holds
 * nothing (`idle`, which the relay's pass-through needs). It is this parser's differential test
 * (test/wire/sse-differential.test.ts); in speed neither was clearly ahead (bench/README.md, primitives.mjs).
 */
export class SseParser {
  /** Pieces of the line not ended yet, joined once its end arrives (never rescanned, never re-copied per chunk). */
  private partial: string[] = [];
  /** The last chunk ended in CR: a LF opening the next one belongs to that CRLF. */
  private afterCr = false;
  private data: string[] = [];
  private event: string | undefined;
  private id: string | undefined;
  private retry: number | undefined;
  private sawField = false;

  constructor(private readonly onEvent: (event: SseEvent) => void) {}

  /** Decodes bytes fed as they come, a character split across chunks included. */
  private decoder: Utf8Stream | undefined;

  /** True between events: nothing of a line, a field or a character is held for the next chunk. */
  get idle(): boolean {
    return this.partial.length === 0 && !this.afterCr && !this.sawField && !this.decoder?.holding;
  }

  /**
   * Feeds text, or bytes of UTF-8 (an undici body yields Buffers even after setEncoding). Only
   * the new text is scanned, so one long line fed in many chunks costs time linear in its length.
   */
  feed(chunk: string | Uint8Array): void {
    const text = typeof chunk === 'string' ? chunk : (this.decoder ??= new Utf8Stream()).decode(chunk);
    let start = 0;
    if (this.afterCr && text.length > 0) {
      this.afterCr = false;
      if (text.charCodeAt(0) === 10) start = 1;
    }
    // The next LF and CR, found by the engine's own search rather than a loop over characters.
    let nextLf = text.indexOf('\n', start);
    let nextCr = text.indexOf('\r', start);
    for (let i = start; i < text.length; i++) {
      if (nextLf !== -1 && nextLf < i) nextLf = text.indexOf('\n', i);
      if (nextCr !== -1 && nextCr < i) nextCr = text.indexOf('\r', i);
      const next = nextLf === -1 ? nextCr : nextCr === -1 ? nextLf : Math.min(nextLf, nextCr);
      if (next === -1) break;
      i = next;
      const c = text.charCodeAt(i);
      const piece = text.slice(start, i);
      let line = piece;
      if (this.partial.length > 0) {
        this.partial.push(piece);
        line = this.partial.join('');
        this.partial = [];
      }
      if (c === 13) {
        if (i === text.length - 1) this.afterCr = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
      this.line(line);
    }
    if (start < text.length) this.partial.push(start === 0 ? text : text.slice(start));
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        return;
    }
    this.sawField = true;
  }

  private dispatch(): void {
    if (this.sawField && (this.data.length > 0 || this.id !== undefined || this.retry !== undefined)) {
      const event: SseEvent = { data: this.data.join('\n') };
      if (this.event !== undefined) event.event = this.event;
      if (this.id !== undefined) event.id = this.id;
      if (this.retry !== undefined) event.retry = this.retry;
      this.onEvent(event);
    }
    this.data = [];
    this.event = undefined;
    this.id = undefined;
    this.retry = undefined;
    this.sawField = false;
  }
}

/** Serializes one event; data lines are split so a newline in the payload cannot end the event. */
export function formatSseEvent(event: SseEvent): string {
  let out = '';
  if (event.event !== undefined) out += `event: ${event.event}\n`;
  if (event.id !== undefined) out += `id: ${event.id}\n`;
  if (event.retry !== undefined) out += `retry: ${event.retry}\n`;
  const data = event.data;
  // JSON text as an upstream or the gateway serializes it has no line breaks: one data line.
  if (data.indexOf('\n') === -1 && data.indexOf('\r') === -1) out += `data: ${data}\n`;
  else for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** The headers of every SSE answer: no caching, no proxy buffering, so each event leaves at once. */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze(sseHead({}));

/**
 * The headers of an SSE answer (SSE_HEADERS) and its own, in a new object. A literal rather than a
 * spread of SSE_HEADERS: properties added after a spread build a new hidden class on every answer
 * on Node 20 (see extend in @gw/core).
 */
export function sseHead(headers: Record<string, string>): Record<string, string> {
  const head: Record<string, string> = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' };
  for (const name in headers) head[name] = headers[name]!;
  return head;
}
