// Redis dying under load and coming back. Two gateways share a real redis-server (started here)
// through the Redis rate-limit store, one with rateLimit.storeFailure "closed", one "open", and
// carry a bounded load of concurrent tools/call requests. Mid-load the server is SIGKILLed: the
// closed gateway must answer 503 -50301 promptly, the open one must let calls through, no request
// may hang (each is bounded), and /health must say so. Then redis-server restarts on the same
// port: both gateways recover without a restart. At the end nothing is left running: the active
// sockets and timers of this process are back to what they were before the gateways existed.
import type { GatewayOptions } from '@gw/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedisRateLimitStore, type HealthReport, type RedisRateLimitStore } from '../../src/index.js';
import { startFakeMcp, textResult, type FakeMcp } from '../support/fake-mcp.js';
import { INITIALIZE_PARAMS, startGateway, type RunningGateway } from '../support/gateway.js';
import { startRedis, type RedisFixture } from '../support/redis.js';

const KEY = 'outage-key';
/** Concurrent clients per gateway, each in its own session, each pausing briefly between calls. */
const WORKERS = 8;
const PAUSE_MS = 5;
/** Bound of every request: a hang shows up as a timeout, never as a stuck test. */
const REQUEST_TIMEOUT_MS = 3_000;
/** The store's per-command bound: a request waits at most about this long on a dead Redis. */
const COMMAND_TIMEOUT_MS = 500;
/** How long the load runs before the kill (at least), during the outage, and after the restart. */
const BEFORE_KILL_MS = 600;
const OUTAGE_MS = 1_500;
const AFTER_RESTART_MS = 6_000;

type Mode = 'closed' | 'open';

interface Outcome {
  mode: Mode;
  at: number;
  status: number;
  code: number | undefined;
  latencyMs: number;
}

let redis: RedisFixture;
let upstream: FakeMcp;
let setupError: unknown;
const gateways = new Map<Mode, RunningGateway>();
const stores: RedisRateLimitStore[] = [];
/** Socket and timer counts of this process before any gateway or store existed. */
let baseline: { sockets: number; timers: number };

function activeResources(): { sockets: number; timers: number } {
  const info = process.getActiveResourcesInfo();
  return { sockets: info.filter((name) => name.startsWith('TCP')).length, timers: info.filter((name) => name === 'Timeout').length };
}

function options(storeFailure: Mode): GatewayOptions {
  return {
    auth: { mode: 'apiKey', apiKeys: [{ id: 'outage', key: KEY, tenant: 't' }] },
    policy: { default: 'allow' },
    // High enough never to limit this load: only the store's failures matter here.
    rateLimit: { keyPrefix: `outage-${storeFailure}`, defaultRpm: 1_000_000, storeFailure },
    upstreams: [{ name: 'up', url: upstream.url, timeoutMs: 3_000 }],
  };
}

async function post(gateway: RunningGateway, body: unknown, headers: Record<string, string>): Promise<{ status: number; session: string | null; code: number | undefined; retryAfter: string | null }> {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': KEY, ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let code: number | undefined;
  try {
    code = (JSON.parse(text) as { error?: { code?: number } }).error?.code;
  } catch {
    code = undefined;
  }
  return { status: response.status, session: response.headers.get('mcp-session-id'), code, retryAfter: response.headers.get('retry-after') };
}

