import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { compileGateway } from '@gw/core';
import { ConnectionAuth } from '../src/state/connection-auth.js';
import { upstreamHeaders } from '../src/upstream/forward-headers.js';
import { gatewayEventId, splitEventId } from '../src/upstream/relay.js';
import { MAX_MERGED_ID_CHARS, parseLastEventId, sessionTag, StreamPositions } from '../src/federation/stream-positions.js';
import { formatSseEvent, SseParser, type SseEvent } from '../src/wire/sse.js';
import { createUpstreamClient, upstreamFailure } from '../src/upstream/upstream-client.js';
import { mediaTypeOf } from '../src/upstream/upstream-answer.js';
import { Utf8Stream } from '../src/wire/utf8-stream.js';
import { GATEWAY_VERSION } from '../src/wire/version.js';
import { readFileSync } from 'node:fs';

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

describe('authentication remembered per connection', () => {
  const KEY = 'k-0123456789abcdef0123456789abcdef';
  const core = compileGateway({
    auth: { apiKeys: [{ id: 'one', key: KEY, tenant: 't', client: 'c' }, { id: 'two', key: `${KEY}-2`, tenant: 't2', client: 'c2' }] },
    upstreams: [{ name: 'u', url: 'http://127.0.0.1:9/mcp' }],
  });
  let hashed = 0;
  const auth = new ConnectionAuth({ authenticate: (headers) => (hashed++, core.authenticate(headers)) });
  const request = (socket: object, ...rawHeaders: string[]) => ({ socket, rawHeaders: ['Host', 'x', ...rawHeaders] }) as unknown as IncomingMessage;

  it('authenticates a connection once per credential, and never lets it stand in for another or a wrong one', () => {
    const a = {};
    const b = {};
    hashed = 0;
    const first = auth.authenticate(request(a, 'Authorization', `Bearer ${KEY}`));
    expect(first).toMatchObject({ ok: true, subject: { apiKeyId: 'one' } });
    expect(auth.authenticate(request(a, 'authorization', `Bearer ${KEY}`))).toBe(first);
    expect(hashed).toBe(1);
    // Another connection, another key, a wrong key, the same key plus a conflicting one: each in full.
    expect(auth.authenticate(request(b, 'Authorization', `Bearer ${KEY}`))).toMatchObject({ ok: true, subject: { apiKeyId: 'one' } });
    expect(auth.authenticate(request(a, 'Authorization', `Bearer ${KEY}-2`))).toMatchObject({ ok: true, subject: { apiKeyId: 'two' } });
    expect(auth.authenticate(request(a, 'Authorization', `Bearer ${KEY.slice(0, -1)}x`))).toMatchObject({ ok: false, name: 'INVALID_CREDENTIALS' });
    expect(auth.authenticate(request(a, 'Authorization', `Bearer ${KEY}-2`, 'X-API-Key', KEY))).toMatchObject({ ok: false, name: 'AMBIGUOUS_CREDENTIALS' });
    expect(auth.authenticate(request(a))).toMatchObject({ ok: false, name: 'UNAUTHENTICATED' });
    expect(hashed).toBe(6);
    // The last success is what the connection remembers; failures in between changed nothing.
    expect(auth.authenticate(request(a, 'Authorization', `Bearer ${KEY}-2`))).toMatchObject({ ok: true, subject: { apiKeyId: 'two' } });
    expect(hashed).toBe(6);
  });

  it('reads repeated credential headers as sent, so a second key cannot hide behind a remembered first', () => {
    const a = {};
    expect(auth.authenticate(request(a, 'X-API-Key', KEY))).toMatchObject({ ok: true });
    expect(auth.authenticate(request(a, 'X-API-Key', KEY, 'x-api-key', `${KEY}-2`))).toMatchObject({ ok: false, name: 'AMBIGUOUS_CREDENTIALS' });
    expect(auth.authenticate(request(a, 'X-API-Key', KEY, 'Api-Key', KEY))).toMatchObject({ ok: true, subject: { apiKeyId: 'one' } });
  });
});

describe('upstream media types', () => {
  it('reads the media type of a Content-Type, lower case, without parameters', () => {
    expect(mediaTypeOf('application/json')).toBe('application/json');
    expect(mediaTypeOf('text/event-stream')).toBe('text/event-stream');
    expect(mediaTypeOf(' Text/Event-Stream ; charset=utf-8')).toBe('text/event-stream');
    expect(mediaTypeOf('APPLICATION/JSON')).toBe('application/json');
    expect(mediaTypeOf(['application/json; charset=utf-8', 'text/plain'])).toBe('application/json');
    expect(mediaTypeOf(undefined)).toBe('');
    expect(mediaTypeOf('')).toBe('');
  });
});

