import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FederatedUpstream } from '../support/federated-upstream.js';
import { startFederatedPair, type FederatedPair } from '../support/federated-pair.js';
import type { RunningGateway } from '../support/gateway.js';
import { openListen, waitFor } from '../support/listen-stream.js';

// A stateless (2026-07-28) client, the official 2.x SDK pinned to that revision, in front of two
// session-based (SDK 1.x) upstreams: the gateway answers server/discover and the lists itself,
// holds the upstream sessions for the subject, and checks every Mcp-* header against the body.

const KEY = 'modern-key';
const VERSION = '2026-07-28';
let alpha: FederatedUpstream;
let beta: FederatedUpstream;
let pair: FederatedPair;
let gw: RunningGateway;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  pair = await startFederatedPair([{ key: KEY, tenant: 'acme' }, { key: 'other-key', tenant: 'other' }]);
  ({ alpha, beta, gw } = pair);
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await pair?.close();
});

async function connect(key = KEY): Promise<Client> {
  const client = new Client({ name: 'modern-client', version: '1.0.0' }, { versionNegotiation: { mode: { pin: VERSION } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(gw.url), { requestInit: { headers: { 'x-api-key': key } } }));
  closers.push(() => client.close());
  return client;
}

function text(result: unknown): string {
  return ((result as { content?: { text?: string }[] }).content ?? []).map((part) => part.text ?? '').join('');
}

/** The _meta every stateless request carries. */
const META = { 'io.modelcontextprotocol/protocolVersion': VERSION, 'io.modelcontextprotocol/clientCapabilities': {} };

/** A raw stateless POST with the headers the revision asks for, each overridable. */
async function raw(body: Record<string, unknown>, headers: Record<string, string | undefined> = {}): Promise<{ status: number; body: { id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string; data?: unknown } }; headers: Headers }> {
  const params = (body['params'] ?? {}) as Record<string, unknown>;
  const merged: Record<string, string | undefined> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'x-api-key': KEY,
    'mcp-protocol-version': VERSION,
    'mcp-method': String(body['method']),
    'mcp-name': typeof params['name'] === 'string' ? params['name'] : typeof params['uri'] === 'string' ? params['uri'] : undefined,
    ...headers,
  };
  const sent = Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const response = await fetch(gw.url, { method: 'POST', headers: sent, body: JSON.stringify({ jsonrpc: '2.0', ...body }) });
  const textBody = await response.text();
  const json = response.headers.get('content-type')?.startsWith('text/event-stream') ? JSON.parse(/^data: (.*)$/m.exec(textBody)![1]!) : JSON.parse(textBody);
  return { status: response.status, body: json, headers: response.headers };
}

