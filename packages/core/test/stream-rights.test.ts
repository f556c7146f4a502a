import { describe, expect, it } from 'vitest';
import { authorizeStream, compileGateway, streamMessageAllowed, type GatewayOptions } from '../src/index.js';

// Streams and subscriptions obey the same policy as the calls they report on: a stream only for
// a subject that may call something a stream carries; a list change only for a list it may
// call; a resource update, and a subscription, only for a resource it may read.

const options: GatewayOptions = {
  auth: { apiKeys: [{ key: 'caller', tenant: 'caller' }, { key: 'reader', tenant: 'reader' }, { key: 'nobody', tenant: 'nobody' }, { key: 'subscriber', tenant: 'subscriber' }] },
  policy: {
    rules: [
      { subject: { tenant: 'caller' }, allow: { methods: ['tools/call'], tools: ['*'] } },
      { subject: { tenant: 'reader' }, allow: { methods: ['resources/read', 'resources/subscribe', 'tools/list'], resources: ['docs://**'] } },
      { subject: { tenant: 'subscriber' }, allow: { methods: ['resources/subscribe'], resources: ['*'] } },
    ],
  },
  upstreams: [{ name: 'up', url: 'http://127.0.0.1:9/mcp' }],
};
const gw = compileGateway(options);
const subject = (tenant: string) => ({ tenant, client: 'default', apiKeyId: tenant });

describe('authorizeStream', () => {
  it('grants a stream to a subject allowed any method a stream carries, and none to a subject no rule names', () => {
    expect(authorizeStream(gw.policy, subject('caller')).ok).toBe(true);
    expect(authorizeStream(gw.policy, subject('reader')).ok).toBe(true);
    expect(authorizeStream(gw.policy, subject('nobody'))).toMatchObject({ ok: false, name: 'FORBIDDEN', status: 403 });
  });
});

describe('streamMessageAllowed', () => {
  it('passes a list change only for a list the subject may call, and a resource update only for a resource it may read', () => {
    const caller = subject('caller');
    const reader = subject('reader');
    expect(streamMessageAllowed(gw, caller, { jsonrpc: '2.0', method: 'notifications/tools/list_changed' })).toBe(false);
    expect(streamMessageAllowed(gw, reader, { jsonrpc: '2.0', method: 'notifications/tools/list_changed' })).toBe(true);
    expect(streamMessageAllowed(gw, reader, { jsonrpc: '2.0', method: 'notifications/prompts/list_changed' })).toBe(false);
    expect(streamMessageAllowed(gw, reader, { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'docs://a/b' } })).toBe(true);
    expect(streamMessageAllowed(gw, reader, { jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri: 'secret://x' } })).toBe(false);
    expect(streamMessageAllowed(gw, reader, { jsonrpc: '2.0', method: 'notifications/resources/updated', params: {} })).toBe(false);
    // What belongs to the subject's own calls passes.
    expect(streamMessageAllowed(gw, caller, { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } })).toBe(true);
    expect(streamMessageAllowed(gw, caller, { jsonrpc: '2.0', id: 1, result: {} })).toBe(true);
  });
});

describe('resources/subscribe in check()', () => {
  it('takes the right to read the resource as well as to subscribe', async () => {
    const subscribe = (id: number, uri: string) => ({ jsonrpc: '2.0', id, method: 'resources/subscribe', params: { uri } });
    expect(await gw.check({ apiKey: 'reader', message: subscribe(1, 'docs://a') })).toMatchObject({ ok: true, target: { kind: 'resource', name: 'docs://a' } });
    expect(await gw.check({ apiKey: 'reader', message: subscribe(2, 'secret://a') })).toMatchObject({ ok: false, name: 'FORBIDDEN' });
    const refused = await gw.check({ apiKey: 'subscriber', message: subscribe(3, 'docs://a') });
    expect(refused).toMatchObject({ ok: false, name: 'FORBIDDEN', status: 403, error: { code: -40300 } });
    expect(refused.ok === false && refused.error.message).toContain('resources/read');
  });
});