describe('event ids', () => {
  it('carry the upstream name so a resumption finds its stream', () => {
    expect(splitEventId(gatewayEventId('math', 'abc:def'))).toEqual({ upstream: 'math', id: 'abc:def' });
    expect(splitEventId('no-upstream')).toBeUndefined();
  });

  it('of the merged GET stream carry every upstream\'s position and read back the same on any gateway', () => {
    const positions = new StreamPositions();
    positions.set('math', sessionTag('m-1'), '_GET_stream#3');
    positions.set('docs', sessionTag('d-1'), 'id with spaces, commas: and ~tildes~');
    const id = positions.eventId();
    expect(id).toMatch(/^~[\x21-\x7e]+$/);
    expect(parseLastEventId(id)).toEqual({
      kind: 'merged',
      positions: new Map([
        ['docs', { tag: sessionTag('d-1'), id: 'id with spaces, commas: and ~tildes~' }],
        ['math', { tag: sessionTag('m-1'), id: '_GET_stream#3' }],
      ]),
    });
    expect(parseLastEventId('math:abc')).toEqual({ kind: 'stream', upstream: 'math', id: 'abc' });
  });

  it('of the merged GET stream stay bounded: a too long upstream id, and positions past the bound, are left out', () => {
    const positions = new StreamPositions();
    positions.set('long', sessionTag('l'), 'x'.repeat(257));
    expect(positions.eventId()).toBe('~');
    for (let i = 0; i < 40; i++) positions.set(`u${i}`, sessionTag(`s${i}`), 'y'.repeat(200));
    const id = positions.eventId();
    expect(id.length).toBeLessThanOrEqual(MAX_MERGED_ID_CHARS);
    const read = parseLastEventId(id);
    expect(read?.kind).toBe('merged');
    // The most recently moved positions are the ones kept.
    expect(read?.kind === 'merged' && read.positions.has('u39')).toBe(true);
    expect(read?.kind === 'merged' && read.positions.has('long')).toBe(false);
  });
});

describe('upstream request headers', () => {
  const client = createUpstreamClient({ name: 'u', type: 'http', url: 'http://127.0.0.1:1/mcp', timeoutMs: 1000, maxResponseBytes: 1024, maxConnections: 4, maxStreams: 4, auth: { type: 'apiKey', apiKey: { header: 'X-Upstream-Key', value: 'secret' } } });

  it('copies only allowlisted headers and sets the session, version and credential itself', () => {
    const headers = upstreamHeaders(
      {
        'x-trace-id': 't-1',
        'x-api-key': 'gateway-key',
        authorization: 'Bearer gateway-key',
        cookie: 'c=1',
        'mcp-session-id': 'client-facing-id',
        'x-upstream-key': 'forged',
        accept: 'text/html',
      },
      ['x-trace-id', 'mcp-session-id', 'accept'],
      client,
      { sessionId: 'upstream-id', protocolVersion: '2025-06-18', accept: 'application/json, text/event-stream', contentType: 'application/json' },
    );
    expect(headers).toEqual({
      'x-trace-id': 't-1',
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      'mcp-session-id': 'upstream-id',
      'mcp-protocol-version': '2025-06-18',
      'x-upstream-key': 'secret',
    });
    void client.close();
  });
});

describe('upstream failures', () => {
  it('maps timeouts to 504 and everything else to 502', () => {
    expect(upstreamFailure('u', Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' })).status).toBe(504);
    expect(upstreamFailure('u', Object.assign(new Error('x'), { code: 'UND_ERR_BODY_TIMEOUT' })).status).toBe(504);
    const refused = upstreamFailure('u', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    expect(refused.status).toBe(502);
    expect(refused.error.message).toContain('ECONNREFUSED');
  });
});

describe('GATEWAY_VERSION', () => {
  it('is the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(GATEWAY_VERSION).toBe(pkg.version);
  });
});

describe('the node:crypto key digest', () => {
  it('gives the same words as core\'s SHA-256 (@noble/hashes)', async () => {
    const { Sha256 } = await import('@gw/core/internal');
    const { createNodeKeyDigest } = await import('../src/http/key-digest.js');
    const digest = createNodeKeyDigest();
    for (const key of ['k', 'bench-key-0123456789abcdef', 'clé-✓', 'x'.repeat(4096)]) {
      expect(Array.from(digest(key))).toEqual(Array.from(new Sha256().words(key)));
    }
  });
});

describe('relaying server-to-client requests', () => {
  it('gives each a gateway id, so two upstreams asking with the same id never collide, and maps cancellations', async () => {
    const { SessionStore } = await import('../src/state/sessions.js');
    const { relayMessage } = await import('../src/upstream/relay.js');
    const store = new SessionStore({ idleTimeoutMs: 60_000, maxSessions: 1 }, () => undefined);
    const session = store.create({ tenant: 't', client: 'c', apiKeyId: 'k' }, '2025-06-18', {})!;
    const sent: unknown[] = [];
    const answer = { event: (_event: SseEvent, message: unknown) => void sent.push(message) };
    const ask = { jsonrpc: '2.0', id: 0, method: 'sampling/createMessage', params: {} };
    relayMessage(session, 'a', { data: JSON.stringify(ask) }, ask, answer);
    relayMessage(session, 'b', { data: JSON.stringify(ask) }, ask, answer);
    const [first, second] = sent as { id: number }[];
    expect(first!.id).not.toBe(second!.id);
    expect([...session.serverRequests.values()]).toEqual([
      { upstream: 'a', id: 0, gatewayId: first!.id },
      { upstream: 'b', id: 0, gatewayId: second!.id },
    ]);
    const cancel = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 0, reason: 'gave up' } };
    relayMessage(session, 'b', { data: JSON.stringify(cancel) }, cancel, answer);
    expect(sent[2]).toEqual({ ...cancel, params: { requestId: second!.id, reason: 'gave up' } });
    expect(session.serverRequests.size).toBe(1);
    // A response passes unchanged, and its id is reported as answered.
    const response = { jsonrpc: '2.0', id: 7, result: {} };
    expect(relayMessage(session, 'a', { data: JSON.stringify(response) }, response, answer)).toBe(7);
    store.drain();
  });
});
