// No subject's streams starve another's calls. A long-lived stream (a GET stream, a
// subscriptions/listen) holds an upstream connection for as long as its client likes; with one
// pool for everything, one client holding as many streams as the pool has connections left every
// other tenant's calls, and /health, waiting for ever. Streams now need a right to one, are bounded
// per subject and per upstream, and go over connections of their own.
//
// The upstream is a fake (support/fake-mcp) whose GET streams stay open, silent, until the test
// ends; every stream and request here is bounded in time.
import type { ServerResponse } from 'node:http';
import type { GatewayOptions } from '@gw/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeMcp, textResult, waitUntil, type FakeMcp } from '../support/fake-mcp.js';
import { openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';

const VERSION = '2026-07-28';
const META = { 'io.modelcontextprotocol/protocolVersion': VERSION, 'io.modelcontextprotocol/clientCapabilities': {} };
const TIMEOUT_MS = 3_000;
/** Room for a loaded machine on top of a bound the test asserts; far less than "never". */
const SLACK_MS = 4_000;
const SESSION = { 'mcp-protocol-version': '2025-06-18' };

let upstream: FakeMcp | undefined;
let gw: RunningGateway | undefined;
/** Upstream GET streams open now, held open by the fake. */
const held = new Set<ServerResponse>();
/** Client streams to close at the end. */
const aborts: AbortController[] = [];

afterEach(async () => {
  for (const abort of aborts.splice(0)) abort.abort();
  for (const res of held) res.end();
  held.clear();
  await gw?.close();
  await upstream?.close();
  gw = undefined;
  upstream = undefined;
});

async function start(extra: Partial<GatewayOptions>, upstreamExtra: Record<string, unknown> = {}): Promise<{ gw: RunningGateway; upstream: FakeMcp }> {
  upstream = await startFakeMcp(
    (call, _req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(textResult(call.id, `did ${call.name}`)),
    (req, res) => {
      if (req.method === 'DELETE') return void res.writeHead(200).end();
      // A GET stream that stays open, saying nothing, until the test ends it.
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      held.add(res);
      res.once('close', () => held.delete(res));
    },
  );
  gw = await startGateway({
    auth: {
      apiKeys: [
        { key: 'norule-key', tenant: 'nobody' },
        { key: 'a1-key', tenant: 'attacker', client: 'c1' },
        { key: 'a2-key', tenant: 'attacker', client: 'c2' },
        { key: 'victim-key', tenant: 'victim' },
      ],
    },
    policy: {
      rules: [
        // Few rights: tools only.
        { subject: { tenant: 'attacker' }, allow: { methods: ['tools/call'], tools: ['*'] } },
        { subject: { tenant: 'victim' }, allow: { methods: ['tools/call'], tools: ['*'] } },
      ],
    },
    upstreams: [{ name: 'up', url: upstream.url, timeoutMs: TIMEOUT_MS, ...upstreamExtra }],
    ...extra,
  });
  return { gw, upstream };
}

/** A raw GET stream of a session: its status, and the body when refused. */
async function openGet(url: string, key: string, session: string): Promise<{ status: number; body: unknown; abort: AbortController }> {
  const abort = new AbortController();
  aborts.push(abort);
  const response = await fetch(url, { headers: { accept: 'text/event-stream', 'x-api-key': key, 'mcp-session-id': session, ...SESSION }, signal: abort.signal });
  if (response.status === 200) return { status: 200, body: undefined, abort };
  return { status: response.status, body: JSON.parse(await response.text()), abort };
}

/** A session whose upstream session is open (a call made), so its GET stream reaches the upstream. */
async function sessionWithUpstream(url: string, key: string): Promise<string> {
  const session = await openSession(url, { 'x-api-key': key });
  const called = await post(url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'noop', arguments: {} } }, { 'x-api-key': key, 'mcp-session-id': session, accept: 'application/json', ...SESSION });
  expect(called.status, called.text).toBe(200);
  return session;
}

