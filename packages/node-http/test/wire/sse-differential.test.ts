import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from '../../src/wire/sse.js';

/*
 * The gateway's SseParser held equal to eventsource-parser (the parser the MCP SDK uses), on
 * random and mutated event streams cut at random byte boundaries. What the two must agree on is
 * what the HTML standard says a client sees: each dispatched event's data, type ('' and none both
 * mean "message"), id, and the reconnection time (retry) in force when it is dispatched. One
 * difference is by design: the gateway also dispatches a block that has no data but carries an id
 * or a retry (with data ''), so that the client it relays to learns the id or the retry; the
 * library only applies them. Those blocks are the only extra events allowed.
 */

/** A small deterministic generator, so a failure names a seed that replays it. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state / 0x100000000;
  };
}

const FIELDS = ['data', 'data', 'data', 'data', 'event', 'id', 'id', 'retry', 'retry', '', 'dat', 'Data', 'ev:ent', 'retry '];
const VALUES = ['', ' ', '  x', 'message', 'ping', '{"jsonrpc":"2.0","id":1,"result":{}}', 'é€😀', '12', '0', '3000', '12a', ' 7', '-1', 'a\0b', 'x:y', ': z', 'ÿ'];
/** Values that mean something for a field (digits for retry), used most of the time. */
const FITTING: Record<string, readonly string[]> = {
  retry: ['3000', '0', '15', '007', '12a', ' 7', '-1', ''],
  id: ['1', 'up:7', '', 'a\0b', 'é'],
  event: ['message', '', 'ping', ' x'],
};
const ENDINGS = ['\n', '\n', '\r\n', '\r'];
const NOISE = ['\n', '\r', '\r\n', ':', ' ', 'd', 'data', '\0', 'é', '😀', ''];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

/** A stream of plausible blocks (fields, comments, bare names, blank lines), then mutated at a few places. */
function stream(next: () => number): string {
  let text = '';
  const blocks = 1 + Math.floor(next() * 6);
  for (let b = 0; b < blocks; b++) {
    const lines = 1 + Math.floor(next() * 4);
    for (let l = 0; l < lines; l++) {
      const roll = next();
      const eol = pick(next, ENDINGS);
      if (roll < 0.1) text += `:${pick(next, VALUES)}${eol}`;
      else if (roll < 0.2) text += `${pick(next, FIELDS)}${eol}`;
      else {
        const field = pick(next, FIELDS);
        const value = FITTING[field] !== undefined && next() < 0.7 ? pick(next, FITTING[field]) : pick(next, VALUES);
        text += `${field}:${next() < 0.7 ? ' ' : ''}${value}${eol}`;
      }
    }
    text += pick(next, ENDINGS);
  }
  const mutations = Math.floor(next() * 4);
  for (let m = 0; m < mutations; m++) {
    const at = Math.floor(next() * (text.length + 1));
    const cut = next() < 0.5 ? Math.floor(next() * 3) : 0;
    text = text.slice(0, at) + pick(next, NOISE) + text.slice(at + cut);
  }
  // Never cut a surrogate pair in two: a stream of text has none alone.
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '?');
}

