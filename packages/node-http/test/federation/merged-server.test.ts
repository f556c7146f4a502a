import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  McpError,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { GatewayOptions } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFederatedUpstream, type FederatedUpstream } from '../support/federated-upstream.js';
import { INITIALIZE_PARAMS, openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';

// Several SDK upstreams offering the same names behind one gateway, and the official SDK client in
// front: the client must see one server made of all of them, whatever the collision policy, and
// lose nothing it would have had connecting to each upstream directly.

const KEY = 'federation-key';
const NARROW_KEY = 'narrow-key';
let alpha: FederatedUpstream;
let beta: FederatedUpstream;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  alpha = await startFederatedUpstream({ name: 'alpha' });
  // beta pages its tools two at a time, so the gateway's cursor has to carry beta's.
  beta = await startFederatedUpstream({ name: 'beta', pageSize: 2, extraTools: ['dotted.name'] });
  closers.push(() => alpha.close(), () => beta.close());
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
});

function options(federation: GatewayOptions['federation'] = {}, extra: Partial<GatewayOptions> = {}): GatewayOptions {
  return {
    auth: {
      apiKeys: [
        { key: KEY, tenant: 'acme' },
        { key: NARROW_KEY, tenant: 'narrow' },
      ],
    },
    policy: {
      rules: [
        { subject: { tenant: 'acme' }, allow: { methods: ['*'], tools: ['*'], resources: ['*'], prompts: ['*'] } },
        { subject: { tenant: 'narrow' }, allow: { methods: ['*'], tools: ['beta_*', 'only_*'], resources: ['beta://**'], prompts: ['*'] } },
      ],
    },
    upstreams: [
      { name: 'alpha', url: alpha.url, timeoutMs: 5_000 },
      { name: 'beta', url: beta.url, timeoutMs: 5_000 },
    ],
    federation,
    ...extra,
  };
}

async function gateway(federation: GatewayOptions['federation'] = {}, extra: Partial<GatewayOptions> = {}): Promise<RunningGateway> {
  const gw = await startGateway(options(federation, extra));
  closers.push(() => gw.close());
  return gw;
}

async function connect(gw: RunningGateway, key = KEY): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(gw.url), { requestInit: { headers: { 'x-api-key': key } } });
  const client = new Client({ name: 'federation-client', version: '1.0.0' }, { capabilities: { sampling: {}, elicitation: {} } });
  await client.connect(transport);
  closers.push(() => client.close());
  return client;
}

/** Every tool, following the gateway's cursors. */
async function allTools(client: Client): Promise<{ tools: Tool[]; pages: number }> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await client.listTools(cursor === undefined ? {} : { cursor });
    tools.push(...page.tools);
    cursor = page.nextCursor;
    pages++;
  } while (cursor !== undefined && pages < 20);
  return { tools, pages };
}

/**
 * The gateway's own refusals carry their HTTP status (400, 502...), which the SDK client reports
 * as a transport error holding the JSON-RPC error body.
 */
function wireError(error: unknown): { status: number; code: number; message: string } {
  expect(error).toBeInstanceOf(StreamableHTTPError);
  const { code, message } = error as StreamableHTTPError;
  const body = JSON.parse(message.slice(message.indexOf('{'))) as { error: { code: number; message: string } };
  return { status: code ?? 0, code: body.error.code, message: body.error.message };
}

function text(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((part) => part.text ?? '').join('');
}

