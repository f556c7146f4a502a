import { describe, expect, it } from 'vitest';
import { compileGateway, streamMessageAllowed, type CheckResult, type CompiledGateway, type GatewayOptions, type ResolvedItem } from '../src/index.js';
import { authorizeRead, LIST_METHODS, templateMatcher } from '../src/internal.js';

// A deny holds under every name. For every naming set-up, every kind of item and every name the
// denied item goes by, a policy denying that one name is tried with a few thousand spellings a
// client might send (every name anything is shown under, what the naming rules make of names,
// prefixes and collision renames stacked, case and punctuation changes): no spelling reaches the
// denied item, none is listed, and every item not denied stays reachable under its listed name.

const KEY = 'k1';
const ALL = ['*'];

/** What each upstream lists. */
const LISTED = {
  alpha: {
    tools: ['search', 'delete_everything', 'odd name!', 'only_alpha'],
    prompts: ['greet', 'secret'],
    resources: ['alpha://readme', 'shared://notes'],
    templates: ['alpha://doc/{id}'],
  },
  beta: {
    tools: ['search', 'delete_everything', 'only_beta', 'alpha_delete_everything'],
    prompts: ['greet'],
    resources: ['beta://readme', 'shared://notes'],
    templates: ['beta://doc/{id}'],
  },
} as const;

type UpstreamName = keyof typeof LISTED;

interface SetUp {
  what: string;
  upstreams: GatewayOptions['upstreams'];
  federation?: GatewayOptions['federation'];
  routing?: GatewayOptions['routing'];
}

const url = (port: number) => `http://127.0.0.1:${port}/mcp`;
const SET_UPS: SetUp[] = [
  { what: 'one upstream', upstreams: [{ name: 'alpha', url: url(1) }] },
  { what: 'one upstream, routed by method (the seed config)', upstreams: [{ name: 'alpha', url: url(1) }], routing: [{ match: { method: '*' }, upstream: 'alpha' }] },
  { what: 'one upstream with a prefix', upstreams: [{ name: 'alpha', url: url(1), prefix: 'a.' }] },
  { what: 'one upstream with a prefix, routed by method', upstreams: [{ name: 'alpha', url: url(1), prefix: 'a.' }], routing: [{ match: { method: '*' }, upstream: 'alpha' }] },
  ...(['prefix', 'first-wins', 'error'] as const).map((collisions) => ({
    what: `federated, collisions "${collisions}"`,
    upstreams: [{ name: 'alpha', url: url(1) }, { name: 'beta', url: url(2) }],
    federation: { collisions },
  })),
  { what: 'federated, alpha with a prefix', upstreams: [{ name: 'alpha', url: url(1), prefix: 'a_' }, { name: 'beta', url: url(2) }] },
  {
    what: 'federated, routed by method only',
    upstreams: [{ name: 'alpha', url: url(1) }, { name: 'beta', url: url(2) }],
    routing: [{ match: { method: 'tools/call' }, upstream: 'alpha' }, { match: { method: 'prompts/*' }, upstream: 'alpha' }, { match: { method: 'resources/*' }, upstream: 'alpha' }],
  },
];

/** The items a test denies, each with the messages that reach it and how to tell it was reached. */
interface Denied {
  what: string;
  /** The policy list the deny goes in. */
  list: 'tools' | 'prompts' | 'resources';
  /** The kind and original name, as the catalog's aliases are asked for. */
  kind: ResolvedItem['kind'];
  name: string;
  /** Whether a decision's item is this one. */
  reached(item: ResolvedItem): boolean;
}

const DENIED: Denied[] = [
  { what: 'tool', list: 'tools', kind: 'tool', name: 'delete_everything', reached: (item) => item.upstream === 'alpha' && item.kind === 'tool' && item.name === 'delete_everything' },
  { what: 'tool with a name outside the rule', list: 'tools', kind: 'tool', name: 'odd name!', reached: (item) => item.upstream === 'alpha' && item.kind === 'tool' && item.name === 'odd name!' },
  { what: 'prompt (and its completion ref)', list: 'prompts', kind: 'prompt', name: 'secret', reached: (item) => item.upstream === 'alpha' && item.kind === 'prompt' && item.name === 'secret' },
  { what: 'resource', list: 'resources', kind: 'resource', name: 'alpha://readme', reached: (item) => item.upstream === 'alpha' && item.kind === 'resource' && item.name === 'alpha://readme' },
  {
    what: 'resource template (its URIs and its completion ref)',
    list: 'resources',
    kind: 'resource',
    name: 'alpha://doc/{id}',
    reached: (item) => item.upstream === 'alpha' && item.kind === 'resource' && (item.name === 'alpha://doc/{id}' || templateMatcher('alpha://doc/{id}').test(item.name)),
  },
];

