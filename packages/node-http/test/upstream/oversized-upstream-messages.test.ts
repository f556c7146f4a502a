// upstreams[].maxResponseBytes also bounds what the gateway reads for itself: the upstream's
// answer to the gateway's own initialize, and each event of an upstream's GET stream. An upstream
// that sends more is cut off there, and nothing of it reaches the client.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INITIALIZE_PARAMS, openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';

const KEY = 'oversized-key';
const LIMIT = 256 * 1024;
const HUGE = 'x'.repeat(4 * LIMIT);

/** How the fake upstream answers initialize. */
type Mode = 'json' | 'sse' | 'fine';

let mode: Mode = 'json';
let upstream: Server;
let upstreamUrl: string;
/** GET streams the upstream opened, and whether each was cut before it ended. */
const streams: { res: ServerResponse; cut: boolean }[] = [];
let gw: RunningGateway;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
      if (req.method === 'GET') {
        const stream = { res, cut: false };
        streams.push(stream);
        res.once('close', () => (stream.cut = !res.writableFinished));
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"${HUGE}"}}\n\n`);
        return;
      }
      if (req.method === 'DELETE') return void res.writeHead(200).end();
      const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: string | number; method?: string };
      if (message.method === 'initialize') {
        const instructions = mode === 'fine' ? 'small' : HUGE;
        const body = JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'big', version: '1' }, instructions } });
        if (mode === 'sse') res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 'up-1' }).end(`data: ${body}\n\n`);
        else res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'up-1' }).end(body);
        return;
      }
      if (message.id === undefined) return void res.writeHead(202).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'ok' }] } }));
    })();
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`;
});

afterAll(async () => {
  await gw?.close();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

async function freshGateway(): Promise<RunningGateway> {
  await gw?.close();
  gw = await startGateway(
    {
      auth: { apiKeys: [{ key: KEY, tenant: 't' }] },
      policy: { default: 'allow' },
      upstreams: [{ name: 'big', url: upstreamUrl, maxResponseBytes: LIMIT, timeoutMs: 5_000 }],
    },
    { logger: { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined } },
  );
  return gw;
}

describe('an initialize answer larger than maxResponseBytes', () => {
  for (const format of ['json', 'sse'] as const) {
    it(`(${format}) is refused: calls get 502 naming the limit, and none of it reaches the client`, async () => {
      mode = format;
      const gateway = await freshGateway();
      const init = await post(gateway.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: INITIALIZE_PARAMS }, { 'x-api-key': KEY, accept: 'application/json' });
      expect(init.status).toBe(200);
      expect(init.text.length).toBeLessThan(LIMIT);
      const session = init.headers.get('mcp-session-id')!;
      const headers = { 'x-api-key': KEY, 'mcp-session-id': session, 'mcp-protocol-version': INITIALIZE_PARAMS.protocolVersion, accept: 'application/json' };
      const called = await post(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'anything' } }, headers);
      expect(called.status).toBe(502);
      expect(called.body).toMatchObject({ id: 1, error: { code: -50201 } });
      expect((called.body as { error: { message: string } }).error.message).toContain('maxResponseBytes');
    });
  }
});

describe('a GET-stream event larger than maxResponseBytes', () => {
  it('cuts that upstream stream, passes none of the event on, and the session serves on', async () => {
    mode = 'fine';
    const gateway = await freshGateway();
    const session = await openSession(gateway.url, { 'x-api-key': KEY });
    const headers = { 'x-api-key': KEY, 'mcp-session-id': session, 'mcp-protocol-version': INITIALIZE_PARAMS.protocolVersion };
    // Opens the upstream session, so the GET has an upstream stream to merge.
    expect((await post(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x' } }, { ...headers, accept: 'application/json' })).status).toBe(200);

    const controller = new AbortController();
    const response = await fetch(gateway.url, { headers: { ...headers, accept: 'text/event-stream' }, signal: controller.signal });
    expect(response.status).toBe(200);
    let received = 0;
    const reading = (async () => {
      try {
        for await (const chunk of response.body as AsyncIterable<Uint8Array>) received += chunk.length;
      } catch {
        // aborted below
      }
    })();
    const deadline = Date.now() + 5_000;
    while (!streams.some((stream) => stream.cut) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(streams.some((stream) => stream.cut)).toBe(true);
    expect(received).toBeLessThan(LIMIT);
    controller.abort();
    await reading;
    expect((await post(gateway.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'x' } }, { ...headers, accept: 'application/json' })).status).toBe(200);
  });
});