describe('collision policy "prefix" (the default)', () => {
  let gw: RunningGateway;
  let client: Client;
  beforeAll(async () => {
    gw = await gateway();
    client = await connect(gw);
  });

  it('lists the union of both upstreams across pages, colliding names prefixed with their upstream', async () => {
    const { tools, pages } = await allTools(client);
    const names = tools.map((tool) => tool.name).sort();
    expect(pages).toBeGreaterThan(1);
    expect(names).toEqual(
      ['alpha_ask', 'alpha_grow', 'alpha_sample', 'alpha_search', 'alpha_slow', 'beta_ask', 'beta_grow', 'beta_sample', 'beta_search', 'beta_slow', 'dotted.name', 'only_alpha', 'only_beta'].sort(),
    );
  });

  it('routes a prefixed name to its upstream with the upstream\'s own name, and a unique name unchanged', async () => {
    expect(text(await client.callTool({ name: 'alpha_search' }))).toBe('search of alpha');
    expect(text(await client.callTool({ name: 'beta_search' }))).toBe('search of beta');
    expect(text(await client.callTool({ name: 'only_beta' }))).toBe('only_beta of beta');
    expect(text(await client.callTool({ name: 'dotted.name' }))).toBe('dotted.name of beta');
  });

  it('answers a cursor it did not issue with -32602', async () => {
    const error = await client.listTools({ cursor: 'bm90LWEtY3Vyc29y' }).catch((caught: unknown) => caught);
    expect(wireError(error)).toMatchObject({ status: 400, code: -32602 });
  });

  it('declares the upstreams\' capabilities merged and their instructions combined', () => {
    expect(client.getServerCapabilities()).toMatchObject({ tools: { listChanged: true }, prompts: {}, resources: { subscribe: true }, logging: {}, completions: {} });
    const instructions = client.getInstructions() ?? '';
    expect(instructions).toContain('Use alpha for alpha things.');
    expect(instructions).toContain('Use beta for beta things.');
  });

  it('names prompts and resource templates alike, and routes prompts/get, completions and reads to the right upstream', async () => {
    const prompts = (await client.listPrompts()).prompts.map((prompt) => prompt.name).sort();
    expect(prompts).toEqual(['alpha_greet', 'beta_greet']);
    const greeting = await client.getPrompt({ name: 'beta_greet', arguments: { who: 'ada' } });
    expect(greeting.messages[0]?.content).toMatchObject({ text: 'beta greets ada' });

    const completion = await client.complete({ ref: { type: 'ref/prompt', name: 'alpha_greet' }, argument: { name: 'who', value: 'a' } });
    expect(completion.completion.values).toEqual(['alpha:greet:a']);
    const byTemplate = await client.complete({ ref: { type: 'ref/resource', uri: 'beta://doc/{id}' }, argument: { name: 'id', value: '4' } });
    expect(byTemplate.completion.values).toEqual(['beta:beta://doc/{id}:4']);

    const resources = (await client.listResources()).resources.map((resource) => resource.uri).sort();
    expect(resources).toEqual(['alpha://readme', 'beta://readme']);
    const templates = (await client.listResourceTemplates()).resourceTemplates.map((template) => `${template.name} ${template.uriTemplate}`).sort();
    expect(templates).toEqual(['alpha_doc alpha://doc/{id}', 'beta_doc beta://doc/{id}']);
    expect((await client.readResource({ uri: 'beta://readme' })).contents[0]).toMatchObject({ text: 'beta reads beta://readme' });
    expect((await client.readResource({ uri: 'alpha://doc/7' })).contents[0]).toMatchObject({ text: 'alpha reads alpha://doc/7' });
  });

  it('answers ping itself and sends logging/setLevel to every upstream', async () => {
    const alphaPings = alpha.methods.filter((method) => method === 'ping').length;
    await client.ping();
    expect(alpha.methods.filter((method) => method === 'ping').length).toBe(alphaPings);
    await client.setLoggingLevel('warning');
    expect(alpha.levels).toContain('warning');
    expect(beta.levels).toContain('warning');
  });

  it('routes resources/subscribe by URI and delivers notifications/resources/updated back', async () => {
    const updated = new Promise<string>((resolve) => client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => resolve(notification.params.uri)));
    await client.subscribeResource({ uri: 'beta://readme' });
    expect(beta.subscriptions).toContain('beta://readme');
    expect(alpha.subscriptions).not.toContain('beta://readme');
    await expect(withTimeout(updated, 5_000)).resolves.toBe('beta://readme');
  });

  it('relays an elicitation and a sampling request from either upstream to the client and its answer back', async () => {
    client.setRequestHandler(ElicitRequestSchema, (request) => ({ action: 'accept', content: { who: `ada-for-${request.params.message.split(' ')[0]}` } }));
    client.setRequestHandler(CreateMessageRequestSchema, (request) => ({
      role: 'assistant',
      model: 'test',
      content: { type: 'text', text: `reply-to-${(request.params.messages[0]?.content as { text?: string }).text}` },
    }));
    const [a, b, sampled] = await Promise.all([
      client.callTool({ name: 'alpha_ask' }),
      client.callTool({ name: 'beta_ask' }),
      client.callTool({ name: 'beta_sample' }),
    ]);
    expect(text(a)).toBe('alpha heard accept:ada-for-alpha');
    expect(text(b)).toBe('beta heard accept:ada-for-beta');
    expect(text(sampled)).toBe('beta sampled reply-to-from beta');
  });

  it('delivers a client\'s cancellation to the upstream working on the call', async () => {
    const before = beta.cancelled;
    const controller = new AbortController();
    const call = client.callTool({ name: 'beta_slow' }, undefined, { signal: controller.signal });
    await waitFor(() => beta.methods.filter((method) => method === 'tools/call').length > 0 && beta.methods.at(-1) === 'tools/call');
    controller.abort();
    await expect(call).rejects.toThrow();
    await waitFor(() => beta.cancelled > before);
    expect(alpha.cancelled).toBe(0);
  });

  it('passes list_changed on to the client, after which the new tool is listed and callable', async () => {
    const changed = new Promise<void>((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));
    expect(text(await client.callTool({ name: 'alpha_grow' }))).toBe('alpha grew');
    await withTimeout(changed, 5_000);
    const names = (await allTools(client)).tools.map((tool) => tool.name);
    expect(names).toContain('fresh_alpha');
    expect(text(await client.callTool({ name: 'fresh_alpha' }))).toBe('fresh_alpha of alpha');
  });

  it('shows a subject only what its policy lets it call', async () => {
    const narrow = await connect(gw, NARROW_KEY);
    const names = (await allTools(narrow)).tools.map((tool) => tool.name).sort();
    expect(names).toEqual(['beta_ask', 'beta_grow', 'beta_sample', 'beta_search', 'beta_slow', 'only_alpha', 'only_beta']);
    expect((await narrow.listResources()).resources.map((resource) => resource.uri)).toEqual(['beta://readme']);
  });

  it('routes a name a fresh gateway has not listed yet, by listing first', async () => {
    const fresh = await gateway();
    const raw = await connect(fresh);
    expect(text(await raw.callTool({ name: 'beta_search' }))).toBe('search of beta');
    expect(text(await raw.callTool({ name: 'only_alpha' }))).toBe('only_alpha of alpha');
    const unknown = await raw.callTool({ name: 'no_such_tool' }).catch((caught: unknown) => caught);
    expect(wireError(unknown)).toMatchObject({ status: 400, code: -32601 });
  });
});