/** Bytes cut at random places, characters split across chunks included. */
function chunks(next: () => number, bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    const size = next() < 0.3 ? 1 : 1 + Math.floor(next() * 12);
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

interface Seen {
  data: string;
  event: string | undefined;
  id: string | undefined;
  /** The reconnection time in force when the event was dispatched. */
  retry: number | undefined;
}

function byGateway(parts: Uint8Array[]): SseEvent[] {
  const dispatched: SseEvent[] = [];
  const parser = new SseParser((event) => dispatched.push(event));
  for (const part of parts) parser.feed(part);
  return dispatched;
}

function byLibrary(parts: Uint8Array[]): Seen[] {
  const seen: Seen[] = [];
  let retry: number | undefined;
  const decoder = new StringDecoder('utf8');
  const parser = createParser({
    onEvent: (event) => seen.push({ data: event.data, event: event.event || undefined, id: event.id, retry }),
    onRetry: (value) => { retry = value; },
  });
  let whole = '';
  for (const part of parts) {
    const text = decoder.write(part);
    parser.feed(text);
    whole += text;
  }
  // A CR ends a line at once (the standard; the gateway skips an LF after it). The library holds
  // a CR that ends a chunk until a later chunk with a line break shows whether an LF follows, so an
  // event ended by lone CRs may wait for the next line. The stream has ended: give it that line
  // break. (Only after a CR: after an LF, an LF would end the pending event, which must be dropped.)
  if (whole.slice(whole.lastIndexOf('\n') + 1).includes('\r')) parser.feed('\n');
  return seen;
}

/**
 * Lines the gateway's events up with the library's: every library event in order, and in between
 * only data-less blocks carrying an id or a retry (either reading of an event that could be both is
 * tried). Returns a description of the disagreement, or undefined.
 */
function disagreement(gateway: SseEvent[], library: Seen[]): string | undefined {
  let retry: number | undefined;
  const seen = gateway.map((event): Seen => {
    if (event.retry !== undefined) retry = event.retry;
    return { data: event.data, event: event.event || undefined, id: event.id, retry };
  });
  const extra = gateway.map((event) => event.data === '' && (event.id !== undefined || event.retry !== undefined));
  const failed = new Set<number>();
  const align = (g: number, l: number): boolean => {
    if (g === gateway.length) return l === library.length;
    const key = g * (library.length + 1) + l;
    if (failed.has(key)) return false;
    if (l < library.length && JSON.stringify(seen[g]) === JSON.stringify(library[l]) && align(g + 1, l + 1)) return true;
    if (extra[g] && align(g + 1, l)) return true;
    failed.add(key);
    return false;
  };
  if (align(0, 0)) return undefined;
  return `the gateway dispatched ${JSON.stringify(seen)} and the library ${JSON.stringify(library)}`;
}

describe('SseParser against eventsource-parser', () => {
  it('gives the same events, ids, types and retry on random and mutated streams cut at random byte boundaries', () => {
    const encoder = new TextEncoder();
    for (let seed = 1; seed <= 5000; seed++) {
      const next = random(seed);
      const text = stream(next);
      const parts = chunks(next, encoder.encode(text));
      const gateway = byGateway(parts);
      const library = byLibrary(parts);
      const problem = disagreement(gateway, library);
      expect(problem, `seed ${seed}: ${JSON.stringify(text)}`).toBeUndefined();
    }
  });

  it('gives the same events for a whole stream fed at once and fed a byte at a time', () => {
    const text = 'event: message\r\nid: 7\r\ndata: {"a":1}\r\n\r\n: comment\n\ndata: é€😀\ndata: two\n\nretry: 3000\rid: 8\rdata\r\r\n';
    const bytes = new TextEncoder().encode(text);
    const whole = byLibrary([bytes]);
    expect(whole).toEqual([
      { data: '{"a":1}', event: 'message', id: '7', retry: undefined },
      { data: 'é€😀\ntwo', event: undefined, id: undefined, retry: undefined },
      { data: '', event: undefined, id: '8', retry: 3000 },
    ]);
    const bytewise = [...bytes].map((byte) => Uint8Array.of(byte));
    expect(disagreement(byGateway(bytewise), whole)).toBeUndefined();
    expect(disagreement(byGateway([bytes]), whole)).toBeUndefined();
  });

  it('reports a real disagreement (the comparison is not vacuous)', () => {
    const library: Seen[] = [{ data: 'a', event: undefined, id: undefined, retry: undefined }];
    expect(disagreement([{ data: 'b' }], library)).toContain('the gateway dispatched');
    expect(disagreement([], library)).toContain('the gateway dispatched');
    expect(disagreement([{ data: 'a' }, { data: 'a' }], library)).toContain('the gateway dispatched');
    // A data-less block with a retry before an event is an extra, not that event.
    expect(disagreement([{ data: '', retry: 7 }, { data: '' }], [{ data: '', event: undefined, id: undefined, retry: 7 }])).toBeUndefined();
    expect(disagreement([{ data: '', id: '1' }, { data: 'a' }], library)).toBeUndefined();
  });
});
