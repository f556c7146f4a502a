import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { GatewayOptions } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INITIALIZE_PARAMS, openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';
import { startUpstream, type UpstreamFixture } from '../support/upstream.js';

// The Streamable HTTP rules the gateway keeps on its own endpoint, checked over raw HTTP where
// the SDK client would hide the detail (statuses, headers, batches).

const KEY = { 'x-api-key': 'k1' };
let sse: UpstreamFixture;
let json: UpstreamFixture;
let gw: RunningGateway;

function options(): GatewayOptions {
  return {
    server: { allowedOrigins: ['http://app.example'] },
    auth: { apiKeys: [{ id: 'k1', key: 'k1', tenant: 't', client: 'c' }] },
    rateLimit: { byMethod: { 'resources/templates/list': 1 } },
    policy: { rules: [{ subject: { tenant: 't' }, allow: { methods: ['*'], tools: ['*'], resources: ['*'], prompts: ['*'] }, deny: { tools: ['sse.slow'] } }] },
    upstreams: [
      { name: 'sse', url: sse.url },
      { name: 'json', url: json.url },
    ],
    routing: [
      { match: { tool: 'json.*' }, upstream: 'json' },
      { match: { method: '*' }, upstream: 'sse' },
    ],
  };
}

beforeAll(async () => {
  sse = await startUpstream({ name: 'sse' });
  json = await startUpstream({ name: 'json', jsonResponse: true });
  gw = await startGateway(options());
});

afterAll(async () => {
  await gw?.close();
  await sse?.close();
  await json?.close();
});

const call = (id: number, name: string, args: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

/** The JSON-RPC messages of an SSE body. */
function events(text: string): unknown[] {
  return text
    .split(/\n\n/)
    .map((block) => block.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n'))
    .filter((data) => data !== '')
    .map((data) => JSON.parse(data) as unknown);
}

describe('initialize', () => {
  it('is answered by the gateway with merged capabilities, its own serverInfo and a fresh session id', async () => {
    const answer = await post(gw.url, { jsonrpc: '2.0', id: 'init', method: 'initialize', params: INITIALIZE_PARAMS }, { ...KEY, accept: 'application/json' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      jsonrpc: '2.0',
      id: 'init',
      result: { protocolVersion: '2025-06-18', serverInfo: { name: 'mcp-gateway' }, capabilities: { tools: {}, prompts: {}, logging: {}, resources: {} } },
    });
    expect((answer.body as { result: { instructions: string } }).result.instructions).toContain('upstream sse');
    expect(answer.headers.get('mcp-session-id')).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('answers the newest revision it speaks when the client asks for an unknown one', async () => {
    const answer = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { ...INITIALIZE_PARAMS, protocolVersion: '2099-01-01' } }, KEY);
    expect(answer.body).toMatchObject({ result: { protocolVersion: '2025-11-25' } });
  });

  it('refuses initialize inside a batch or with a session id', async () => {
    const batch = await post(gw.url, [{ jsonrpc: '2.0', id: 1, method: 'initialize', params: INITIALIZE_PARAMS }, { jsonrpc: '2.0', id: 2, method: 'ping' }], KEY);
    expect(batch.status).toBe(400);
    expect(batch.body).toMatchObject({ error: { code: -32600 } });
    const withSession = await post(gw.url, { jsonrpc: '2.0', id: 3, method: 'initialize', params: INITIALIZE_PARAMS }, { ...KEY, 'mcp-session-id': 'x' });
    expect(withSession.status).toBe(400);
    expect(withSession.body).toMatchObject({ id: 3, error: { code: -40000 } });
  });
});

describe('request checks', () => {
  it('refuses a browser Origin that is not allowed with 403, and lets allowed and absent origins through', async () => {
    const refused = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: INITIALIZE_PARAMS }, { ...KEY, origin: 'http://evil.example' });
    expect(refused.status).toBe(403);
    // Refused on its headers, before the body (and its id) is read.
    expect(refused.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -40301 } });
    const allowed = await post(gw.url, { jsonrpc: '2.0', id: 2, method: 'initialize', params: INITIALIZE_PARAMS }, { ...KEY, origin: 'http://app.example' });
    expect(allowed.status).toBe(200);
  });

  it('answers a missing or wrong key with 401 and WWW-Authenticate, before reading the body (id null)', async () => {
    const missing = await post(gw.url, { jsonrpc: '2.0', id: 5, method: 'initialize', params: INITIALIZE_PARAMS });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBeTruthy();
    expect(missing.body).toMatchObject({ id: null, error: { code: -40100 } });
    const wrong = await post(gw.url, { jsonrpc: '2.0', id: 6, method: 'initialize', params: INITIALIZE_PARAMS }, { 'x-api-key': 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ id: null, error: { code: -40101 } });
  });

  it('answers an unsupported MCP-Protocol-Version with 400 and -32022', async () => {
    const session = await openSession(gw.url, KEY);
    const answer = await post(gw.url, { jsonrpc: '2.0', id: 7, method: 'ping' }, { ...KEY, 'mcp-session-id': session, 'mcp-protocol-version': '1999-01-01' });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ id: 7, error: { code: -32022 } });
  });

  it('answers a message over its rate limit with 429, Retry-After and the request id', async () => {
    const session = await openSession(gw.url, KEY);
    const headers = { ...KEY, 'mcp-session-id': session, accept: 'application/json' };
    expect((await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'resources/templates/list' }, headers)).status).toBe(200);
    const limited = await post(gw.url, { jsonrpc: '2.0', id: 2, method: 'resources/templates/list' }, headers);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.body).toMatchObject({ jsonrpc: '2.0', id: 2, error: { code: -42900, data: { limit: 1 } } });
  });

  it('answers other HTTP methods with 405 and Allow, and other paths with 404', async () => {
    const put = await fetch(gw.url, { method: 'PUT', headers: KEY });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST, DELETE');
    expect(await put.json()).toMatchObject({ error: { code: -40500 } });
    const elsewhere = await fetch(`${gw.origin}/elsewhere`);
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({ error: { code: -40401 } });
  });
});

