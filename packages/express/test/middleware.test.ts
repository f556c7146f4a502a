import { createServer, type RequestListener, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import express5 from 'express';
import express4 from 'express4';
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

/** The app around the gateway, written with one Express major's own API and types. */
type BuildApp = (mount: string, bodyParser: boolean, gateway: McpGatewayMiddleware) => RequestListener;

// The same app twice, on purpose: each major's `app.use` must take the gateway as it is, checked
// by that major's types (`@types/express` 5, and 4 as the `@types/express4` alias).
const onExpress5: BuildApp = (mount, bodyParser, gateway) => {
  const app = express5();
  if (bodyParser) app.use(express5.json());
  app.get('/api/status', (_req, res) => {
    res.json({ app: 'ok' });
  });
  app.use(mount, gateway);
  app.use(mount, (_req, res) => {
    res.status(418).json({ fellThrough: true });
  });
  return app;
};
const onExpress4: BuildApp = (mount, bodyParser, gateway) => {
  const app = express4();
  if (bodyParser) app.use(express4.json());
  app.get('/api/status', (_req, res) => {
    res.json({ app: 'ok' });
  });
  app.use(mount, gateway);
  app.use(mount, (_req, res) => {
    res.status(418).json({ fellThrough: true });
  });
  return app;
};

/** Both majors of the peer range: 5 as `express`, 4 as `express4` (an npm alias of express@4). */
const EXPRESS_MAJORS = [
  { express: 5, buildApp: onExpress5 },
  { express: 4, buildApp: onExpress4 },
];

describe('the Express majors under test', () => {
  it('are 5 and 4, each its own install', () => {
    const requireHere = createRequire(import.meta.url);
    expect((requireHere('express/package.json') as { version: string }).version).toMatch(/^5\./);
    expect((requireHere('express4/package.json') as { version: string }).version).toMatch(/^4\./);
  });
});

/** An existing app: its own routes, optionally a global JSON body parser, and the gateway mounted at `mount`. */
async function startApp(
  buildApp: BuildApp,
  mount: string,
  bodyParser: boolean,
): Promise<{ origin: string; server: Server; gateway: McpGatewayMiddleware; close(): Promise<void> }> {
  const gateway = mcpGateway({
    auth: { apiKeys: [{ key: 'k', tenant: 't' }] },
    policy: { default: 'allow' },
    upstreams: [{ name: 'up', url: upstream.url }],
  });
  const server = createServer(buildApp(mount, bodyParser, gateway));
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

describe.each(
  EXPRESS_MAJORS.flatMap(({ express, buildApp }) =>
    [
      { mount: '/mcp', bodyParser: false },
      { mount: '/mcp', bodyParser: true },
      { mount: '/tools/gateway', bodyParser: true },
    ].map((setting) => ({ express, buildApp, ...setting })),
  ),
)('Express $express: mcpGateway mounted at $mount (body parser before it: $bodyParser)', ({ buildApp, mount, bodyParser }) => {
  let app: Awaited<ReturnType<typeof startApp>>;
  beforeAll(async () => {
    app = await startApp(buildApp, mount, bodyParser);
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
