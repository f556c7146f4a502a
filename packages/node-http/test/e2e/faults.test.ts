import { createServer, request, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayOptions } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INITIALIZE_PARAMS, startGateway, type RunningGateway } from '../support/gateway.js';
import { startUpstream, type UpstreamFixture } from '../support/upstream.js';

// Faults on either side of the gateway. Each one must come back as a JSON-RPC 2.0 error object
// carrying the request's id (null only where the gateway could not know it) with the HTTP status
// of the error table, and the gateway must keep serving normal requests afterwards.

const KEY = 'faults-key';
const AUTH = { 'x-api-key': KEY };
const JSON_ONLY = 'application/json';
const BOTH = 'application/json, text/event-stream';
/** Upper bound of every single HTTP exchange in this file, so nothing can hang. */
const EXCHANGE_TIMEOUT_MS = 5_000;
/** timeoutMs of the upstreams that are meant to time out. */
const TIGHT_TIMEOUT_MS = 300;

type Id = string | number | null;
type UpstreamEntry = GatewayOptions['upstreams'][number];
type ServerOptions = NonNullable<GatewayOptions['server']>;

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
  elapsedMs: number;
}

interface WireError {
  code: number;
  message: string;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Everything started by this file, closed in reverse order in afterAll. */
const closers: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const close of closers.reverse()) {
    await close().catch(() => undefined);
  }
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A raw POST to the gateway, bounded in time. */
async function send(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: JSON_ONLY, ...AUTH, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: parseJson(text), elapsedMs: performance.now() - started };
}

/** initialize through the gateway; returns the reply and the session id it issued. */
async function initialize(url: string): Promise<{ reply: Reply; session: string }> {
  const reply = await send(url, { jsonrpc: '2.0', id: 'init', method: 'initialize', params: INITIALIZE_PARAMS });
  const session = reply.headers.get('mcp-session-id');
  if (reply.status !== 200 || !session) throw new Error(`initialize failed: ${reply.status} ${reply.text}`);
  return { reply, session };
}

async function openSession(url: string): Promise<string> {
  return (await initialize(url)).session;
}

function callTool(url: string, session: string, id: Id, name: string, args: Record<string, unknown>, accept = JSON_ONLY, extra: Record<string, unknown> = {}): Promise<Reply> {
  return send(url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, ...extra } }, { accept, 'mcp-session-id': session });
}

/** Asserts a complete JSON-RPC 2.0 error response with this code and id; returns its error object. */
function expectRpcError(message: unknown, code: number, id: Id | readonly Id[]): WireError {
  expect(message).toBeTypeOf('object');
  expect(message).not.toBeNull();
  const record = message as Record<string, unknown>;
  expect(Object.keys(record).sort()).toEqual(['error', 'id', 'jsonrpc']);
  expect(record['jsonrpc']).toBe('2.0');
  if (Array.isArray(id)) expect(id).toContain(record['id']);
  else expect(record['id']).toBe(id);
  const error = record['error'] as Record<string, unknown>;
  expect(error).toBeTypeOf('object');
  expect(error['code']).toBe(code);
  expect(error['message']).toBeTypeOf('string');
  expect(Number.isInteger(error['code'])).toBe(true);
  return { code: error['code'] as number, message: error['message'] as string };
}

/** Asserts a JSON reply: the HTTP status and the JSON-RPC error it carries. */
function expectErrorReply(reply: Reply, status: number, code: number, id: Id | readonly Id[]): WireError {
  expect({ status: reply.status, type: reply.headers.get('content-type')?.split(';')[0] }, reply.text).toEqual({ status, type: 'application/json' });
  return expectRpcError(reply.body, code, id);
}

