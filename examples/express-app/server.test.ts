// The Express example, end to end: the app's own routes next to the gateway, the official SDK
// client through it to the demo upstream, and `pnpm example:express` as its own process. Each
// point of docs/express.md is pinned here: trust proxy, helmet, CORS, the gateway before the
// body parser and the two limits, the app's pino logger, close().
import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawInitialize, scriptEntry, spawnExample, type ExampleProcess } from '../test-support/child.js';
import type { RunningExample } from '../shared/run.js';
import { BROWSER_ORIGIN, DEMO_API_KEY, PUBLIC_HOST, start } from './server.js';

describe('express-app example', () => {
  let running: RunningExample;
  let client: Client;
  let transport: StreamableHTTPClientTransport;

  beforeAll(async () => {
    running = await start({ port: 0, logDestination: { write: () => undefined } });
    transport = new StreamableHTTPClientTransport(new URL(running.url), { requestInit: { headers: { 'x-api-key': DEMO_API_KEY } } });
    client = new Client({ name: 'express-example-test', version: '1.0.0' });
    await client.connect(transport);
  });

  afterAll(async () => {
    await transport?.terminateSession().catch(() => undefined);
    await client?.close();
    await running?.close();
  });

  it('serves MCP at /mcp behind the global JSON body parser: tools, a call, a resource', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['demo.add', 'demo.echo']);
    expect((await client.callTool({ name: 'demo.add', arguments: { a: 20, b: 22 } })).content).toEqual([{ type: 'text', text: '42' }]);
    expect((await client.callTool({ name: 'demo.echo', arguments: { text: 'héllo' } })).content).toEqual([{ type: 'text', text: 'héllo' }]);
    const { contents } = await client.readResource({ uri: 'demo://readme' });
    expect(contents[0]).toMatchObject({ uri: 'demo://readme', text: expect.stringContaining('Demo upstream') });
  });

  it("keeps the app's own routes, body parser included", async () => {
    const status = await fetch(`${running.origin}/api/status`);
    expect(status.status).toBe(200);
    expect(await status.json()).toEqual({ status: 'ok', mcpSessions: 1, client: '127.0.0.1' });
    const echo = await fetch(`${running.origin}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
    expect(await echo.json()).toEqual({ received: { n: 1 } });
  });

  it('answers /mcp/healthz with 200, without a key', async () => {
    const live = await fetch(`${running.url}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
  });

  it('answers a request without a key with 401 and a JSON-RPC error', async () => {
    const response = await fetch(running.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    // Refused on its headers, before the body (and its id) is read.
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: expect.any(Number), message: expect.stringMatching(/API key/) } });
  });

  it('answers a wrong key with 401 too', async () => {
    const response = await rawInitialize(running.url, 'not-the-key');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: expect.any(Number) } });
  });
});

