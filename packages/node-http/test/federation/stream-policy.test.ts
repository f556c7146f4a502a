// Streams obey the policy, in both eras: a subject gets a GET stream or a subscriptions/listen
// only if it may call something whose traffic a stream carries; every resource it subscribes
// to, by resources/subscribe or a listen's resourceSubscriptions, passes the same policy as
// resources/read; and a list change reaches it only for a list it may call. The upstreams are
// real SDK 1.x servers (support/federated-upstream), alpha and beta.
import type { GatewayOptions } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFederatedUpstream, type FederatedUpstream } from '../support/federated-upstream.js';
import { openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';
import { openListen, readEventMessages, waitFor, type StreamMessage } from '../support/listen-stream.js';

const VERSION = '2026-07-28';
const META = { 'io.modelcontextprotocol/protocolVersion': VERSION, 'io.modelcontextprotocol/clientCapabilities': {} };
const SESSION_HEADERS = { 'mcp-protocol-version': '2025-06-18' };

let alpha: FederatedUpstream;
let beta: FederatedUpstream;
let gw: RunningGateway;

beforeAll(async () => {
  alpha = await startFederatedUpstream({ name: 'alpha' });
  beta = await startFederatedUpstream({ name: 'beta' });
  const options: GatewayOptions = {
    auth: {
      apiKeys: [
        { key: 'norule-key', tenant: 'nobody' },
        { key: 'caller-key', tenant: 'caller' },
        { key: 'lister-key', tenant: 'lister' },
        { key: 'subscriber-key', tenant: 'subscriber' },
        { key: 'alpha-reader-key', tenant: 'alpha-reader' },
        { key: 'fan-out-key', tenant: 'fan-out' },
      ],
    },
    rateLimit: { byMethod: { 'resources/subscribe': 5 } },
    policy: {
      rules: [
        // May call tools, but not list them.
        { subject: { tenant: 'caller' }, allow: { methods: ['tools/call'], tools: ['*'] } },
        { subject: { tenant: 'lister' }, allow: { methods: ['tools/call', 'tools/list'], tools: ['*'] } },
        // May subscribe to any resource, but read none.
        { subject: { tenant: 'subscriber' }, allow: { methods: ['resources/subscribe', 'tools/list'], resources: ['*'] } },
        { subject: { tenant: 'alpha-reader' }, allow: { methods: ['resources/read'], resources: ['alpha://*'] } },
        { subject: { tenant: 'fan-out' }, allow: { methods: ['resources/read'], resources: ['alpha://**'] } },
      ],
    },
    upstreams: [
      { name: 'alpha', url: alpha.url, timeoutMs: 5_000 },
      { name: 'beta', url: beta.url, timeoutMs: 5_000 },
    ],
  };
  gw = await startGateway(options);
});

afterAll(async () => {
  await gw?.close();
  await alpha?.close();
  await beta?.close();
});

/** Opens the session's GET stream and reads its messages in the background. */
async function openGet(session: string, key: string): Promise<{ status: number; body: string; messages: StreamMessage[]; close(): Promise<void> }> {
  const controller = new AbortController();
  const response = await fetch(gw.url, { headers: { accept: 'text/event-stream', 'x-api-key': key, 'mcp-session-id': session, ...SESSION_HEADERS }, signal: controller.signal });
  const messages: StreamMessage[] = [];
  if (response.status !== 200) return { status: response.status, body: await response.text(), messages, close: async () => undefined };
  // Broken off by close().
  const reading = readEventMessages(response, (message) => messages.push(message as StreamMessage)).catch(() => undefined);
  return {
    status: 200,
    body: '',
    messages,
    async close() {
      controller.abort();
      await reading;
    },
  };
}

/** A subscriptions/listen the gateway refuses: its HTTP status and JSON-RPC error. */
async function refusedListen(key: string, id: string, notifications: Record<string, unknown>): Promise<{ status: number; body: { id?: unknown; error?: { code: number; message: string } } }> {
  const response = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-api-key': key, 'mcp-protocol-version': VERSION, 'mcp-method': 'subscriptions/listen' },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'subscriptions/listen', params: { notifications, _meta: META } }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as { id?: unknown; error?: { code: number; message: string } } };
}

function call(session: string, key: string, id: number, name: string) {
  return post(gw.url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } }, { 'x-api-key': key, 'mcp-session-id': session, accept: 'application/json', ...SESSION_HEADERS });
}

