// One request cannot produce unbounded audit output: what a client chose (method, target name,
// id) is cut with a marker, and a JSON-RPC batch holds at most server.maxBatchMessages messages.
import type { AuditEvent } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, startGateway, type RunningGateway } from '../support/gateway.js';
import { startUpstream, type UpstreamFixture } from '../support/upstream.js';

const KEY = { 'x-api-key': 'bounded-audit-key' };
const MAX_BATCH = 40;
let upstream: UpstreamFixture;
let gw: RunningGateway;
const events: AuditEvent[] = [];

beforeAll(async () => {
  upstream = await startUpstream({ name: 'up', jsonResponse: true });
  gw = await startGateway(
    {
      server: { maxBatchMessages: MAX_BATCH },
      auth: { apiKeys: [{ key: KEY['x-api-key'], tenant: 't' }] },
      rateLimit: { defaultRpm: 1_000_000 },
      // Tools other than up.* are denied: refused calls are audited without reaching the upstream.
      policy: { rules: [{ allow: { methods: ['*'], tools: ['up.*'] } }] },
      upstreams: [{ name: 'up', url: upstream.url }],
    },
    { onAudit: (event) => void events.push(event), logger: { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined } },
  );
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

/** Waits (boundedly) until `count` audit events are delivered (they follow the answer on a later turn). */
async function settle(count: number): Promise<void> {
  for (let i = 0; i < 100 && events.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  // A moment more, so an extra event would show up too.
  await new Promise((resolve) => setTimeout(resolve, 20));
}

/** A session of revision 2025-03-26, the one that allows batches. */
async function batchSession(): Promise<Record<string, string>> {
  const init = await post(gw.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'batch-client', version: '1.0.0' } } }, { ...KEY, accept: 'application/json' });
  expect(init.status).toBe(200);
  return { ...KEY, accept: 'application/json', 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-03-26' };
}

const call = (id: number | string, name: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } });

describe('bounded audit output', () => {
  it('cuts a long target name, method and id with a marker saying how much was cut', async () => {
    const headers = await batchSession();
    events.length = 0;
    const longName = `x${'n'.repeat(99_999)}`;
    const longId = 'i'.repeat(50_000);
    expect((await post(gw.url, call(longId, longName), headers)).status).toBe(403);
    expect((await post(gw.url, { jsonrpc: '2.0', id: 2, method: `m${'m'.repeat(79_999)}` }, headers)).status).toBeLessThan(500);
    await settle(2);
    expect(events).toHaveLength(2);
    const [named, method] = events as [AuditEvent, AuditEvent];
    expect(named.target?.name).toBe(`${longName.slice(0, 512)}…[cut ${100_000 - 512} chars]`);
    expect(named.requestId).toBe(`${longId.slice(0, 512)}…[cut ${50_000 - 512} chars]`);
    expect(method.method).toBe(`${'m'.repeat(512)}…[cut ${80_000 - 512} chars]`);
    for (const event of events) expect(JSON.stringify(event).length).toBeLessThan(2_000);
  });

  it('audits a batch of large messages without copying them into every event', async () => {
    const headers = await batchSession();
    events.length = 0;
    const batch = Array.from({ length: MAX_BATCH }, (_, i) => call(i + 1, `x${i}-${'n'.repeat(60_000)}`));
    const answer = await post(gw.url, batch, headers);
    expect(answer.status).toBe(200);
    expect(answer.body).toHaveLength(MAX_BATCH);
    await settle(MAX_BATCH);
    expect(events).toHaveLength(MAX_BATCH);
    // 2.4 MB of names in the body; a few kilobytes of audit per message at most.
    const total = events.reduce((sum, event) => sum + JSON.stringify(event).length, 0);
    expect(total).toBeLessThan(MAX_BATCH * 2_000);
  });

  it('refuses a batch over server.maxBatchMessages with 413 and -41301, audited once', async () => {
    const headers = await batchSession();
    events.length = 0;
    const batch = Array.from({ length: MAX_BATCH + 1 }, (_, i) => ({ jsonrpc: '2.0', id: i + 1, method: 'ping' }));
    const answer = await post(gw.url, batch, headers);
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -41301, message: expect.stringContaining(`at most ${MAX_BATCH}`), data: { maxBatchMessages: MAX_BATCH } } });
    await settle(1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ decision: 'rejected', status: 413, error: 'BATCH_TOO_LARGE', errorCode: -41301 });
    // At the limit, a batch is served.
    const served = await post(gw.url, batch.slice(0, MAX_BATCH), headers);
    expect(served.status).toBe(200);
    expect(served.body).toHaveLength(MAX_BATCH);
  });
});
