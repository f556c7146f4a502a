import { describe, expect, it } from 'vitest';
import {
  Catalog,
  compileGateway,
  type GatewayOptions,
} from '../src/index.js';
import {
  assignNames,
  checkHost,
  decodeListCursor,
  encodeListCursor,
  fitName,
  LIST_METHODS,
  templateMatcher,
} from '../src/internal.js';

const UPSTREAMS = [
  { name: 'alpha', url: 'http://127.0.0.1:1/mcp' },
  { name: 'beta', url: 'http://127.0.0.1:2/mcp' },
];

function catalog(federation: GatewayOptions['federation'] = {}, upstreams: GatewayOptions['upstreams'] = UPSTREAMS): Catalog {
  return compileGateway({ upstreams, federation }).catalog;
}

const tools = (...names: string[]) => names.map((name) => ({ name, inputSchema: { type: 'object' } }));

describe('fitName', () => {
  it('keeps names within the specification\'s rule unchanged', () => {
    expect(fitName('github.search-v2_x', { strict: false })).toBe('github.search-v2_x');
  });

  it('maps other names into the rule, deterministically and without merging two names', () => {
    const a = fitName('has space', { strict: false });
    const b = fitName('has/space', { strict: false });
    expect(a).toMatch(/^[A-Za-z0-9_.-]{1,128}$/);
    expect(a).not.toBe(b);
    expect(fitName('has space', { strict: false })).toBe(a);
    expect(fitName('x'.repeat(300), { strict: false })).toHaveLength(128);
  });

  it('strict mode allows no dots and at most 64 characters', () => {
    const dotted = fitName('a.b', { strict: true });
    expect(dotted).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(dotted.startsWith('a_b-')).toBe(true);
    expect(fitName('a_b', { strict: true })).toBe('a_b');
    expect(fitName('y'.repeat(100), { strict: true })).toHaveLength(64);
  });
});

describe('assignNames', () => {
  const items = [
    { upstream: 'alpha', name: 'search' },
    { upstream: 'alpha', name: 'only' },
    { upstream: 'beta', name: 'search' },
  ];
  const noPrefixes = new Map<string, string | undefined>();

  it('prefix: every item of a colliding name is shown as <upstream>_<name>', () => {
    const naming = assignNames(items, noPrefixes, 'prefix', { strict: false });
    expect([...naming.byVisible.keys()].sort()).toEqual(['alpha_search', 'beta_search', 'only']);
    expect(naming.byVisible.get('beta_search')).toMatchObject({ upstream: 'beta', name: 'search' });
  });

  it('first-wins: the first upstream keeps the name, the other item is hidden and reported', () => {
    const naming = assignNames(items, noPrefixes, 'first-wins', { strict: false });
    expect(naming.byVisible.get('search')).toMatchObject({ upstream: 'alpha' });
    expect(naming.byVisible.size).toBe(2);
    expect(naming.collisions).toEqual([{ visible: 'search', upstreams: ['alpha', 'beta'] }]);
  });

  it('error: the colliding name is left out and reported', () => {
    const naming = assignNames(items, noPrefixes, 'error', { strict: false });
    expect(naming.byVisible.has('search')).toBe(false);
    expect(naming.collisions).toEqual([{ visible: 'search', upstreams: ['alpha', 'beta'] }]);
  });

  it('a configured prefix avoids the collision', () => {
    const naming = assignNames(items, new Map([['beta', 'b_']]), 'error', { strict: false });
    expect([...naming.byVisible.keys()].sort()).toEqual(['b_search', 'only', 'search']);
  });

  it('a renamed item never takes a name an upstream really has', () => {
    const naming = assignNames([...items, { upstream: 'beta', name: 'alpha_search' }], noPrefixes, 'prefix', { strict: false });
    expect(naming.byVisible.get('alpha_search')).toMatchObject({ upstream: 'beta', name: 'alpha_search' });
  });
});

describe('Catalog', () => {
  it('finds a shown name\'s upstream and original name; a name it never listed, prefixed or raw, finds nothing', () => {
    const c = catalog({}, [{ ...UPSTREAMS[0]!, prefix: 'a.' }, UPSTREAMS[1]!]);
    c.record('tools', 'alpha', tools('search'), true);
    c.record('tools', 'beta', tools('search'), true);
    expect(c.visibleName('tools', 'alpha', 'search')).toBe('a.search');
    expect(c.visibleName('tools', 'beta', 'search')).toBe('search');
    expect(c.find({ kind: 'tool', name: 'a.search' })).toEqual({ upstream: 'alpha', name: 'search' });
    expect(c.find({ kind: 'tool', name: 'search' })).toEqual({ upstream: 'beta', name: 'search' });
    expect(c.find({ kind: 'tool', name: 'a.unlisted' })).toBeUndefined();
    expect(c.find({ kind: 'tool', name: 'alpha_search' })).toBeUndefined();
    expect(c.find({ kind: 'tool', name: 'unlisted' })).toBeUndefined();
  });

  it('a first page replaces what an upstream listed before; a later page adds to it', () => {
    const c = catalog();
    c.record('tools', 'alpha', tools('one'), true);
    c.record('tools', 'alpha', tools('two', 'one'), false);
    expect(c.find({ kind: 'tool', name: 'two' })).toMatchObject({ upstream: 'alpha' });
    c.record('tools', 'alpha', tools('three'), true);
    expect(c.find({ kind: 'tool', name: 'one' })).toBeUndefined();
  });

  it('routes a resource by exact URI first, then by the template it matches, in upstreams order', () => {
    const c = catalog();
    c.record('resources', 'beta', [{ uri: 'file:///readme' }], true);
    c.record('resourceTemplates', 'alpha', [{ uriTemplate: 'file:///{path}', name: 'files' }], true);
    expect(c.find({ kind: 'resource', name: 'file:///readme' })).toEqual({ upstream: 'beta', name: 'file:///readme' });
    expect(c.find({ kind: 'resource', name: 'file:///other' })).toEqual({ upstream: 'alpha', name: 'file:///other' });
    expect(c.find({ kind: 'resource', name: 'file:///{path}' })).toEqual({ upstream: 'alpha', name: 'file:///{path}' });
    expect(c.find({ kind: 'resource', name: 'http://elsewhere' })).toBeUndefined();
  });

  it('under "error", a colliding name is refused with NAME_COLLISION naming both upstreams', () => {
    const c = catalog({ collisions: 'error' });
    c.record('tools', 'alpha', tools('search'), true);
    c.record('tools', 'beta', tools('search'), true);
    expect(c.find({ kind: 'tool', name: 'search' })).toMatchObject({ ok: false, name: 'NAME_COLLISION', status: 502 });
    expect(c.find({ kind: 'tool', name: 'search' })).toMatchObject({ error: { message: expect.stringContaining('"alpha" and "beta" both offer "search"') } });
    // A list's refusal names no item: the colliding one may be hidden from the subject.
    expect(c.collisionError('tools')?.error.message).toContain('"alpha" and "beta" both offer the same tool name');
    expect(c.collisionError('tools')?.error.message).not.toContain('search');
  });
});

