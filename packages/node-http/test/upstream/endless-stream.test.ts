import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMcp, waitUntil, type FakeMcp } from '../support/fake-mcp.js';
import { openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';

// An upstream that answers a call with an event stream that never ends and never carries the
// response (a notification every few milliseconds) costs a client that takes only JSON a bounded
// time: its answer, the gateway's 504, comes within the upstream's timeoutMs, and the stream is
// closed upstream. A client that takes the stream sees its events as they come (progress of a long
// call is legitimate) and ends it by leaving, which closes it upstream too.

const TIMEOUT_MS = 1_000;
let fake: FakeMcp;
let gw: RunningGateway;
let streams = 0;
let closed = 0;

beforeAll(async () => {
  fake = await startFakeMcp((_call, _req, res) => {
    streams++;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const progress = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x'.repeat(200) } });
    const timer = setInterval(() => res.write(`event: message\ndata: ${progress}\n\n`), 5);
    res.once('close', () => {
      clearInterval(timer);
      closed++;
    });
  });
  gw = await startGateway({
    auth: { apiKeys: [{ key: 'k', tenant: 't' }] },
    policy: { rules: [{ allow: { methods: ['*'], tools: ['*'] } }] },
    upstreams: [{ name: 'endless', url: fake.url, timeoutMs: TIMEOUT_MS }],
  });
});

afterAll(async () => {
  await gw?.close();
  await fake?.close();
});

describe('an upstream stream that never ends', () => {
  it('a client accepting only JSON gets its 504 within timeoutMs, and the upstream stream is closed', async () => {
    const session = await openSession(gw.url, { 'x-api-key': 'k' });
    const before = closed;
    const started = Date.now();
    const answer = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'forever', arguments: {} } }, { 'x-api-key': 'k', 'mcp-session-id': session, accept: 'application/json' });
    const took = Date.now() - started;
    expect(answer.status).toBe(504);
    expect(answer.body).toMatchObject({ id: 1, error: { code: -50400 } });
    // timeoutMs and generous room for a loaded machine, far below "never".
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(took).toBeLessThan(TIMEOUT_MS + 4_000);
    expect(await waitUntil(() => closed > before, 5_000)).toBe(true);
  });

  it('a client taking the stream sees the events as they come, and leaving closes the stream upstream', async () => {
    const session = await openSession(gw.url, { 'x-api-key': 'k' });
    const before = closed;
    const controller = new AbortController();
    const response = await fetch(gw.url, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-api-key': 'k', 'mcp-session-id': session },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'forever', arguments: {} } }),
    });
    let events = 0;
    const reader = response.body!.getReader();
    // Past timeoutMs: the stream is not silent, so it goes on.
    const until = Date.now() + TIMEOUT_MS * 1.5;
    while (Date.now() < until) {
      const { value } = await reader.read();
      events += (new TextDecoder().decode(value).match(/notifications\/message/g) ?? []).length;
    }
    expect(events).toBeGreaterThan(10);
    controller.abort();
    expect(await waitUntil(() => closed > before, 5_000)).toBe(true);
  });
});