/** The JSON messages of an SSE body, in order. */
function sseMessages(text: string): unknown[] {
  return text
    .split(/\r\n\r\n|\n\n|\r\r/)
    .map((block) =>
      block
        .split(/\r\n|\n|\r/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n'),
    )
    .filter((data) => data !== '')
    .map((data) => JSON.parse(data) as unknown);
}

/** The gateway still answers an ordinary call, on the given session and on a new one. */
async function expectStillServes(gw: RunningGateway, session: string): Promise<void> {
  const reply = await callTool(gw.url, session, 'still-ok', 'good.add', { a: 2, b: 40 });
  expect(reply.status, reply.text).toBe(200);
  expect(reply.body).toMatchObject({ jsonrpc: '2.0', id: 'still-ok', result: { content: [{ type: 'text', text: '42' }] } });
  const fresh = await openSession(gw.url);
  const again = await callTool(gw.url, fresh, 7, 'good.add', { a: 1, b: 1 }, BOTH);
  expect(again.status, again.text).toBe(200);
  const messages = again.headers.get('content-type')?.startsWith('text/event-stream') ? sseMessages(again.text) : [again.body];
  expect(messages).toContainEqual({ jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: '2' }] } });
}

/**
 * A 504 came from timeoutMs, not from the upstream finishing (its 5 s) nor the test's own bound.
 * undici times headers and body with coarse timers (ticks of about 500 ms), so a 300 ms timeout
 * fires after 0.5 to 1 s: the upper bound leaves room for that, and stays far below 5 s.
 */
function expectAboutTimeout(elapsedMs: number): void {
  expect(elapsedMs).toBeGreaterThanOrEqual(TIGHT_TIMEOUT_MS - 50);
  expect(elapsedMs).toBeLessThan(TIGHT_TIMEOUT_MS + 1_300);
}

/** Polls until `check` holds or the time is up; returns whether it held. */
async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return check();
}

