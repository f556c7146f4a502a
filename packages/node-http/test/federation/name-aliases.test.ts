import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileGateway, type AuditEvent, type CompiledGateway, type GatewayOptions } from '@gw/core';
import { startFederatedUpstream, type FederatedUpstream } from '../support/federated-upstream.js';
import { openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';
import { startStatelessUpstream } from '../support/stateless-upstream.js';

// A deny holds under every name on the wire, in both eras: alpha (prefix "a.") and beta share
// tool, prompt and resource names; the policy allows everything but alpha's `only_alpha` (denied
// by its original name), alpha's prompt under its listed name `a.greet`, and alpha's document
// template. Every other name of those items is refused as well, they are listed under none, and
// check() over the same lists decides each message exactly as the wire does.

const KEY = 'alias-key';
const MODERN = '2026-07-28';
let alpha: FederatedUpstream;
let beta: FederatedUpstream;
let gw: RunningGateway;
let options: GatewayOptions;
const events: AuditEvent[] = [];

beforeAll(async () => {
  alpha = await startFederatedUpstream({ name: 'alpha' });
  beta = await startFederatedUpstream({ name: 'beta' });
  options = {
    auth: { apiKeys: [{ key: KEY, tenant: 'acme' }] },
    rateLimit: { defaultRpm: 100_000 },
    policy: {
      rules: [
        {
          allow: { methods: ['*'], tools: ['*'], resources: ['*'], prompts: ['*'] },
          deny: { tools: ['only_alpha'], prompts: ['a.greet'], resources: ['alpha://doc/{id}'] },
        },
      ],
    },
    upstreams: [
      { name: 'alpha', url: alpha.url, timeoutMs: 5_000, prefix: 'a.' },
      { name: 'beta', url: beta.url, timeoutMs: 5_000 },
    ],
  };
  gw = await startGateway(options, { onAudit: (event) => void events.push(event) });
});

afterAll(async () => {
  await gw?.close();
  await alpha?.close();
  await beta?.close();
});

/** Names a client might try for alpha's denied tool and prompt. */
const TOOL_SPELLINGS = ['only_alpha', 'a.only_alpha', 'alpha_a.only_alpha', 'alpha_only_alpha', 'beta_only_alpha', 'a.a.only_alpha'];
const PROMPT_SPELLINGS = ['a.greet', 'alpha_a.greet', 'alpha_greet'];

/** Each message the test sends, and whether the policy lets it reach an item (else it must be refused). */
function messages(): { what: string; method: string; params: Record<string, unknown>; reaches: boolean }[] {
  const argument = { name: 'who', value: 'x' };
  return [
    ...TOOL_SPELLINGS.map((name) => ({ what: `tool ${name}`, method: 'tools/call', params: { name, arguments: {} }, reaches: false })),
    ...PROMPT_SPELLINGS.map((name) => ({ what: `prompt ${name}`, method: 'prompts/get', params: { name, arguments: { who: 'x' } }, reaches: false })),
    ...PROMPT_SPELLINGS.map((name) => ({ what: `completion of prompt ${name}`, method: 'completion/complete', params: { ref: { type: 'ref/prompt', name }, argument }, reaches: false })),
    { what: 'a document of the denied template', method: 'resources/read', params: { uri: 'alpha://doc/7' }, reaches: false },
    { what: 'a completion of the denied template', method: 'completion/complete', params: { ref: { type: 'ref/resource', uri: 'alpha://doc/{id}' }, argument }, reaches: false },
    { what: 'alpha search under its listed name', method: 'tools/call', params: { name: 'a.search', arguments: {} }, reaches: true },
    { what: "beta's own greet", method: 'prompts/get', params: { name: 'greet', arguments: { who: 'x' } }, reaches: true },
    { what: "beta's document", method: 'resources/read', params: { uri: 'beta://doc/7' }, reaches: true },
  ];
}

/** check() with the catalog holding what the upstreams list, as the gateway's holds once a client listed. */
function checker(): CompiledGateway {
  const core = compileGateway(options);
  for (const name of ['alpha', 'beta']) {
    core.catalog.record('tools', name, ['search', 'ask', 'sample', 'slow', 'grow', `only_${name}`].map((tool) => ({ name: tool })), true);
    core.catalog.record('prompts', name, [{ name: 'greet' }], true);
    core.catalog.record('resources', name, [{ uri: `${name}://readme` }], true);
    core.catalog.record('resourceTemplates', name, [{ uriTemplate: `${name}://doc/{id}`, name: 'doc' }], true);
  }
  return core;
}

interface WireAnswer {
  status: number;
  body: { result?: Record<string, unknown>; error?: { code: number; message: string } };
}

async function expectSameAsCheck(core: CompiledGateway, sent: ReturnType<typeof messages>[number], answer: WireAnswer): Promise<void> {
  const decided = await core.check({ apiKey: KEY, message: { jsonrpc: '2.0', id: 1, method: sent.method, params: sent.params } });
  if (!sent.reaches) {
    expect(decided.ok, sent.what).toBe(false);
    if (decided.ok) return;
    expect(answer.body.error, sent.what).toEqual(decided.error);
  } else {
    expect(decided.ok, sent.what).toBe(true);
    expect(answer.body.result, `${sent.what}: ${JSON.stringify(answer.body)}`).toBeDefined();
  }
}

describe('a deny holds under every name, on the wire', () => {
  it('a 2025-06-18 session: every spelling of a denied item is refused as check() refuses it; the lists show none of them', async () => {
    const session = await openSession(gw.url, { 'x-api-key': KEY });
    const headers = { 'x-api-key': KEY, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18', accept: 'application/json' };
    let id = 1;
    const tools = await post(gw.url, { jsonrpc: '2.0', id: id++, method: 'tools/list' }, headers);
    const toolNames = ((tools.body as { result: { tools: { name: string }[] } }).result.tools).map((tool) => tool.name);
    expect(toolNames).toContain('a.search');
    expect(toolNames).toContain('only_beta');
    for (const spelling of TOOL_SPELLINGS) expect(toolNames).not.toContain(spelling);
    const prompts = await post(gw.url, { jsonrpc: '2.0', id: id++, method: 'prompts/list' }, headers);
    expect((prompts.body as { result: { prompts: { name: string }[] } }).result.prompts.map((prompt) => prompt.name)).toEqual(['greet']);
    const templates = await post(gw.url, { jsonrpc: '2.0', id: id++, method: 'resources/templates/list' }, headers);
    expect((templates.body as { result: { resourceTemplates: { uriTemplate: string }[] } }).result.resourceTemplates.map((t) => t.uriTemplate)).toEqual(['beta://doc/{id}']);

    const core = checker();
    for (const sent of messages()) {
      const answer = await post(gw.url, { jsonrpc: '2.0', id: 1, method: sent.method, params: sent.params }, headers);
      await expectSameAsCheck(core, sent, answer as WireAnswer);
    }
    // None of the refused calls reached alpha's denied items.
    expect(alpha.methods.filter((method) => method === 'prompts/get' || method === 'completion/complete')).toEqual([]);
    // Audit names what the client sent and the item that ran (under alpha's own name for it).
    await new Promise((resolve) => setTimeout(resolve, 20));
    const search = events.find((event) => event.target?.name === 'a.search');
    expect(search).toMatchObject({ upstream: 'alpha', target: { kind: 'tool', name: 'a.search' }, item: { kind: 'tool', name: 'search' }, decision: 'allowed' });
    const refused = events.find((event) => event.target?.name === 'a.only_alpha');
    expect(refused).toMatchObject({ upstream: null, item: null, decision: 'denied' });
  });

  it('a 2026-07-28 stateless client: every spelling of a denied item is refused as check() refuses it', async () => {
    const core = checker();
    const before = alpha.methods.length;
    for (const sent of messages()) {
      const params = { ...sent.params, _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} } };
      const name = typeof sent.params['name'] === 'string' ? sent.params['name'] : typeof sent.params['uri'] === 'string' ? sent.params['uri'] : undefined;
      const headers: Record<string, string> = { 'x-api-key': KEY, 'mcp-protocol-version': MODERN, 'mcp-method': sent.method, accept: 'application/json' };
      if (name !== undefined && sent.method !== 'completion/complete') headers['mcp-name'] = name;
      const answer = (await post(gw.url, { jsonrpc: '2.0', id: 1, method: sent.method, params }, headers)) as WireAnswer;
      await expectSameAsCheck(core, sent, answer);
    }
    // alpha was asked for its session and the one allowed call; nothing denied reached it.
    expect(alpha.methods.slice(before).filter((method) => method === 'prompts/get' || method === 'completion/complete')).toEqual([]);
  });
});

