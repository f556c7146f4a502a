import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createRouter, readTarget, validateOptions, type GatewayOptions, type Target } from '../src/index.js';

function routerOf(options: GatewayOptions, env: Record<string, string> = {}) {
  const result = validateOptions(options, { env });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return createRouter(result.options.routing);
}

const threeUpstreams = parse(readFileSync(new URL('./fixtures/three-upstreams.yml', import.meta.url), 'utf8')) as GatewayOptions;
const tool = (name: string): Target => ({ kind: 'tool', name });

describe('routing', () => {
  const router = routerOf(threeUpstreams, { EXAMPLE_UPSTREAM_API_KEY: 'k' });

  it('routes tools/call by tool name, first match wins', () => {
    expect(router.route('tools/call', tool('math.add'))).toEqual({ ok: true, upstream: 'mcp-math', rule: 0 });
    expect(router.route('tools/call', tool('kb.search'))).toEqual({ ok: true, upstream: 'mcp-kb', rule: 1 });
    expect(router.route('tools/call', tool('reports.q3'))).toEqual({ ok: true, upstream: 'mcp-reports', rule: 2 });
    expect(router.route('tools/call', tool('other'))).toEqual({ ok: true, upstream: 'mcp-reports', rule: 3 });
  });

  it('sends methods without a tool to the catch-all even if a tool rule comes first', () => {
    expect(router.route('tools/list', null)).toEqual({ ok: true, upstream: 'mcp-reports', rule: 3 });
  });

  it('matches tool, resource and prompt fields only against that kind of target', () => {
    const r = routerOf({
      upstreams: [
        { name: 'a', url: 'http://127.0.0.1:1/mcp' },
        { name: 'b', url: 'http://127.0.0.1:2/mcp' },
        { name: 'c', url: 'http://127.0.0.1:3/mcp' },
      ],
      routing: [
        { match: { tool: 'x*' }, upstream: 'a' },
        { match: { resource: 'file:///x/**' }, upstream: 'b' },
        { match: { method: 'prompts/*', prompt: 'x*' }, upstream: 'c' },
        { match: { method: 'completion/complete', prompt: '*' }, upstream: 'c' },
      ],
    });
    expect(r.route('tools/call', tool('xy'))).toMatchObject({ upstream: 'a' });
    expect(r.route('prompts/get', { kind: 'prompt', name: 'xy' })).toMatchObject({ upstream: 'c' });
    expect(r.route('resources/read', { kind: 'resource', name: 'file:///x/y/z' })).toMatchObject({ upstream: 'b' });
    expect(r.route('resources/read', { kind: 'resource', name: 'xy' })).toMatchObject({ ok: false, name: 'NO_ROUTE' });
    expect(r.route('completion/complete', { kind: 'prompt', name: 'zzz' })).toMatchObject({ upstream: 'c' });
  });

  it('answers a clear -32601 denial when nothing matches, naming the method and target', () => {
    const r = routerOf({
      upstreams: [{ name: 'a', url: 'http://127.0.0.1:1/mcp' }, { name: 'b', url: 'http://127.0.0.1:2/mcp' }],
      routing: [{ match: { method: 'tools/call', tool: 'math.*' }, upstream: 'a' }],
    });
    expect(r.route('tools/call', tool('kb.search'))).toEqual({
      ok: false,
      name: 'NO_ROUTE',
      status: 400,
      error: { code: -32601, message: 'Method not found: no upstream serves tools/call (tool "kb.search")' },
    });
    expect(r.route('resources/list', null)).toMatchObject({ ok: false, error: { message: expect.stringContaining('resources/list') } });
  });

  it('routes everything to the only upstream when no rules are given', () => {
    const r = routerOf({ upstreams: [{ name: 'solo', url: 'http://127.0.0.1:1/mcp' }] });
    expect(r.route('anything/at/all', null)).toEqual({ ok: true, upstream: 'solo', rule: 0 });
  });

  it('routes nothing when several upstreams and no rules are given', () => {
    const r = routerOf({ upstreams: [{ name: 'a', url: 'http://127.0.0.1:1/mcp' }, { name: 'b', url: 'http://127.0.0.1:2/mcp' }] });
    expect(r.route('tools/list', null)).toMatchObject({ ok: false, name: 'NO_ROUTE' });
  });
});

describe('readTarget', () => {
  it('reads the target each method names', () => {
    expect(readTarget('tools/call', { name: 'a' })).toEqual({ kind: 'tool', name: 'a' });
    expect(readTarget('resources/read', { uri: 'u' })).toEqual({ kind: 'resource', name: 'u' });
    expect(readTarget('resources/subscribe', { uri: 'u' })).toEqual({ kind: 'resource', name: 'u' });
    expect(readTarget('resources/unsubscribe', { uri: 'u' })).toEqual({ kind: 'resource', name: 'u' });
    expect(readTarget('prompts/get', { name: 'p' })).toEqual({ kind: 'prompt', name: 'p' });
    expect(readTarget('completion/complete', { ref: { type: 'ref/prompt', name: 'p' } })).toEqual({ kind: 'prompt', name: 'p' });
    expect(readTarget('completion/complete', { ref: { type: 'ref/resource', uri: 'file:///{x}' } })).toEqual({ kind: 'resource', name: 'file:///{x}' });
    expect(readTarget('tools/list', undefined)).toBeNull();
  });

  it('answers -32602 when the named target is missing or not a string', () => {
    for (const [method, params] of [
      ['tools/call', undefined],
      ['tools/call', { name: 5 }],
      ['tools/call', { name: '' }],
      ['resources/read', { name: 'x' }],
      ['prompts/get', {}],
      ['completion/complete', { ref: { type: 'ref/other' } }],
      ['completion/complete', { ref: 'x' }],
    ] as const) {
      expect(readTarget(method, params as Record<string, unknown> | undefined), `${method} ${JSON.stringify(params)}`).toMatchObject({
        ok: false,
        name: 'INVALID_PARAMS',
        status: 400,
        error: { code: -32602 },
      });
    }
  });
});

describe('the routing memo', () => {
  it('gives the same answers as the table, before and after it fills up and starts over', async () => {
    const { ROUTE_MEMO_LIMIT } = await import('../src/internal.js');
    const r = routerOf({
      upstreams: [{ name: 'a', url: 'http://127.0.0.1:1/mcp' }, { name: 'b', url: 'http://127.0.0.1:2/mcp' }],
      routing: [{ match: { tool: 'a.*' }, upstream: 'a' }, { match: { method: 'tools/*' }, upstream: 'b' }],
    });
    const expectRoute = (name: string) => expect(r.route('tools/call', tool(name))).toMatchObject({ ok: true, upstream: name.startsWith('a.') ? 'a' : 'b' });
    for (let i = 0; i < ROUTE_MEMO_LIMIT + 50; i++) expectRoute(i % 2 ? `a.${i}` : `z.${i}`);
    for (let i = 0; i < 100; i++) expectRoute(i % 2 ? `a.${i}` : `z.${i}`);
    // The same name as a different kind of target is a different question.
    expect(r.route('tools/call', { kind: 'prompt', name: 'a.1' })).toMatchObject({ upstream: 'b' });
    expect(r.route('tools/call', tool('a.1'))).toMatchObject({ upstream: 'a' });
  });
});
