import { describe, expect, it } from 'vitest';
import { createPolicy, validateOptions, type GatewayOptions, type Subject, type Target } from '../src/index.js';
import { PROTOCOL_METHODS } from '../src/internal.js';

function policyOf(policy: GatewayOptions['policy']) {
  const result = validateOptions({ policy, upstreams: [{ name: 'up', url: 'http://127.0.0.1:1/mcp' }] });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return createPolicy(result.options.policy);
}

const alice: Subject = { tenant: 'acme', client: 'alice', apiKeyId: 'a' };
const bob: Subject = { tenant: 'acme', client: 'bob', apiKeyId: 'b' };
const eve: Subject = { tenant: 'evil', client: 'alice', apiKeyId: 'e' };
const tool = (name: string): Target => ({ kind: 'tool', name });

describe('policy', () => {
  it('denies by default when no rule applies', () => {
    const p = policyOf({ rules: [] });
    expect(p.authorize(alice, 'tools/list', null)).toMatchObject({ ok: false, name: 'FORBIDDEN', status: 403 });
  });

  it('applies a tenant rule to every client of the tenant and to no other tenant', () => {
    const p = policyOf({ rules: [{ subject: { tenant: 'acme' }, allow: { methods: ['tools/list'] } }] });
    expect(p.authorize(alice, 'tools/list', null)).toEqual({ ok: true });
    expect(p.authorize(bob, 'tools/list', null)).toEqual({ ok: true });
    expect(p.authorize(eve, 'tools/list', null)).toMatchObject({ ok: false });
  });

  it('applies a tenant+client rule to that client only', () => {
    const p = policyOf({ rules: [{ subject: { tenant: 'acme', client: 'alice' }, allow: { methods: ['*'] } }] });
    expect(p.authorize(alice, 'prompts/list', null).ok).toBe(true);
    expect(p.authorize(bob, 'prompts/list', null).ok).toBe(false);
    expect(p.authorize(eve, 'prompts/list', null).ok).toBe(false);
  });

  it('applies a rule without subject to everyone, and matches subject globs', () => {
    const p = policyOf({
      rules: [
        { allow: { methods: ['ping2'] } },
        { subject: { tenant: 'ac*', client: 'b*' }, allow: { methods: ['tools/list'] } },
      ],
    });
    expect(p.authorize(eve, 'ping2', null).ok).toBe(true);
    expect(p.authorize(bob, 'tools/list', null).ok).toBe(true);
    expect(p.authorize(alice, 'tools/list', null).ok).toBe(false);
  });

  it('lets a deny win over an allow, from the same rule or another', () => {
    const p = policyOf({
      rules: [
        { subject: { tenant: 'acme' }, allow: { methods: ['tools/*'], tools: ['*'] }, deny: { tools: ['admin.*'] } },
        { subject: { tenant: 'acme', client: 'bob' }, deny: { methods: ['tools/call'] } },
      ],
    });
    expect(p.authorize(alice, 'tools/call', tool('math.add'))).toEqual({ ok: true });
    expect(p.authorize(alice, 'tools/call', tool('admin.drop'))).toMatchObject({ ok: false, error: { message: 'Forbidden: tool "admin.drop" is denied' } });
    expect(p.authorize(bob, 'tools/call', tool('math.add'))).toMatchObject({ ok: false, error: { message: 'Forbidden: method "tools/call" is denied' } });
    expect(p.authorize(bob, 'tools/list', null)).toEqual({ ok: true });
  });

  it('needs both the method and the target allowed', () => {
    const p = policyOf({ rules: [{ allow: { methods: ['tools/call', 'resources/read', 'prompts/get'], tools: ['math.*'], resources: ['file:///docs/**'], prompts: ['greet'] } }] });
    expect(p.authorize(alice, 'tools/call', tool('math.add')).ok).toBe(true);
    expect(p.authorize(alice, 'tools/call', tool('kb.search'))).toMatchObject({ ok: false, error: { message: 'Forbidden: tool "kb.search" is not allowed' } });
    expect(p.authorize(alice, 'resources/read', { kind: 'resource', name: 'file:///docs/a/b.md' }).ok).toBe(true);
    expect(p.authorize(alice, 'resources/read', { kind: 'resource', name: 'file:///etc/passwd' }).ok).toBe(false);
    expect(p.authorize(alice, 'resources/read', { kind: 'resource', name: 'file:///docs/../etc/passwd' }).ok).toBe(false);
    expect(p.authorize(alice, 'prompts/get', { kind: 'prompt', name: 'greet' }).ok).toBe(true);
    expect(p.authorize(alice, 'prompts/get', { kind: 'prompt', name: 'greet2' }).ok).toBe(false);
  });

  it('keeps a tool allow list from granting a method that is not allowed', () => {
    const p = policyOf({ rules: [{ allow: { tools: ['*'] } }] });
    expect(p.authorize(alice, 'tools/call', tool('math.add'))).toMatchObject({ ok: false, error: { message: expect.stringContaining('method "tools/call"') } });
  });

  it('allows the protocol methods to any subject unless a deny matches them', () => {
    const none = policyOf({ rules: [] });
    for (const method of PROTOCOL_METHODS) expect(none.authorize(alice, method, null), method).toEqual({ ok: true });
    const strict = policyOf({ rules: [{ subject: { tenant: 'evil' }, deny: { methods: ['*'] } }] });
    expect(strict.authorize(eve, 'initialize', null).ok).toBe(false);
    expect(strict.authorize(eve, 'notifications/initialized', null).ok).toBe(false);
    expect(strict.authorize(alice, 'initialize', null).ok).toBe(true);
  });

  it('does not treat other notifications as protocol methods', () => {
    const p = policyOf({ rules: [] });
    expect(p.authorize(alice, 'notifications/message', null).ok).toBe(false);
  });

  it('allows what no rule denies when the default is allow', () => {
    const p = policyOf({ default: 'allow', rules: [{ subject: { client: 'bob' }, deny: { tools: ['rm'] } }] });
    expect(p.authorize(alice, 'tools/call', tool('rm')).ok).toBe(true);
    expect(p.authorize(bob, 'tools/call', tool('ls')).ok).toBe(true);
    expect(p.authorize(bob, 'tools/call', tool('rm')).ok).toBe(false);
  });

  it('gives each subject its own rules when subjects share the memo', () => {
    const p = policyOf({
      rules: [
        { subject: { client: 'alice' }, allow: { methods: ['a'] } },
        { subject: { client: 'bob' }, allow: { methods: ['b'] } },
      ],
    });
    for (let round = 0; round < 2; round++) {
      expect(p.authorize(alice, 'a', null).ok).toBe(true);
      expect(p.authorize(alice, 'b', null).ok).toBe(false);
      expect(p.authorize(bob, 'b', null).ok).toBe(true);
      expect(p.authorize(bob, 'a', null).ok).toBe(false);
      expect(p.authorize(eve, 'a', null).ok).toBe(true); // eve's client is "alice"
    }
  });

  it('does not confuse tenant "a" client "b:c" with tenant "a:b" client "c"', () => {
    const p = policyOf({ rules: [{ subject: { tenant: 'a', client: 'b\u0000c' }, allow: { methods: ['x'] } }] });
    expect(p.authorize({ tenant: 'a', client: 'b\u0000c', apiKeyId: null }, 'x', null).ok).toBe(true);
    expect(p.authorize({ tenant: 'a\u0000b', client: 'c', apiKeyId: null }, 'x', null).ok).toBe(false);
  });
});

