import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOptions, RateLimitOutcome, RateLimitStore } from '@gw/core';
import { openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';
import { startUpstream, type UpstreamFixture } from '../support/upstream.js';

// A session let go of by a replica's cache (LRU eviction, the idle sweep) while one of its requests
// is still being answered: that request and the next keep their session.

const SECRET = 'evicted-sessions-secret-0123456789abcdefghij';
const KEY = { 'x-api-key': 'acme-key' };

let math: UpstreamFixture;
const gateways: RunningGateway[] = [];

function options(sessions: GatewayOptions['sessions']): GatewayOptions {
  return {
    auth: { apiKeys: [{ id: 'acme-app', key: 'acme-key', tenant: 'acme', client: 'app' }] },
    policy: { rules: [{ subject: { tenant: 'acme' }, allow: { methods: ['*'], tools: ['*'] } }] },
    sessions,
    upstreams: [{ name: 'math', url: math.url, timeoutMs: 10_000 }],
  };
}

async function gateway(sessions: GatewayOptions['sessions'], rateLimitStore?: RateLimitStore): Promise<RunningGateway> {
  const started = await startGateway(options(sessions), rateLimitStore ? { rateLimitStore } : {});
  gateways.push(started);
  return started;
}

function call(id: number, name: string, args: Record<string, unknown> = {}) {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } };
}

function inSession(id: string) {
  return { ...KEY, 'mcp-session-id': id, accept: 'application/json' };
}

beforeAll(async () => {
  math = await startUpstream({ name: 'math' });
});

afterAll(async () => {
  await Promise.all(gateways.map((gw) => gw.close()));
  await math?.close();
});

describe('a sealed session evicted from the cache while a request of it is answered', () => {
  it('answers that request and the next one, not 404', async () => {
    const gw = await gateway({ secrets: [SECRET], maxSessions: 1 });
    const first = await openSession(gw.url, KEY);
    const slow = post(gw.url, call(1, 'math.slow', { ms: 1_500 }), inSession(first));
    // Let the slow call reach the upstream, then push the first session out of the one-entry cache.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await openSession(gw.url, KEY);
    const answered = await slow;
    expect(answered.status, answered.text).toBe(200);
    expect(answered.body).toMatchObject({ id: 1, result: { content: [{ text: 'slow done' }] } });
    const next = await post(gw.url, call(2, 'math.counter'), inSession(first));
    expect(next.status, next.text).toBe(200);
    expect((await post(gw.url, call(3, 'math.counter'), inSession(second))).status).toBe(200);
  });
});

/**
 * A rate-limit store that, once armed, holds the next point it is asked for until released: the
 * request is then between finding its session and being sent upstream, as behind a slow Redis.
 */
function gatedStore(): { store: RateLimitStore; arm(): Promise<void>; release(): void } {
  const allowed: RateLimitOutcome = { allowed: true, remaining: 1_000, resetMs: 60_000 };
  let armed = false;
  let held: (() => void) | undefined;
  let reached: () => void = () => undefined;
  return {
    store: {
      consume() {
        if (!armed) return allowed;
        armed = false;
        reached();
        return new Promise<RateLimitOutcome>((resolve) => (held = () => resolve(allowed)));
      },
    },
    arm() {
      armed = true;
      return new Promise<void>((resolve) => (reached = resolve));
    },
    release() {
      held?.();
    },
  };
}

describe('a sealed session evicted between finding it and forwarding its request', () => {
  it('sends that request to the upstream session the id carries: answered, not 404, and the session lives on', async () => {
    const gate = gatedStore();
    const gw = await gateway({ secrets: [SECRET], maxSessions: 1 }, gate.store);
    const first = await openSession(gw.url, KEY);
    expect((await post(gw.url, call(1, 'math.counter'), inSession(first))).body).toMatchObject({ result: { content: [{ text: '1' }] } });
    const reached = gate.arm();
    const held = post(gw.url, call(2, 'math.counter'), inSession(first));
    await reached;
    // The request has found its session; another one now takes the cache's only place.
    await openSession(gw.url, KEY);
    gate.release();
    const answered = await held;
    expect(answered.status, answered.text).toBe(200);
    expect(answered.body).toMatchObject({ id: 2, result: { content: [{ text: '2' }] } });
    const next = await post(gw.url, call(3, 'math.counter'), inSession(first));
    expect(next.status, next.text).toBe(200);
    expect(next.body).toMatchObject({ id: 3, result: { content: [{ text: '3' }] } });
  });
});

describe('a session in memory with a request in flight', () => {
  it('is not swept as idle: the request is answered and the session goes on', async () => {
    const gw = await gateway({ idleTimeoutMs: 1_000 });
    const id = await openSession(gw.url, KEY);
    const answered = await post(gw.url, call(1, 'math.slow', { ms: 3_500 }), inSession(id));
    expect(answered.status, answered.text).toBe(200);
    expect(answered.body).toMatchObject({ id: 1, result: { content: [{ text: 'slow done' }] } });
    const next = await post(gw.url, call(2, 'math.counter'), inSession(id));
    expect(next.status, next.text).toBe(200);
  });
});

describe('a session in memory with its GET stream open', () => {
  it('is not swept as idle while the stream is open: later requests find it and the stream still carries messages', async () => {
    const gw = await gateway({ idleTimeoutMs: 1_000 });
    const id = await openSession(gw.url, KEY);
    const controller = new AbortController();
    const stream = await fetch(gw.url, { headers: { ...KEY, 'mcp-session-id': id, accept: 'text/event-stream' }, signal: controller.signal });
    expect(stream.status).toBe(200);
    let received = '';
    const decoder = new TextDecoder();
    const reading = (async () => {
      for await (const chunk of stream.body as AsyncIterable<Uint8Array>) received += decoder.decode(chunk, { stream: true });
    })().catch(() => undefined);
    try {
      // Several sweeps of a 1 s idle timeout pass with nothing sent but the stream open.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const next = await post(gw.url, call(1, 'math.broadcast', { text: 'still here' }), inSession(id));
      expect(next.status, next.text).toBe(200);
      const deadline = Date.now() + 5_000;
      while (!received.includes('still here') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(received).toContain('still here');
    } finally {
      controller.abort();
      await reading;
    }
  });
});
