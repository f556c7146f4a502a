// The scale-out deployment of examples/docker run for real on loopback: three `mcp-gateway run`
// replicas (child processes, random ports) with one session secret and one Redis, behind haproxy
// configured by examples/docker/haproxy.cfg (round robin, no sticky sessions), in front of the
// demo MCP server. Pinned here:
// - an SDK client session keeps working, under the same session id, while one replica is stopped
//   (SIGTERM, as a rolling deploy does) and started again, and the restarted replica serves it;
// - a rate limit holds across replicas: requests spread round robin over all three, and the
//   total admitted stays within the one limit (not three times it).
// Bounded in count and time; assertions are about behaviour, never about speed.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort, startRedis, type RedisFixture } from '../../node-http/test/support/redis.js';
import { REPO_ROOT, spawnCli, tempDir, writeFile, type CliProcess } from './support/cli.js';
import { loopbackConfig, startHaproxy, type Haproxy } from './support/haproxy.js';

const API_KEY = 'demo-key';
/** resources/read per minute for one tenant and client, across every replica. */
const READ_LIMIT = 6;
const REPLICAS = 3;

interface Replica {
  port: number;
  process: CliProcess;
}

let dir: string;
let redis: RedisFixture;
let upstream: ChildProcess;
let haproxy: Haproxy;
let configFile: string;
const replicas: Replica[] = [];
const env: Record<string, string> = {
  MCP_GATEWAY_SESSION_SECRET: randomBytes(48).toString('base64'),
  MCP_GATEWAY_ENV: 'test',
};

/** The demo MCP server as compose runs it (examples/dist/demo-upstream/main.js), on a free port. */
async function startUpstream(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'examples/dist/demo-upstream/main.js')], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  process.once('exit', () => child.kill('SIGKILL'));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo upstream did not start within 15 s:\n${output}`)), 15_000);
    const onData = (chunk: string): void => {
      output += chunk;
      const ready = /demo MCP server ready at (\S+)/.exec(output);
      if (ready?.[1]) {
        clearTimeout(timer);
        resolve(ready[1]);
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`the demo upstream exited (${String(code)}):\n${output}`)));
  });
  return { child, url };
}

/** examples/docker/config.yml on loopback, with a low limit on resources/read. */
function gatewayConfig(upstreamUrl: string): string {
  const config = parse(readFileSync(join(REPO_ROOT, 'examples/docker/config.yml'), 'utf8')) as {
    server: Record<string, unknown>;
    upstreams: Array<Record<string, unknown>>;
    rateLimit: { keyPrefix: string; byMethod: Record<string, number> };
    logging?: Record<string, unknown>;
  };
  config.server.host = '127.0.0.1';
  expect(config.upstreams).toHaveLength(1);
  config.upstreams[0]!.url = upstreamUrl;
  config.rateLimit.keyPrefix = `scale-out-${randomBytes(4).toString('hex')}`;
  config.rateLimit.byMethod['resources/read'] = READ_LIMIT;
  config.logging = { ...config.logging, level: 'warn' };
  return stringify(config);
}

async function startReplica(port: number): Promise<CliProcess> {
  const cli = spawnCli(['run', '-c', configFile, '-p', String(port)], { ...env, REDIS_URL: redis.url });
  await cli.waitForLine((line) => line['event'] === 'started', 20_000);
  return cli;
}

/** One replica's `mcp_gateway_messages_total` by outcome, read from it directly. */
async function messages(replica: Replica): Promise<Record<string, number>> {
  const response = await fetch(`http://127.0.0.1:${replica.port}/metrics`, { signal: AbortSignal.timeout(5_000) });
  const counts: Record<string, number> = {};
  for (const match of (await response.text()).matchAll(/^mcp_gateway_messages_total\{outcome="([^"]+)"\} (\d+)$/gm)) counts[match[1]!] = Number(match[2]);
  return counts;
}

/** Messages a replica answered itself (a refusal it left to another replica is not counted). */
const served = async (replica: Replica): Promise<number> => (await messages(replica))['ok'] ?? 0;

