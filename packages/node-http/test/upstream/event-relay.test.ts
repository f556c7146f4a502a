import { Buffer } from 'node:buffer';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { HeldAnswers, SseAnswer } from '../../src/wire/answer.js';
import { EventRelay } from '../../src/upstream/relay.js';
import { idKey, LocalServerRequests, type Session } from '../../src/state/sessions.js';
import { formatSseEvent, SseParser, type SseEvent } from '../../src/wire/sse.js';
import { Rng } from '../support/rng.js';

/** What a client reads from an event stream's bytes. */
function clientEvents(bytes: Buffer): SseEvent[] {
  const events: SseEvent[] = [];
  new SseParser((event) => events.push(event)).feed(bytes);
  return events;
}

/** A relay whose answer records what it would write; `passes` says whether it takes events as bytes. */
function recordingRelay(passes: boolean) {
  const out: Buffer[] = [];
  const passed: Buffer[] = [];
  const session = { serverRequests: new LocalServerRequests() } as unknown as Session;
  const answer = {
    event: (event: SseEvent) => void out.push(Buffer.from(formatSseEvent(event))),
    ...(passes ? { eventBytes: (bytes: Uint8Array) => void (out.push(Buffer.from(bytes)), passed.push(Buffer.from(bytes))) } : {}),
  };
  return { relay: new EventRelay(session, 'up', answer), out, passed, session };
}

const RESPONSE = '{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"ok"}]}}';

describe('EventRelay', () => {
  it('passes a chunk of events written as the gateway writes them on as its bytes, each id behind its upstream\'s name', () => {
    const plain = recordingRelay(true);
    const chunk = Buffer.from(`event: message\ndata: ${RESPONSE}\n\n`);
    plain.relay.feed(chunk);
    expect(plain.passed).toEqual([chunk]);
    expect([...plain.relay.answered]).toEqual([idKey(7)]);
    expect(plain.relay.resumable).toBe(false);

    const withIds = recordingRelay(true);
    withIds.relay.feed(Buffer.from(`event: message\nid: 41\ndata: \n\nid: 42\ndata: ${RESPONSE}\n\n`));
    expect(withIds.passed.map(String)).toEqual([`event: message\nid: up:41\ndata: \n\nid: up:42\ndata: ${RESPONSE}\n\n`]);
    expect([...withIds.relay.answered]).toEqual([idKey(7)]);
    expect(withIds.relay.resumable).toBe(true);
  });

  it('parses what it cannot pass as it came: a request gets a gateway id, another form of an event is written anew', () => {
    const { relay, passed, out } = recordingRelay(true);
    relay.feed(Buffer.from('event: message\ndata: {"jsonrpc":"2.0","id":0,"method":"roots/list"}\n\n'));
    relay.feed(Buffer.from(`data:${RESPONSE}\r\n\r\n`));
    expect(passed).toEqual([]);
    expect(out.map(String)).toEqual(['event: message\ndata: {"jsonrpc":"2.0","id":0,"method":"roots/list"}\n\n', `data: ${RESPONSE}\n\n`]);
    expect([...relay.answered]).toEqual([idKey(7)]);
  });

  it('gives the client the same events, answered ids and resumability whether chunks pass as bytes or are parsed', () => {
    const rng = new Rng(0x5e1a7);
    let passedChunks = 0;
    for (let round = 0; round < 1500; round++) {
      const events = Array.from({ length: rng.between(1, 4) }, () => generatedEvent(rng));
      const stream = Buffer.concat(events);
      const fast = recordingRelay(true);
      const parsed = recordingRelay(false);
      for (const chunk of chunksOf(events, rng)) {
        fast.relay.feed(chunk);
        parsed.relay.feed(chunk);
      }
      const label = JSON.stringify(stream.toString('latin1'));
      expect(clientEvents(Buffer.concat(fast.out)), label).toEqual(clientEvents(Buffer.concat(parsed.out)));
      expect([...fast.relay.answered], label).toEqual([...parsed.relay.answered]);
      expect(fast.relay.resumable, label).toBe(parsed.relay.resumable);
      expect([...fast.session.serverRequests.values()], label).toEqual([...parsed.session.serverRequests.values()]);
      passedChunks += fast.passed.length;
    }
    // The campaign exercises both ways (most generated events are in the gateway's own form).
    expect(passedChunks).toBeGreaterThan(300);
  });
});

