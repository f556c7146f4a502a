import type { ServerResponse } from 'node:http';
import { extend } from '@gw/core';
import { sendJson } from './respond.js';
import type { GatewayRuntime } from './runtime.js';
import type { UpstreamClient } from './upstream-client.js';
import { UPSTREAM_ACCEPT } from './upstream-sessions.js';

/** How long a health probe waits for an upstream. */
const PROBE_TIMEOUT_MS = 2_000;

/** One upstream as /health reports it. */
export interface UpstreamHealth {
  /** An HTTP answer came back (any status): the upstream is up and reachable from the gateway. */
  reachable: boolean;
  /** Reachable and accepting the gateway's credential (no 401/403, no 5xx). */
  ok: boolean;
  status?: number;
  latencyMs: number;
  error?: string;
  /** Messages that failed on this upstream since the gateway started (also on /metrics). */
  failures: number;
  /** The latest such failure. */
  lastFailure?: { at: string; error: string };
}

/** The body of /health. */
export interface HealthReport {
  /** `ok`: every upstream fine; `degraded`: some are not; `down`: none is, or the gateway is closing. */
  status: 'ok' | 'degraded' | 'down';
  sessions: number;
  upstreams: Record<string, UpstreamHealth>;
  /** Present when the rate-limit store reports its health (Redis does); not ok makes the gateway degraded. */
  rateLimitStore?: { ok: boolean; detail?: string };
}

/** /healthz: liveness. 200 while the gateway serves, 503 once it is closing. */
export function answerLiveness(gw: GatewayRuntime, res: ServerResponse): void {
  sendJson(res, gw.closing ? 503 : 200, { status: gw.closing ? 'closing' : 'ok' }, { 'cache-control': 'no-store' });
}

/**
 * Probes each upstream with a ping outside any session: any HTTP answer proves it reachable
 * (a session-keeping server answers 400, which is fine). Concurrent probes share one round.
 */
export function createHealthProbe(gw: GatewayRuntime): (res: ServerResponse) => Promise<void> {
  let round: Promise<HealthReport> | undefined;
  const probeAll = async (): Promise<HealthReport> => {
    const entries = await Promise.all([...gw.upstreams.values()].map(async (client) => [client.name, extend(await probe(client), gw.metrics.failuresOf(client.name))] as const));
    const upstreams = Object.fromEntries(entries);
    const fine = entries.filter(([, health]) => health.ok).length;
    const store = gw.storeHealth();
    const status = gw.closing || fine === 0 ? 'down' : fine === entries.length && store?.ok !== false ? 'ok' : 'degraded';
    const report: HealthReport = { status, sessions: gw.sessions.size, upstreams };
    if (store) report.rateLimitStore = store;
    return report;
  };
  return async (res) => {
    round ??= probeAll().finally(() => {
      round = undefined;
    });
    const report = await round;
    // degraded still serves the upstreams that are up, so it stays in rotation; down does not.
    sendJson(res, report.status === 'down' ? 503 : 200, report, { 'cache-control': 'no-store' });
  };
}

async function probe(client: UpstreamClient): Promise<Omit<UpstreamHealth, 'failures' | 'lastFailure'>> {
  const started = performance.now();
  try {
    const response = await client.request({
      method: 'POST',
      headers: { accept: UPSTREAM_ACCEPT, 'content-type': 'application/json', ...(client.credential ? { [client.credential[0]]: client.credential[1] } : {}) },
      body: '{"jsonrpc":"2.0","id":"mcp-gateway-health","method":"ping"}',
      timeoutMs: Math.min(client.timeoutMs, PROBE_TIMEOUT_MS),
    });
    await response.body.dump();
    const status = response.statusCode;
    return { reachable: true, ok: status < 500 && status !== 401 && status !== 403, status, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    const code = (error as { code?: string } | null)?.code;
    return { reachable: false, ok: false, latencyMs: Math.round(performance.now() - started), error: code ?? (error instanceof Error ? error.message : 'unknown') };
  }
}