describe('express-app example: fitting into the app (docs/express.md)', () => {
  let running: RunningExample;
  let logText = '';
  const audits = (): Record<string, unknown>[] =>
    logText
      .split('\n')
      .filter((line) => line.includes('"mcp audit"'))
      .map((line) => (JSON.parse(line) as { audit: Record<string, unknown> }).audit);

  beforeAll(async () => {
    running = await start({ port: 0, logDestination: { write: (text: string) => void (logText += text) } });
  });
  afterAll(async () => {
    await running?.close();
  });

  /** A POST with exactly these headers (Host included, which fetch cannot set). */
  function rawPost(headers: Record<string, string>, body = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'): Promise<{ status: number; headers: Record<string, unknown> }> {
    const url = new URL(running.url);
    return new Promise((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

  it('trust proxy: the proxy’s forwarded host passes the Host check, the forwarded client is audited and is req.ip', async () => {
    const before = audits().length;
    const proxied = await rawPost({ host: '127.0.0.1:1', 'x-forwarded-host': PUBLIC_HOST, 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' });
    expect(proxied.status).toBe(401);
    await settle();
    expect(audits().slice(before)).toContainEqual(expect.objectContaining({ decision: 'auth_failed', clientAddress: '203.0.113.9' }));
    // A forwarded host that is not listed is refused like a direct one.
    expect((await rawPost({ host: PUBLIC_HOST, 'x-forwarded-host': 'evil.example' })).status).toBe(403);
    // The app's own route sees the same client, through the same setting.
    const status = await fetch(`${running.origin}/api/status`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(await status.json()).toMatchObject({ client: '203.0.113.9' });
  });

  it('helmet: its headers are on the gateway’s answers as on the app’s', async () => {
    const mcp = await fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '{}' });
    const app = await fetch(`${running.origin}/api/status`);
    for (const response of [mcp, app]) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=/);
      expect(response.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('cors: a preflight from the browser client’s origin is answered; the gateway takes its POST and the page may read the session id', async () => {
    const preflight = await fetch(running.url, {
      method: 'OPTIONS',
      headers: { origin: BROWSER_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key,mcp-session-id,mcp-protocol-version' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(BROWSER_ORIGIN);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('mcp-session-id');
    const initialize = await fetch(running.url, {
      method: 'POST',
      headers: { origin: BROWSER_ORIGIN, 'x-api-key': DEMO_API_KEY, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'page', version: '1' } } }),
    });
    expect(initialize.status).toBe(200);
    expect(initialize.headers.get('mcp-session-id')).toBeTruthy();
    expect(initialize.headers.get('access-control-expose-headers')).toContain('mcp-session-id');
    // Another origin: CORS grants it nothing, and the gateway refuses it.
    const foreign = await fetch(running.url, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'x-api-key': DEMO_API_KEY, 'content-type': 'application/json', accept: 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('body parsers after the gateway: MCP bodies get the gateway’s limit, the app’s routes the app’s (100 kB)', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(running.url), { requestInit: { headers: { 'x-api-key': DEMO_API_KEY } } });
    const client = new Client({ name: 'large-bodies', version: '1.0.0' });
    await client.connect(transport);
    try {
      const text = 'x'.repeat(300_000);
      expect((await client.callTool({ name: 'demo.echo', arguments: { text } })).content).toEqual([{ type: 'text', text }]);
    } finally {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    }
    const large = await fetch(`${running.origin}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'x'.repeat(300_000) }) });
    expect(large.status).toBe(413);
    // Without a key, the gateway refuses a large MCP body on its headers, before reading it.
    expect((await rawPost({ host: '127.0.0.1' }, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(300_000) } }))).status).toBe(401);
  });

  it('logging: the gateway writes through the app’s pino logger, fields as fields', async () => {
    await settle();
    const lines = logText.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
    const audit = lines.find((line) => line['msg'] === 'mcp audit');
    expect(audit).toMatchObject({ app: 'express-example', level: 30, audit: { decision: expect.any(String), clientAddress: expect.any(String) } });
  });

  it('close(): the gateway ends its sessions upstream and the app stops listening', async () => {
    const own = await start({ port: 0, logDestination: { write: () => undefined } });
    const transport = new StreamableHTTPClientTransport(new URL(own.url), { requestInit: { headers: { 'x-api-key': DEMO_API_KEY } } });
    const client = new Client({ name: 'closing', version: '1.0.0' });
    await client.connect(transport);
    expect((await client.callTool({ name: 'demo.add', arguments: { a: 1, b: 2 } })).content).toEqual([{ type: 'text', text: '3' }]);
    await own.close();
    await expect(fetch(`${own.url}/healthz`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    await client.close().catch(() => undefined);
  });
});

describe('pnpm example:express entry point', () => {
  let example: ExampleProcess | undefined;

  afterAll(async () => {
    await example?.stop();
  });

  it('starts, answers a raw initialize and its own route, and exits 0 on SIGTERM', async () => {
    example = await spawnExample(scriptEntry('example:express'), { PORT: '0' });
    const response = await rawInitialize(example.url, 'demo-key');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-06-18' } });
    const status = await fetch(new URL('/api/status', example.url), { signal: AbortSignal.timeout(5_000) });
    expect(await status.json()).toMatchObject({ status: 'ok' });
    expect(await example.stop()).toBe(0);
  });
});