describe('templateMatcher', () => {
  it('matches what RFC 6570 templates expand to', () => {
    expect(templateMatcher('repo://{owner}/{name}').test('repo://a/b')).toBe(true);
    expect(templateMatcher('repo://{owner}/{name}').test('repo://a/b/c')).toBe(false);
    expect(templateMatcher('file://{+path}').test('file:///a/b/c')).toBe(true);
    expect(templateMatcher('search://q{?term,page}').test('search://q?term=x&page=2')).toBe(true);
    expect(templateMatcher('a.b://{x}').test('aXb://1')).toBe(false);
  });
});

describe('list cursors', () => {
  const upstreams = new Set(['alpha', 'beta']);

  it('round-trip each upstream\'s position, whatever characters its cursor has', () => {
    const cursor = encodeListCursor('tools', new Map([['alpha', 'p=2&ü'], ['beta', '']]));
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeListCursor('tools', cursor, upstreams)).toEqual(new Map([['alpha', 'p=2&ü'], ['beta', '']]));
  });

  it('refuse anything the gateway did not issue for this list with -32602', () => {
    const tools = encodeListCursor('tools', new Map([['alpha', '1']]));
    const bad = [undefined, 1, '', 'not base64!', 'e30', tools.slice(0, -3), encodeListCursor('tools', new Map([['gamma', '1']])), 'x'.repeat(20_000)];
    for (const cursor of bad) expect(decodeListCursor('tools', cursor, upstreams)).toMatchObject({ ok: false, error: { code: -32602 } });
    expect(decodeListCursor('prompts', tools, upstreams)).toMatchObject({ ok: false, error: { code: -32602 } });
  });
});

describe('federateList and check() with the catalog', () => {
  const options: GatewayOptions = {
    auth: { apiKeys: [{ key: 'k', tenant: 't' }] },
    policy: { rules: [{ allow: { methods: ['*'], tools: ['alpha_*', 'only'] } }] },
    upstreams: UPSTREAMS,
    routing: [{ match: { tool: 'only' }, upstream: 'beta' }],
  };

  it('shows a subject only the items it may call, and only where its call would go', async () => {
    const gw = compileGateway(options);
    const subject = { tenant: 't', client: 'default', apiKeyId: 'apiKeys[0]' };
    const items = gw.federateList(subject, LIST_METHODS.get('tools/list')!, [
      { upstream: 'alpha', items: tools('search', 'only'), firstPage: true },
      { upstream: 'beta', items: tools('search', 'hidden'), firstPage: true },
    ]);
    // beta_search: not allowed; alpha's "only": a rule sends "only" to beta; hidden: not allowed.
    expect(items).toEqual(tools('alpha_search'));

    const call = await gw.check({ apiKey: 'k', message: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'alpha_search' } } });
    expect(call).toMatchObject({ ok: true, upstream: 'alpha', name: 'search' });
    const routed = await gw.check({ apiKey: 'k', message: { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'only' } } });
    expect(routed).toMatchObject({ ok: true, upstream: 'beta' });
    expect(routed).not.toHaveProperty('name');
    const list = await gw.check({ apiKey: 'k', message: { jsonrpc: '2.0', id: 3, method: 'tools/list' } });
    expect(list).toMatchObject({ ok: true, upstream: null });
  });
});

describe('checkHost (DNS-rebinding protection)', () => {
  it('on a loopback connection with no list, admits only loopback names, any port', () => {
    for (const host of ['localhost:8080', '127.0.0.1', '[::1]:9', 'LOCALHOST']) expect(checkHost(host, [], true)).toEqual({ ok: true });
    for (const host of ['attacker.example', 'attacker.example:8080', undefined, '127.0.0.1.evil.test']) {
      expect(checkHost(host, [], true)).toMatchObject({ ok: false, name: 'HOST_NOT_ALLOWED', status: 403 });
    }
  });

  it('does not check other connections unless a list is configured, and then checks them all', () => {
    expect(checkHost('api.example.com', [], false)).toEqual({ ok: true });
    expect(checkHost('api.example.com:443', ['api.example.com'], true)).toEqual({ ok: true });
    expect(checkHost('other.example.com', ['api.example.com'], false)).toMatchObject({ ok: false, name: 'HOST_NOT_ALLOWED' });
    expect(checkHost('anything', ['*'], true)).toEqual({ ok: true });
  });
});
