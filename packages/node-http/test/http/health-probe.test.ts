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

describe('/health, in an operator’s terms', () => {
  it('says of each upstream whether it is reachable, answering MCP, how fast, and what is wrong in words', async () => {
    const { createServer } = await import('node:http');
    type Handler = Parameters<typeof createServer>[1];
    const serve = async (handler: Handler) => {
      const server = createServer(handler);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp` };
    };
    const page = await serve((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>'));
    const locked = await serve((_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}'));
    const sessionful = await serve((_req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Bad Request: No valid session ID provided"}}'));
    const streaming = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).end('event: message\r\ndata: {"jsonrpc":"2.0","id":"mcp-gateway-health","result":{}}\r\n\r\n'));
    const gone = await serve(() => undefined);
    const goneUrl = gone.url;
    await new Promise((resolve) => gone.server.close(resolve));
    const own = await startGateway({
      auth: { mode: 'none' },
      upstreams: [
        { name: 'json', url: upstream.url },
        { name: 'sse', url: streaming.url },
        { name: 'sessionful', url: sessionful.url },
        { name: 'page', url: page.url },
        { name: 'locked', url: locked.url },
        { name: 'gone', url: goneUrl },
      ],
    });
    try {
      const report = (await (await fetch(`${own.origin}/health`)).json()) as { status: string; upstreams: Record<string, Record<string, unknown>> };
      expect(report.status).toBe('degraded');
      const fine = { ok: true, reachable: true, answeringMcp: true, latencyMs: expect.any(Number), failures: 0 };
      expect(report.upstreams['json']).toEqual(fine);
      expect(report.upstreams['sse']).toEqual(fine);
      expect(report.upstreams['sessionful']).toEqual(fine);
      expect(report.upstreams['page']).toMatchObject({ ok: false, reachable: true, answeringMcp: false, problem: 'answers HTTP 404 without an MCP message: is the URL its MCP endpoint?' });
      expect(report.upstreams['locked']).toMatchObject({ ok: false, reachable: true, answeringMcp: false, problem: expect.stringContaining("refuses the gateway's credential (HTTP 401)") });
      expect(report.upstreams['gone']).toMatchObject({ ok: false, reachable: false, answeringMcp: false, problem: 'connection refused (nothing listens at that address)' });
      // No raw probe status: the fields are the operator's.
      for (const health of Object.values(report.upstreams)) expect(Object.keys(health)).not.toContain('status');
      // Served without a key: nothing an upstream answered, and no upstream URL, is repeated in it.
      const text = JSON.stringify(report);
      for (const echoed of ['Not found', 'unauthorized', 'No valid session', '127.0.0.1']) expect(text).not.toContain(echoed);
    } finally {
      await own.close();
      for (const { server } of [page, locked, sessionful, streaming]) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    }
  });
});