describe('collision policy "first-wins"', () => {
  it('shows the first upstream\'s item under the shared name and hides the other\'s', async () => {
    const client = await connect(await gateway({ collisions: 'first-wins' }));
    const names = (await allTools(client)).tools.map((tool) => tool.name);
    expect(names.filter((name) => name === 'search')).toHaveLength(1);
    expect(names).not.toContain('beta_search');
    expect(text(await client.callTool({ name: 'search' }))).toBe('search of alpha');
    expect(text(await client.callTool({ name: 'only_beta' }))).toBe('only_beta of beta');
  });
});

describe('collision policy "error"', () => {
  it('refuses the list naming both upstreams (not the name: it may be hidden from the subject), and serves what does not collide', async () => {
    const gw = await gateway({ collisions: 'error' });
    const client = await connect(gw);
    const error = wireError(await client.listTools().catch((caught: unknown) => caught));
    expect(error).toMatchObject({ status: 502, code: -50202 });
    expect(error.message).toContain('"alpha" and "beta" both offer the same tool name');
    const call = await client.callTool({ name: 'search' }).catch((caught: unknown) => caught);
    expect(wireError(call)).toMatchObject({ status: 502, code: -50202 });
    expect(wireError(call).message).toContain('"alpha" and "beta" both offer "search"');
    expect(text(await client.callTool({ name: 'only_alpha' }))).toBe('only_alpha of alpha');
  });

  it('has no collision once an upstream carries a prefix', async () => {
    const gw = await gateway(
      { collisions: 'error' },
      { upstreams: [{ name: 'alpha', url: alpha.url, prefix: 'a-' }, { name: 'beta', url: beta.url, prefix: 'b-' }] },
    );
    const client = await connect(gw);
    const names = (await allTools(client)).tools.map((tool) => tool.name);
    expect(names).toContain('a-search');
    expect(names).toContain('b-search');
    expect(text(await client.callTool({ name: 'b-search' }))).toBe('search of beta');
    expect((await client.getPrompt({ name: 'a-greet', arguments: { who: 'x' } })).messages[0]?.content).toMatchObject({ text: 'alpha greets x' });
  });
});

