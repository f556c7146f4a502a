import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { GatewayOptions } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { startUpstream, type UpstreamFixture } from '../support/upstream.js';

// Two stateful SDK servers behind one gateway; an SDK client in front. Each upstream issues its
// own session ids, which is exactly where a proxy that forwards the client's session id breaks.

const MATH_TOKEN = 'math-upstream-secret';
let math: UpstreamFixture;
let docs: UpstreamFixture;
let gw: RunningGateway;

function options(): GatewayOptions {
  return {
    auth: {
      apiKeys: [
        { id: 'acme-app', key: 'acme-key', tenant: 'acme', client: 'app' },
        { id: 'other-app', key: 'other-key', tenant: 'other', client: 'app' },
      ],
    },
    rateLimit: { byMethod: { 'prompts/list': 2 } },
    policy: {
      rules: [
        { subject: { tenant: 'acme' }, allow: { methods: ['*'], tools: ['*'], resources: ['*'], prompts: ['*'] } },
        { subject: { tenant: 'other' }, allow: { methods: ['*'], tools: ['docs.*'], resources: ['docs://**'], prompts: ['docs.*'] } },
      ],
    },
    upstreams: [
      { name: 'math', url: math.url, timeoutMs: 5_000, auth: { type: 'apiKey', apiKey: { header: 'Authorization', value: 'Bearer ${MATH_TOKEN}' } } },
      { name: 'docs', url: docs.url, timeoutMs: 5_000 },
    ],
    routing: [
      { match: { tool: 'math.*' }, upstream: 'math' },
      { match: { tool: 'docs.*' }, upstream: 'docs' },
      { match: { resource: 'math://**' }, upstream: 'math' },
      { match: { resource: 'docs://**' }, upstream: 'docs' },
      { match: { prompt: 'docs.*' }, upstream: 'docs' },
      { match: { method: '*' }, upstream: 'math' },
    ],
  };
}

async function connect(key: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(gw.url), { requestInit: { headers: { 'x-api-key': key } } });
  const client = new Client({ name: 'e2e-client', version: '1.0.0' }, { capabilities: { sampling: {} } });
  await client.connect(transport);
  return { client, transport };
}

function text(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((part) => part.text ?? '').join('');
}

/** The JSON-RPC error in the body the SDK client reports with a non-2xx status. */
function wireError(error: unknown): { status: number; body: { id: unknown; error: { code: number; message: string } } } {
  expect(error).toBeInstanceOf(StreamableHTTPError);
  const { code, message } = error as StreamableHTTPError;
  return { status: code ?? 0, body: JSON.parse(message.slice(message.indexOf('{'))) as { id: unknown; error: { code: number; message: string } } };
}

beforeAll(async () => {
  math = await startUpstream({ name: 'math', requiredHeader: { name: 'authorization', value: `Bearer ${MATH_TOKEN}` } });
  docs = await startUpstream({ name: 'docs' });
  gw = await startGateway(options(), { env: { MATH_TOKEN } });
});

afterAll(async () => {
  await gw?.close();
  await math?.close();
  await docs?.close();
});

