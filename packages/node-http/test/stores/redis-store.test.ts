import { createServer } from 'node:net';
import type { GatewayOptions } from '@gw/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedisRateLimitStore, type HealthReport, type RedisRateLimitStore } from '../../src/index.js';
import { openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';
import { freePort, startRedis, type RedisFixture } from '../support/redis.js';
import { startUpstream, type UpstreamFixture } from '../support/upstream.js';

// The Redis store against a real redis-server (started here; a missing binary fails the file):
// counting and the stored key, one limit shared by two gateways, Redis dying and coming back,
// and an unreachable Redis at creation.

const KEY = { 'x-api-key': 'k1' };
const LIST = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/list' });

let redis: RedisFixture;
/** A plain client to look at what the stores wrote. */
let inspect: Redis;
let upstream: UpstreamFixture;
/** Stores and gateways to close in afterAll, whatever a test left open. */
const stores: RedisRateLimitStore[] = [];
const gateways: RunningGateway[] = [];
/** Why the Redis could not start (redis-server missing): every test then fails with it, none is skipped. */
let setupError: unknown;

beforeAll(async () => {
  try {
    redis = await startRedis();
  } catch (error) {
    setupError = error;
    return;
  }
  inspect = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: (attempt) => Math.min(attempt * 100, 500) });
  inspect.on('error', () => undefined);
  await inspect.connect();
  upstream = await startUpstream({ name: 'up', jsonResponse: true });
});

// A failing beforeAll would mark the tests skipped; a failing beforeEach fails each one.
beforeEach(() => {
  if (setupError !== undefined) throw setupError;
});

afterAll(async () => {
  // Gateways close their stores; closing a store twice is fine.
  await Promise.allSettled(gateways.map((gateway) => gateway.close()));
  await Promise.allSettled(stores.map((store) => store.close()));
  inspect?.disconnect();
  await upstream?.close();
  await redis?.stop();
});

async function store(): Promise<RedisRateLimitStore> {
  const created = await createRedisRateLimitStore({ url: redis.url });
  stores.push(created);
  return created;
}

/** Polls `check` every 100 ms until it returns true; fails after `timeoutMs`. */
async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function health(gateway: RunningGateway): Promise<HealthReport> {
  const response = await fetch(`${gateway.origin}/health`);
  return (await response.json()) as HealthReport;
}

describe('createRedisRateLimitStore', () => {
  it('counts per key in a fixed window and stores the key exactly as given', async () => {
    const counters = await store();
    expect(counters.health()).toEqual({ ok: true });
    const key = 'count-test:rate:acme:cli%3A1:tools/call';
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await counters.consume(key, 3));
    expect(outcomes.map((outcome) => [outcome.allowed, outcome.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    const last = outcomes[3];
    expect(last?.resetMs).toBeGreaterThan(0);
    expect(last?.resetMs).toBeLessThanOrEqual(60_000);

    expect(await inspect.keys('count-test:*')).toEqual([key]);
    expect(await inspect.get(key)).toBe('4');
    const ttl = await inspect.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);

    await counters.close();
    await counters.close();
    expect(counters.health()).toMatchObject({ ok: false, detail: 'redis closed' });
    await expect(counters.consume(key, 3)).rejects.toThrow(Error);
  });

  it('rejects quickly for an unreachable Redis, naming host:port but not the password, and leaves nothing reconnecting', async () => {
    const port = await freePort();
    const started = Date.now();
    const creation = createRedisRateLimitStore({ url: `redis://user:hunter2@127.0.0.1:${port}`, connectTimeoutMs: 1_000 });
    const error = await creation.then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(`127.0.0.1:${port}`);
    expect(message).not.toContain('hunter2');
    expect(message).toMatch(/cannot reach redis:\/\/\*\*\*@127\.0\.0\.1:\d+ within 1000 ms/);

    // A client left retrying would connect here within its first few backoff steps (200, 400 ms).
    const listener = createServer((socket) => socket.destroy());
    let connections = 0;
    listener.on('connection', () => connections++);
    await new Promise<void>((resolve) => listener.listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => setTimeout(resolve, 700));
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    expect(connections).toBe(0);
  });

  it('refuses a URL that is not redis:// without echoing it', async () => {
    await expect(createRedisRateLimitStore({ url: 'http://user:hunter2@127.0.0.1:1' })).rejects.toThrow(/^createRedisRateLimitStore: url must be redis:/);
  });
});

describe('two gateways on one Redis', () => {
  // A closes when the store fails, B stays open; otherwise they are the same gateway.
  let a: RunningGateway;
  let b: RunningGateway;
  let sessionA: string;
  let sessionB: string;
  const prefix = 'shared-test';

  const options = (storeFailure: 'closed' | 'open'): GatewayOptions => ({
    auth: { apiKeys: [{ id: 'k1', key: 'k1', tenant: 't', client: 'c' }] },
    policy: { default: 'allow' },
    rateLimit: { keyPrefix: prefix, byMethod: { 'tools/list': 2 }, storeFailure },
    upstreams: [{ name: 'up', url: upstream.url }],
  });
  const listOn = (gateway: RunningGateway, session: string, id: number) => post(gateway.url, LIST(id), { ...KEY, 'mcp-session-id': session });

  beforeAll(async () => {
    if (setupError !== undefined) return;
    a = await startGateway(options('closed'), { rateLimitStore: await store() });
    gateways.push(a);
    b = await startGateway(options('open'), { rateLimitStore: await store() });
    gateways.push(b);
    sessionA = await openSession(a.url, KEY);
    sessionB = await openSession(b.url, KEY);
  });

  it('share one limit: alternating requests, the third overall gets 429', async () => {
    expect((await listOn(a, sessionA, 1)).status).toBe(200);
    expect((await listOn(b, sessionB, 2)).status).toBe(200);
    const third = await listOn(a, sessionA, 3);
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ error: { code: -42900 } });
    expect((await listOn(b, sessionB, 4)).status).toBe(429);
    expect(await inspect.get(`${prefix}:rate:t:c:tools/list`)).toBe('4');
  });

  it('fail closed or open while Redis is down, report degraded health, and recover when it returns', async () => {
    await redis.stop();

    const started = Date.now();
    const refused = await listOn(a, sessionA, 10);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toMatchObject({ error: { code: -50301 } });

    const passed = await listOn(b, sessionB, 11);
    expect(passed.status).toBe(200);
    expect(passed.body).toMatchObject({ result: { tools: expect.any(Array) as unknown } });

    const down = await health(a);
    expect(down.status).toBe('degraded');
    expect(down.rateLimitStore?.ok).toBe(false);
    expect(down.rateLimitStore?.detail).toMatch(/^redis /);

    await redis.restart();
    // The stores reconnect on their own (capped backoff); both report ok again.
    await until('gateway health ok after Redis returned', 6_000, async () => (await health(a)).status === 'ok' && (await health(b)).status === 'ok');
    expect((await health(a)).rateLimitStore).toEqual({ ok: true });

    // The restarted Redis is empty, so counting starts over, shared again.
    expect((await listOn(b, sessionB, 12)).status).toBe(200);
    expect((await listOn(a, sessionA, 13)).status).toBe(200);
    expect((await listOn(b, sessionB, 14)).status).toBe(429);
    expect(await inspect.get(`${prefix}:rate:t:c:tools/list`)).toBe('3');
  });
});
