// Tests the upstream fixture itself, with the SDK 1.x client talking to it directly (no gateway).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startUpstream } from './upstream.js';
import type { UpstreamFixture, UpstreamFixtureOptions } from './upstream.js';

type ToolResult = Awaited<ReturnType<Client['callTool']>>;

/** The text of a tool result's first content block. */
function textOf(result: ToolResult): string {
  const content: unknown = result.content;
  const first: unknown = Array.isArray(content) ? content[0] : undefined;
  if (typeof first === 'object' && first !== null && 'text' in first && typeof first.text === 'string') return first.text;
  throw new Error(`no text content in ${JSON.stringify(result)}`);
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: UpstreamFixtureOptions, headers: Record<string, string> = {}) {
  const upstream = await startUpstream(options);
  cleanups.push(() => upstream.close());
  // Declares sampling and answers every sampling/createMessage with the text 'sampled'.
  const client = new Client({ name: 'fixture-test', version: '1.0.0' }, { capabilities: { sampling: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, () => ({
    role: 'assistant',
    model: 'test-model',
    content: { type: 'text', text: 'sampled' },
  }));
  const transport = new StreamableHTTPClientTransport(new URL(upstream.url), { requestInit: { headers } });
  await client.connect(transport);
  cleanups.push(() => client.close());
  return { upstream, client, transport };
}

const call = async (client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> =>
  textOf(await client.callTool({ name, arguments: args }));

describe('upstream fixture', () => {
  it('serves tools, resources and prompts over a stateful session', async () => {
    const { upstream, client, transport } = await setup(
      { name: 'math', requiredHeader: { name: 'X-Key', value: 'secret' } },
      { 'x-key': 'secret' },
    );
    expect(client.getServerVersion()).toEqual({ name: 'math', version: '1.0.0' });
    expect(client.getInstructions()).toBe('upstream math');

    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual([
      'math.add',
      'math.echo',
      'math.counter',
      'math.session',
      'math.headers',
      'math.progress',
      'math.slow',
      'math.sample',
      'math.broadcast',
    ]);
    expect(await call(client, 'math.add', { a: 2, b: 3 })).toBe('5');
    expect(await call(client, 'math.echo', { text: 'hi' })).toBe('hi');
    expect(await call(client, 'math.counter')).toBe('1');
    expect(await call(client, 'math.counter')).toBe('2');

    const sessionId = transport.sessionId;
    expect(sessionId).toBeTypeOf('string');
    expect(await call(client, 'math.session')).toBe(sessionId);
    expect(upstream.sessionIds()).toEqual([sessionId]);
    const headers: unknown = JSON.parse(await call(client, 'math.headers'));
    expect(headers).toMatchObject({ 'x-key': 'secret', 'mcp-session-id': sessionId });

    const readme = await client.readResource({ uri: 'math://readme' });
    expect(readme.contents[0]).toMatchObject({ uri: 'math://readme', text: 'readme of math' });
    const doc = await client.readResource({ uri: 'math://doc/7' });
    expect(doc.contents[0]).toMatchObject({ uri: 'math://doc/7', text: 'doc 7 of math' });

    const prompt = await client.getPrompt({ name: 'math.greet', arguments: { who: 'Ada' } });
    expect(prompt.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'Hello, Ada from math' } }]);

    expect(await call(client, 'math.sample')).toBe('sampled');

    const progress: Array<{ progress: number; message?: string | undefined }> = [];
    const done = await client.callTool({ name: 'math.progress', arguments: { steps: 2, intervalMs: 10 } }, undefined, {
      onprogress: (p) => progress.push(p),
    });
    expect(textOf(done)).toBe('done');
    expect(progress.map((p) => p.progress)).toEqual([1, 2]);
    for (const p of progress) expect(Math.abs(Date.now() - Number(p.message))).toBeLessThan(5_000);

    expect(upstream.requests.some((r) => r.method === 'POST' && r.headers['x-key'] === 'secret')).toBe(true);

    const unauthorized = await fetch(upstream.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'unauthorized' } });

    await transport.terminateSession();
    expect(upstream.deletedSessionIds).toEqual([sessionId]);
    expect(upstream.sessionIds()).toEqual([]);
  });

  it('records a cancelled slow call and answers unknown sessions with 404', async () => {
    const { upstream, client } = await setup({ name: 'wait' });
    const controller = new AbortController();
    const pending = client.callTool({ name: 'wait.slow', arguments: { ms: 5_000 } }, undefined, { signal: controller.signal });
    // Let the call reach the upstream before cancelling it.
    await vi.waitFor(() => expect(upstream.requests.some((r) => JSON.stringify(r.body ?? null).includes('wait.slow'))).toBe(true));
    controller.abort();
    await expect(pending).rejects.toThrow();
    await vi.waitFor(() => expect(upstream.aborted).toEqual(['wait.slow']));

    const stale = await fetch(upstream.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': 'no-such-session',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(stale.status).toBe(404);
  });

  it('keeps no state when stateless, and answers JSON when asked', async () => {
    const { upstream, client } = await setup({ name: 'flat', stateless: true, jsonResponse: true });
    expect(await call(client, 'flat.counter')).toBe('1');
    expect(await call(client, 'flat.counter')).toBe('1');
    expect(await call(client, 'flat.session')).toBe('none');
    expect(upstream.sessionIds()).toEqual([]);

    const raw = await fetch(upstream.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'flat.add', arguments: { a: 1, b: 1 } },
      }),
    });
    expect(raw.headers.get('content-type')).toContain('application/json');
    expect(await raw.json()).toMatchObject({ id: 9, result: { content: [{ type: 'text', text: '2' }] } });

    // Stateless, a dropped HTTP request is the only cancellation the upstream can see.
    const controller = new AbortController();
    const dropped = fetch(upstream.url, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 10, method: 'tools/call', params: { name: 'flat.slow', arguments: { ms: 5_000 } } }),
    });
    await vi.waitFor(() => expect(upstream.requests.some((r) => JSON.stringify(r.body ?? null).includes('flat.slow'))).toBe(true));
    controller.abort();
    await expect(dropped).rejects.toThrow();
    await vi.waitFor(() => expect(upstream.aborted).toEqual(['flat.slow']));
  });
});