describe('one client session in front of two stateful SDK upstreams', () => {
  it('calls tools on both upstreams in one session, each keeping its own session state', async () => {
    const { client, transport } = await connect('acme-key');
    expect(client.getServerVersion()).toMatchObject({ name: 'mcp-gateway' });
    expect(client.getServerCapabilities()).toMatchObject({ tools: {}, resources: {}, prompts: {} });

    expect(text(await client.callTool({ name: 'math.add', arguments: { a: 2, b: 3 } }))).toBe('5');
    expect(text(await client.callTool({ name: 'docs.echo', arguments: { text: 'hi' } }))).toBe('hi');
    expect(text(await client.callTool({ name: 'math.counter', arguments: {} }))).toBe('1');
    expect(text(await client.callTool({ name: 'docs.counter', arguments: {} }))).toBe('1');
    expect(text(await client.callTool({ name: 'math.counter', arguments: {} }))).toBe('2');

    const mathSession = text(await client.callTool({ name: 'math.session', arguments: {} }));
    const docsSession = text(await client.callTool({ name: 'docs.session', arguments: {} }));
    expect(math.sessionIds()).toContain(mathSession);
    expect(docs.sessionIds()).toContain(docsSession);
    // The client's id is the gateway's own: long, random, and unrelated to either upstream's.
    expect(transport.sessionId).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect([mathSession, docsSession]).not.toContain(transport.sessionId);
    await client.close();
  });

  it('routes resources/read by uri and prompts/get by name', async () => {
    const { client } = await connect('acme-key');
    const readme = await client.readResource({ uri: 'math://readme' });
    expect(readme.contents[0]).toMatchObject({ uri: 'math://readme', text: 'readme of math' });
    const doc = await client.readResource({ uri: 'docs://doc/7' });
    expect(doc.contents[0]).toMatchObject({ text: 'doc 7 of docs' });
    const prompt = await client.getPrompt({ name: 'docs.greet', arguments: { who: 'Ada' } });
    expect(prompt.messages[0]?.content).toMatchObject({ type: 'text', text: 'Hello, Ada from docs' });
    await client.close();
  });

  it('streams progress notifications through as they happen, not when the call ends', async () => {
    const { client } = await connect('acme-key');
    const arrivals: { sentAt: number; receivedAt: number }[] = [];
    const result = await client.callTool({ name: 'math.progress', arguments: { steps: 4, intervalMs: 400 } }, undefined, {
      onprogress: (progress) => arrivals.push({ sentAt: Number(progress.message), receivedAt: Date.now() }),
    });
    expect(text(result)).toBe('done');
    expect(arrivals).toHaveLength(4);
    // Had the gateway buffered the stream, all four would arrive together at the end, after the
    // last was sent: the first arrives 1.2 s before that, room for a busy machine's delays.
    expect(arrivals[0]!.receivedAt).toBeLessThan(arrivals[3]!.sentAt);
    await client.close();
  });

  it('relays a server-to-client request to the client and its answer back to the upstream that asked', async () => {
    const { client } = await connect('acme-key');
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
      role: 'assistant',
      model: 'test-model',
      content: { type: 'text', text: `answered: ${(request.params.messages[0]?.content as { text?: string }).text}` },
    }));
    expect(text(await client.callTool({ name: 'docs.sample', arguments: {} }))).toContain('answered: sample from docs');
    expect(text(await client.callTool({ name: 'math.sample', arguments: {} }))).toContain('answered: sample from math');
    await client.close();
  });

  it('answers a call the policy denies with a 403 JSON-RPC error carrying the request id', async () => {
    const { client } = await connect('other-key');
    expect(text(await client.callTool({ name: 'docs.echo', arguments: { text: 'ok' } }))).toBe('ok');
    const error = await client.callTool({ name: 'math.add', arguments: { a: 1, b: 1 } }).catch((caught: unknown) => caught);
    const { status, body } = wireError(error);
    expect(status).toBe(403);
    expect(body.error.code).toBe(-40300);
    expect(typeof body.id).toBe('number');
    await client.close();
  });

  it('answers calls over the rate limit with a 429 JSON-RPC error', async () => {
    const { client } = await connect('other-key');
    await client.listPrompts();
    await client.listPrompts();
    const error = await client.listPrompts().catch((caught: unknown) => caught);
    const { status, body } = wireError(error);
    expect(status).toBe(429);
    expect(body.error.code).toBe(-42900);
    await client.close();
  });

  it('ends the session on DELETE, here and on every upstream it touched', async () => {
    const { client, transport } = await connect('acme-key');
    const mathSession = text(await client.callTool({ name: 'math.session', arguments: {} }));
    const docsSession = text(await client.callTool({ name: 'docs.session', arguments: {} }));
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    expect(math.deletedSessionIds).toContain(mathSession);
    expect(docs.deletedSessionIds).toContain(docsSession);
    const after = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': 'acme-key', 'mcp-session-id': sessionId },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(after.status).toBe(404);
    expect(await after.json()).toMatchObject({ id: 9, error: { code: -40400 } });
    await client.close();
  });

  it('binds a session to its credential: another key presenting the id gets 404', async () => {
    const { client, transport } = await connect('acme-key');
    const stolen = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': 'other-key', 'mcp-session-id': transport.sessionId! },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'docs.echo', arguments: { text: 'x' } } }),
    });
    expect(stolen.status).toBe(404);
    expect(await stolen.json()).toMatchObject({ id: 1, error: { code: -40400 } });
    // The owner still uses it.
    expect(text(await client.callTool({ name: 'docs.echo', arguments: { text: 'still mine' } }))).toBe('still mine');
    await client.close();
  });

  it('sends the upstream its own credential and never the gateway credential', async () => {
    const { client } = await connect('acme-key');
    const seen = JSON.parse(text(await client.callTool({ name: 'math.headers', arguments: {} }))) as Record<string, unknown>;
    expect(seen['authorization']).toBe(`Bearer ${MATH_TOKEN}`);
    for (const request of [...math.requests, ...docs.requests]) {
      expect(request.headers['x-api-key']).toBeUndefined();
      expect(request.headers['cookie']).toBeUndefined();
    }
    expect(docs.requests.every((request) => request.headers['authorization'] === undefined)).toBe(true);
    expect(math.requests.filter((request) => request.method !== 'DELETE').every((request) => request.headers['authorization'] === `Bearer ${MATH_TOKEN}`)).toBe(true);
    await client.close();
  });
});
