import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream, type UpstreamFixture } from '../../node-http/test/support/upstream.js';
import { mcpGateway, type McpGatewayMiddleware } from '../src/index.js';

let upstream: UpstreamFixture;
beforeAll(async () => {
  upstream = await startUpstream({ name: 'up' });
});
afterAll(async () => {
  await upstream?.close();
});

/** An existing app: its own routes, optionally a global JSON body parser, and the gateway mounted at `mount`. */
async function startApp(mount: string, bodyParser: boolean): Promise<{ origin: string; server: Server; gateway: McpGatewayMiddleware; close(): Promise<void> }> {
  const app = express();
  if (bodyParser) app.use(express.json());
  app.get('/api/status', (_req, res) => {
    res.json({ app: 'ok' });
  });
  const gateway = mcpGateway({
    auth: { apiKeys: [{ key: 'k', tenant: 't' }] },
    policy: { default: 'allow' },
    upstreams: [{ name: 'up', url: upstream.url }],
  });
  app.use(mount, gateway);
  app.use(mount, (_req, res) => {
    res.status(418).json({ fellThrough: true });
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    server,
    gateway,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await gateway.close();
    },
  };
}

describe.each([
  { mount: '/mcp', bodyParser: false },
  { mount: '/mcp', bodyParser: true },
  { mount: '/tools/gateway', bodyParser: true },
])('mcpGateway mounted at $mount (body parser before it: $bodyParser)', ({ mount, bodyParser }) => {
  let app: Awaited<ReturnType<typeof startApp>>;
  beforeAll(async () => {
    app = await startApp(mount, bodyParser);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('serves MCP at the mount path to the SDK client', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(`${app.origin}${mount}`), { requestInit: { headers: { 'x-api-key': 'k' } } });
    const client = new Client({ name: 'express-test', version: '1.0.0' });
    await client.connect(transport);
    const result = await client.callTool({ name: 'up.add', arguments: { a: 20, b: 22 } });
    expect(result.content).toEqual([{ type: 'text', text: '42' }]);
    await transport.terminateSession();
    await client.close();
  });

  it('leaves the app its own routes and passes other paths under the mount to next()', async () => {
    expect(await (await fetch(`${app.origin}/api/status`)).json()).toEqual({ app: 'ok' });
    const other = await fetch(`${app.origin}${mount}/something-else`);
    expect(other.status).toBe(418);
  });

  it('serves health relative to the mount path, without a key', async () => {
    const live = await fetch(`${app.origin}${mount}/healthz`);
    expect(live.status).toBe(200);
    const health = await fetch(`${app.origin}${mount}/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', upstreams: { up: { reachable: true } } });
  });

  it('answers gateway errors as JSON-RPC errors with their status', async () => {
    const refused = await fetch(`${app.origin}${mount}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
    });
    expect(refused.status).toBe(401);
    // Refused on its headers, before the body (and its id) is read.
    expect(await refused.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -40100 } });
    const badJson = await fetch(`${app.origin}${mount}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': 'k' },
      body: '{"jsonrpc":',
    });
    // With express.json() in front, Express answers malformed JSON itself before the gateway runs.
    if (!bodyParser) {
      expect(badJson.status).toBe(400);
      expect(await badJson.json()).toMatchObject({ id: null, error: { code: -32700 } });
    } else {
      expect(badJson.status).toBe(400);
    }
  });
});