/** A plain node:http server on a free loopback port. */
async function listen(handler: RequestListener): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/mcp`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A URL nothing listens on: a server is started on port 0, its port noted, and it is closed. */
async function deadUrl(): Promise<string> {
  const { url, close } = await listen(() => undefined);
  await close();
  return url;
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

interface ToolCall {
  id: string | number;
  name: string;
  progressToken: unknown;
}

/**
 * A hand-written MCP upstream that behaves properly for the session handshake (initialize as
 * JSON with an mcp-session-id, notifications/initialized → 202, DELETE → 200) and lets the test
 * decide how each tools/call is (mis)answered.
 */
async function startFakeMcp(onToolCall: (call: ToolCall, req: IncomingMessage, res: ServerResponse) => void) {
  const sessionId = 'fake-upstream-session';
  return listen((req, res) => {
    void (async () => {
      const text = await readText(req);
      if (req.method === 'DELETE') {
        res.writeHead(200).end();
        return;
      }
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      const message = parseJson(text) as { id?: string | number; method?: string; params?: Record<string, unknown> } | undefined;
      if (message?.method === 'initialize' && message.id !== undefined) {
        const body = JSON.stringify({
          jsonrpc: '2.0',
          id: message.id,
          result: { protocolVersion: message.params?.['protocolVersion'] ?? '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'fake', version: '1.0.0' } },
        });
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': sessionId }).end(body);
        return;
      }
      if (message?.id === undefined) {
        res.writeHead(202).end();
        return;
      }
      if (message.method === 'tools/call') {
        const params = message.params ?? {};
        const meta = params['_meta'] as { progressToken?: unknown } | undefined;
        onToolCall({ id: message.id, name: String(params['name']), progressToken: meta?.progressToken }, req, res);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: {} }));
    })().catch(() => res.destroy());
  });
}

function gatewayOptions(faulty: UpstreamEntry[], server: ServerOptions = {}): GatewayOptions {
  const upstreams: UpstreamEntry[] = [{ name: 'good', url: good.url, timeoutMs: 5_000 }, ...faulty];
  return {
    server,
    auth: { mode: 'apiKey', apiKeys: [{ id: 'faults', key: KEY, tenant: 'faults' }] },
    policy: { default: 'allow' },
    upstreams,
    // With one upstream and no rules everything goes to it; with several, each gets its tools.
    routing:
      faulty.length === 0
        ? []
        : [...upstreams.map((upstream) => ({ match: { tool: `${upstream.name}.*` }, upstream: upstream.name })), { match: { method: '*' }, upstream: 'good' }],
  };
}

/** What the gateway logs as errors: only bugs are logged at that level, so it must stay empty. */
const bugs: string[] = [];
const bugLog = { error: (message: string) => void bugs.push(message), warn: () => undefined, info: () => undefined, debug: () => undefined };

async function gateway(faulty: UpstreamEntry[], server: ServerOptions = {}): Promise<RunningGateway> {
  const running = await startGateway(gatewayOptions(faulty, server), { logger: bugLog });
  closers.push(() => running.close());
  return running;
}

// ---------------------------------------------------------------------------------------------

let good: UpstreamFixture;

beforeAll(async () => {
  good = await startUpstream({ name: 'good' });
  closers.push(() => good.close());
});

describe('an upstream that is down', () => {
  let gw: RunningGateway;

  beforeAll(async () => {
    gw = await gateway([{ name: 'down', url: await deadUrl(), timeoutMs: 2_000 }]);
  });

  it('initialize still succeeds, declaring the capabilities of the upstreams that answered', async () => {
    const { reply } = await initialize(gw.url);
    expect(reply.body).toMatchObject({ jsonrpc: '2.0', id: 'init', result: { protocolVersion: '2025-06-18', serverInfo: { name: expect.any(String) } } });
    const capabilities = (reply.body as { result: { capabilities: Record<string, unknown> } }).result.capabilities;
    // logging is declared only by the healthy SDK upstream: its capabilities made it in.
    expect(capabilities).toHaveProperty('logging');
    expect(capabilities).toHaveProperty('tools');
  });

  it.each([
    ['application/json', JSON_ONLY],
    ['application/json and text/event-stream', BOTH],
  ])('tools/call on it is 502 -50200 with the request id (client accepts %s)', async (_label, accept) => {
    const session = await openSession(gw.url);
    const reply = await callTool(gw.url, session, 'down-1', 'down.add', { a: 1, b: 2 }, accept);
    const error = expectErrorReply(reply, 502, -50200, 'down-1');
    expect(error.message).toContain('down');
    await expectStillServes(gw, session);
  });
});

describe('an upstream slower than its timeoutMs', () => {
  let gw: RunningGateway;
  let tight: UpstreamFixture;

  beforeAll(async () => {
    tight = await startUpstream({ name: 'tight' });
    closers.push(() => tight.close());
    gw = await gateway([{ name: 'tight', url: tight.url, timeoutMs: TIGHT_TIMEOUT_MS }]);
  });

  it.each([
    ['application/json', JSON_ONLY],
    ['application/json and text/event-stream', BOTH],
  ])('is answered 504 -50400 after about timeoutMs (client accepts %s)', async (_label, accept) => {
    const session = await openSession(gw.url);
    const before = tight.aborted.length;
    const reply = await callTool(gw.url, session, 21, 'tight.slow', { ms: 5_000 }, accept);
    expectErrorReply(reply, 504, -50400, 21);
    expectAboutTimeout(reply.elapsedMs);
    // Timing out also ends the upstream's request: it does not keep working for no one.
    expect(await waitFor(() => tight.aborted.length > before, 2_000)).toBe(true);
    // The same upstream still answers what it can answer in time.
    const quick = await callTool(gw.url, session, 22, 'tight.add', { a: 3, b: 4 });
    expect(quick.body).toMatchObject({ id: 22, result: { content: [{ text: '7' }] } });
    await expectStillServes(gw, session);
  });
});

describe('an upstream that misbehaves mid-answer (hand-written fake)', () => {
  let gw: RunningGateway;

  beforeAll(async () => {
    const fake = await startFakeMcp((call, req, res) => {
      if (call.name === 'fake.cut') {
        // A valid start of an SSE answer: one progress notification, then the connection dies.
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const progress = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: call.progressToken ?? 'none', progress: 1, total: 2 } };
        res.write(`event: message\ndata: ${JSON.stringify(progress)}\n\n`);
        setTimeout(() => req.socket.destroy(), 50);
        return;
      }
      if (call.name === 'fake.truncated') {
        // A JSON answer that announces more bytes than it sends before the connection dies.
        const body = JSON.stringify({ jsonrpc: '2.0', id: call.id, result: { content: [{ type: 'text', text: 'never complete' }] } });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
        res.write(body.slice(0, 20));
        setTimeout(() => req.socket.destroy(), 50);
        return;
      }
      if (call.name === 'fake.linger') {
        // The response, then the stream stays open (the specification says it should close).
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: call.id, result: { content: [{ type: 'text', text: 'lingering' }] } })}\n\n`);
        return;
      }
      if (call.name === 'fake.fail') {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal failure');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: call.id, result: { content: [{ type: 'text', text: 'ok' }] } }));
    });
    closers.push(() => fake.close());
    gw = await gateway([{ name: 'fake', url: fake.url, timeoutMs: 2_000 }]);
  });

  it('closing the stream mid-answer: the client sees the progress, then an error event for its id, then a cleanly ended stream', async () => {
    const session = await openSession(gw.url);
    const started = performance.now();
    const response = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: BOTH, ...AUTH, 'mcp-session-id': session },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'cut-1', method: 'tools/call', params: { name: 'fake.cut', arguments: {}, _meta: { progressToken: 'p-1' } } }),
      signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    // Resolves only when the gateway ends the stream; the signal turns a hang into a failure.
    const text = await response.text();
    expect(performance.now() - started).toBeLessThan(2_500);
    const messages = sseMessages(text);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toEqual({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'p-1', progress: 1, total: 2 } });
    expectRpcError(messages[1], -50201, 'cut-1');
    await expectStillServes(gw, session);
  });

  it('closing the stream mid-answer, client accepting only JSON: 502 -50201 with the request id', async () => {
    const session = await openSession(gw.url);
    const reply = await callTool(gw.url, session, 'cut-2', 'fake.cut', {}, JSON_ONLY, { _meta: { progressToken: 'p-2' } });
    expectErrorReply(reply, 502, -50201, 'cut-2');
    await expectStillServes(gw, session);
  });

  // The JSON counterpart of the case above: a single request whose client takes JSON has its
  // upstream's JSON answer passed through; a break in it must still end in a JSON-RPC error.
  it.each([
    ['application/json', JSON_ONLY],
    ['application/json and text/event-stream', BOTH],
  ])('closing a JSON answer mid-body: a complete JSON-RPC error for the id, not a truncated body (client accepts %s)', async (_label, accept) => {
    const session = await openSession(gw.url);
    const reply = await callTool(gw.url, session, 'trunc-1', 'fake.truncated', {}, accept).catch((error: unknown) => error);
    expect(reply, 'the HTTP exchange with the gateway itself must complete').not.toBeInstanceOf(Error);
    const answer = reply as Reply;
    const message = answer.headers.get('content-type')?.startsWith('text/event-stream') ? sseMessages(answer.text).at(-1) : answer.body;
    if (answer.headers.get('content-type')?.startsWith('application/json')) expect(answer.status).toBe(502);
    expectRpcError(message, -50201, 'trunc-1');
    await expectStillServes(gw, session);
  });

  it('keeping its stream open after the response: the client has its answer at once, not at the timeout, and nothing after it', async () => {
    const session = await openSession(gw.url);
    for (const [accept, id] of [[BOTH, 'linger-1'], [JSON_ONLY, 'linger-2']] as const) {
      const started = performance.now();
      const reply = await callTool(gw.url, session, id, 'fake.linger', {}, accept);
      // The upstream's timeoutMs is 2 s: an answer held until the stream ends would take that long.
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(reply.status).toBe(200);
      const messages = reply.headers.get('content-type')?.startsWith('text/event-stream') ? sseMessages(reply.text) : [reply.body];
      expect(messages).toEqual([{ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'lingering' }] } }]);
    }
    await expectStillServes(gw, session);
  });

  it('answering HTTP 500: 502 -50201 with the request id', async () => {
    const session = await openSession(gw.url);
    for (const accept of [JSON_ONLY, BOTH]) {
      const reply = await callTool(gw.url, session, 'fail-1', 'fake.fail', {}, accept);
      const error = expectErrorReply(reply, 502, -50201, 'fail-1');
      expect(error.message).toContain('500');
    }
    // The fake itself is fine otherwise: the session with it survived the 500.
    const ok = await callTool(gw.url, session, 'fine', 'fake.other', {});
    expect(ok.body).toMatchObject({ id: 'fine', result: { content: [{ text: 'ok' }] } });
    await expectStillServes(gw, session);
  });
});

