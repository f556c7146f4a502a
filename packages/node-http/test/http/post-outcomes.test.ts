import type { AuditEvent } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';
import { startUpstream, type UpstreamFixture } from '../support/upstream.js';

// Every POST ends in one place (http/post-request.ts, settlePost): whatever the era and however
// it ends (refused at the front, refused by its era, answered, answered with a refusal, a
// notification taken with 202), each message it carried is counted in /metrics exactly once and
// audited exactly once, under the same outcome.

const KEY = { authorization: 'Bearer k' };
const MODERN = '2026-07-28';
let upstream: UpstreamFixture;
let gw: RunningGateway;
const events: AuditEvent[] = [];

beforeAll(async () => {
  upstream = await startUpstream({ name: 'up', jsonResponse: true });
  gw = await startGateway(
    {
      auth: { apiKeys: [{ id: 'key-1', key: 'k', tenant: 't', client: 'c' }] },
      policy: { rules: [{ allow: { methods: ['*'], tools: ['up.add'] } }] },
      upstreams: [{ name: 'up', url: upstream.url, timeoutMs: 5_000 }],
    },
    { onAudit: (event) => void events.push(event) },
  );
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

/** The gateway's message counters, by outcome. */
async function counted(): Promise<Map<string, number>> {
  const text = await (await fetch(`${gw.origin}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const match of text.matchAll(/^mcp_gateway_messages_total\{outcome="([^"]+)"\} (\d+)$/gm)) counts.set(match[1]!, Number(match[2]));
  return counts;
}

/** What changed between two readings of the counters. */
function added(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [outcome, n] of after) if (n !== (before.get(outcome) ?? 0)) out[outcome] = n - (before.get(outcome) ?? 0);
  return out;
}

/** The audit events' outcomes, as /metrics names them. */
function audited(list: readonly AuditEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const event of list) out[event.error ?? 'ok'] = (out[event.error ?? 'ok'] ?? 0) + 1;
  return out;
}

const modern = (method: string, params: Record<string, unknown> = {}, name?: string) => ({
  body: { jsonrpc: '2.0', id: 9, method, params: { ...params, _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} } } },
  headers: { ...KEY, 'mcp-protocol-version': MODERN, 'mcp-method': method, ...(name === undefined ? {} : { 'mcp-name': name }) },
});

describe('every POST outcome', () => {
  it('is counted once and audited once, alike, in both eras and at every step', async () => {
    const sessionId = await openSession(gw.url, KEY);
    const session = { ...KEY, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    const call = (id: number, name: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: { a: 1, b: 2 } } });
    const stateless = modern('tools/call', { name: 'up.add', arguments: { a: 1, b: 2 } }, 'up.add');
    const denied = modern('tools/call', { name: 'up.echo', arguments: { text: 'x' } }, 'up.echo');
    const cases: { label: string; send: () => Promise<{ status: number }>; messages: number; status: number }[] = [
      { label: 'front: content type', send: () => post(gw.url, call(1, 'up.add'), { ...session, 'content-type': 'text/plain' }), messages: 1, status: 415 },
      { label: 'front: no key', send: () => post(gw.url, call(1, 'up.add'), { accept: 'application/json, text/event-stream' }), messages: 1, status: 401 },
      { label: 'front: not JSON', send: () => post(gw.url, '{"jsonrpc":', session), messages: 1, status: 400 },
      { label: 'session: bad revision header', send: () => post(gw.url, call(1, 'up.add'), { ...session, 'mcp-protocol-version': '1999-01-01' }), messages: 1, status: 400 },
      { label: 'session: unknown session', send: () => post(gw.url, call(1, 'up.add'), { ...session, 'mcp-session-id': 'nope' }), messages: 1, status: 404 },
      { label: 'session: batch of a revision without batches', send: () => post(gw.url, [call(1, 'up.add'), call(2, 'up.add')], session), messages: 2, status: 400 },
      { label: 'session: call', send: () => post(gw.url, call(3, 'up.add'), session), messages: 1, status: 200 },
      { label: 'session: denied call', send: () => post(gw.url, call(4, 'up.echo'), session), messages: 1, status: 403 },
      { label: 'session: notification', send: () => post(gw.url, { jsonrpc: '2.0', method: 'notifications/roots/list_changed' }, session), messages: 1, status: 202 },
      { label: 'stateless: call', send: () => post(gw.url, stateless.body, stateless.headers), messages: 1, status: 200 },
      { label: 'stateless: denied call', send: () => post(gw.url, denied.body, denied.headers), messages: 1, status: 403 },
      { label: 'stateless: notification', send: () => post(gw.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } }, { ...KEY, 'mcp-protocol-version': MODERN }), messages: 1, status: 202 },
      { label: 'stateless: a batch, which the revision has not', send: () => post(gw.url, [stateless.body, { ...stateless.body, id: 10 }], stateless.headers), messages: 2, status: 400 },
      { label: 'stateless: headers that disagree', send: () => post(gw.url, stateless.body, { ...stateless.headers, 'mcp-name': 'up.other' }), messages: 1, status: 400 },
    ];
    for (const { label, send, messages, status } of cases) {
      const before = await counted();
      const from = events.length;
      const answer = await send();
      expect(answer.status, label).toBe(status);
      // Audit events are handed over after the turn that made them.
      await new Promise((resolve) => setTimeout(resolve, 30));
      const mine = events.slice(from);
      expect(mine.length, label).toBe(messages);
      expect(added(before, await counted()), label).toEqual(audited(mine));
      for (const event of mine) expect(event.status, label).toBe(status);
    }
  });
});
