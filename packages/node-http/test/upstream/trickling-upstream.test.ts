import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';

// An upstream that answers the gateway's own requests (initialize, the lists) with an event
// stream of comments that never carries the response: each comment resets the silence timer, so
// without a deadline of its own the opening waited for ever, and every client waiting to learn
// that upstream with it. The opening, a call that needs it, and a list are each answered within
// the upstream's timeoutMs (and generous room), and the other upstream keeps serving.

const TIMEOUT_MS = 1_000;
let trickling: Server;
let trickleUrl: string;
let healthy: Server;
let healthyUrl: string;
let gw: RunningGateway;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`)));
}

beforeAll(async () => {
  trickling = createServer((req, res) => {
    req.resume();
    if (req.method !== 'POST') return void res.writeHead(405).end();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const timer = setInterval(() => res.write(': still here\n\n'), 100);
    res.once('close', () => clearInterval(timer));
  });
  trickleUrl = await listen(trickling);
  healthy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const message = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { id?: number | string; method?: string };
      if (message.id === undefined) return void res.writeHead(202).end();
      const result =
        message.method === 'initialize' ? { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'healthy', version: '1' } }
        : message.method === 'tools/list' ? { tools: [{ name: 'fine', inputSchema: { type: 'object' } }] }
        : { content: [{ type: 'text', text: 'fine' }] };
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'h' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
    });
  });
  healthyUrl = await listen(healthy);
  gw = await startGateway({
    auth: { apiKeys: [{ key: 'k1', tenant: 'one' }, { key: 'k2', tenant: 'two' }] },
    policy: { rules: [{ allow: { methods: ['*'], tools: ['*'] } }] },
    upstreams: [
      { name: 'trickle', url: trickleUrl, timeoutMs: TIMEOUT_MS },
      { name: 'healthy', url: healthyUrl, timeoutMs: TIMEOUT_MS },
    ],
    routing: [{ match: { tool: 'slow*' }, upstream: 'trickle' }],
  });
});

afterAll(async () => {
  await gw?.close();
  for (const server of [trickling, healthy]) {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  }
});

describe('an upstream that trickles comments and never answers', () => {
  it("two tenants' initialize, a call that opens its session, and a list each end within timeoutMs", async () => {
    const started = Date.now();
    const [one, two] = await Promise.all([openSession(gw.url, { 'x-api-key': 'k1' }), openSession(gw.url, { 'x-api-key': 'k2' })]);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 4_000);

    const headers = { 'x-api-key': 'k1', 'mcp-session-id': one, accept: 'application/json' };
    let at = Date.now();
    const call = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow', arguments: {} } }, headers);
    expect(call.body).toMatchObject({ id: 1, error: { code: -50400 } });
    expect(Date.now() - at).toBeLessThan(TIMEOUT_MS + 4_000);

    at = Date.now();
    const list = await post(gw.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { ...headers, 'x-api-key': 'k2', 'mcp-session-id': two });
    expect(list.body).toMatchObject({ id: 2, result: { tools: [{ name: 'fine' }] } });
    expect(Date.now() - at).toBeLessThan(TIMEOUT_MS + 4_000);
  });
});