describe('a stalled upstream that never sends response headers', () => {
  let gw: RunningGateway;

  beforeAll(async () => {
    const stalled = await listen(() => undefined);
    closers.push(() => stalled.close());
    gw = await gateway([{ name: 'stall', url: stalled.url, timeoutMs: TIGHT_TIMEOUT_MS }]);
  });

  it.each([
    ['application/json', JSON_ONLY],
    ['application/json and text/event-stream', BOTH],
  ])('is answered 504 -50400 after about timeoutMs (client accepts %s)', async (_label, accept) => {
    const session = await openSession(gw.url);
    const reply = await callTool(gw.url, session, 81, 'stall.add', { a: 1, b: 2 }, accept);
    expectErrorReply(reply, 504, -50400, 81);
    expectAboutTimeout(reply.elapsedMs);
    await expectStillServes(gw, session);
  });
});

describe('an upstream refusing the gateway (401: no upstream credential configured)', () => {
  let gw: RunningGateway;
  let locked: UpstreamFixture;

  beforeAll(async () => {
    locked = await startUpstream({ name: 'locked', requiredHeader: { name: 'authorization', value: 'Bearer locked-secret' } });
    closers.push(() => locked.close());
    // Deliberately no `auth` on the upstream: the gateway cannot present the credential.
    gw = await gateway([{ name: 'locked', url: locked.url, timeoutMs: 2_000 }]);
  });

  it('is 502 -50201 (never 401 to the client), naming upstreams[].auth', async () => {
    const session = await openSession(gw.url);
    const reply = await callTool(gw.url, session, 'locked-1', 'locked.add', { a: 1, b: 2 });
    expect(reply.status).not.toBe(401);
    const error = expectErrorReply(reply, 502, -50201, 'locked-1');
    expect(error.message).toContain('upstreams[].auth');
    // The upstream was really asked (and refused), so the error is its refusal, not a routing slip.
    expect(locked.requests.length).toBeGreaterThan(0);
    await expectStillServes(gw, session);
  });
});

