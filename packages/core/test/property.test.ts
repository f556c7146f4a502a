import { describe, expect, it } from 'vitest';
import { compileGateway, parseBody, validateMessage } from '../src/index.js';

// A seeded generator, so a failure names the seed that reproduces it.
function prng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['jsonrpc', 'id', 'method', 'params', 'result', 'error', 'name', 'uri', 'ref', 'type', 'code', 'message', '__proto__', 'constructor', 'prototype', 'toString'];
const STRINGS = ['2.0', '1.0', '', 'tools/call', 'resources/read', 'prompts/get', 'completion/complete', 'initialize', 'ping', 'ref/prompt', 'ref/resource', 'notifications/initialized', 'math.add', 'file:///x', '\u0000', '\ud800', '💥'];

function randomJson(next: () => number, depth = 0): unknown {
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const r = next();
  if (depth > 4 || r < 0.3) {
    return pick<unknown>([null, true, false, 0, -1, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER + 2, pick(STRINGS), 'x'.repeat(Math.floor(next() * 50))]);
  }
  if (r < 0.45) return Array.from({ length: Math.floor(next() * 4) }, () => randomJson(next, depth + 1));
  const out: Record<string, unknown> = {};
  const count = Math.floor(next() * 6);
  for (let i = 0; i < count; i++) Object.defineProperty(out, pick(KEYS), { value: randomJson(next, depth + 1), enumerable: true, configurable: true, writable: true });
  if (next() < 0.5) out['jsonrpc'] = '2.0';
  if (next() < 0.5) out['method'] = pick(STRINGS);
  return out;
}

describe('hostile input never throws', () => {
  it('parseBody survives 5,000 random byte strings', () => {
    const next = prng(1);
    for (let i = 0; i < 5_000; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(next() * 64) }, () => Math.floor(next() * 256));
      const result = parseBody(bytes);
      expect(typeof result.ok).toBe('boolean');
    }
  });

  it('parseBody and validateMessage survive 5,000 random JSON values, mutated and truncated', () => {
    const next = prng(2);
    for (let i = 0; i < 5_000; i++) {
      const value = randomJson(next);
      const text = JSON.stringify(value) ?? 'null';
      const cut = text.slice(0, Math.floor(next() * (text.length + 1)));
      for (const body of [text, cut]) {
        const result = parseBody(body);
        if (!result.ok) expect(result.status).toBe(400);
      }
      expect(typeof validateMessage(value).ok).toBe('boolean');
    }
  });

  it('check() answers every random message with a result and a 4xx at worst', async () => {
    const gw = compileGateway({
      auth: { apiKeys: [{ key: 'k', tenant: 't', client: 'c' }] },
      policy: { rules: [{ allow: { methods: ['*'], tools: ['*'], resources: ['*'], prompts: ['*'] } }] },
      rateLimit: { defaultRpm: 1_000_000 },
      upstreams: [{ name: 'a', url: 'http://127.0.0.1:1/mcp' }, { name: 'b', url: 'http://127.0.0.1:2/mcp' }],
      routing: [{ match: { tool: 'math.*' }, upstream: 'a' }, { match: { method: 'tools/*' }, upstream: 'b' }],
    });
    const next = prng(3);
    const headerValues = ['k', 'Bearer k', 'Bearer', '', 'Basic x', 'k\r\nx', '\u0000'];
    for (let i = 0; i < 3_000; i++) {
      const headers = { authorization: headerValues[Math.floor(next() * headerValues.length)], 'x-api-key': next() < 0.5 ? 'k' : undefined };
      const result = await gw.check({ headers, message: randomJson(next) });
      if (!result.ok) {
        expect(result.status).toBeGreaterThanOrEqual(400);
        expect(result.status).toBeLessThan(500);
        expect(Number.isInteger(result.error.code)).toBe(true);
      }
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
