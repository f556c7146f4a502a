import type { GatewayOptions } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayLogger } from '../../src/index.js';
import { openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';
import { startUpstream, type UpstreamFixture } from '../support/upstream.js';

// Replicas that should share a configuration but do not: a sealed id from one reaches another
// whose secret, or whose declaration of an upstream, differs. The client must learn that the
// replica is at fault (503, naming what differs), and nothing of the session may be ended.

const SECRET = 'mismatch-test-secret-0123456789abcdefghijk';
const OTHER_SECRET = 'mismatch-test-other-secret-0123456789abcde';
const KEY = { 'x-api-key': 'acme-key' };
const OTHER_KEY = { 'x-api-key': 'acme-other-key' };

let math: UpstreamFixture;
let elsewhere: UpstreamFixture;
const gateways: RunningGateway[] = [];

function options(secret: string, mathUrl: string): GatewayOptions {
  return {
    auth: {
      apiKeys: [
        { id: 'acme-app', key: 'acme-key', tenant: 'acme', client: 'app' },
        { id: 'acme-other', key: 'acme-other-key', tenant: 'acme', client: 'app' },
      ],
    },
    policy: { rules: [{ subject: { tenant: 'acme' }, allow: { methods: ['*'], tools: ['*'] } }] },
    sessions: { secrets: [secret] },
    upstreams: [{ name: 'math', url: mathUrl, timeoutMs: 5_000 }],
  };
}

/** Log lines at error level, as the gateway wrote them. */
function recordingLogger(): GatewayLogger & { errors: { message: string; meta?: Record<string, unknown> }[] } {
  const errors: { message: string; meta?: Record<string, unknown> }[] = [];
  return {
    errors,
    error: (message, meta) => errors.push(meta ? { message, meta } : { message }),
    warn: () => undefined,
    info: () => undefined,
    debug: () => undefined,
  };
}

async function start(secret: string, mathUrl: string, logger?: GatewayLogger): Promise<RunningGateway> {
  const gateway = await startGateway(options(secret, mathUrl), logger ? { logger } : {});
  gateways.push(gateway);
  return gateway;
}

const counter = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'math.counter', arguments: {} } });

function headers(session: string, key = KEY): Record<string, string> {
  return { ...key, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18', accept: 'application/json, text/event-stream' };
}

function mismatchCount(metrics: string, labels: string): number {
  const line = metrics.split('\n').find((entry) => entry.startsWith(`mcp_gateway_session_replica_mismatches_total{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

beforeAll(async () => {
  math = await startUpstream({ name: 'math', jsonResponse: true });
  elsewhere = await startUpstream({ name: 'math', jsonResponse: true });
});

afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.close()));
  await math?.close();
  await elsewhere?.close();
});

describe('a replica configured otherwise than the one that sealed an id', () => {
  it('with another secret answers 503 SESSION_REPLICA_MISMATCH naming the secret, logs it once, counts it, and ends nothing', async () => {
    const sealing = await start(SECRET, math.url);
    const logger = recordingLogger();
    const stranger = await start(OTHER_SECRET, math.url, logger);
    const session = await openSession(sealing.url, KEY);
    const upstreamSessions = math.sessionIds().length;

    for (let i = 1; i <= 3; i++) {
      const answer = await post(stranger.url, counter(i), headers(session));
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ jsonrpc: '2.0', id: i, error: { code: -50303 } });
      expect((answer.body as { error: { message: string } }).error.message).toContain('session secret');
    }
    // A DELETE there is refused the same way: it must not end a session other replicas serve.
    const deleted = await fetch(stranger.url, { method: 'DELETE', headers: headers(session) });
    expect(deleted.status).toBe(503);

    const logged = logger.errors.filter((line) => line.meta?.['event'] === 'session_replica_mismatch');
    expect(logged).toHaveLength(1);
    expect(logged[0]!.meta).toMatchObject({ cause: 'secret' });
    const metrics = await (await fetch(`${stranger.origin}/metrics`)).text();
    expect(mismatchCount(metrics, 'cause="secret"')).toBe(4);

    // The session is intact: its upstream session was neither closed nor replaced, and the
    // replica that sealed it still serves it.
    expect(math.deletedSessionIds).toEqual([]);
    expect(math.sessionIds().length).toBe(upstreamSessions);
    const served = await post(sealing.url, counter(9), headers(session));
    expect(served.status).toBe(200);
    expect(served.body).toMatchObject({ id: 9, result: { content: [{ text: '1' }] } });
  });

  it('that declares a carried upstream at another URL answers 503 naming that upstream, and never sends its session id there', async () => {
    const sealing = await start(SECRET, math.url);
    const logger = recordingLogger();
    const moved = await start(SECRET, elsewhere.url, logger);
    const session = await openSession(sealing.url, KEY);
    const before = elsewhere.requests.length;

    const answer = await post(moved.url, counter(1), headers(session));
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ id: 1, error: { code: -50303 } });
    expect((answer.body as { error: { message: string } }).error.message).toContain('upstream "math"');
    expect(elsewhere.requests.length).toBe(before);
    expect(logger.errors.filter((line) => line.meta?.['event'] === 'session_replica_mismatch').map((line) => line.meta)).toEqual([
      { event: 'session_replica_mismatch', cause: 'upstream', upstream: 'math' },
    ]);
    const metrics = await (await fetch(`${moved.origin}/metrics`)).text();
    expect(mismatchCount(metrics, 'cause="upstream",upstream="math"')).toBe(1);

    expect(math.deletedSessionIds).toEqual([]);
    expect((await post(sealing.url, counter(2), headers(session))).status).toBe(200);
  });

  it('tells nothing to a caller without the secret: another credential, or an altered id, is a 404 like an unknown id', async () => {
    const sealing = await start(SECRET, math.url);
    const moved = await start(SECRET, elsewhere.url);
    const session = await openSession(sealing.url, KEY);
    // The id names an upstream declared otherwise, but it is bound to another credential.
    const other = await post(moved.url, counter(1), headers(session, OTHER_KEY));
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ error: { code: -40400 } });
    // An id sealed under this replica's own secret, one ciphertext byte changed.
    const bytes = Buffer.from(session, 'base64url');
    bytes[30]! ^= 0x01;
    const altered = await post(sealing.url, counter(2), headers(bytes.toString('base64url')));
    expect(altered.status).toBe(404);
  });
});