describe('SseAnswer', () => {
  it('sends events held as text and as bytes in order, with the length of their bytes', async () => {
    const server = createServer((_req, res) => {
      const answer = new SseAnswer(res, {}, true, new HeldAnswers());
      answer.event({ event: 'message', data: '{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"café"}}' });
      answer.eventBytes(Buffer.from(`event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{"text":"naïve ✓"}}\n\n`));
      answer.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { headers, body } = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1' }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        })
          .on('error', reject)
          .end();
      });
      expect(headers['content-length']).toBe(String(body.length));
      expect(clientEvents(body).map((event) => event.data)).toEqual([
        '{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"café"}}',
        '{"jsonrpc":"2.0","id":1,"result":{"text":"naïve ✓"}}',
      ]);
    } finally {
      server.close();
    }
  });
});

/** One event as an upstream might write it: mostly the gateway's own form, sometimes another. */
function generatedEvent(rng: Rng): Buffer {
  const response = () => `{"jsonrpc":"2.0","id":${rng.int(50)},"result":{"content":[{"type":"text","text":"${rng.pick(['ok', 'café', 'naïve ✓', '\\"q\\"'])}"}]}}`;
  const message = rng.chance(0.5) ? response() : rng.pick([
    response,
    () => `{"jsonrpc":"2.0","id":"r-${rng.int(50)}","error":{"code":-32000,"message":"no"}}`,
    () => `{"jsonrpc":"2.0","id":${rng.int(5)},"method":"sampling/createMessage","params":{}}`,
    () => `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":${rng.int(5)}}}`,
    () => '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}',
    () => '[{"jsonrpc":"2.0","id":1,"result":{}},{"jsonrpc":"2.0","id":2,"result":{}}]',
    () => '{"jsonrpc":"2.0","id":3,"result":',
    () => '',
  ])();
  const id = rng.chance(0.3) ? `id: ${rng.pick(['1', '42', 'abc', '', 'é', 'a\0b'])}\n` : '';
  const kind = rng.chance(0.7) ? 'event: message\n' : '';
  const text = rng.chance(0.8) ? `${kind}${id}data: ${message}\n\n` : rng.pick([
    () => `${kind}${id}data:${message}\n\n`,
    () => `${kind}${id}data: ${message}\r\n\r\n`,
    () => `event: message\r${id}data: ${message}\n\n`,
    () => `: comment\n${kind}${id}data: ${message}\n\n`,
    () => `${id}${kind}data: ${message}\n\n`,
    () => `${kind}${id}retry: 1000\ndata: ${message}\n\n`,
    () => `${kind}${id}data: ${message.slice(0, 10)}\ndata: ${message.slice(10)}\n\n`,
    () => `${kind}${id}data: ${message}\n\n\n`,
  ])();
  const bytes = Buffer.from(text);
  // Now and then a byte that is not UTF-8: passed on, the client reads U+FFFD as the parser would.
  if (!rng.chance(0.05)) return bytes;
  return Buffer.concat([bytes.subarray(0, bytes.length - 8), Buffer.from([0xff]), bytes.subarray(bytes.length - 8)]);
}

/** The stream cut as a socket might deliver it: all at once, event by event, or anywhere. */
function chunksOf(events: Buffer[], rng: Rng): Buffer[] {
  const cut = rng.int(3);
  if (cut === 0) return [Buffer.concat(events)];
  if (cut === 1) return events;
  const stream = Buffer.concat(events);
  const chunks: Buffer[] = [];
  let at = 0;
  while (at < stream.length) {
    const size = rng.between(1, stream.length - at);
    chunks.push(stream.subarray(at, at + size));
    at += size;
  }
  return chunks;
}