describe('a stateless (2026-07-28) upstream with a prefix', () => {
  it("hears the item's own name in the body and in Mcp-Name, and a deny on that name holds for the prefixed one", async () => {
    const modern = await startStatelessUpstream();
    const prefixed = await startGateway({
      auth: { apiKeys: [{ key: KEY, tenant: 'acme' }] },
      policy: { rules: [{ allow: { methods: ['*'], tools: ['*'], prompts: ['*'], resources: ['*'] }, deny: { prompts: ['hello'] } }] },
      upstreams: [{ name: 'modern', url: modern.url, timeoutMs: 5_000, prefix: 'm.' }],
    });
    try {
      const headers = (method: string, name: string): Record<string, string> => ({ 'x-api-key': KEY, 'mcp-protocol-version': MODERN, 'mcp-method': method, 'mcp-name': name, accept: 'application/json' });
      const meta = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} };
      const echo = await post(prefixed.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'm.echo', arguments: { text: 'hi' }, _meta: meta } }, headers('tools/call', 'm.echo'));
      expect(echo.body).toMatchObject({ result: { content: [{ text: 'modern echo hi' }] } });
      expect(modern.requests.filter((request) => request.method === 'tools/call')).toEqual([expect.objectContaining({ mcpMethod: 'tools/call', mcpName: 'echo' })]);
      const hello = await post(prefixed.url, { jsonrpc: '2.0', id: 2, method: 'prompts/get', params: { name: 'm.hello', arguments: { who: 'x' }, _meta: meta } }, headers('prompts/get', 'm.hello'));
      expect(hello.body).toMatchObject({ error: { code: -40300 } });
      expect(modern.requests.some((request) => request.method === 'prompts/get')).toBe(false);
    } finally {
      await prefixed.close();
      await modern.close();
    }
  });
});

