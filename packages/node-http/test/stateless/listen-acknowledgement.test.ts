import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, startGateway, type RunningGateway } from '../support/gateway.js';
import { openListen, waitFor } from '../support/listen-stream.js';

// A stateless (2026-07-28) client's subscriptions/listen in front of a session-based upstream:
// the upstream's list changes travel on its GET stream, so the acknowledgement waits until that
// stream is open. A change made as soon as the client sees the acknowledgement reaches it, even
// from an upstream slow to answer its GET (here 800 ms, as a busy machine may be).

const MODERN = '2026-07-28';
const META = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} };
let upstream: Server;
let gw: RunningGateway;
/** The upstream's GET streams whose headers went out. */
const streams = new Set<ServerResponse>();

beforeAll(async () => {
  upstream = createServer((req, res) => {
    if (req.method === 'GET') {
      const timer = setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.flushHeaders();
        streams.add(res);
      }, 800);
      res.on('close', () => {
        clearTimeout(timer);
        streams.delete(res);
      });
      return;
    }
    if (req.method !== 'POST') return void res.writeHead(200).end();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: number | string; method: string };
      if (message.id === undefined) return void res.writeHead(202).end();
      const reply = (result: unknown) => res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'slow-get' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      if (message.method === 'initialize') return reply({ protocolVersion: '2025-11-25', capabilities: { tools: { listChanged: true } }, serverInfo: { name: 'slow-get', version: '1' } });
      if (message.method === 'tools/list') return reply({ tools: [{ name: 'grow', inputSchema: { type: 'object' } }] });
      // grow: the tool list changes, told on every GET stream open now.
      for (const stream of streams) stream.write(`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' })}\n\n`);
      return reply({ content: [{ type: 'text', text: 'grown' }] });
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  gw = await startGateway({
    auth: { apiKeys: [{ key: 'k', tenant: 't' }] },
    policy: { rules: [{ allow: { methods: ['*'], tools: ['*'] } }] },
    upstreams: [{ name: 'slow', url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`, timeoutMs: 5_000 }],
  });
});

afterAll(async () => {
  await gw?.close();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
});

describe('subscriptions/listen in front of a session-based upstream slow to open its GET stream', () => {
  it('acknowledges once that stream is open: a change made right after the acknowledgement arrives', async () => {
    const key = { 'x-api-key': 'k' };
    // A first call opens the subject's upstream session, as a client's first message would.
    await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: META } }, { ...key, 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list', accept: 'application/json' });
    const listen = await openListen(gw.url, key, { id: 'listen-1', params: { notifications: { toolsListChanged: true }, _meta: META } });
    try {
      await waitFor(() => listen.messages.length > 0);
      expect(listen.messages[0]).toMatchObject({ method: 'notifications/subscriptions/acknowledged', params: { notifications: { toolsListChanged: true } } });
      const grown = await post(gw.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'grow', arguments: {}, _meta: META } }, { ...key, 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'grow', accept: 'application/json' });
      expect(grown.status).toBe(200);
      await waitFor(() => listen.messages.some((message) => message.method === 'notifications/tools/list_changed'));
      expect(listen.messages.find((message) => message.method === 'notifications/tools/list_changed')).toMatchObject({ params: { _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen-1' } } });
    } finally {
      await listen.close();
    }
  });
});