/** The victim's call answers, in time. */
async function victimCall(url: string, session: string, id: number): Promise<{ status: number; ms: number; text: string }> {
  const started = Date.now();
  const answer = await post(url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: {} } }, { 'x-api-key': 'victim-key', 'mcp-session-id': session, accept: 'application/json', ...SESSION }, TIMEOUT_MS + SLACK_MS).catch(
    (error: unknown) => ({ status: 0, text: String(error) }),
  );
  return { status: answer.status, ms: Date.now() - started, text: answer.text };
}

/** /health answers, in time. */
async function health(origin: string): Promise<{ status: number; ms: number }> {
  const started = Date.now();
  const response = await fetch(`${origin}/health`, { signal: AbortSignal.timeout(2_000 + SLACK_MS) }).catch(() => undefined);
  await response?.text();
  return { status: response?.status ?? 0, ms: Date.now() - started };
}

describe('streams of a subject no rule names', () => {
  it('are refused (403) however many it asks for, so other tenants\' calls and /health still answer in time', async () => {
    const { gw } = await start({});
    // More listens than the upstream pool had connections (128), from a key no rule names.
    const ATTEMPTS = 130;
    const statuses = await Promise.all(
      Array.from({ length: ATTEMPTS }, async (_, i) => {
        const abort = new AbortController();
        aborts.push(abort);
        const response = await fetch(gw.url, {
          method: 'POST',
          signal: abort.signal,
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-api-key': 'norule-key', 'mcp-protocol-version': VERSION, 'mcp-method': 'subscriptions/listen' },
          body: JSON.stringify({ jsonrpc: '2.0', id: `l-${i}`, method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: META } }),
        });
        if (response.status !== 200) await response.text();
        return response.status;
      }),
    );
    expect(new Set(statuses)).toEqual(new Set([403]));
    expect(held.size).toBe(0);

    const session = await openSession(gw.url, { 'x-api-key': 'victim-key' });
    const answer = await victimCall(gw.url, session, 2);
    // (A call that never answers shows as status 0 here, after TIMEOUT_MS + SLACK_MS.)
    expect(answer.status, answer.text).toBe(200);
    expect(answer.ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    const report = await health(gw.origin);
    expect(report.status).toBe(200);
  });
});

describe('streams of subjects with few rights', () => {
  it('are bounded per subject (429) and per upstream (503), on connections calls never wait for', async () => {
    const { gw } = await start({ sessions: { maxStreamsPerSubject: 4 } }, { maxStreams: 6, maxConnections: 2 });

    // Attacker c1 holds its four streams; a fifth is refused.
    const c1 = [];
    for (let i = 0; i < 4; i++) {
      const get = await openGet(gw.url, 'a1-key', await sessionWithUpstream(gw.url, 'a1-key'));
      expect(get.status).toBe(200);
      c1.push(get);
    }
    const fifth = await openGet(gw.url, 'a1-key', await sessionWithUpstream(gw.url, 'a1-key'));
    expect(fifth.status).toBe(429);
    expect(fifth.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -42902 } });

    // Attacker c2, another subject, has its own four; the upstream has room for two more.
    for (let i = 0; i < 2; i++) expect((await openGet(gw.url, 'a2-key', await sessionWithUpstream(gw.url, 'a2-key'))).status).toBe(200);
    expect(await waitUntil(() => held.size === 6, 5_000)).toBe(true);
    const full = await openGet(gw.url, 'a2-key', await sessionWithUpstream(gw.url, 'a2-key'));
    expect(full.status).toBe(503);
    expect(full.body).toMatchObject({ error: { code: -50302 } });
    expect(held.size).toBe(6);

    // Every stream place is taken, and twice the call connections' worth of calls all answer in time.
    const session = await openSession(gw.url, { 'x-api-key': 'victim-key' });
    const answers = await Promise.all([1, 2, 3, 4].map((id) => victimCall(gw.url, session, id)));
    for (const answer of answers) {
      expect(answer.status, answer.text).toBe(200);
      expect(answer.ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    }
    const report = await health(gw.origin);
    expect(report.status).toBe(200);

    // A stream that ends gives its places back.
    c1[0]!.abort.abort();
    expect(await waitUntil(() => held.size === 5, 5_000)).toBe(true);
    const again = await openGet(gw.url, 'a1-key', await sessionWithUpstream(gw.url, 'a1-key'));
    expect(again.status).toBe(200);
  });
});