describe('a 2026-07-28 client in front of session-based upstreams', () => {
  it('discovers the gateway as one modern server with the upstreams\' capabilities merged', async () => {
    const client = await connect();
    expect(client.getProtocolEra()).toBe('modern');
    const discovered = client.getDiscoverResult();
    expect(discovered?.supportedVersions).toContain(VERSION);
    expect(discovered?.capabilities).toMatchObject({ tools: {}, prompts: {}, resources: {} });
    expect(discovered?.instructions).toContain('Use alpha for alpha things.');
  });

  it('lists, calls, gets prompts and reads resources across both upstreams', async () => {
    const client = await connect();
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toContain('alpha_search');
    expect(tools).toContain('only_beta');
    expect(text(await client.callTool({ name: 'beta_search', arguments: {} }))).toBe('search of beta');
    expect(text(await client.callTool({ name: 'only_alpha', arguments: {} }))).toBe('only_alpha of alpha');
    const prompt = await client.getPrompt({ name: 'alpha_greet', arguments: { who: 'ada' } });
    expect(prompt.messages[0]?.content).toMatchObject({ text: 'alpha greets ada' });
    const read = await client.readResource({ uri: 'beta://doc/3' });
    expect(read.contents[0]).toMatchObject({ text: 'beta reads beta://doc/3' });
  });

  it('marks list results as complete and not cacheable across subjects', async () => {
    const answer = await raw({ id: 1, method: 'tools/list', params: { _meta: META } });
    expect(answer.status).toBe(200);
    expect(answer.body.result).toMatchObject({ resultType: 'complete', ttlMs: 0, cacheScope: 'private' });
  });

  it('keeps the upstream state of one subject across its requests, and apart from another subject\'s', async () => {
    // The upstream counts per upstream session: the same subject reaches the same one each time.
    const call = (id: number, key: string) => raw({ id, method: 'tools/call', params: { name: 'only_alpha', arguments: {}, _meta: META } }, { 'x-api-key': key });
    const sessionsBefore = alpha.methods.filter((method) => method === 'initialize').length;
    await call(1, KEY);
    await call(2, KEY);
    await call(3, 'other-key');
    const opened = alpha.methods.filter((method) => method === 'initialize').length - sessionsBefore;
    // acme already had its bridge session from the tests above; "other" needs one of its own.
    expect(opened).toBe(1);
  });

  it('answers requests with the same id, sent at once by one subject, each with its own answer', async () => {
    const answers = await Promise.all(
      ['alpha_search', 'beta_search', 'only_alpha', 'only_beta'].map((name) => raw({ id: 7, method: 'tools/call', params: { name, arguments: {}, _meta: META } })),
    );
    expect(answers.map((answer) => answer.body.id)).toEqual([7, 7, 7, 7]);
    expect(answers.map((answer) => text(answer.body.result))).toEqual(['search of alpha', 'search of beta', 'only_alpha of alpha', 'only_beta of beta']);
  });
});

describe('a session-based upstream asking a 2026-07-28 client for input mid-call', () => {
  it('reaches the client as input_required, and its retry takes the answer back to the upstream that asked', async () => {
    const client = new Client({ name: 'modern-asked', version: '1.0.0' }, { versionNegotiation: { mode: { pin: VERSION } }, capabilities: { elicitation: {}, sampling: {} } });
    const asked: string[] = [];
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.push(String((request.params as { message?: unknown }).message));
      return { action: 'accept', content: { who: 'ada' } };
    });
    client.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant', model: 'test', content: { type: 'text', text: 'sampled' } }));
    await client.connect(new StreamableHTTPClientTransport(new URL(gw.url), { requestInit: { headers: { 'x-api-key': KEY } } }));
    closers.push(() => client.close());
    expect(text(await client.callTool({ name: 'beta_ask', arguments: {} }))).toBe('beta heard accept:ada');
    expect(asked).toEqual(['beta asks your name']);
    expect(text(await client.callTool({ name: 'alpha_sample', arguments: {} }))).toBe('alpha sampled sampled');
  });

  it('refuses a requestState it did not issue (tampered, expired): 400 -32602', async () => {
    const answer = await raw({ id: 9, method: 'tools/call', params: { name: 'only_alpha', arguments: {}, requestState: 'forged', inputResponses: {}, _meta: META } });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ id: 9, error: { code: -32602 } });
  });
});