async function health(gateway: RunningGateway): Promise<HealthReport> {
  const response = await fetch(`${gateway.origin}/health`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  return (await response.json()) as HealthReport;
}

beforeAll(async () => {
  try {
    redis = await startRedis();
  } catch (error) {
    setupError = error;
    return;
  }
  upstream = await startFakeMcp((call, _req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(textResult(call.id, 'ok')));
  baseline = activeResources();
});

// A failing beforeAll would mark the test skipped; failing here fails it.
beforeEach(() => {
  if (setupError !== undefined) throw setupError;
});

afterAll(async () => {
  await Promise.allSettled([...gateways.values()].map((gateway) => gateway.close()));
  await Promise.allSettled(stores.map((store) => store.close()));
  await upstream?.close();
  await redis?.stop();
});

describe('Redis killed under load and restarted', () => {
  it('closed: 503 promptly, open: passes; never hangs; health degraded; both recover on restart; nothing left running', async () => {
    for (const mode of ['closed', 'open'] as const) {
      const store = await createRedisRateLimitStore({ url: redis.url, commandTimeoutMs: COMMAND_TIMEOUT_MS });
      stores.push(store);
      gateways.set(mode, await startGateway(options(mode), { rateLimitStore: store }));
    }

    // One session per worker and gateway, opened while Redis is up.
    const sessions = new Map<Mode, string[]>();
    for (const [mode, gateway] of gateways) {
      const ids: string[] = [];
      for (let i = 0; i < WORKERS; i++) {
        const answer = await post(gateway, { jsonrpc: '2.0', id: 0, method: 'initialize', params: INITIALIZE_PARAMS }, {});
        if (answer.status !== 200 || !answer.session) throw new Error(`initialize on ${mode}: ${answer.status}`);
        ids.push(answer.session);
      }
      sessions.set(mode, ids);
    }

    const outcomes: Outcome[] = [];
    const failures: string[] = [];
    const healthLog: { at: number; closed: HealthReport['status']; store: boolean | undefined }[] = [];
    let stop = false;
    const started = Date.now();
    const worker = async (mode: Mode, session: string): Promise<void> => {
      const gateway = gateways.get(mode)!;
      for (let n = 0; !stop && n < 5_000; n++) {
        const sent = Date.now();
        try {
          const answer = await post(gateway, { jsonrpc: '2.0', id: n, method: 'tools/call', params: { name: 'up.work', arguments: {} } }, { 'mcp-session-id': session });
          outcomes.push({ mode, at: sent, status: answer.status, code: answer.code, latencyMs: Date.now() - sent });
          if (answer.status === 503 && answer.retryAfter === null) failures.push(`${mode}: 503 without Retry-After`);
        } catch (error) {
          failures.push(`${mode}: request ${n} failed after ${Date.now() - sent} ms: ${String(error)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
      }
    };
    const watcher = async (): Promise<void> => {
      while (!stop) {
        const report = await health(gateways.get('closed')!);
        healthLog.push({ at: Date.now(), closed: report.status, store: report.rateLimitStore?.ok });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const load = Promise.all([...[...sessions].flatMap(([mode, ids]) => ids.map((id) => worker(mode, id))), watcher()]);

    let killedAt = 0;
    let restartedAt = 0;
    try {
      // At least BEFORE_KILL_MS, and until more than one call per worker was answered: a loaded
      // machine may need longer to get the load going.
      const loaded = Date.now() + 15_000;
      await new Promise((resolve) => setTimeout(resolve, BEFORE_KILL_MS));
      while (outcomes.filter((o) => o.status === 200).length <= WORKERS && Date.now() < loaded) await new Promise((resolve) => setTimeout(resolve, 50));
      killedAt = Date.now();
      await redis.stop();
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      await redis.restart();
      restartedAt = Date.now();
      // Until both gateways pass calls again (at most AFTER_RESTART_MS), then a little longer.
      const deadline = Date.now() + AFTER_RESTART_MS;
      const recovered = () => outcomes.some((o) => o.mode === 'closed' && o.at > restartedAt && o.status === 200);
      while (!recovered() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      stop = true;
      await load;
    }

    expect(failures).toEqual([]);
    // Answered before the kill (a request in flight at the kill may meet the dead store).
    const before = outcomes.filter((o) => o.at + o.latencyMs < killedAt);
    // Requests sent while Redis was dead (a little after the kill: the store must first see the socket close).
    const during = outcomes.filter((o) => o.at > killedAt + 200 && o.at < restartedAt - 100);
    const closedDuring = during.filter((o) => o.mode === 'closed');
    const openDuring = during.filter((o) => o.mode === 'open');
    expect(before.length).toBeGreaterThan(WORKERS);
    expect(before.every((o) => o.status === 200)).toBe(true);
    expect(closedDuring.length).toBeGreaterThan(WORKERS);
    expect(openDuring.length).toBeGreaterThan(WORKERS);
    expect(closedDuring.every((o) => o.status === 503 && o.code === -50301)).toBe(true);
    expect(openDuring.every((o) => o.status === 200)).toBe(true);
    // Nothing but success and the store's 503, all along.
    expect(outcomes.filter((o) => o.status !== 200 && !(o.status === 503 && o.code === -50301))).toEqual([]);
    expect(outcomes.filter((o) => o.status === 503 && o.mode === 'open')).toEqual([]);

    const first503 = outcomes.filter((o) => o.mode === 'closed' && o.status === 503).sort((a, b) => a.at + a.latencyMs - (b.at + b.latencyMs))[0]!;
    const timeTo503 = first503.at + first503.latencyMs - killedAt;
    expect(timeTo503).toBeLessThan(1_000);
    const outageLatency = Math.max(...outcomes.filter((o) => o.at >= killedAt && o.at < restartedAt).map((o) => o.latencyMs));
    expect(outageLatency).toBeLessThan(COMMAND_TIMEOUT_MS + 1_000);

    const degraded = healthLog.find((h) => h.at > killedAt && h.closed === 'degraded' && h.store === false);
    expect(degraded).toBeDefined();
    const firstOkAgain = outcomes.filter((o) => o.mode === 'closed' && o.at > restartedAt && o.status === 200).sort((a, b) => a.at - b.at)[0];
    expect(firstOkAgain).toBeDefined();
    const recoveryMs = firstOkAgain!.at + firstOkAgain!.latencyMs - restartedAt;
    const healthyAgain = healthLog.find((h) => h.at > restartedAt && h.closed === 'ok' && h.store === true);
    // The store's reconnect backoff is capped at 2 s; a Redis back on its port is found within it.
    expect(recoveryMs).toBeLessThan(3_000);
    expect(healthyAgain).toBeDefined();
    // Once recovered, the closed gateway stays recovered.
    expect(outcomes.filter((o) => o.mode === 'closed' && o.at > firstOkAgain!.at + firstOkAgain!.latencyMs && o.status !== 200)).toEqual([]);

    console.info(
      `redis outage: ${outcomes.length} requests (${before.length} before the kill, ${closedDuring.length} closed / ${openDuring.length} open during it); ` +
        `first 503 ${timeTo503} ms after SIGKILL; slowest answer while down ${outageLatency} ms; health degraded ${degraded!.at - killedAt} ms after; ` +
        `calls pass again ${recoveryMs} ms after the restart, health ok after ${healthyAgain!.at - restartedAt} ms`,
    );

    // Close everything this test made; the process is back to its sockets and timers from before.
    for (const gateway of gateways.values()) await gateway.close();
    gateways.clear();
    const settle = Date.now() + 3_000;
    let now = activeResources();
    while ((now.sockets > baseline.sockets || now.timers > baseline.timers) && Date.now() < settle) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      now = activeResources();
    }
    expect(now.sockets, JSON.stringify(process.getActiveResourcesInfo())).toBeLessThanOrEqual(baseline.sockets);
    expect(now.timers, JSON.stringify(process.getActiveResourcesInfo())).toBeLessThanOrEqual(baseline.timers);
  });
});
