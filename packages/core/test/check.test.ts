import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compileGateway, type GatewayOptions } from '../src/index.js';

const seed = parse(readFileSync(new URL('./fixtures/seed-config.yml', import.meta.url), 'utf8')) as GatewayOptions;

const call = (id: number, name: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } });

describe('check() over the seed configuration', () => {
  it('allows the seed key to call a tool and routes it to mcp-local', async () => {
    const gw = compileGateway(seed);
    const result = await gw.check({ headers: { Authorization: 'Bearer dev_key_1' }, message: call(1, 'echo') });
    expect(result).toEqual({
      ok: true,
      subject: { tenant: 'client', client: 'local-dev', apiKeyId: 'local-dev-key' },
      upstream: 'mcp-local',
      target: { kind: 'tool', name: 'echo' },
      item: { kind: 'tool', upstream: 'mcp-local', name: 'echo' },
      rateLimit: { key: 'mcp-gateway:rate:client:local-dev:tools/call', limit: 120, remaining: 119, resetMs: expect.any(Number) },
    });
  });

  it('denies a method the seed policy does not list, with 403 and the subject', async () => {
    const gw = compileGateway(seed);
    const result = await gw.check({ apiKey: 'dev_key_1', message: { jsonrpc: '2.0', id: 2, method: 'logging/setLevel', params: { level: 'debug' } } });
    expect(result).toMatchObject({ ok: false, name: 'FORBIDDEN', status: 403, error: { code: -40300 }, subject: { client: 'local-dev' } });
  });

  it('answers 401 without a subject for a bad key', async () => {
    const gw = compileGateway(seed);
    const result = await gw.check({ headers: { 'X-API-Key': 'wrong' }, message: call(3, 'echo') });
    expect(result).toMatchObject({ ok: false, name: 'INVALID_CREDENTIALS', status: 401 });
    expect(result).not.toHaveProperty('subject');
  });

  it('lets the session plumbing through and marks it as handled by the gateway', async () => {
    const gw = compileGateway(seed);
    for (const message of [
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 9, method: 'ping' },
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 3 } },
    ]) {
      expect(await gw.check({ apiKey: 'dev_key_1', message }), message.method).toMatchObject({ ok: true, upstream: null });
    }
  });

  it('lets a client answer a server request without policy, its answers counted under `response`', async () => {
    const answer = (i: number) => ({ jsonrpc: '2.0', id: `s${i}`, result: { action: 'accept' } });
    const gw = compileGateway({ ...seed, rateLimit: { defaultRpm: 1 } });
    expect(await gw.check({ apiKey: 'dev_key_1', message: answer(0) })).toMatchObject({ ok: true, upstream: null, rateLimit: { key: 'mcp-gateway:rate:client:local-dev:response', limit: 1, remaining: 0 } });
    expect(await gw.check({ apiKey: 'dev_key_1', message: answer(1) })).toMatchObject({ ok: false, name: 'RATE_LIMITED', status: 429 });
    const roomy = compileGateway({ ...seed, rateLimit: { defaultRpm: 1, byMethod: { response: 3 } } });
    for (let i = 0; i < 3; i++) expect(await roomy.check({ apiKey: 'dev_key_1', message: answer(i) })).toMatchObject({ ok: true });
    expect(await roomy.check({ apiKey: 'dev_key_1', message: answer(3) })).toMatchObject({ ok: false, name: 'RATE_LIMITED' });
  });

  it('rate-limits after authorization: a denied call does not use up the limit', async () => {
    const gw = compileGateway({ ...seed, rateLimit: { defaultRpm: 1 } });
    const denied = { jsonrpc: '2.0', id: 1, method: 'logging/setLevel', params: { level: 'info' } };
    expect(await gw.check({ apiKey: 'dev_key_1', message: denied })).toMatchObject({ name: 'FORBIDDEN' });
    expect(await gw.check({ apiKey: 'dev_key_1', message: denied })).toMatchObject({ name: 'FORBIDDEN' });
    expect(await gw.check({ apiKey: 'dev_key_1', message: { jsonrpc: '2.0', id: 2, method: 'tools/list' } })).toMatchObject({ ok: true });
    expect(await gw.check({ apiKey: 'dev_key_1', message: { jsonrpc: '2.0', id: 3, method: 'tools/list' } })).toMatchObject({
      ok: false,
      name: 'RATE_LIMITED',
      status: 429,
      headers: { 'retry-after': expect.stringMatching(/^\d+$/) },
    });
  });

  it('answers -32600 with the id for a malformed message and -32602 for a tool call without a name', async () => {
    const gw = compileGateway(seed);
    expect(await gw.check({ apiKey: 'dev_key_1', message: { jsonrpc: '2.0', id: 4, method: 7 } })).toMatchObject({
      ok: false,
      name: 'INVALID_REQUEST',
      status: 400,
    });
    expect(await gw.check({ apiKey: 'dev_key_1', message: { jsonrpc: '2.0', id: 5, method: 'tools/call', params: {} } })).toMatchObject({
      ok: false,
      name: 'INVALID_PARAMS',
      error: { code: -32602 },
    });
  });

  it('refuses a batch, which is decided member by member', async () => {
    const gw = compileGateway(seed);
    expect(await gw.check({ apiKey: 'dev_key_1', message: [call(1, 'a')] })).toMatchObject({ ok: false, name: 'INVALID_REQUEST' });
  });
});

describe('check() as the architecture example uses it', () => {
  it('unit-tests a policy in process, no sockets', async () => {
    const gw = compileGateway({
      auth: { apiKeys: [{ key: 'k1', tenant: 'acme', client: 'ide' }] },
      policy: { rules: [{ subject: { tenant: 'acme' }, allow: { methods: ['tools/call'], tools: ['math.*'] } }] },
      upstreams: [
        { name: 'math', url: 'http://math.internal/mcp' },
        { name: 'kb', url: 'http://kb.internal/mcp' },
      ],
      routing: [
        { match: { tool: 'math.*' }, upstream: 'math' },
        { match: { method: '*' }, upstream: 'kb' },
      ],
    });
    expect(await gw.check({ apiKey: 'k1', message: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'math.add' } } })).toMatchObject({
      ok: true,
      upstream: 'math',
    });
    expect(await gw.check({ apiKey: 'k1', message: { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'kb.search' } } })).toMatchObject({
      ok: false,
      status: 403,
    });
  });

  it('treats an apiKey shorthand that disagrees with a header as conflicting credentials', async () => {
    const gw = compileGateway({ ...seed });
    const result = await gw.check({ apiKey: 'dev_key_1', headers: { authorization: 'Bearer other' }, message: call(1, 'x') });
    expect(result).toMatchObject({ ok: false, name: 'AMBIGUOUS_CREDENTIALS' });
  });

  it('keeps no state between two gateways compiled from the same options', async () => {
    const options = { ...seed, rateLimit: { defaultRpm: 1 } };
    const a = compileGateway(options);
    const b = compileGateway(options);
    const message = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    expect((await a.check({ apiKey: 'dev_key_1', message })).ok).toBe(true);
    expect((await a.check({ apiKey: 'dev_key_1', message })).ok).toBe(false);
    expect((await b.check({ apiKey: 'dev_key_1', message })).ok).toBe(true);
    await a.close();
    await b.close();
  });
});