describe('messages inside a session', () => {
  it('answers ping itself and accepts notifications with 202', async () => {
    const session = await openSession(gw.url, KEY);
    const before = sse.requests.length + json.requests.length;
    const ping = await post(gw.url, { jsonrpc: '2.0', id: 'p', method: 'ping' }, { ...KEY, 'mcp-session-id': session });
    expect(ping.body).toEqual({ jsonrpc: '2.0', id: 'p', result: {} });
    const initialized = await post(gw.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { ...KEY, 'mcp-session-id': session });
    expect(initialized.status).toBe(202);
    expect(initialized.text).toBe('');
    expect(sse.requests.length + json.requests.length).toBe(before);
  });

  it('turns an SSE upstream answer into JSON for a client that accepts only JSON', async () => {
    const session = await openSession(gw.url, KEY);
    const answer = await post(gw.url, call(1, 'sse.add', { a: 1, b: 2 }), { ...KEY, 'mcp-session-id': session, accept: 'application/json' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.body).toMatchObject({ id: 1, result: { content: [{ text: '3' }] } });
  });

  it('streams a JSON upstream answer as an event to a client that accepts only SSE', async () => {
    const session = await openSession(gw.url, KEY);
    const answer = await post(gw.url, call(2, 'json.add', { a: 2, b: 2 }), { ...KEY, 'mcp-session-id': session, accept: 'text/event-stream' });
    expect(answer.headers.get('content-type')).toBe('text/event-stream');
    expect(events(answer.text)).toMatchObject([{ id: 2, result: { content: [{ text: '4' }] } }]);
  });

  it('sends an SSE answer complete at once with its length, and a longer one as a chunked stream', async () => {
    const session = await openSession(gw.url, KEY);
    const headers = { ...KEY, 'mcp-session-id': session, accept: 'text/event-stream' };
    const quick = await post(gw.url, call(5, 'sse.add', { a: 1, b: 1 }), headers);
    expect(quick.headers.get('content-type')).toBe('text/event-stream');
    expect(quick.headers.get('content-length')).toBe(String(Buffer.byteLength(quick.text)));
    expect(quick.headers.get('transfer-encoding')).toBeNull();
    expect(events(quick.text)).toMatchObject([{ id: 5, result: { content: [{ text: '2' }] } }]);
    const progress = call(6, 'sse.progress', { steps: 2, intervalMs: 30 });
    const long = await post(gw.url, { ...progress, params: { ...progress.params, _meta: { progressToken: 'p6' } } }, headers);
    expect(long.headers.get('transfer-encoding')).toBe('chunked');
    expect(long.headers.get('content-length')).toBeNull();
    expect(events(long.text)).toMatchObject([
      { method: 'notifications/progress', params: { progressToken: 'p6', progress: 1 } },
      { method: 'notifications/progress', params: { progressToken: 'p6', progress: 2 } },
      { id: 6, result: { content: [{ text: 'done' }] } },
    ]);
  });

  it('passes a JSON upstream answer through unchanged to a client that accepts JSON', async () => {
    const session = await openSession(gw.url, KEY);
    const answer = await post(gw.url, call(3, 'json.echo', { text: 'é ✓' }), { ...KEY, 'mcp-session-id': session });
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.headers.get('mcp-session-id')).toBe(session);
    expect(answer.body).toMatchObject({ id: 3, result: { content: [{ text: 'é ✓' }] } });
  });

  it('reopens an upstream session the upstream forgot, and retries the message once', async () => {
    const session = await openSession(gw.url, KEY);
    const headers = { ...KEY, 'mcp-session-id': session, accept: 'application/json' };
    expect((await post(gw.url, call(1, 'sse.counter'), headers)).body).toMatchObject({ result: { content: [{ text: '1' }] } });
    await sse.dropSessions();
    const again = await post(gw.url, call(2, 'sse.counter'), headers);
    expect(again.status).toBe(200);
    // A new upstream session: its counter starts over.
    expect(again.body).toMatchObject({ id: 2, result: { content: [{ text: '1' }] } });
  });

  it('refuses a response to a server request that was never made', async () => {
    const session = await openSession(gw.url, KEY);
    const answer = await post(gw.url, { jsonrpc: '2.0', id: 99, result: {} }, { ...KEY, 'mcp-session-id': session });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ id: null, error: { code: -32600 } });
  });
});