function compile(setUp: SetUp, deny: Partial<Record<Denied['list'], string[]>>): CompiledGateway {
  const gw = compileGateway({
    auth: { apiKeys: [{ key: KEY, tenant: 't' }] },
    // Thousands of checks per test: the limit is not what is tested here.
    rateLimit: { defaultRpm: 1_000_000_000 },
    policy: { rules: [{ allow: { methods: ALL, tools: ALL, prompts: ALL, resources: ALL }, deny }] },
    upstreams: setUp.upstreams,
    federation: setUp.federation,
    routing: setUp.routing,
  });
  for (const { name } of setUp.upstreams) {
    const listed = LISTED[name as UpstreamName];
    gw.catalog.record('tools', name, listed.tools.map((tool) => ({ name: tool })), true);
    gw.catalog.record('prompts', name, listed.prompts.map((prompt) => ({ name: prompt })), true);
    gw.catalog.record('resources', name, listed.resources.map((uri) => ({ uri })), true);
    gw.catalog.record('resourceTemplates', name, listed.templates.map((uriTemplate) => ({ uriTemplate, name: 'doc' })), true);
  }
  return gw;
}

/** Every name the subject is shown, by list, as federateList gives them from what is recorded. */
function shown(gw: CompiledGateway, setUp: SetUp): Map<string, string[]> {
  const subject = { tenant: 't', client: 'default', apiKeyId: null };
  const out = new Map<string, string[]>();
  for (const spec of LIST_METHODS.values()) {
    const pages = setUp.upstreams.map(({ name }) => {
      const listed = LISTED[name as UpstreamName];
      const items =
        spec.kind === 'tools' ? listed.tools.map((tool) => ({ name: tool }))
        : spec.kind === 'prompts' ? listed.prompts.map((prompt) => ({ name: prompt }))
        : spec.kind === 'resources' ? listed.resources.map((uri) => ({ uri }))
        : listed.templates.map((uriTemplate) => ({ uriTemplate, name: 'doc' }));
      return { upstream: name, items, firstPage: true };
    });
    const items = gw.federateList(subject, spec, pages);
    out.set(spec.kind, Array.isArray(items) ? items.map((item) => String((item as Record<string, unknown>)[spec.key])) : []);
  }
  return out;
}

/** Names a client might try: every name known, and what prefixes, renames and small changes make of them. */
function spellings(gw: CompiledGateway, setUp: SetUp): string[] {
  const seeds = new Set<string>();
  for (const { name: upstream } of setUp.upstreams) {
    const listed = LISTED[upstream as UpstreamName];
    for (const tool of listed.tools) for (const alias of gw.catalog.aliases('tool', upstream, tool)) seeds.add(alias);
    for (const prompt of listed.prompts) for (const alias of gw.catalog.aliases('prompt', upstream, prompt)) seeds.add(alias);
    for (const uri of [...listed.resources, ...listed.templates]) seeds.add(uri);
  }
  for (const names of shown(compile(setUp, {}), setUp).values()) for (const name of names) seeds.add(name);
  const decorations = ['alpha_', 'beta_', 'a.', 'a_', 'alpha_a.', 'alpha_a_', 'beta_alpha_', 'alpha.', 'ALPHA_', ''];
  const out = new Set<string>();
  for (const seed of seeds) {
    for (const decoration of decorations) {
      out.add(decoration + seed);
      out.add(decoration + seed.toUpperCase());
      out.add(decoration + seed.replace(/_/g, '-'));
      out.add(decoration + seed.replace(/[^A-Za-z0-9]/g, '_'));
      out.add(` ${decoration}${seed}`);
      out.add(`${decoration}${seed} `);
      out.add(`${decoration}${seed}\u0000`);
    }
    if (seed.includes('{id}')) for (const id of ['7', '', '../x', '{id}']) out.add(seed.replace('{id}', id));
    out.add(seed.slice(1));
    out.add(seed.slice(0, -1));
  }
  out.delete('');
  return [...out];
}

