import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryRateLimitStore, createRateLimiter, validateOptions, type GatewayOptions, type RateLimitStore, type Subject } from '../src/index.js';
import { isPending } from '../src/internal.js';

function limiterOf(rateLimit: GatewayOptions['rateLimit'], store: RateLimitStore = createMemoryRateLimitStore()) {
  const result = validateOptions({ rateLimit, upstreams: [{ name: 'up', url: 'http://127.0.0.1:1/mcp' }] });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return createRateLimiter(result.options.rateLimit, store);
}

const alice: Subject = { tenant: 'acme', client: 'alice', apiKeyId: 'a' };
const bob: Subject = { tenant: 'acme', client: 'bob', apiKeyId: 'b' };

afterEach(() => {
  vi.useRealTimers();
});

describe('rate limits', () => {
  it('keys counters <keyPrefix>:rate:<tenant>:<client>:<method>', () => {
    const limiter = limiterOf({ keyPrefix: 'gw:prod' });
    expect(limiter.keyFor(alice, 'tools/call')).toBe('gw:prod:rate:acme:alice:tools/call');
  });

  it('escapes ":" and "%" inside names so two subjects never share a key', () => {
    const limiter = limiterOf({});
    const a = limiter.keyFor({ tenant: 'a:b', client: 'c', apiKeyId: null }, 'm');
    const b = limiter.keyFor({ tenant: 'a', client: 'b:c', apiKeyId: null }, 'm');
    expect(a).toBe('mcp-gateway:rate:a%3Ab:c:m');
    expect(b).toBe('mcp-gateway:rate:a:b%3Ac:m');
    expect(limiter.keyFor({ tenant: '100%', client: 'c', apiKeyId: null }, 'm')).toBe('mcp-gateway:rate:100%25:c:m');
  });

  it('applies per-method overrides and the default elsewhere', () => {
    const limiter = limiterOf({ defaultRpm: 600, byMethod: { 'tools/call': 120 } });
    expect(limiter.limitFor('tools/call')).toBe(120);
    expect(limiter.limitFor('tools/list')).toBe(600);
  });

  it('counts per subject and method, and denies the request past the limit with 429 and Retry-After', async () => {
    const limiter = limiterOf({ defaultRpm: 5, byMethod: { 'tools/call': 2 } });
    expect(await limiter.consume(alice, 'tools/call')).toMatchObject({ ok: true, rateLimit: { limit: 2, remaining: 1 } });
    expect(await limiter.consume(alice, 'tools/call')).toMatchObject({ ok: true, rateLimit: { remaining: 0 } });
    const denied = await limiter.consume(alice, 'tools/call');
    expect(denied).toMatchObject({ ok: false, name: 'RATE_LIMITED', status: 429, error: { code: -42900 } });
    if (denied.ok) throw new Error('unreachable');
    const retryAfter = Number(denied.headers?.['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Other methods and other clients keep their own counters.
    expect(await limiter.consume(alice, 'tools/list')).toMatchObject({ ok: true, rateLimit: { limit: 5, remaining: 4 } });
    expect(await limiter.consume(bob, 'tools/call')).toMatchObject({ ok: true, rateLimit: { remaining: 1 } });
  });

  it('opens a new window after 60 seconds', async () => {
    vi.useFakeTimers();
    const limiter = limiterOf({ defaultRpm: 1 });
    expect((await limiter.consume(alice, 'ping')).ok).toBe(true);
    expect((await limiter.consume(alice, 'ping')).ok).toBe(false);
    vi.advanceTimersByTime(59_000);
    expect((await limiter.consume(alice, 'ping')).ok).toBe(false);
    vi.advanceTimersByTime(1_100);
    expect((await limiter.consume(alice, 'ping')).ok).toBe(true);
  });

  it('keeps two gateways with their own memory stores apart', async () => {
    const a = limiterOf({ defaultRpm: 1 });
    const b = limiterOf({ defaultRpm: 1 });
    expect((await a.consume(alice, 'm')).ok).toBe(true);
    expect((await b.consume(alice, 'm')).ok).toBe(true);
  });

  const broken: RateLimitStore = { consume: () => Promise.reject(new Error('connection refused')) };

  it('fails closed with 503 when the store fails, by default', async () => {
    const limiter = limiterOf({}, broken);
    expect(await limiter.consume(alice, 'm')).toMatchObject({
      ok: false,
      name: 'RATE_LIMIT_STORE_UNAVAILABLE',
      status: 503,
      headers: { 'retry-after': '1' },
    });
  });

  it('fails open, marked degraded, when storeFailure is open', async () => {
    const limiter = limiterOf({ storeFailure: 'open', defaultRpm: 7 }, broken);
    expect(await limiter.consume(alice, 'm')).toMatchObject({ ok: true, rateLimit: { limit: 7, degraded: true } });
  });

  it('passes the key and the limit to an injected store', async () => {
    const calls: Array<[string, number]> = [];
    const store: RateLimitStore = {
      consume: async (key, limit) => {
        calls.push([key, limit]);
        return { allowed: true, remaining: 41, resetMs: 1234 };
      },
    };
    const limiter = limiterOf({ keyPrefix: 'p', byMethod: { 'tools/call': 42 } }, store);
    expect(await limiter.consume(alice, 'tools/call')).toEqual({
      ok: true,
      rateLimit: { key: 'p:rate:acme:alice:tools/call', limit: 42, remaining: 41, resetMs: 1234 },
    });
    expect(calls).toEqual([['p:rate:acme:alice:tools/call', 42]]);
  });

  it('answers at once with the memory store, and with a promise only when the store does', async () => {
    const memory = limiterOf({ defaultRpm: 1 });
    const first = memory.consume(alice, 'm');
    expect(isPending(first)).toBe(false);
    expect(first).toMatchObject({ ok: true, rateLimit: { remaining: 0 } });
    expect(memory.consume(alice, 'm')).toMatchObject({ ok: false, name: 'RATE_LIMITED', status: 429 });

    const later = limiterOf({ defaultRpm: 1 }, { consume: () => Promise.resolve({ allowed: false, remaining: 0, resetMs: 2500 }) }).consume(alice, 'm');
    expect(isPending(later)).toBe(true);
    expect(await later).toMatchObject({ ok: false, name: 'RATE_LIMITED', headers: { 'retry-after': '3' } });
    // A store that throws at once is a failed store too, like one whose promise rejects.
    const throwing = limiterOf({}, { consume: () => { throw new Error('down'); } }).consume(alice, 'm');
    expect(throwing).toMatchObject({ ok: false, name: 'RATE_LIMIT_STORE_UNAVAILABLE', status: 503 });
  });
});
