import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from '../../src/wire/sse.js';
import { Utf8Stream } from '../../src/wire/utf8-stream.js';

describe('Utf8Stream', () => {
  const text = 'a é € 😀 z';
  const bytes = Buffer.from(text, 'utf8');

  it('decodes characters split between chunks at every byte, as SSE bytes reach the parser', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      for (let second = cut; second <= bytes.length; second++) {
        const stream = new Utf8Stream();
        const parts = [bytes.subarray(0, cut), bytes.subarray(cut, second), bytes.subarray(second)];
        expect(parts.map((part) => stream.decode(part)).join('')).toBe(text);
      }
    }
    const events: SseEvent[] = [];
    const parser = new SseParser((event) => events.push(event));
    for (const byte of Buffer.from(`data: ${text}\n\n`)) parser.feed(Uint8Array.of(byte));
    expect(events).toEqual([{ data: text }]);
  });

  it('turns invalid bytes into U+FFFD as TextDecoder does, and holds back only an unfinished character', () => {
    const invalid = Uint8Array.of(0x61, 0xff, 0x80, 0x62, 0xc3, 0x28);
    expect(new Utf8Stream().decode(invalid)).toBe(new TextDecoder().decode(invalid));
    const stream = new Utf8Stream();
    expect(stream.decode(Uint8Array.of(0x61, 0xe2, 0x82))).toBe('a');
    expect(stream.holding).toBe(true);
    expect(stream.decode(Uint8Array.of(0xac))).toBe('€');
    expect(stream.holding).toBe(false);
    expect(stream.decode(Uint8Array.of(0x80, 0x80, 0x80, 0x80))).toBe('\ufffd'.repeat(4));
    expect(stream.holding).toBe(false);
  });

  it('tells the SSE parser it is not idle while a character is cut, so the relay never passes raw bytes past it', () => {
    const parser = new SseParser(() => undefined);
    parser.feed(Buffer.from('data: a\n\n'));
    expect(parser.idle).toBe(true);
    parser.feed(Uint8Array.of(0xe2, 0x82));
    expect(parser.idle).toBe(false);
  });
});
