// Every forwarded call gets its answer or its 504 within the upstream's timeoutMs, time spent
// waiting for a pooled connection included. undici times an answer only from when the request is
// written, so with every call connection held by long calls that stream progress (never silent
// long enough to time out), a call that had to wait for a connection used to wait for as long as
// they ran. And /health, which went over the same pool, waited with it.
//
// The upstream is a fake (support/fake-mcp): tool `long` streams a progress notification every
// 300 ms until its client goes (or 30 s pass); `echo` answers at once. Bounded in count and time.
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMcp, waitUntil, type FakeMcp } from '../support/fake-mcp.js';
import { openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';
import { textResult } from '../support/fake-mcp.js';

const TIMEOUT_MS = 2_000;
/** Room for a loaded machine on top of the bound; far less than the long calls last. */
const SLACK_MS = 3_000;
/** The calls that hold every connection of the pool (upstreams[].maxConnections, default 128). */
const LONG_CALLS = 128;
const LONG_CALL_MS = 30_000;
const SESSION = { 'mcp-protocol-version': '2025-06-18' };

let upstream: FakeMcp;
let gw: RunningGateway;
const streaming = new Set<ServerResponse>();
const aborts: AbortController[] = [];

beforeAll(async () => {
  upstream = await startFakeMcp((call, _req, res) => {
    if (call.name !== 'long') return void res.writeHead(200, { 'content-type': 'application/json' }).end(textResult(call.id, 'echo'));
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    streaming.add(res);
    const started = Date.now();
    const progress = (): void => {
      if (Date.now() - started > LONG_CALL_MS) return void res.end(`data: ${textResult(call.id, 'long done')}\n\n`);
      res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'still working' } })}\n\n`);
    };
    progress();
    const timer = setInterval(progress, 300);
    res.once('close', () => {
      clearInterval(timer);
      streaming.delete(res);
    });
  });
  gw = await startGateway({
    auth: { apiKeys: [{ key: 'busy-key', tenant: 'busy' }, { key: 'victim-key', tenant: 'victim' }] },
    policy: { rules: [{ allow: { methods: ['tools/call'], tools: ['*'] } }] },
    upstreams: [{ name: 'up', url: upstream.url, timeoutMs: TIMEOUT_MS }],
  });
});

afterAll(async () => {
  for (const abort of aborts) abort.abort();
  await gw?.close();
  await upstream?.close();
});

function call(session: string, key: string, id: number, name: string, timeoutMs?: number) {
  return post(gw.url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } }, { 'x-api-key': key, 'mcp-session-id': session, accept: 'application/json, text/event-stream', ...SESSION }, timeoutMs);
}

describe('a call that waits for a connection', () => {
  it('is answered 504 within timeoutMs while long calls hold every connection, and /health answers in time', async () => {
    // The victim's upstream session is open before the pool fills; another victim session is not.
    const open = await openSession(gw.url, { 'x-api-key': 'victim-key' });
    expect((await call(open, 'victim-key', 1, 'echo')).status).toBe(200);
    const fresh = await openSession(gw.url, { 'x-api-key': 'victim-key' });

    const busy = await openSession(gw.url, { 'x-api-key': 'busy-key' });
    for (let i = 0; i < LONG_CALLS; i++) {
      const abort = new AbortController();
      aborts.push(abort);
      void fetch(gw.url, {
        method: 'POST',
        signal: abort.signal,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-api-key': 'busy-key', 'mcp-session-id': busy, ...SESSION },
        body: JSON.stringify({ jsonrpc: '2.0', id: 100 + i, method: 'tools/call', params: { name: 'long', arguments: {} } }),
      }).catch(() => undefined);
    }
    expect(await waitUntil(() => streaming.size === LONG_CALLS, 10_000)).toBe(true);

    const results = await Promise.all(
      [
        // A message in an open upstream session: it waits for a connection (undici's queue).
        () => call(open, 'victim-key', 2, 'echo', TIMEOUT_MS + SLACK_MS),
        // A session whose upstream session must open first: its initialize waits the same way.
        () => call(fresh, 'victim-key', 3, 'echo', TIMEOUT_MS + SLACK_MS),
      ].map(async (send) => {
        const started = Date.now();
        const answer = await send().catch((error: unknown) => ({ status: 0, body: undefined, text: String(error) }));
        return { ...answer, ms: Date.now() - started };
      }),
    );
    for (const result of results) {
      expect(result.status, result.text).toBe(504);
      expect(result.body).toMatchObject({ error: { code: -50400 } });
      expect(result.ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    }

    const started = Date.now();
    const health = await fetch(`${gw.origin}/health`, { signal: AbortSignal.timeout(2_000 + SLACK_MS) });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ upstreams: { up: { reachable: true } } });
    expect(Date.now() - started).toBeLessThan(2_000 + SLACK_MS);

    // Once the long calls go, calls are answered again.
    for (const abort of aborts) abort.abort();
    expect(await waitUntil(() => streaming.size === 0, 10_000)).toBe(true);
    expect((await call(open, 'victim-key', 4, 'echo', TIMEOUT_MS + SLACK_MS)).status).toBe(200);
  });
});
