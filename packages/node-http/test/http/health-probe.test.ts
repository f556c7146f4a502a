// /health costs the upstreams a bounded amount however often it is asked: it is served without
// a key, so anyone who can reach the gateway could otherwise turn it into a stream of probes at
// every upstream. The upstreams are probed at most once a second; concurrent and repeated callers
// within that second share one round. (That /health answers in time while the upstreams' call
// connections are all taken is pinned in upstream/call-deadline.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMcp, type FakeMcp } from '../support/fake-mcp.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';

/** The gateway's probe interval (health.ts). */
const INTERVAL_MS = 1_000;

let upstream: FakeMcp;
let gw: RunningGateway;
let pings = 0;

beforeAll(async () => {
  upstream = await startFakeMcp((call, _req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: call.id, result: {} })));
  // Count the probes: every health ping carries the gateway's own id.
  upstream.server.prependListener('request', (req) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      if (text.includes('"mcp-gateway-health"')) pings++;
    });
  });
  gw = await startGateway({ auth: { mode: 'none' }, upstreams: [{ name: 'up', url: upstream.url, timeoutMs: 5_000 }] });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

async function health(): Promise<number> {
  const response = await fetch(`${gw.origin}/health`, { signal: AbortSignal.timeout(10_000) });
  expect(await response.json()).toMatchObject({ status: 'ok', upstreams: { up: { reachable: true, ok: true } } });
  return response.status;
}

describe('/health', () => {
  it('probes each upstream at most once per interval, however often and however concurrently it is asked', async () => {
    const started = performance.now();
    // A burst of concurrent callers, then callers one after another for well over an interval.
    expect(new Set(await Promise.all(Array.from({ length: 50 }, () => health())))).toEqual(new Set([200]));
    let asked = 50;
    while (performance.now() - started < 2.5 * INTERVAL_MS) {
      expect(await health()).toBe(200);
      asked++;
    }
    const elapsed = performance.now() - started;
    // One round at the start and at most one per interval since (a round starts when asked after the interval).
    const allowed = Math.floor(elapsed / INTERVAL_MS) + 1;
    expect(asked).toBeGreaterThan(60);
    expect(pings).toBeGreaterThanOrEqual(1);
    expect(pings).toBeLessThanOrEqual(allowed);
  });
});
