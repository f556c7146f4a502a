// `mcp-gateway run` as operators start it: the built bin in a child process, in front of real
// MCP upstreams (the node-http test fixture), read through its JSON lines on stdout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../../node-http/test/support/redis.js';
import { startUpstream, type UpstreamFixture } from '../../../node-http/test/support/upstream.js';
import { idleSocket } from '../../../node-http/test/support/idle-socket.js';
import { healthCommand } from '../../src/commands/health.js';
import { captureIo, closedPort, spawnCli, tempDir, writeFile, type CliProcess } from '../support/cli.js';

const API_KEY = 'cli-test-secret-key-4711';
const dir = tempDir();
const children: CliProcess[] = [];
let up: UpstreamFixture;
let kb: UpstreamFixture;

function config(upstreams: Array<{ name: string; url: string }>, extra = ''): string {
  return `
server:
  host: 127.0.0.1
  port: 0
  path: /mcp
auth:
  apiKeys:
    - id: test-key
      key: "${API_KEY}"
      tenant: acme
      client: cli-test
policy:
  rules:
    - subject: { tenant: acme }
      allow: { methods: ["*"], tools: ["*"] }
upstreams:
${upstreams.map((u) => `  - name: ${u.name}\n    url: "${u.url}"\n`).join('')}
routing:
  - match: { tool: "kb.*" }
    upstream: kb
  - match: { method: "*" }
    upstream: up
audit:
  enabled: true
  environments: ["test"]
${extra}`;
}

/** Starts `run -c <file>` and waits for its startup line; returns the process and its endpoint. */
async function startRun(file: string, env: Record<string, string> = {}): Promise<{ cli: CliProcess; url: string; origin: string; started: Record<string, unknown> }> {
  const cli = spawnCli(['run', '-c', file], { MCP_GATEWAY_ENV: 'test', REDIS_URL: '', ...env });
  children.push(cli);
  const started = await cli.waitForLine((line) => line['event'] === 'started');
  const url = String(started['url']);
  return { cli, url, origin: new URL(url).origin, started };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${API_KEY}`, ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(8_000),
  });
}

async function openSession(url: string): Promise<string> {
  const answer = await post(url, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'cli-test', version: '1.0.0' } },
  });
  expect(answer.status).toBe(200);
  const session = answer.headers.get('mcp-session-id');
  await answer.text();
  if (!session) throw new Error('no session id');
  return session;
}

async function health(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const capture = captureIo();
  const code = await healthCommand(args, capture.io);
  return { code, stdout: capture.stdout(), stderr: capture.stderr() };
}

beforeAll(async () => {
  [up, kb] = await Promise.all([startUpstream({ name: 'up' }), startUpstream({ name: 'kb' })]);
});

afterAll(async () => {
  for (const child of children) child.kill();
  await Promise.all([up?.close(), kb?.close()]);
});

describe('run', () => {
  let gateway: { cli: CliProcess; url: string; origin: string; started: Record<string, unknown> };

  beforeAll(async () => {
    const file = writeFile(dir, 'gateway.yml', config([{ name: 'up', url: up.url }, { name: 'kb', url: kb.url }], 'logging:\n  level: debug\n'));
    gateway = await startRun(file);
  });

  it('prints one startup line with the actual URL, upstreams, store and audit environment', () => {
    expect(gateway.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(gateway.url).not.toMatch(/:0\//);
    expect(gateway.started['message']).toBe(
      `mcp-gateway 0.1.0 listening on ${gateway.url} (${dir}/gateway.yml: 2 upstreams, rate limits in memory, audit on (environment "test"))`,
    );
    expect(gateway.started).toMatchObject({ upstreams: 2, rateLimitStore: 'memory', environment: 'test', audit: true, level: 'info' });
  });

  it('serves MCP with the configured key; audit lines are JSON with type audit and no key', async () => {
    const session = await openSession(gateway.url);
    const call = await post(
      gateway.url,
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'kb.echo', arguments: { text: 'hi' } } },
      { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18', accept: 'application/json' },
    );
    expect(call.status).toBe(200);
    expect(await call.text()).toContain('"hi"');
    const denied = await post(gateway.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { authorization: 'Bearer wrong-key' });
    expect(denied.status).toBe(401);
    await denied.text();

    const audit = await gateway.cli.waitForLine((line) => line['type'] === 'audit' && line['method'] === 'tools/call');
    expect(audit).toMatchObject({
      type: 'audit',
      tenant: 'acme',
      client: 'cli-test',
      apiKeyId: 'test-key',
      target: { kind: 'tool', name: 'kb.echo' },
      upstream: 'kb',
      decision: 'allowed',
      status: 200,
    });
    await gateway.cli.waitForLine((line) => line['type'] === 'audit' && line['decision'] === 'auth_failed');
    expect(gateway.cli.lines().filter((line) => line['type'] === 'audit').length).toBeGreaterThanOrEqual(3);
    expect(gateway.cli.stdout()).not.toContain(API_KEY);
  });

  it('redacts header maps in log lines (the debug request log)', async () => {
    const line = await gateway.cli.waitForLine((entry) => entry['message'] === 'request' && entry['status'] === 401);
    expect(line).toMatchObject({ level: 'http', method: 'POST', path: '/mcp', headers: { authorization: '[REDACTED]' } });
    expect(gateway.cli.stdout()).not.toContain('wrong-key');
    expect(gateway.cli.stdout()).not.toContain(API_KEY);
  });

  it('health: exit 0 when every upstream is up', async () => {
    const result = await health('--url', gateway.origin);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^${gateway.origin}/health: ok \\(HTTP 200, \\d+ sessions?\\)\\n`));
    expect(result.stdout).toMatch(/upstream up +ok +answering MCP +\d+ ms/);
    expect(result.stdout).toMatch(/upstream kb +ok/);
  });

  it('health: non-zero when nothing listens', async () => {
    const started = Date.now();
    const result = await health('--url', `http://127.0.0.1:${await closedPort()}`, '--timeout', '2000');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/: unreachable \(ECONNREFUSED\)\n$/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('health: non-zero when an upstream is down (degraded)', async () => {
    await kb.close();
    // The gateway probes its upstreams at most once a second, however often /health is asked.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const result = await health('--url', gateway.origin);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(': degraded (HTTP 200');
    expect(result.stdout).toMatch(/upstream kb +unreachable +connection refused \(nothing listens at that address\) +\d+ ms/);
  });
});

