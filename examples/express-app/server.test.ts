// The Express example, end to end: the app's own routes next to the gateway, the official SDK
// client through it to the demo upstream, and `pnpm example:express` as its own process.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawInitialize, scriptEntry, spawnExample, type ExampleProcess } from '../test-support/child.js';
import type { RunningExample } from '../shared/run.js';
import { DEMO_API_KEY, start } from './server.js';

describe('express-app example', () => {
  let running: RunningExample;
  let client: Client;
  let transport: StreamableHTTPClientTransport;

  beforeAll(async () => {
    running = await start({ port: 0 });
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
    expect(await status.json()).toEqual({ status: 'ok', mcpSessions: 1 });
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