/** The messages that name `spelling` as each kind of target. */
function messagesNaming(spelling: string): unknown[] {
  const argument = { name: 'who', value: 'x' };
  return [
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: spelling, arguments: {} } },
    { jsonrpc: '2.0', id: 2, method: 'prompts/get', params: { name: spelling } },
    { jsonrpc: '2.0', id: 3, method: 'completion/complete', params: { ref: { type: 'ref/prompt', name: spelling }, argument } },
    { jsonrpc: '2.0', id: 4, method: 'resources/read', params: { uri: spelling } },
    { jsonrpc: '2.0', id: 5, method: 'resources/subscribe', params: { uri: spelling } },
    { jsonrpc: '2.0', id: 6, method: 'completion/complete', params: { ref: { type: 'ref/resource', uri: spelling }, argument } },
  ];
}

describe('one name resolution: a deny holds under every name', () => {
  for (const setUp of SET_UPS) {
    describe(setUp.what, () => {
      for (const denied of DENIED) {
        it(`a deny on any name of a ${denied.what} denies every spelling that reaches it, and lists it under none`, async () => {
          const probe = compile(setUp, {});
          const names = probe.catalog.aliases(denied.kind, 'alpha', denied.name);
          const tries = spellings(probe, setUp);
          const problems: string[] = [];
          let reachedWhenAllowed = 0;
          for (const name of names) {
            const gw = compile(setUp, { [denied.list]: [name] });
            const open = compile(setUp, {});
            for (const spelling of tries) {
              for (const message of messagesNaming(spelling)) {
                const result: CheckResult = await gw.check({ apiKey: KEY, message });
                if (result.ok && result.item && denied.reached(result.item)) {
                  problems.push(`deny "${name}": ${JSON.stringify(message)} reached ${JSON.stringify(result.item)}`);
                }
                if (!result.ok && result.name === 'FORBIDDEN') {
                  // A refusal names what the client sent, never another name of the item.
                  for (const alias of names) {
                    if (!spelling.includes(alias) && result.error.message.includes(`"${alias}"`)) problems.push(`deny "${name}": "${spelling}" refused naming "${alias}"`);
                  }
                }
                const allowed = await open.check({ apiKey: KEY, message });
                if (allowed.ok && allowed.item && denied.reached(allowed.item)) reachedWhenAllowed++;
              }
            }
            for (const [kind, listed] of shown(gw, setUp)) {
              for (const visible of listed) {
                for (const message of messagesNaming(visible)) {
                  const result = await gw.check({ apiKey: KEY, message });
                  if (result.ok && result.item && denied.reached(result.item)) problems.push(`deny "${name}": listed in ${kind} as "${visible}"`);
                }
              }
            }
          }
          expect(problems.slice(0, 10)).toEqual([]);
          // When nothing denies it, an item that is listed is reached by some spelling (so the
          // spellings are not all beside the point); a collision may hide one from every list.
          let listedWhenAllowed = false;
          const open = compile(setUp, {});
          for (const visible of [...shown(open, setUp).values()].flat()) {
            for (const message of messagesNaming(visible)) {
              const result = await open.check({ apiKey: KEY, message });
              if (result.ok && result.item && denied.reached(result.item)) listedWhenAllowed = true;
            }
          }
          if (listedWhenAllowed) expect(reachedWhenAllowed).toBeGreaterThan(0);
        });
      }

      it('every item the policy does not deny is reachable under the name it is listed by, and reaches that item', async () => {
        const gw = compile(setUp, {});
        const lists = shown(gw, setUp);
        const checks: [string, unknown][] = [
          ...lists.get('tools')!.map((name) => ['tools/call', { name }] as [string, unknown]),
          ...lists.get('prompts')!.map((name) => ['prompts/get', { name }] as [string, unknown]),
          ...lists.get('resources')!.map((uri) => ['resources/read', { uri }] as [string, unknown]),
        ];
        expect(checks.length).toBeGreaterThan(2);
        for (const [method, params] of checks) {
          const result = await gw.check({ apiKey: KEY, message: { jsonrpc: '2.0', id: 1, method, params } });
          expect(result, `${method} ${JSON.stringify(params)}`).toMatchObject({ ok: true });
        }
      });
    });
  }
});

