import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMcp, type FakeMcp } from './support/fake-mcp.js';
import { openSession, post, startGateway, type RunningGateway } from './support/gateway.js';

// An upstream that answers a call with an event stream that never ends and never carries the
// response (a notification every few milliseconds) costs a client that takes only JSON a bounded
// time: its answer, the gateway's 504, comes within the upstream's timeoutMs, and the stream is
// closed upstream.

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
  for (const accept of ['application/json', 'application/json, text/event-stream']) {
    it(`a client accepting ${accept} gets its 504 within timeoutMs, and the upstream stream is closed`, async () => {
      const session = await openSession(gw.url, { 'x-api-key': 'k' });
      const before = closed;
      const started = Date.now();
      const answer = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'forever', arguments: {} } }, { 'x-api-key': 'k', 'mcp-session-id': session, accept });
      const took = Date.now() - started;
      expect(answer.text).toMatch(/-50400|timed out|did not answer/);
      // timeoutMs and generous room for a loaded machine, far below "never".
      expect(took).toBeLessThan(TIMEOUT_MS + 4_000);
      const deadline = Date.now() + 5_000;
      while (closed === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(closed).toBeGreaterThan(before);
    });
  }
});