describe('client-side faults (one upstream, maxBodyBytes 1024)', () => {
  let gw: RunningGateway;
  let session: string;

  beforeAll(async () => {
    gw = await gateway([], { maxBodyBytes: 1024 });
    session = await openSession(gw.url);
  });

  it('a client disconnecting mid-call makes the gateway abort the upstream request', async () => {
    const before = good.aborted.length;
    const controller = new AbortController();
    const pending = fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: BOTH, ...AUTH, 'mcp-session-id': session },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'gone-1', method: 'tools/call', params: { name: 'good.slow', arguments: { ms: 5_000 } } }),
      signal: controller.signal,
    }).then((response) => response.text());
    // Whatever happens to the request, the test never waits past its own bound.
    const settled = pending.then(
      () => 'answered',
      () => 'aborted',
    );
    // Gone once the call is at the upstream (not after a fixed wait, which a busy machine outlasts).
    expect(await waitFor(() => good.requests.some((request) => (request.body as { id?: unknown } | undefined)?.id === 'gone-1'), 10_000)).toBe(true);
    controller.abort();
    expect(await settled).toBe('aborted');
    expect(await waitFor(() => good.aborted.length > before, 2_000)).toBe(true);
    expect(good.aborted.slice(before)).toEqual(['good.slow']);
    await expectStillServes(gw, session);
  });

  it('a 100 KB body with Content-Length is 413 -41300', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 'big-1', method: 'tools/call', params: { name: 'good.echo', arguments: { text: 'x'.repeat(100 * 1024) } } });
    const reply = await send(gw.url, big, { 'mcp-session-id': session });
    // The body is refused unread, so its id is unknowable.
    expectErrorReply(reply, 413, -41300, null);
    await expectStillServes(gw, session);
  });

  it('a chunked body without Content-Length is refused 413 as soon as it passes the limit, before it ends', async () => {
    const target = new URL(gw.url);
    const outcome = await new Promise<{ status: number; text: string; written: number; ended: boolean }>((resolve, reject) => {
      let written = 0;
      const req = request({
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: JSON_ONLY, ...AUTH, 'mcp-session-id': session },
      });
      const finish = (): void => {
        clearInterval(writer);
        clearTimeout(deadline);
        req.destroy();
      };
      const deadline = setTimeout(() => {
        finish();
        reject(new Error(`no answer to a chunked body after ${written} bytes`));
      }, EXCHANGE_TIMEOUT_MS);
      // Writing after the gateway closed the connection fails (EPIPE, ECONNRESET): expected here.
      req.on('error', () => undefined);
      req.on('response', (res) => {
        clearInterval(writer);
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => {
          finish();
          reject(error);
        });
        res.on('end', () => {
          finish();
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), written, ended: req.writableEnded });
        });
      });
      req.write('{"jsonrpc":"2.0","id":"chunked-1","method":"tools/call","params":{"name":"good.echo","arguments":{"text":"');
      const chunk = 'y'.repeat(512);
      // Up to 256 KB, 512 bytes every 10 ms, and never end(): only a gateway that refuses early can answer.
      const writer = setInterval(() => {
        if (written >= 256 * 1024 || req.destroyed) return;
        req.write(chunk);
        written += chunk.length;
      }, 10);
    });
    expect(outcome.status, outcome.text).toBe(413);
    expect(outcome.ended).toBe(false);
    expect(outcome.written).toBeLessThan(256 * 1024);
    expectRpcError(parseJson(outcome.text), -41300, null);
    await expectStillServes(gw, session);
  });

  it('a body that is not JSON is 400 -32700 with id null', async () => {
    const reply = await send(gw.url, '{"jsonrpc":"2.0","id":5,"method":"tools/call",', { 'mcp-session-id': session });
    expectErrorReply(reply, 400, -32700, null);
    await expectStillServes(gw, session);
  });

  it('JSON that is not JSON-RPC is 400 -32600 (with the id when it is readable)', async () => {
    const noMethod = await send(gw.url, { jsonrpc: '2.0', id: 6 }, { 'mcp-session-id': session });
    expectErrorReply(noMethod, 400, -32600, 6);
    const wrongVersion = await send(gw.url, { jsonrpc: '1.0', id: 'v1', method: 'tools/list' }, { 'mcp-session-id': session });
    expectErrorReply(wrongVersion, 400, -32600, 'v1');
    const notAnObject = await send(gw.url, '42', { 'mcp-session-id': session });
    expectErrorReply(notAnObject, 400, -32600, null);
    const emptyBatch = await send(gw.url, '[]', { 'mcp-session-id': session });
    expectErrorReply(emptyBatch, 400, -32600, null);
    await expectStillServes(gw, session);
  });

  it('a Content-Type other than application/json is 415 -41500', async () => {
    const reply = await send(gw.url, JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }), { 'content-type': 'text/plain', 'mcp-session-id': session });
    // The body is not read for an unsupported media type, so the id may be null.
    expectErrorReply(reply, 415, -41500, [null, 9]);
    await expectStillServes(gw, session);
  });

  it('Accept: text/html is 406 -40600', async () => {
    const reply = await send(gw.url, { jsonrpc: '2.0', id: 10, method: 'tools/list' }, { accept: 'text/html', 'mcp-session-id': session });
    expectErrorReply(reply, 406, -40600, [null, 10]);
    await expectStillServes(gw, session);
  });

  it('an unknown session id is 404 -40400 with the request id', async () => {
    const reply = await send(gw.url, { jsonrpc: '2.0', id: 11, method: 'tools/list' }, { 'mcp-session-id': 'no-such-session' });
    expectErrorReply(reply, 404, -40400, 11);
    await expectStillServes(gw, session);
  });

  it('a missing session id on a request other than initialize is 400 -40000 with the request id', async () => {
    const reply = await send(gw.url, { jsonrpc: '2.0', id: 'no-session', method: 'tools/call', params: { name: 'good.add', arguments: { a: 1, b: 1 } } });
    expectErrorReply(reply, 400, -40000, 'no-session');
    await expectStillServes(gw, session);
  });
});

describe('after every fault', () => {
  it('the gateway logged no unexpected error (no fault reached a bug path)', () => {
    expect(bugs).toEqual([]);
  });
});