describe('one name resolution: the item that runs', () => {
  it('a name never listed reaches nothing when no rule routes it, and an upstream\'s raw name is not reachable under its prefix', async () => {
    const setUp = SET_UPS.find((s) => s.what === 'one upstream with a prefix, routed by method')!;
    const gw = compile(setUp, {});
    const call = (name: string) => gw.check({ apiKey: KEY, message: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name } } });
    expect(await call('a.search')).toMatchObject({ ok: true, upstream: 'alpha', name: 'search', item: { upstream: 'alpha', name: 'search' } });
    expect(await call('search')).toMatchObject({ ok: false, name: 'NO_ROUTE' });
    const federated = compile(SET_UPS.find((s) => s.what === 'federated, collisions "prefix"')!, {});
    const federatedCall = (name: string) => federated.check({ apiKey: KEY, message: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name } } });
    expect(await federatedCall('alpha_search')).toMatchObject({ ok: true, item: { upstream: 'alpha', name: 'search' } });
    // Looks like a collision's rename, but nothing ever collided on only_beta.
    expect(await federatedCall('beta_only_beta')).toMatchObject({ ok: false, name: 'NO_ROUTE' });
    // beta really has a tool named alpha_delete_everything: the name is its, not a rename of alpha's.
    expect(await federatedCall('alpha_delete_everything')).toMatchObject({ ok: true, item: { upstream: 'beta', name: 'alpha_delete_everything' } });
  });
});

describe('one name resolution: what a subscription and a stream take', () => {
  it('a deny on a template denies subscribing to, and hearing of, every resource read through it', async () => {
    const setUp = SET_UPS.find((s) => s.what === 'federated, collisions "prefix"')!;
    const gw = compile(setUp, { resources: ['alpha://doc/{id}'] });
    const subject = { tenant: 't', client: 'default', apiKeyId: null };
    expect(authorizeRead(gw, subject, 'alpha://doc/7')).toMatchObject({ ok: false, name: 'FORBIDDEN' });
    expect(authorizeRead(gw, subject, 'beta://doc/7')).toEqual({ ok: true });
    const updated = (uri: string) => ({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri } });
    expect(streamMessageAllowed(gw, subject, updated('alpha://doc/7'))).toBe(false);
    expect(streamMessageAllowed(gw, subject, updated('beta://doc/7'))).toBe(true);
    const subscribe = (uri: string) => gw.check({ apiKey: KEY, message: { jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri } } });
    expect(await subscribe('alpha://doc/7')).toMatchObject({ ok: false, name: 'FORBIDDEN' });
    expect(await subscribe('beta://doc/7')).toMatchObject({ ok: true, item: { upstream: 'beta' } });
  });
});

describe('one name resolution: a deny on a template before the templates are known', () => {
  it('a URI reaches nothing until the upstream listed its templates, then the deny holds; a subject without such a deny is not held up', async () => {
    const options = (deny: string[]) => ({
      auth: { apiKeys: [{ key: KEY, tenant: 't' }] },
      policy: { rules: [{ allow: { methods: ALL, resources: ALL }, deny: { resources: deny } }] },
      upstreams: [{ name: 'alpha', url: url(1) }],
    });
    const read = { jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'alpha://doc/7' } };
    const gw = compileGateway(options(['alpha://doc/{id}']));
    expect(await gw.check({ apiKey: KEY, message: read })).toMatchObject({ ok: false, name: 'NO_ROUTE' });
    expect(authorizeRead(gw, { tenant: 't', client: 'default', apiKeyId: null }, 'alpha://doc/7')).toMatchObject({ ok: false, name: 'FORBIDDEN' });
    gw.catalog.record('resourceTemplates', 'alpha', [{ uriTemplate: 'alpha://doc/{id}', name: 'doc' }], true);
    expect(await gw.check({ apiKey: KEY, message: read })).toMatchObject({ ok: false, name: 'FORBIDDEN' });
    const plain = compileGateway(options(['alpha://secret']));
    expect(await plain.check({ apiKey: KEY, message: read })).toMatchObject({ ok: true, item: { upstream: 'alpha', name: 'alpha://doc/7' } });
  });
});