/** Session ids a replica could not open, having another secret (or upstream) than the one that sealed it. */
async function mismatches(replica: Replica): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${replica.port}/metrics`, { signal: AbortSignal.timeout(5_000) });
  return [...(await response.text()).matchAll(/^mcp_gateway_session_replica_mismatches_total\{[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

function text(result: unknown): string {
  return ((result as { content?: Array<{ text?: string }> }).content ?? []).map((part) => part.text ?? '').join('');
}

beforeAll(async () => {
  dir = tempDir();
  redis = await startRedis();
  const demo = await startUpstream();
  upstream = demo.child;
  configFile = writeFile(dir, 'config.yml', gatewayConfig(demo.url));
  const ports: number[] = [];
  for (let i = 0; i < REPLICAS; i++) ports.push(await freePort());
  const started = await Promise.all(ports.map((port) => startReplica(port)));
  started.forEach((process, index) => replicas.push({ port: ports[index]!, process }));
  const balancerPort = await freePort();
  haproxy = await startHaproxy(dir, balancerPort, loopbackConfig(balancerPort, ports));
}, 90_000);

afterAll(async () => {
  await haproxy?.stop();
  for (const replica of replicas) {
    replica.process.child.kill('SIGTERM');
    await replica.process.exited(15_000);
  }
  upstream?.kill('SIGTERM');
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('three replicas behind haproxy, one secret, one Redis', () => {
  it('keeps an SDK client session working while a replica is stopped and started again', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(`${haproxy.url}/mcp`), { requestInit: { headers: { 'x-api-key': API_KEY } } });
    const client = new Client({ name: 'scale-out-test', version: '1.0.0' });
    await client.connect(transport);
    const sessionId = transport.sessionId;
    expect(sessionId).toBeTruthy();
    let n = 0;
    const add = async (): Promise<void> => {
      n++;
      expect(text(await client.callTool({ name: 'demo.add', arguments: { a: n, b: 1_000 } }))).toBe(String(n + 1_000));
    };

    // Round robin: every replica serves this one session.
    for (let i = 0; i < 2 * REPLICAS; i++) await add();
    for (const replica of replicas) expect(await served(replica)).toBeGreaterThan(0);

    // A rolling restart of one replica, calls going on meanwhile (and while it drains).
    const target = replicas[1]!;
    const calls = (async () => {
      for (let i = 0; i < 10; i++) await add();
    })();
    target.process.child.kill('SIGTERM');
    expect(await target.process.exited(20_000)).toBe(0);
    await calls;
    for (let i = 0; i < 2 * REPLICAS; i++) await add();

    target.process = await startReplica(target.port);
    // haproxy takes it back in once its health check passes (every 500 ms); bounded wait.
    const deadline = Date.now() + 20_000;
    while ((await served(target)) === 0) {
      expect(Date.now(), 'the restarted replica was never given a request').toBeLessThan(deadline);
      await add();
    }
    for (let i = 0; i < 2 * REPLICAS; i++) await add();
    // The fresh process knows nothing of the session but its sealed id, and serves it.
    expect(await served(target)).toBeGreaterThanOrEqual(2);
    expect(transport.sessionId).toBe(sessionId);
    for (const replica of replicas) expect(await mismatches(replica)).toBe(0);
    await client.close();
  });

  it('holds a rate limit across replicas: requests spread over all three, the total admitted within the limit', async () => {
    const headers = { 'x-api-key': API_KEY, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const init = await fetch(`${haproxy.url}/mcp`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'rate-probe', version: '1.0.0' } } }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(init.status).toBe(200);
    await init.text();
    const session = { ...headers, 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-06-18' };

    const before = await Promise.all(replicas.map((replica) => messages(replica)));
    const statuses: number[] = [];
    for (let id = 1; id <= REPLICAS * READ_LIMIT; id++) {
      const response = await fetch(`${haproxy.url}/mcp`, {
        method: 'POST',
        headers: session,
        body: JSON.stringify({ jsonrpc: '2.0', id, method: 'resources/read', params: { uri: 'demo://readme' } }),
        signal: AbortSignal.timeout(10_000),
      });
      await response.text();
      statuses.push(response.status);
      if (response.status === 429) expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    const after = await Promise.all(replicas.map((replica) => messages(replica)));

    // Each replica counted alone would admit READ_LIMIT, three times the limit in all.
    const admitted = statuses.filter((status) => status === 200).length;
    expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
    expect(admitted).toBeGreaterThanOrEqual(1);
    expect(admitted).toBeLessThanOrEqual(READ_LIMIT);
    // Round robin spread them: every replica refused some, having counted the others' admissions.
    replicas.forEach((_, index) => expect((after[index]!['RATE_LIMITED'] ?? 0) - (before[index]!['RATE_LIMITED'] ?? 0), `replica ${index + 1}`).toBeGreaterThan(0));
  });
});