describe('run: idle connections', () => {
  it('closes a connection that never starts a request within server.headersTimeoutMs, a kept-alive one after server.keepAliveTimeoutMs', async () => {
    const timeouts = 'server:\n  host: 127.0.0.1\n  port: 0\n  headersTimeoutMs: 600\n  requestTimeoutMs: 1200\n  keepAliveTimeoutMs: 900\n';
    const file = writeFile(dir, 'idle.yml', config([{ name: 'up', url: up.url }, { name: 'kb', url: kb.url }]).replace(/^\nserver:\n(  .*\n)+/, `\n${timeouts}`));
    const { url } = await startRun(file);
    const port = Number(new URL(url).port);
    const [silent, kept] = await Promise.all([idleSocket(port, undefined, 10_000), idleSocket(port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, 12_000)]);
    expect(silent.closed).toBe(true);
    expect(silent.ms).toBeGreaterThan(600 * 0.8);
    expect(silent.ms).toBeLessThan(600 + 5_000);
    expect(kept.received).toMatch(/^HTTP\/1\.1 200 /);
    expect(kept.closed).toBe(true);
    expect(kept.ms).toBeGreaterThan(900 * 0.8);
    expect(kept.ms).toBeLessThan(900 + 1_000 + 5_000);
  });
});

describe('run: shutting down', () => {
  it('SIGTERM lets a streaming call in progress finish, then exits 0', async () => {
    const file = writeFile(dir, 'drain.yml', config([{ name: 'up', url: up.url }, { name: 'kb', url: `http://127.0.0.1:${await closedPort()}/mcp` }]));
    const { cli, url } = await startRun(file);
    const session = await openSession(url);
    const before = up.requests.length;
    const call = post(
      url,
      { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'up.slow', arguments: { ms: 800 } } },
      { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
    );
    // Signal once the upstream has the call, so the signal lands mid-stream.
    const deadline = Date.now() + 5_000;
    while (!up.requests.slice(before).some((r) => JSON.stringify(r.body).includes('up.slow')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    cli.child.kill('SIGTERM');
    const answer = await call;
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('slow done');
    expect(await cli.exited(8_000)).toBe(0);
    expect(cli.lines().map((line) => line['event']).filter(Boolean)).toEqual(['started', 'stopping', 'stopped']);
  });

  it('a second signal exits at once, non-zero', async () => {
    const file = writeFile(dir, 'abort.yml', config([{ name: 'up', url: up.url }, { name: 'kb', url: up.url.replace('/mcp', '/kb') }]));
    const { cli, url } = await startRun(file);
    const session = await openSession(url);
    const call = post(
      url,
      { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'up.slow', arguments: { ms: 5_000 } } },
      { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
    ).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    cli.child.kill('SIGINT');
    await cli.waitForLine((line) => line['event'] === 'stopping');
    cli.child.kill('SIGINT');
    expect(await cli.exited(3_000)).toBe(130);
    expect(Date.now() - started).toBeLessThan(2_000);
    await call;
  });
});

describe('run: Redis', () => {
  it('REDIS_URL set: limits in Redis, its health in /health, closed on SIGTERM', async () => {
    const redis = await startRedis();
    try {
      const file = writeFile(dir, 'redis-up.yml', config([{ name: 'up', url: up.url }, { name: 'kb', url: up.url }]));
      const { cli, origin, started } = await startRun(file, { REDIS_URL: redis.url });
      expect(started).toMatchObject({ rateLimitStore: 'redis' });
      expect(started['message']).toContain(`rate limits in Redis at ${redis.url}`);
      const result = await health('--url', origin);
      expect(result.stdout).toMatch(/rate-limit store +ok/);
      expect(result.code).toBe(0);
      cli.child.kill('SIGTERM');
      expect(await cli.exited(8_000)).toBe(0);
    } finally {
      await redis.stop();
    }
  });

  it('REDIS_URL pointing at a closed port: exits non-zero within seconds, saying why', async () => {
    const port = await closedPort();
    const file = writeFile(dir, 'redis.yml', config([{ name: 'up', url: up.url }, { name: 'kb', url: up.url }]));
    const started = Date.now();
    const cli = spawnCli(['run', '-c', file], { REDIS_URL: `redis://:hunter2@127.0.0.1:${port}` });
    children.push(cli);
    // About 3 s of connect timeout; the bound leaves room for a slow start on a loaded machine.
    // What it pins is that the command gives up by itself rather than retrying for ever.
    const code = await cli.exited(20_000);
    expect(code).not.toBe(0);
    expect(code).not.toBe('timeout');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(cli.stderr()).toContain(`mcp-gateway: cannot use Redis (REDIS_URL=redis://***@127.0.0.1:${port}): `);
    expect(cli.stderr()).toContain('ECONNREFUSED');
    expect(cli.stderr()).toContain('Not starting');
    expect(cli.stderr()).not.toContain('hunter2');
    expect(cli.lines().some((line) => line['event'] === 'started')).toBe(false);
  });
});
