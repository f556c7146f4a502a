// Where do credentials end up? `mcp-gateway run` (in-process, with the CLI's own winston logger
// and redaction, at level debug so every request's headers are logged, audit on) in front of two
// upstreams reached through recording TCP proxies, one a real SDK server that demands its own
// credential, one that fails every request. A variety of traffic is driven through it (initialize,
// calls, a denial, a rate limit, bad and conflicting keys, a key in the query string, an
// unparsable body holding the key, unknown sessions, upstream failures, the GET stream, DELETE,
// /health); then every captured byte is searched:
// - the client's API key (and the wrong keys tried) never appear in a log line, an audit event
//   or anything sent to an upstream;
// - each upstream's credential appears only in that upstream's requests, and there only as the
//   configured header, never in logs or in anything the client receives;
// - a secret the client passes as a tool argument named `token` reaches its tool (it is the
//   client's message) but no log line or audit event.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/commands/run.js';
import type { CliIo } from '../../src/io.js';
import { startRecordingProxy, type RecordingProxy } from '../../../node-http/test/support/recording-proxy.js';
import { INITIALIZE_PARAMS } from '../../../node-http/test/support/gateway.js';
import { startUpstream, type UpstreamFixture } from '../../../node-http/test/support/upstream.js';

const secret = (label: string) => `${label}-${randomBytes(16).toString('hex')}`;
const CLIENT_KEY = secret('client-key');
/** Keys a client might try that the gateway does not know: the real one off by its last character, and another. */
const NEAR_MISS = `${CLIENT_KEY.slice(0, -1)}${CLIENT_KEY.endsWith('0') ? '1' : '0'}`;
const WRONG_KEY = secret('wrong-key');
const UP_SECRET = secret('up-credential');
const OTHER_SECRET = secret('other-credential');
const ARG_SECRET = secret('argument-token');
const BOTH = 'application/json, text/event-stream';

let up: UpstreamFixture;
let upProxy: RecordingProxy;
let failing: Server;
let otherProxy: RecordingProxy;
let io: CliIo;
let output = '';
const signals = new EventEmitter();
let running: Promise<number>;
let url = '';
/** Everything the client received: statuses, headers and bodies. */
const clientSaw: string[] = [];

function config(): string {
  return `
server:
  host: 127.0.0.1
  port: 0
auth:
  apiKeys:
    - id: leak-test-key
      key: "${CLIENT_KEY}"
      tenant: acme
      client: tester
policy:
  rules:
    - subject: { tenant: acme }
      allow: { methods: ["*"], tools: ["*"] }
      deny: { tools: ["up.counter"] }
rateLimit:
  byMethod: { "prompts/list": 1 }
upstreams:
  - name: up
    url: "http://127.0.0.1:${upProxy.port}/mcp"
    timeoutMs: 5000
    auth: { type: apiKey, apiKey: { header: X-Upstream-Key, value: "\${UP_SECRET}" } }
  - name: other
    url: "http://127.0.0.1:${otherProxy.port}/mcp"
    timeoutMs: 5000
    auth: { type: apiKey, apiKey: { header: Authorization, value: "Bearer \${OTHER_SECRET}" } }
routing:
  - match: { tool: "other.*" }
    upstream: other
  - match: { method: "*" }
    upstream: up
audit:
  enabled: true
  environments: ["*"]
logging:
  level: debug
`;
}

/** One request to the gateway, its answer recorded for the search. */
async function send(method: 'POST' | 'GET' | 'DELETE', headers: Record<string, string>, body?: unknown, path = ''): Promise<{ status: number; session: string | null; text: string }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  clientSaw.push(`${response.status} ${JSON.stringify([...response.headers])} ${text}`);
  return { status: response.status, session: response.headers.get('mcp-session-id'), text };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const apiKey = (key: string) => ({ 'x-api-key': key });
const call = (id: number, name: string, args: Record<string, unknown>) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

