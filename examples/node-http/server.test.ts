// The node:http example, end to end: the official SDK client through the gateway to the demo
// upstream, and the `pnpm demo` entry point as its own process.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawInitialize, REPO_ROOT, scriptEntry, spawnExample, type ExampleProcess } from '../test-support/child.js';
import type { RunningExample } from '../shared/run.js';
import { DEMO_API_KEY, start } from './server.js';

describe('node-http example', () => {
  let running: RunningExample;
  let client: Client;
  let transport: StreamableHTTPClientTransport;

  beforeAll(async () => {
    running = await start({ port: 0 });
    transport = new StreamableHTTPClientTransport(new URL(running.url), { requestInit: { headers: { 'x-api-key': DEMO_API_KEY } } });
    client = new Client({ name: 'node-http-example-test', version: '1.0.0' });
    await client.connect(transport);
  });

  afterAll(async () => {
    await transport?.terminateSession().catch(() => undefined);
    await client?.close();
    await running?.close();
  });

  it('lists the demo tools', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['demo.add', 'demo.echo']);
  });

  it('calls demo.add', async () => {
    const result = await client.callTool({ name: 'demo.add', arguments: { a: 2, b: 40 } });
    expect(result.content).toEqual([{ type: 'text', text: '42' }]);
  });

  it('reads demo://readme', async () => {
    const { contents } = await client.readResource({ uri: 'demo://readme' });
    expect(contents[0]).toMatchObject({ uri: 'demo://readme', mimeType: 'text/markdown', text: expect.stringContaining('Demo upstream') });
  });

  it('gets the demo.greet prompt', async () => {
    const { messages } = await client.getPrompt({ name: 'demo.greet', arguments: { name: 'Ada' } });
    expect(messages).toEqual([{ role: 'user', content: { type: 'text', text: 'Say hello to Ada.' } }]);
  });

  it('serves /healthz and /health, which reaches the demo upstream', async () => {
    expect((await fetch(`${running.origin}/healthz`)).status).toBe(200);
    const health = await fetch(`${running.origin}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', upstreams: { demo: { reachable: true, ok: true } } });
  });

  it('refuses requests without the key', async () => {
    const anonymous = await fetch(running.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(anonymous.status).toBe(401);
    // Refused on its headers, before the body (and its id) is read.
    expect(await anonymous.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: expect.any(Number), message: expect.any(String) } });
  });
});

describe('pnpm demo entry point', () => {
  const entry = scriptEntry('demo');
  let example: ExampleProcess | undefined;

  afterAll(async () => {
    await example?.stop();
  });

  it('is built (pnpm -r build)', () => {
    expect(existsSync(join(REPO_ROOT, entry)), `${entry} is missing: run pnpm -r build first`).toBe(true);
  });

  it('prints its ready line and a curl example, answers a raw initialize, and exits 0 on SIGTERM', async () => {
    example = await spawnExample(entry, { PORT: '0' });
    expect(example.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(example.output()).toContain(`curl -i ${example.url}`);

    const response = await rawInitialize(example.url, 'demo-key');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('mcp-session-id')).toBeTruthy();
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-06-18' } });

    expect(await example.stop()).toBe(0);
    expect(example.output()).toContain('SIGTERM: shutting down');
  });
});
