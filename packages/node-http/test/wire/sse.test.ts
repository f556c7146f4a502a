import { describe, expect, it } from 'vitest';
import { formatSseEvent, SseParser, type SseEvent } from '../../src/wire/sse.js';

function parse(chunks: string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser((event) => events.push(event));
  for (const chunk of chunks) parser.feed(chunk);
  return events;
}

describe('SseParser', () => {
  it('dispatches events whatever the chunk boundaries and line endings', () => {
    const text = 'event: message\r\nid: 7\r\ndata: {"a":1}\r\n\r\n: comment\n\ndata: line one\ndata: line two\n\nretry: 3000\rid: 8\r\r\n';
    const whole = parse([text]);
    expect(whole).toEqual([
      { event: 'message', id: '7', data: '{"a":1}' },
      { data: 'line one\nline two' },
      { id: '8', retry: 3000, data: '' },
    ]);
    // Split between every character, CR and LF of a CRLF included.
    expect(parse([...text])).toEqual(whole);
  });

  it('waits for the blank line before dispatching, and ignores a field-less block', () => {
    const events: SseEvent[] = [];
    const parser = new SseParser((event) => events.push(event));
    parser.feed('data: partial');
    expect(events).toHaveLength(0);
    parser.feed('\n\n: only a comment\n\n');
    expect(events).toEqual([{ data: 'partial' }]);
  });

  it('round-trips through formatSseEvent, newlines in data included', () => {
    const event: SseEvent = { event: 'message', id: 'up:1', retry: 10, data: 'a\nb\r\nc' };
    expect(parse([formatSseEvent(event)])).toEqual([{ ...event, data: 'a\nb\nc' }]);
  });
});