describe('batches', () => {
  it('decides each message of a 2025-03-26 batch on its own and answers them together', async () => {
    const session = await openSession(gw.url, KEY);
    const headers = { ...KEY, 'mcp-session-id': session, 'mcp-protocol-version': '2025-03-26', accept: 'application/json' };
    const answer = await post(
      gw.url,
      [call(1, 'sse.add', { a: 1, b: 1 }), call(2, 'sse.slow', { ms: 1 }), { jsonrpc: '2.0', id: 3, method: 'ping' }, call(4, 'json.add', { a: 2, b: 5 }), { jsonrpc: '2.0', method: 'notifications/initialized' }, { jsonrpc: '2.0', id: 5 }],
      headers,
    );
    expect(answer.status).toBe(200);
    const byId = new Map((answer.body as { id: unknown }[]).map((message) => [message.id, message]));
    expect(byId.get(1)).toMatchObject({ result: { content: [{ text: '2' }] } });
    expect(byId.get(2)).toMatchObject({ error: { code: -40300 } });
    expect(byId.get(3)).toMatchObject({ result: {} });
    expect(byId.get(4)).toMatchObject({ result: { content: [{ text: '7' }] } });
    // The invalid member (no method, result or error) is answered too, under its id.
    expect(byId.get(5)).toMatchObject({ error: { code: -32600 } });
    expect(byId.size).toBe(5);
  });

  it('streams batch answers as events when the client takes SSE', async () => {
    const session = await openSession(gw.url, KEY);
    const headers = { ...KEY, 'mcp-session-id': session, 'mcp-protocol-version': '2025-03-26' };
    const answer = await post(gw.url, [call(1, 'sse.echo', { text: 'a' }), call(2, 'json.echo', { text: 'b' })], headers);
    expect(answer.headers.get('content-type')).toBe('text/event-stream');
    expect(events(answer.text)).toEqual(expect.arrayContaining([expect.objectContaining({ id: 1 }), expect.objectContaining({ id: 2 })]));
  });

  it('refuses batches in revisions after 2025-03-26', async () => {
    const session = await openSession(gw.url, KEY);
    const answer = await post(gw.url, [{ jsonrpc: '2.0', id: 1, method: 'ping' }], { ...KEY, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: -32600 } });
  });
});

describe('the GET stream', () => {
  it('merges what every upstream sends outside a request into the client session stream', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(gw.url), { requestInit: { headers: KEY } });
    const client = new Client({ name: 'stream-client', version: '1.0.0' });
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      logs.push(notification.params.data);
    });
    await client.connect(transport);
    // Opening the upstream sessions first, then letting the SDK client's GET stream attach to them.
    await client.callTool({ name: 'json.echo', arguments: { text: 'open' } });
    await client.callTool({ name: 'sse.echo', arguments: { text: 'open' } });
    // Both upstream GET streams open (not a fixed wait, which a busy machine outlasts).
    const gets = (upstream: UpstreamFixture) => upstream.requests.filter((request) => request.method === 'GET').length;
    const [sseGets, jsonGets] = [gets(sse), gets(json)];
    for (let waited = 0; (gets(sse) === sseGets || gets(json) === jsonGets) && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await client.callTool({ name: 'sse.broadcast', arguments: { text: 'from sse' } });
    await client.callTool({ name: 'json.broadcast', arguments: { text: 'from json' } });
    const deadline = Date.now() + 3_000;
    while (logs.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(logs.sort()).toEqual(['from json', 'from sse']);
    await client.close();
  });

  it('refuses a GET that does not accept text/event-stream, and one without a session', async () => {
    const session = await openSession(gw.url, KEY);
    const wrongAccept = await fetch(gw.url, { headers: { ...KEY, 'mcp-session-id': session, accept: 'application/json' } });
    expect(wrongAccept.status).toBe(406);
    const noSession = await fetch(gw.url, { headers: { ...KEY, accept: 'text/event-stream' } });
    expect(noSession.status).toBe(400);
  });
});

describe('health', () => {
  it('serves /healthz and /health without a key, reporting each upstream', async () => {
    const live = await fetch(`${gw.origin}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const health = await fetch(`${gw.origin}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', upstreams: { sse: { reachable: true, ok: true }, json: { reachable: true, ok: true } } });
  });
});
