import type { GatewayOptions } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisRateLimitStore, type GatewayLogger, type RedisRateLimitStore } from '../../src/index.js';
import { openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';
import { startRedis, type RedisFixture } from '../support/redis.js';
import { startUpstream, type UpstreamFixture } from '../support/upstream.js';

// Two gateway instances with one session secret and one real redis-server, in front of a real
// SDK upstream that records the sessions DELETE ends: a session idle on both, or deleted on one,
// ends on both, and its upstream session is closed once.

const SECRET = 'shared-sessions-secret-0123456789abcdefghij';
const KEY = { 'x-api-key': 'acme-key' };
/** Short, so the test sees sessions idle out; long enough that a loaded machine's stalls stay well inside it. */
const IDLE_MS = 3_000;

let redis: RedisFixture;
let math: UpstreamFixture;
let docs: UpstreamFixture;
const stores: RedisRateLimitStore[] = [];
const gateways: RunningGateway[] = [];

function options(upstreams: GatewayOptions['upstreams']): GatewayOptions {
  return {
    // Redis down must not refuse messages either, so what the session marks do is what is seen.
    rateLimit: { storeFailure: 'open' },
    auth: { apiKeys: [{ id: 'acme-app', key: 'acme-key', tenant: 'acme', client: 'app' }] },
    policy: { rules: [{ subject: { tenant: 'acme' }, allow: { methods: ['*'], tools: ['*'] } }] },
    sessions: { secrets: [SECRET], idleTimeoutMs: IDLE_MS },
    upstreams,
  };
}

async function replica(upstreams: GatewayOptions['upstreams'], logger?: GatewayLogger): Promise<RunningGateway> {
  const store = await createRedisRateLimitStore({ url: redis.url });
  stores.push(store);
  const gateway = await startGateway(options(upstreams), { rateLimitStore: store, ...(logger ? { logger } : {}) });
  gateways.push(gateway);
  return gateway;
}

function headers(session: string): Record<string, string> {
  return { ...KEY, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18', accept: 'application/json, text/event-stream' };
}

const ping = (id: number) => ({ jsonrpc: '2.0', id, method: 'ping' });
const echo = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'docs.echo', arguments: { text: 'hi' } } });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds, for at most `ms`; returns whether it did. */
async function eventually(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(100);
  }
  return check();
}

beforeAll(async () => {
  redis = await startRedis();
  math = await startUpstream({ name: 'math' });
  docs = await startUpstream({ name: 'docs', stateless: true });
});

afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.close()));
  await Promise.all(stores.map((store) => store.close()));
  await math?.close();
  await docs?.close();
  await redis?.stop();
});

describe('sealed sessions sharing a Redis', () => {
  it('close the upstream session once when the session is idle on every replica, not while another replica serves it', async () => {
    const [a, b] = [await replica([{ name: 'math', url: math.url }]), await replica([{ name: 'math', url: math.url }])];
    const before = new Set(math.sessionIds());
    const session = await openSession(a.url, KEY);
    const upstreamSession = math.sessionIds().find((id) => !before.has(id))!;
    expect(upstreamSession).toBeDefined();
    expect((await post(a.url, ping(1), headers(session))).status).toBe(200);

    // Only b serves it now, for well past the idle timeout: a lets its cached entry go, but the
    // session is not idle everywhere, so nothing is closed.
    const until = Date.now() + IDLE_MS * 2;
    for (let i = 2; Date.now() < until; i++) {
      expect((await post(b.url, ping(i), headers(session))).status).toBe(200);
      await sleep(200);
    }
    expect(math.deletedSessionIds).not.toContain(upstreamSession);

    // Then nobody uses it: one replica closes the upstream session, once, and both refuse the id.
    expect(await eventually(() => math.deletedSessionIds.includes(upstreamSession), 30_000)).toBe(true);
    await sleep(1_500);
    expect(math.deletedSessionIds.filter((id) => id === upstreamSession)).toHaveLength(1);
    for (const gateway of [a, b]) {
      const answer = await post(gateway.url, ping(99), headers(session));
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ error: { code: -40400 } });
    }
  }, 60_000);

  it('refuse on every replica a session DELETEd on one, even where no upstream keeps sessions', async () => {
    const [a, b, c] = [await replica([{ name: 'docs', url: docs.url }]), await replica([{ name: 'docs', url: docs.url }]), await replica([{ name: 'docs', url: docs.url }])];
    const session = await openSession(a.url, KEY);
    // b holds the session in its cache; c has never seen it.
    expect((await post(b.url, echo(1), headers(session))).status).toBe(200);
    const deleted = await fetch(a.url, { method: 'DELETE', headers: headers(session) });
    expect(deleted.status).toBe(200);
    // A replica that never saw the id asks before serving it.
    expect((await post(c.url, echo(2), headers(session))).status).toBe(404);
    // One that holds it learns within its refresh interval (a fraction of the idle timeout).
    expect(await eventually(async () => (await post(b.url, echo(3), headers(session))).status === 404, 15_000)).toBe(true);
  }, 30_000);

  it('refuse on every replica a session whose carried upstream session was lost, learned from one 404', async () => {
    // Its own upstream, so dropping its sessions touches no other test's.
    const lost = await startUpstream({ name: 'lost' });
    try {
      const [a, c] = [await replica([{ name: 'lost', url: lost.url }]), await replica([{ name: 'lost', url: lost.url }])];
      const session = await openSession(a.url, KEY);
      const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'lost.add', arguments: { a: 1, b: 2 } } });
      expect((await post(a.url, call(1), headers(session))).status).toBe(200);
      await lost.dropSessions();
      // a learns it from the upstream's 404 and ends the session for every replica.
      expect((await post(a.url, call(2), headers(session))).status).toBe(404);
      // Calls the upstream received (a's closing of the session, a DELETE, may still arrive).
      const calls = () => lost.requests.filter((request) => (request.body as { method?: unknown } | undefined)?.method === 'tools/call').length;
      const asked = calls();
      // c, which never saw the session, refuses it without sending the upstream the call.
      expect((await post(c.url, call(3), headers(session))).status).toBe(404);
      expect(calls()).toBe(asked);
    } finally {
      await lost.close();
    }
  }, 30_000);

  it('with Redis down: sessions are served (the failure is logged once), and none is closed as idle, since no replica can tell', async () => {
    const warnings: { message: string; meta?: Record<string, unknown> }[] = [];
    const logger: GatewayLogger = { error: () => undefined, warn: (message, meta) => warnings.push(meta ? { message, meta } : { message }), info: () => undefined, debug: () => undefined };
    const [a, b] = [await replica([{ name: 'math', url: math.url }], logger), await replica([{ name: 'math', url: math.url }], logger)];
    const before = new Set(math.sessionIds());
    const session = await openSession(a.url, KEY);
    const upstreamSession = math.sessionIds().find((id) => !before.has(id))!;
    await redis.stop();
    try {
      for (let i = 1; i <= 4; i++) {
        const answer = await post([a, b][i % 2]!.url, ping(i), headers(session), 20_000);
        expect(answer.status).toBe(200);
      }
      expect(warnings.filter((line) => line.meta?.['event'] === 'shared_session_store_failed').length).toBeGreaterThanOrEqual(1);
      // Well past the idle timeout and a sweep: neither replica may end a session it cannot know to be idle.
      await sleep(IDLE_MS * 2 + 1_000);
      expect(math.deletedSessionIds).not.toContain(upstreamSession);
      expect(math.sessionIds()).toContain(upstreamSession);
    } finally {
      await redis.restart();
    }
  }, 60_000);
});