describe('a deny on a template, before anyone listed templates', () => {
  for (const single of [true, false]) {
    it(`${single ? 'one upstream (every message routed to it)' : 'two upstreams'}: a URI read or subscribed through the denied template is refused from the first message`, async () => {
      const fresh = await startGateway({
        auth: { apiKeys: [{ key: KEY, tenant: 'acme' }] },
        policy: { rules: [{ allow: { methods: ['*'], resources: ['*'] }, deny: { resources: ['alpha://doc/{id}'] } }] },
        upstreams: single ? [{ name: 'alpha', url: alpha.url, timeoutMs: 5_000 }] : [{ name: 'alpha', url: alpha.url, timeoutMs: 5_000 }, { name: 'beta', url: beta.url, timeoutMs: 5_000 }],
      });
      try {
        const session = await openSession(fresh.url, { 'x-api-key': KEY });
        const headers = { 'x-api-key': KEY, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18', accept: 'application/json' };
        const send = (id: number, method: string, uri: string) => post(fresh.url, { jsonrpc: '2.0', id, method, params: { uri } }, headers);
        expect((await send(1, 'resources/read', 'alpha://doc/7')).body).toMatchObject({ id: 1, error: { code: -40300 } });
        expect((await send(2, 'resources/subscribe', 'alpha://doc/8')).body).toMatchObject({ id: 2, error: { code: -40300 } });
        expect((await send(3, 'resources/read', 'alpha://readme')).body).toMatchObject({ id: 3, result: { contents: [{ text: 'alpha reads alpha://readme' }] } });
        if (!single) expect((await send(4, 'resources/read', 'beta://doc/7')).body).toMatchObject({ id: 4, result: { contents: [{ text: 'beta reads beta://doc/7' }] } });
      } finally {
        await fresh.close();
      }
    });
  }
});
