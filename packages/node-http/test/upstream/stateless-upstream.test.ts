import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { GatewayOptions } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFederatedUpstream, type FederatedUpstream } from '../support/federated-upstream.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { startStatelessUpstream, type StatelessUpstream } from '../support/stateless-upstream.js';

// A stateless (2026-07-28) upstream, the official 2.x SDK server refusing legacy requests, beside a
// session-based one (SDK 1.x), behind one gateway; in front, a 2025 client (SDK 1.x) and a
// 2026-07-28 client (SDK 2.x pinned). The gateway learns each upstream's era by server/discover
// and speaks to each in its own.

const KEY = 'era-key';
let modern: StatelessUpstream;
let legacy: FederatedUpstream;
let gw: RunningGateway;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  modern = await startStatelessUpstream();
  legacy = await startFederatedUpstream({ name: 'legacy' });
  const options: GatewayOptions = {
    auth: { apiKeys: [{ key: KEY, tenant: 'acme' }] },
    policy: { rules: [{ allow: { methods: ['*'], tools: ['*'], resources: ['*'], prompts: ['*'] } }] },
    upstreams: [
      { name: 'modern', url: modern.url, timeoutMs: 5_000, prefix: 'm_' },
      { name: 'legacy', url: legacy.url, timeoutMs: 5_000 },
    ],
  };
  gw = await startGateway(options);
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await gw?.close();
  await modern?.close();
  await legacy?.close();
});

function text(result: unknown): string {
  return ((result as { content?: { text?: string }[] }).content ?? []).map((part) => part.text ?? '').join('');
}

describe('a 2025 client in front of a stateless upstream', () => {
  let client: LegacyClient;
  beforeAll(async () => {
    client = new LegacyClient({ name: 'legacy-client', version: '1.0.0' });
    await client.connect(new LegacyTransport(new URL(gw.url), { requestInit: { headers: { 'x-api-key': KEY } } }));
    closers.push(() => client.close());
  });

  it('sees the stateless upstream\'s tools, prompts and resources beside the other upstream\'s', async () => {
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toEqual(expect.arrayContaining(['m_echo', 'm_ask', 'only_legacy']));
    expect((await client.listPrompts()).prompts.map((prompt) => prompt.name)).toEqual(expect.arrayContaining(['m_hello', 'greet']));
    expect((await client.listResources()).resources.map((resource) => resource.uri)).toEqual(expect.arrayContaining(['modern://readme', 'legacy://readme']));
    expect(client.getInstructions()).toContain('Use modern for modern things.');
  });

  it('calls it with the revision\'s _meta and headers, under the upstream\'s own names', async () => {
    expect(text(await client.callTool({ name: 'm_echo', arguments: { text: 'hi' } }))).toBe('modern echo hi');
    const call = [...modern.requests].reverse().find((request) => request.method === 'tools/call');
    expect(call).toMatchObject({ mcpMethod: 'tools/call', mcpName: 'echo' });
    const prompt = await client.getPrompt({ name: 'm_hello', arguments: { who: 'ada' } });
    expect(prompt.messages[0]?.content).toMatchObject({ text: 'modern says hello to ada' });
    expect((await client.readResource({ uri: 'modern://readme' })).contents[0]).toMatchObject({ text: 'modern readme' });
    expect(text(await client.callTool({ name: 'only_legacy', arguments: {} }))).toBe('only_legacy of legacy');
  });

  it('turns the upstream\'s input_required into an elicitation the 2025 client answers, and retries with it', async () => {
    const asking = new LegacyClient({ name: 'legacy-asking', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    const asked: string[] = [];
    asking.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.push(request.params.message);
      return { action: 'accept', content: { who: 'ada' } };
    });
    await asking.connect(new LegacyTransport(new URL(gw.url), { requestInit: { headers: { 'x-api-key': KEY } } }));
    closers.push(() => asking.close());
    expect(text(await asking.callTool({ name: 'm_ask', arguments: {} }))).toBe('modern heard ada');
    expect(asked).toEqual(['Who are you?']);
    // Two calls reached the upstream: the first answered input_required, the retry carried the answer.
    const calls = modern.requests.filter((request) => request.method === 'tools/call' && request.mcpName === 'ask');
    expect(calls.length).toBeGreaterThanOrEqual(2);
  });

  it('keeps a log level the 2025 client set and sends it with every request to the stateless upstream', async () => {
    await client.setLoggingLevel('warning');
    expect(legacy.levels).toContain('warning');
    expect(modern.requests.map((request) => request.method)).not.toContain('logging/setLevel');
    await client.callTool({ name: 'm_echo', arguments: { text: 'lvl' } });
    expect([...modern.requests].reverse().find((request) => request.method === 'tools/call')?.logLevel).toBe('warning');
  });

  it('delivers the stateless upstream\'s list changes on the 2025 client\'s GET stream', async () => {
    const changed = new Promise<void>((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));
    // The SDK client opens its GET stream after initialize; give the gateway's listen a moment to be acknowledged.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(text(await client.callTool({ name: 'm_grow', arguments: {} }))).toBe('modern grew');
    await Promise.race([changed, new Promise((_, reject) => setTimeout(() => reject(new Error('no list change in 5 s')), 5_000).unref())]);
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('m_fresh');
    expect(modern.requests.map((request) => request.method)).toContain('subscriptions/listen');
  });

  it('asks the stateless upstream to initialize once (refused, naming its revision), then only in its revision, never a notification', () => {
    const methods = modern.requests.map((request) => request.method);
    expect(methods.filter((method) => method === 'initialize')).toHaveLength(1);
    expect(methods.indexOf('server/discover')).toBeGreaterThan(methods.indexOf('initialize'));
    expect(modern.requests.filter((request) => request.method.startsWith('notifications/'))).toEqual([]);
  });
});

describe('a 2026-07-28 client in front of a stateless upstream', () => {
  it('lists and calls, and answers an input_required round by retrying through the gateway', async () => {
    const client = new ClientV2({ name: 'modern-client', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } }, capabilities: { elicitation: {} } });
    client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { who: 'grace' } }));
    await client.connect(new TransportV2(new URL(gw.url), { requestInit: { headers: { 'x-api-key': KEY } } }));
    closers.push(() => client.close());
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toEqual(expect.arrayContaining(['m_echo', 'only_legacy']));
    expect(text(await client.callTool({ name: 'm_echo', arguments: { text: 'there' } }))).toBe('modern echo there');
    expect(text(await client.callTool({ name: 'm_ask', arguments: {} }))).toBe('modern heard grace');
    const prompt = await client.getPrompt({ name: 'm_hello', arguments: { who: 'lin' } });
    expect(prompt.messages[0]?.content).toMatchObject({ text: 'modern says hello to lin' });
    expect((await client.readResource({ uri: 'modern://readme' })).contents[0]).toMatchObject({ text: 'modern readme' });
    expect(text(await client.callTool({ name: 'only_legacy', arguments: {} }))).toBe('only_legacy of legacy');
  });
});