describe('GlobSet', () => {
  it('matches literals exactly and agrees with minimatch on globs, over a generated corpus', async () => {
    const { Minimatch } = await import('minimatch');
    const { GlobSet } = await import('../src/internal.js');
    const options = { dot: true, nonegate: true, nocomment: true, preserveMultipleSlashes: true };
    const patterns = ['a/*', 'a/**', '**/b', 'file:///docs/**', 'file:///docs/*', 'x.*', '*.md', 'a/**/b', '{a,b}/c', 'a?c', '[ab]/*', 'kb://**', 'a/', 'a//b', 'x.md', 'docs'];
    const alphabet = ['a', 'b', 'c', '.', '..', '/', ':', 'x', 'md', 'docs', 'file:///', 'kb://'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
    for (let i = 0; i < 4_000; i++) {
      const value = Array.from({ length: 1 + Math.floor(next() * 6) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      for (const pattern of patterns) {
        // A pattern without glob syntax is an exact string; everything else is minimatch's answer.
        const literal = !/[*?[\]{}()!+@\\]/.test(pattern);
        const expected = literal ? value === pattern : new Minimatch(pattern, options).match(value);
        expect(new GlobSet([pattern]).matches(value), `${pattern} vs ${value}`).toBe(expected);
      }
    }
  });

  it('refuses patterns with dot segments, which minimatch would normalize', async () => {
    const { isValidGlob } = await import('../src/internal.js');
    for (const pattern of ['a/../b', './a', 'a/.', '..', 'file:///docs/../**']) expect(isValidGlob(pattern), pattern).toBe(false);
    for (const pattern of ['v1.0', '.hidden', 'a..b', 'file:///docs/**']) expect(isValidGlob(pattern), pattern).toBe(true);
  });

  it('never lets ** climb out of its directory', async () => {
    const { GlobSet } = await import('../src/internal.js');
    const docs = new GlobSet(['file:///docs/**']);
    expect(docs.matches('file:///docs/a/b.md')).toBe(true);
    for (const escape of ['file:///docs/../etc/passwd', 'file:///docs/a/../../etc', 'file:///docs/./../x', 'file:///docs/..']) {
      expect(docs.matches(escape), escape).toBe(false);
    }
  });
});