describe('the GET stream of a 2025 session', () => {
  it('is refused with 403 to a subject no rule names', async () => {
    const session = await openSession(gw.url, { 'x-api-key': 'norule-key' });
    const get = await openGet(session, 'norule-key');
    expect(get.status).toBe(403);
    expect(JSON.parse(get.body)).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -40300 } });
  });

  it('carries a tools list change only to a subject that may call tools/list', async () => {
    const streams = [];
    try {
      // The control: a subject that may list tools hears that its upstream's list changed.
      const listerSession = await openSession(gw.url, { 'x-api-key': 'lister-key' });
      expect((await call(listerSession, 'lister-key', 1, 'alpha_grow')).status).toBe(200);
      const lister = await openGet(listerSession, 'lister-key');
      streams.push(lister);
      expect(lister.status).toBe(200);
      expect((await call(listerSession, 'lister-key', 2, 'alpha_grow')).status).toBe(200);
      await waitFor(() => lister.messages.some((message) => message.method === 'notifications/tools/list_changed'));
      expect(lister.messages.map((message) => message.method)).toContain('notifications/tools/list_changed');

      // A subject that may call tools but not list them gets a stream, without list changes.
      const callerSession = await openSession(gw.url, { 'x-api-key': 'caller-key' });
      expect((await call(callerSession, 'caller-key', 1, 'alpha_grow')).status).toBe(200);
      const caller = await openGet(callerSession, 'caller-key');
      streams.push(caller);
      expect(caller.status).toBe(200);
      expect((await call(callerSession, 'caller-key', 2, 'alpha_grow')).status).toBe(200);
      // The control's notification came within milliseconds; give this one far longer.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(caller.messages.map((message) => message.method)).not.toContain('notifications/tools/list_changed');
    } finally {
      for (const stream of streams) await stream.close();
    }
  });
});

describe('resources/subscribe', () => {
  it('is refused with 403 for a resource the subject may not read, though it may subscribe', async () => {
    const session = await openSession(gw.url, { 'x-api-key': 'subscriber-key' });
    const answer = await post(gw.url, { jsonrpc: '2.0', id: 5, method: 'resources/subscribe', params: { uri: 'alpha://readme' } }, { 'x-api-key': 'subscriber-key', 'mcp-session-id': session, accept: 'application/json', ...SESSION_HEADERS });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ id: 5, error: { code: -40300 } });
    expect((answer.body as { error: { message: string } }).error.message).toContain('resources/read');
    expect(alpha.subscriptions).not.toContain('alpha://readme');
  });
});

describe('subscriptions/listen (2026-07-28)', () => {
  it('is refused with 403 to a subject no rule names, before any upstream hears of it', async () => {
    const methodsBefore = alpha.methods.length + beta.methods.length;
    const refused = await refusedListen('norule-key', 'l-0', { toolsListChanged: true, resourceSubscriptions: ['alpha://readme'] });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ id: 'l-0', error: { code: -40300 } });
    expect(alpha.methods.length + beta.methods.length).toBe(methodsBefore);
  });

  it('is refused with 403 when it names a resource the subject may not read, and nothing is subscribed upstream', async () => {
    const subscribedBefore = beta.subscriptions.length;
    const refused = await refusedListen('alpha-reader-key', 'l-1', { resourceSubscriptions: ['alpha://readme', 'beta://readme'] });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ id: 'l-1', error: { code: -40300 } });
    expect(refused.body.error?.message).toContain('beta://readme');
    expect(beta.subscriptions.length).toBe(subscribedBefore);
  });

  it('takes at most 100 resources, each counted against the rate limit as a resources/subscribe, before any upstream hears of them', async () => {
    const subscribedBefore = alpha.subscriptions.length;
    const many = Array.from({ length: 101 }, (_, i) => `alpha://doc/${i}`);
    const tooMany = await refusedListen('fan-out-key', 'l-many', { resourceSubscriptions: many });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ id: 'l-many', error: { code: -32602 } });
    // byMethod limits resources/subscribe to 5 a minute: six resources in one listen are six.
    const six = await refusedListen('fan-out-key', 'l-six', { resourceSubscriptions: many.slice(0, 6) });
    expect(six.status).toBe(429);
    expect(six.body).toMatchObject({ id: 'l-six', error: { code: -42900 } });
    expect(alpha.subscriptions.length).toBe(subscribedBefore);
  });

  it('subscribes what the subject may read and promises no list change of a list it may not call', async () => {
    // A read first, so the gateway has listed alpha's resources and knows where the URI goes.
    const read = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'alpha://readme', _meta: META } }, { 'x-api-key': 'alpha-reader-key', 'mcp-protocol-version': VERSION, 'mcp-method': 'resources/read', 'mcp-name': 'alpha://readme' });
    expect(read.status).toBe(200);
    const listen = await openListen(gw.url, { 'x-api-key': 'alpha-reader-key' }, { id: 'l-2', params: { notifications: { toolsListChanged: true, resourceSubscriptions: ['alpha://readme'] }, _meta: META } });
    try {
      expect(listen.response.status).toBe(200);
      await waitFor(() => listen.messages.length > 0);
      const acknowledged = listen.messages[0]!;
      expect(acknowledged).toMatchObject({ method: 'notifications/subscriptions/acknowledged', params: { notifications: { resourceSubscriptions: ['alpha://readme'] } } });
      expect((acknowledged.params?.['notifications'] as Record<string, unknown>)['toolsListChanged']).toBeUndefined();
      // alpha reports the subscribed resource changed at once (see the fixture): that passes.
      await waitFor(() => listen.messages.some((message) => message.method === 'notifications/resources/updated'));
      expect(listen.messages.find((message) => message.method === 'notifications/resources/updated')).toMatchObject({ params: { uri: 'alpha://readme' } });
    } finally {
      await listen.close();
    }
  });
});