/** The lines of the log that are JSON, parsed. */
function logLines(): Record<string, unknown>[] {
  return output.split('\n').flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as unknown;
      return typeof parsed === 'object' && parsed !== null ? [parsed as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

/** Pieces of a secret long enough to identify it: a log that kept only a prefix or suffix leaks too. */
function fragments(value: string): string[] {
  return [value, value.slice(0, 16), value.slice(-16)];
}

/** Every occurrence of `value` in `bytes` is the value of header `name` in a request head. */
function onlyAsHeader(bytes: string, name: string, value: string): { total: number; asHeader: number } {
  const total = bytes.split(value).length - 1;
  const pattern = new RegExp(`\\r\\n${name}: ${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\r\\n`, 'gi');
  return { total, asHeader: [...bytes.matchAll(pattern)].length };
}

beforeAll(async () => {
  up = await startUpstream({ name: 'up', requiredHeader: { name: 'x-upstream-key', value: UP_SECRET } });
  upProxy = await startRecordingProxy(Number(new URL(up.url).port));
  // Fails every request, as an upstream in trouble does; the gateway logs each failure.
  failing = createServer((req, res) => {
    req.resume();
    req.once('end', () => res.writeHead(503, { 'content-type': 'text/plain' }).end('overloaded'));
  });
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
  otherProxy = await startRecordingProxy((failing.address() as AddressInfo).port);

  const dir = mkdtempSync(join(tmpdir(), 'mcp-gateway-leak-'));
  const file = join(dir, 'gateway.yml');
  writeFileSync(file, config());
  io = {
    stdout: { write: (text: string) => (output += text) },
    stderr: { write: (text: string) => (output += text) },
    env: { UP_SECRET, OTHER_SECRET, MCP_GATEWAY_ENV: 'test' },
    cwd: dir,
    signals,
  };
  running = runCommand(['-c', file], io);
  const deadline = Date.now() + 10_000;
  while (!url) {
    const started = logLines().find((line) => line['event'] === 'started');
    if (started) url = String(started['url']);
    else if (Date.now() > deadline) throw new Error(`the gateway did not start: ${output}`);
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
});

afterAll(async () => {
  signals.emit('SIGTERM', 'SIGTERM');
  await running;
  await upProxy?.close();
  await otherProxy?.close();
  await up?.close();
  await new Promise<void>((resolve) => (failing ? failing.close(() => resolve()) : resolve()));
});

describe('credentials across logs, audit events and upstream requests', () => {
  it('drives every kind of traffic, with the expected answers', async () => {
    const init = await send('POST', { ...bearer(CLIENT_KEY), accept: BOTH }, { jsonrpc: '2.0', id: 0, method: 'initialize', params: INITIALIZE_PARAMS });
    expect(init.status, init.text).toBe(200);
    const session = init.session!;
    const inSession = (key: Record<string, string>, accept = 'application/json') => ({ ...key, accept, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' });

    expect((await send('POST', inSession(apiKey(CLIENT_KEY)), { jsonrpc: '2.0', method: 'notifications/initialized' })).status).toBe(202);
    expect((await send('POST', inSession(bearer(CLIENT_KEY), BOTH), { jsonrpc: '2.0', id: 1, method: 'tools/list' })).status).toBe(200);
    // The secret argument and the key in every header the gateway reads it from.
    for (const key of [bearer(CLIENT_KEY), apiKey(CLIENT_KEY), { 'api-key': CLIENT_KEY }]) {
      const echoed = await send('POST', inSession(key), call(2, 'up.echo', { text: 'hello', token: ARG_SECRET }));
      expect(echoed.status, echoed.text).toBe(200);
      expect(echoed.text).toContain('hello');
    }
    // Streamed answer (SSE) to a call carrying the secret argument.
    expect((await send('POST', inSession(apiKey(CLIENT_KEY), BOTH), call(3, 'up.echo', { text: 'streamed', token: ARG_SECRET }))).status).toBe(200);
    // Denied by policy.
    expect((await send('POST', inSession(bearer(CLIENT_KEY)), call(4, 'up.counter', { token: ARG_SECRET }))).status).toBe(403);
    // Rate limited: the second prompts/list of the minute.
    expect((await send('POST', inSession(apiKey(CLIENT_KEY)), { jsonrpc: '2.0', id: 5, method: 'prompts/list' })).status).toBe(200);
    expect((await send('POST', inSession(apiKey(CLIENT_KEY)), { jsonrpc: '2.0', id: 6, method: 'prompts/list' })).status).toBe(429);
    // Bad keys, in each place, and conflicting ones.
    for (const key of [bearer(NEAR_MISS), apiKey(NEAR_MISS), bearer(WRONG_KEY), apiKey(WRONG_KEY), { ...bearer(CLIENT_KEY), ...apiKey(WRONG_KEY) }, { ...apiKey(NEAR_MISS), 'api-key': CLIENT_KEY }]) {
      expect((await send('POST', inSession(key), call(7, 'up.echo', { text: 'x', token: ARG_SECRET }))).status).toBe(401);
    }
    // The key where it does not belong: the query string (not read, not logged) and an unparsable body.
    expect((await send('POST', { accept: 'application/json' }, { jsonrpc: '2.0', id: 8, method: 'tools/list' }, `?api_key=${CLIENT_KEY}`)).status).toBe(401);
    expect((await send('POST', inSession(bearer(CLIENT_KEY)), `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"token":"${CLIENT_KEY}"`)).status).toBe(400);
    // An unknown session.
    expect((await send('POST', { ...apiKey(CLIENT_KEY), accept: 'application/json', 'mcp-session-id': 'no-such-session' }, { jsonrpc: '2.0', id: 10, method: 'tools/list' })).status).toBe(404);
    // An upstream failing (logged as a warning).
    expect((await send('POST', inSession(bearer(CLIENT_KEY)), call(11, 'other.anything', { token: ARG_SECRET }))).status).toBe(502);
    // An upstream refusing the arguments (its own JSON-RPC error or error result).
    expect((await send('POST', inSession(apiKey(CLIENT_KEY)), call(12, 'up.add', { a: 'not a number', token: ARG_SECRET }))).status).toBe(200);

    // The GET stream: opened, held briefly, dropped by the client.
    const controller = new AbortController();
    const stream = await fetch(url, { method: 'GET', headers: inSession(bearer(CLIENT_KEY), 'text/event-stream'), signal: controller.signal });
    expect(stream.status).toBe(200);
    clientSaw.push(`${stream.status} ${JSON.stringify([...stream.headers])}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort();
    await stream.text().catch(() => undefined);

    const health = await fetch(new URL('/health', url), { signal: AbortSignal.timeout(5_000) });
    clientSaw.push(await health.text());
    expect((await send('DELETE', inSession(apiKey(CLIENT_KEY)))).status).toBeLessThan(300);
    expect((await send('POST', inSession(bearer(CLIENT_KEY)), { jsonrpc: '2.0', id: 13, method: 'tools/list' })).status).toBe(404);
  });

  it('logged what it did: request lines with (redacted) headers, audit events of every kind, upstream failures', async () => {
    // Audit events are written outside the request path: give the last ones a moment.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const lines = logLines();
    const requests = lines.filter((line) => line['message'] === 'request' && typeof line['headers'] === 'object');
    expect(requests.length).toBeGreaterThan(20);
    const headerMaps = requests.map((line) => line['headers'] as Record<string, unknown>);
    expect(headerMaps.some((headers) => headers['authorization'] === '[REDACTED]')).toBe(true);
    expect(headerMaps.some((headers) => headers['x-api-key'] === '[REDACTED]')).toBe(true);
    expect(headerMaps.some((headers) => headers['api-key'] === '[REDACTED]')).toBe(true);
    const decisions = new Set(lines.filter((line) => line['type'] === 'audit').map((line) => line['decision']));
    for (const decision of ['allowed', 'denied', 'rate_limited', 'auth_failed']) expect(decisions).toContain(decision);
    expect(lines.some((line) => line['level'] === 'warn' && line['upstream'] === 'other')).toBe(true);
  });

  it('never writes a client key, an upstream credential or the secret argument to a log line or audit event', async () => {
    // Stop the gateway so every last line (shutdown, session ends) is in.
    signals.emit('SIGTERM', 'SIGTERM');
    expect(await running).toBe(0);
    expect(output).toContain('"event":"stopped"');
    for (const value of [CLIENT_KEY, NEAR_MISS, WRONG_KEY, UP_SECRET, OTHER_SECRET, ARG_SECRET]) {
      for (const fragment of fragments(value)) {
        const lines = output.split('\n').filter((line) => line.includes(fragment));
        expect(lines, `"${fragment}" in the log`).toEqual([]);
      }
    }
  });

  it('never sends a client key to an upstream; the secret argument reaches its tool unchanged', () => {
    const toUp = upProxy.sent();
    const toOther = otherProxy.sent();
    expect(toUp.length).toBeGreaterThan(0);
    expect(toOther.length).toBeGreaterThan(0);
    for (const value of [CLIENT_KEY, NEAR_MISS, WRONG_KEY]) {
      for (const fragment of fragments(value)) {
        expect(toUp.includes(fragment), `"${fragment}" sent to up`).toBe(false);
        expect(toOther.includes(fragment), `"${fragment}" sent to other`).toBe(false);
      }
    }
    expect(toUp).toContain(`"token":"${ARG_SECRET}"`);
  });

  it('sends each upstream its own credential, only as its configured header, and never shows it to the client', () => {
    const toUp = onlyAsHeader(upProxy.sent(), 'x-upstream-key', UP_SECRET);
    // initialize, notifications, calls, GET, DELETE and the health probe all carried it.
    expect(toUp.total).toBeGreaterThanOrEqual(8);
    expect(toUp).toEqual({ total: toUp.total, asHeader: toUp.total });
    const toOther = onlyAsHeader(otherProxy.sent(), 'authorization', `Bearer ${OTHER_SECRET}`);
    expect(toOther.total).toBeGreaterThanOrEqual(2);
    expect(toOther).toEqual({ total: toOther.total, asHeader: toOther.total });
    // Neither credential went to the other upstream.
    expect(upProxy.sent()).not.toContain(OTHER_SECRET);
    expect(otherProxy.sent()).not.toContain(UP_SECRET);
    // The SDK upstream accepted the gateway's credential on every request it got (no 401).
    expect(upProxy.received()).not.toMatch(/^HTTP\/1\.1 401/m);
    const seen = clientSaw.join('\n');
    expect(seen.length).toBeGreaterThan(0);
    for (const value of [UP_SECRET, OTHER_SECRET]) for (const fragment of fragments(value)) expect(seen.includes(fragment), `"${fragment}" shown to the client`).toBe(false);
  });
});
