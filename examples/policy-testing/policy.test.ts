// How to unit-test a gateway policy: compile the options once, then ask check() about the
// messages your clients will send. No sockets, no upstreams, no files.
import { compileGateway } from '@gw/core';
import { describe, expect, it } from 'vitest';
import { options } from './gateway-options.js';

const gw = compileGateway(options);

const callTool = (name: string) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });
const readResource = (uri: string) => ({ jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri } });

describe('acme IDE', () => {
  it('calls math tools, routed to the math upstream', async () => {
    expect(await gw.check({ apiKey: 'ide-key', message: callTool('math.add') })).toMatchObject({ ok: true, upstream: 'math' });
  });

  it('calls kb tools, routed to the kb upstream', async () => {
    expect(await gw.check({ apiKey: 'ide-key', message: callTool('kb.search') })).toMatchObject({ ok: true, upstream: 'kb' });
  });

  it('cannot call tools outside math and kb', async () => {
    expect(await gw.check({ apiKey: 'ide-key', message: callTool('shell.exec') })).toMatchObject({ ok: false, status: 403 });
  });

  it('cannot read resources', async () => {
    expect(await gw.check({ apiKey: 'ide-key', message: readResource('kb://articles/1') })).toMatchObject({ ok: false, status: 403 });
  });
});

describe('acme support bot', () => {
  it('reads articles at any depth', async () => {
    expect(await gw.check({ apiKey: 'bot-key', message: readResource('kb://articles/2024/faq') })).toMatchObject({ ok: true });
  });

  it('is never allowed to delete, although the tenant rule allows kb.*', async () => {
    const result = await gw.check({ apiKey: 'bot-key', message: callTool('kb.deleteArticle') });
    expect(result).toMatchObject({ ok: false, status: 403, error: { message: 'Forbidden: tool "kb.deleteArticle" is denied' } });
  });
});

describe('globex partner', () => {
  it('gets report prompts and public resources only', async () => {
    const prompt = { jsonrpc: '2.0', id: 3, method: 'prompts/get', params: { name: 'report-weekly' } };
    expect(await gw.check({ apiKey: 'partner-key', message: prompt })).toMatchObject({ ok: true, upstream: 'kb' });
    expect(await gw.check({ apiKey: 'partner-key', message: readResource('kb://public/pricing') })).toMatchObject({ ok: true });
    expect(await gw.check({ apiKey: 'partner-key', message: readResource('kb://articles/1') })).toMatchObject({ ok: false, status: 403 });
    expect(await gw.check({ apiKey: 'partner-key', message: callTool('math.add') })).toMatchObject({ ok: false, status: 403 });
  });
});

describe('everyone', () => {
  it('needs a valid key', async () => {
    expect(await gw.check({ message: callTool('math.add') })).toMatchObject({ ok: false, status: 401 });
    expect(await gw.check({ headers: { Authorization: 'Bearer nope' }, message: callTool('math.add') })).toMatchObject({ ok: false, status: 401 });
  });

  it('may open a session whatever the policy says', async () => {
    const initialize = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } } };
    expect(await gw.check({ apiKey: 'partner-key', message: initialize })).toMatchObject({ ok: true, upstream: null });
  });

  it('is held to 3 tool calls a minute (a fresh gateway per rate-limit test keeps tests independent)', async () => {
    const fresh = compileGateway(options);
    for (let i = 0; i < 3; i++) expect(await fresh.check({ apiKey: 'ide-key', message: callTool('math.add') })).toMatchObject({ ok: true });
    expect(await fresh.check({ apiKey: 'ide-key', message: callTool('math.add') })).toMatchObject({
      ok: false,
      status: 429,
      headers: { 'retry-after': expect.any(String) },
    });
  });
});

describe('a deny holds under every name of an item', () => {
  // Two upstreams that both have a `delete` tool: the gateway shows them as `files_delete` and
  // `notes_delete` (federation.collisions: prefix). Record what they list, as the running
  // gateway does when a client lists tools, and check() resolves names exactly as it will.
  const federated = compileGateway({
    auth: { apiKeys: [{ key: 'ops-key', tenant: 'acme', client: 'ops' }] },
    policy: { rules: [{ allow: { methods: ['tools/call'], tools: ['*'] }, deny: { tools: ['files_delete'] } }] },
    upstreams: [
      { name: 'files', url: 'http://files.internal:9000/mcp' },
      { name: 'notes', url: 'http://notes.internal:9000/mcp' },
    ],
  });
  federated.catalog.record('tools', 'files', [{ name: 'delete' }, { name: 'list' }], true);
  federated.catalog.record('tools', 'notes', [{ name: 'delete' }], true);

  it('refuses the denied item under its listed name and reaches the other upstream\'s', async () => {
    expect(await federated.check({ apiKey: 'ops-key', message: callTool('files_delete') })).toMatchObject({ ok: false, status: 403 });
    expect(await federated.check({ apiKey: 'ops-key', message: callTool('notes_delete') })).toMatchObject({ ok: true, item: { upstream: 'notes', name: 'delete' } });
  });

  it('reaches nothing under a name the gateway never listed', async () => {
    expect(await federated.check({ apiKey: 'ops-key', message: callTool('files_list') })).toMatchObject({ ok: false, name: 'NO_ROUTE' });
    expect(await federated.check({ apiKey: 'ops-key', message: callTool('list') })).toMatchObject({ ok: true, item: { upstream: 'files', name: 'list' } });
  });
});