describe('strict names', () => {
  it('keeps every name within ^[a-zA-Z0-9_-]{1,64}$ and maps it back on a call', async () => {
    const client = await connect(await gateway({ strictNames: true }));
    const names = (await allTools(client)).tools.map((tool) => tool.name);
    for (const name of names) expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    const dotted = names.find((name) => name.startsWith('dotted_name'));
    expect(dotted).toBeDefined();
    expect(text(await client.callTool({ name: dotted! }))).toBe('dotted.name of beta');
  });
});

describe('an upstream that dies mid-session', () => {
  it('answers lists from the others, keeps the session usable, and shows the failure in /health', async () => {
    const gamma = await startFederatedUpstream({ name: 'gamma' });
    const gw = await startGateway({
      ...options(),
      upstreams: [
        { name: 'alpha', url: alpha.url, timeoutMs: 5_000 },
        { name: 'gamma', url: gamma.url, timeoutMs: 2_000 },
      ],
    });
    closers.push(() => gw.close());
    const client = await connect(gw);
    expect((await allTools(client)).tools.map((tool) => tool.name)).toContain('only_gamma');

    await gamma.close();
    const started = Date.now();
    const names = (await allTools(client)).tools.map((tool) => tool.name);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(names).toContain('only_alpha');
    expect(names).not.toContain('only_gamma');
    expect(text(await client.callTool({ name: 'only_alpha' }))).toBe('only_alpha of alpha');
    const failed = await client.callTool({ name: 'only_gamma' }).catch((caught: unknown) => caught);
    expect(wireError(failed)).toMatchObject({ status: 502, code: -50200 });

    const health = (await (await fetch(`${gw.origin}/health`)).json()) as { status: string; upstreams: Record<string, { ok: boolean; failures?: number }> };
    expect(health.status).toBe('degraded');
    expect(health.upstreams['gamma']).toMatchObject({ ok: false });
    expect(health.upstreams['gamma']?.failures).toBeGreaterThan(0);
    expect(health.upstreams['alpha']).toMatchObject({ ok: true });

    const metrics = await (await fetch(`${gw.origin}/metrics`)).text();
    expect(metrics).toMatch(/^mcp_gateway_upstream_failures_total\{upstream="gamma",error="UPSTREAM_UNREACHABLE"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^mcp_gateway_messages_total\{outcome="ok"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^mcp_gateway_sessions 1$/m);
  });
});

describe('raw protocol details', () => {
  it('refuses a rebinding Host on a loopback connection (403) and serves loopback names', async () => {
    const gw = await gateway();
    const { request } = await import('node:http');
    const status = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(gw.url, { method: 'POST', headers: { host, 'content-type': 'application/json', accept: 'application/json', 'x-api-key': KEY } }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: INITIALIZE_PARAMS }));
      });
    const rebound = await status('attacker.example:8080');
    expect(rebound.status).toBe(403);
    // Refused on its headers, before the body (and its id) is read.
    expect(JSON.parse(rebound.body)).toMatchObject({ id: null, error: { code: -40302 } });
    expect((await status('localhost:8080')).status).toBe(200);
  });

  it('refuses a list cursor for another kind of list', async () => {
    const gw = await gateway();
    const session = await openSession(gw.url, { 'x-api-key': KEY });
    const headers = { 'x-api-key': KEY, 'mcp-session-id': session, 'mcp-protocol-version': INITIALIZE_PARAMS.protocolVersion, accept: 'application/json' };
    const first = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, headers);
    const cursor = (first.body as { result: { nextCursor?: string } }).result.nextCursor;
    expect(cursor).toBeDefined();
    const wrongKind = await post(gw.url, { jsonrpc: '2.0', id: 2, method: 'prompts/list', params: { cursor } }, headers);
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body).toMatchObject({ id: 2, error: { code: -32602 } });
    const next = await post(gw.url, { jsonrpc: '2.0', id: 3, method: 'tools/list', params: { cursor } }, headers);
    expect(next.status).toBe(200);
    expect((next.body as { result: { tools: unknown[] } }).result.tools.length).toBeGreaterThan(0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);
}
