import type { AuditEvent } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';
import { startUpstream, type UpstreamFixture } from '../support/upstream.js';

let upstream: UpstreamFixture;
let gw: RunningGateway;
const events: AuditEvent[] = [];
const warnings: string[] = [];
let throwOnce = false;

beforeAll(async () => {
  upstream = await startUpstream({ name: 'up' });
  gw = await startGateway(
    {
      auth: { apiKeys: [{ id: 'key-1', key: 'secret-key-1', tenant: 'acme', client: 'app' }] },
      rateLimit: { byMethod: { 'prompts/list': 1 } },
      policy: { rules: [{ subject: { tenant: 'acme' }, allow: { methods: ['*'], tools: ['up.*'], prompts: ['*'] }, deny: { tools: ['up.slow'] } }] },
      upstreams: [{ name: 'up', url: upstream.url }],
    },
    {
      onAudit: (event) => {
        if (throwOnce) {
          throwOnce = false;
          throw new Error('sink down');
        }
        events.push(event);
      },
      logger: { error: () => undefined, warn: (message) => void warnings.push(message), info: () => undefined, debug: () => undefined },
    },
  );
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('audit events', () => {
  it('records one event per decided message: who, what, where, how it ended', async () => {
    events.length = 0;
    const key = { 'x-api-key': 'secret-key-1' };
    const session = await openSession(gw.url, key);
    const headers = { ...key, 'mcp-session-id': session, accept: 'application/json' };
    await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'up.add', arguments: { a: 1, b: 2 } } }, headers);
    await post(gw.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'up.slow', arguments: { ms: 1 } } }, headers);
    await post(gw.url, { jsonrpc: '2.0', id: 3, method: 'prompts/list' }, headers);
    await post(gw.url, { jsonrpc: '2.0', id: 4, method: 'prompts/list' }, headers);
    await post(gw.url, { jsonrpc: '2.0', id: 5, method: 'tools/list' }, { accept: 'application/json' });
    await post(gw.url, '{not json', headers);
    await settle();

    const who = { tenant: 'acme', client: 'app', apiKeyId: 'key-1' };
    expect(events).toHaveLength(7);
    expect(events[0]).toMatchObject({ ...who, method: 'initialize', decision: 'allowed', status: 200, upstream: null, errorCode: null });
    expect(events[1]).toMatchObject({ ...who, requestId: 1, method: 'tools/call', target: { kind: 'tool', name: 'up.add' }, upstream: 'up', item: { kind: 'tool', name: 'up.add' }, decision: 'allowed', status: 200 });
    expect(events[2]).toMatchObject({ ...who, requestId: 2, decision: 'denied', status: 403, errorCode: -40300, error: 'FORBIDDEN', upstream: null, item: null });
    expect(events[3]).toMatchObject({ requestId: 3, decision: 'allowed', status: 200 });
    expect(events[4]).toMatchObject({ requestId: 4, decision: 'rate_limited', status: 429, errorCode: -42900 });
    // Refused on its headers: the body, with its id and method, is never read.
    expect(events[5]).toMatchObject({ requestId: null, tenant: null, apiKeyId: null, method: null, decision: 'auth_failed', status: 401 });
    expect(events[6]).toMatchObject({ requestId: null, method: null, decision: 'rejected', status: 400, errorCode: -32700 });
    for (const event of events) {
      expect(Date.parse(event.time)).not.toBeNaN();
      expect(event.durationMs).toBeGreaterThanOrEqual(0);
      // Never the key, never the arguments.
      expect(JSON.stringify(event)).not.toContain('secret-key-1');
      expect(JSON.stringify(event)).not.toContain('arguments');
    }
  });

  it('records an upstream failure as allowed with the failing status', async () => {
    events.length = 0;
    const key = { 'x-api-key': 'secret-key-1' };
    const session = await openSession(gw.url, key);
    await upstream.dropSessions();
    // The reopened session works, so this one succeeds; a bad tool name is the upstream's refusal inside a 200.
    await post(gw.url, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'up.add', arguments: { a: 1, b: 1 } } }, { ...key, 'mcp-session-id': session, accept: 'application/json' });
    await settle();
    expect(events.at(-1)).toMatchObject({ requestId: 9, upstream: 'up', decision: 'allowed', status: 200 });
  });

  it('never lets a failing sink fail or delay a request', async () => {
    throwOnce = true;
    const answer = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }, { 'x-api-key': 'secret-key-1' });
    expect(answer.status).toBe(200);
    await settle();
    expect(warnings).toContain('the audit sink failed');
  });
});