describe('subscriptions/listen', () => {
  it('acknowledges what it can deliver, then delivers list changes and resource updates tagged with its id', async () => {
    const listen = await openListen(gw.url, { 'x-api-key': KEY }, { id: 'listen-1', params: { notifications: { toolsListChanged: true, promptsListChanged: true, resourceSubscriptions: ['beta://readme'] }, _meta: META } });
    const { response, messages } = listen;
    expect(response.status).toBe(200);
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    await waitFor(() => messages.length > 0);
    expect(messages[0]).toMatchObject({
      method: 'notifications/subscriptions/acknowledged',
      params: { notifications: { toolsListChanged: true, resourceSubscriptions: ['beta://readme'] }, _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen-1' } },
    });
    // The prompts of the upstreams do not announce changes: not promised.
    expect((messages[0]?.params?.['notifications'] as Record<string, unknown>)['promptsListChanged']).toBeUndefined();
    // beta tells every subscriber of a URI at once that it changed (see the fixture).
    await waitFor(() => messages.some((message) => message.method === 'notifications/resources/updated'));
    expect(messages.find((message) => message.method === 'notifications/resources/updated')).toMatchObject({ params: { uri: 'beta://readme', _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen-1' } } });

    await raw({ id: 11, method: 'tools/call', params: { name: 'alpha_grow', arguments: {}, _meta: META } });
    await waitFor(() => messages.some((message) => message.method === 'notifications/tools/list_changed'));
    expect(messages.find((message) => message.method === 'notifications/tools/list_changed')).toMatchObject({ params: { _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen-1' } } });
    expect(beta.subscriptions).toContain('beta://readme');
    await listen.close();
    await waitFor(() => beta.methods.includes('resources/unsubscribe'));
    expect(beta.methods).toContain('resources/unsubscribe');
  });
});

describe('the revision\'s header and envelope rules', () => {
  it('refuses an Mcp-Name that disagrees with the body: 400 -32020', async () => {
    const answer = await raw({ id: 1, method: 'tools/call', params: { name: 'only_alpha', arguments: {}, _meta: META } }, { 'mcp-name': 'only_beta' });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ id: 1, error: { code: -32020 } });
  });

  it('refuses a missing Mcp-Name, a wrong Mcp-Method and a version header that differs from _meta: 400 -32020', async () => {
    const call = { id: 2, method: 'tools/call', params: { name: 'only_alpha', arguments: {}, _meta: META } };
    for (const headers of [{ 'mcp-name': undefined }, { 'mcp-method': 'tools/list' }, { 'mcp-protocol-version': '2025-11-25' }]) {
      const answer = await raw(call, headers);
      expect(answer.status, JSON.stringify(headers)).toBe(400);
      expect(answer.body.error?.code, JSON.stringify(headers)).toBe(-32020);
    }
  });

  it('decodes an Mcp-Name sent as =?base64?...?=', async () => {
    const answer = await raw({ id: 3, method: 'tools/call', params: { name: 'only_alpha', arguments: {}, _meta: META } }, { 'mcp-name': `=?base64?${Buffer.from('only_alpha').toString('base64')}?=` });
    expect(answer.status).toBe(200);
    expect(text(answer.body.result)).toBe('only_alpha of alpha');
  });

  it('answers a revision it does not speak with 400 -32022, listing the ones it does', async () => {
    const answer = await raw({ id: 4, method: 'tools/list', params: { _meta: { ...META, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } } }, { 'mcp-protocol-version': '2099-01-01' });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: -32022, data: { requested: '2099-01-01' } });
    expect((answer.body.error?.data as { supported: string[] }).supported).toEqual(expect.arrayContaining([VERSION, '2025-11-25']));
  });

  it('answers missing client capabilities with 400 -32602', async () => {
    const answer = await raw({ id: 5, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': VERSION } } });
    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe(-32602);
  });

  it('answers the methods the revision removed with 404 -32601, and GET and DELETE with 405', async () => {
    for (const method of ['initialize', 'ping', 'logging/setLevel', 'resources/subscribe']) {
      const answer = await raw({ id: 6, method, params: { _meta: META, uri: 'alpha://readme' } });
      expect(answer.status, method).toBe(404);
      expect(answer.body.error?.code, method).toBe(-32601);
    }
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(gw.url, { method, headers: { 'x-api-key': KEY, 'mcp-protocol-version': VERSION, accept: 'text/event-stream' } });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      await response.text();
    }
  });

  it('still authenticates: no key is 401', async () => {
    const answer = await raw({ id: 8, method: 'tools/list', params: { _meta: META } }, { 'x-api-key': undefined });
    expect(answer.status).toBe(401);
  });
});
