import type { ServerResponse } from 'node:http';
import { extend } from '@gw/core/internal';
import { sendJson } from '../wire/respond.js';
import type { GatewayRuntime } from '../runtime.js';
import type { UpstreamClient } from '../upstream/upstream-client.js';
import { UPSTREAM_ACCEPT } from '../upstream/forward-headers.js';

/** How long a health probe waits for an upstream, all of it (connection, headers, body). */
const PROBE_TIMEOUT_MS = 2_000;

/** Upstreams are probed at most once in this long, however often /health is asked. */
const PROBE_INTERVAL_MS = 1_000;

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

/** What a round of probes found, and when it began. */
interface ProbeRound {
  startedAt: number;
  results: Map<string, Omit<UpstreamHealth, 'failures' | 'lastFailure'>>;
}

/**
 * Probes each upstream with a ping outside any session: any HTTP answer proves it reachable
 * (a session-keeping server answers 400, which is fine). A probe goes over a connection of its
 * own and is cut off after PROBE_TIMEOUT_MS, so /health answers in time whatever the upstreams'
 * pools are doing; a round begins at most once per PROBE_INTERVAL_MS, and concurrent callers
 * share one, so /health cannot be used to load the upstreams. The rest of the report (sessions,
 * failures, the rate-limit store) is read afresh for every answer.
 */
export function createHealthProbe(gw: GatewayRuntime): (res: ServerResponse) => Promise<void> {
  let last: ProbeRound | undefined;
  let round: Promise<ProbeRound> | undefined;
  const probeAll = async (): Promise<ProbeRound> => {
    const startedAt = performance.now();
    const entries = await Promise.all([...gw.upstreams.values()].map(async (client) => [client.name, await probe(client)] as const));
    return { startedAt, results: new Map(entries) };
  };
  return async (res) => {
    let found = last;
    if (!found || performance.now() - found.startedAt >= PROBE_INTERVAL_MS) {
      round ??= probeAll().finally(() => {
        round = undefined;
      });
      found = last = await round;
    }
    const entries = [...gw.upstreams.values()].map((client) => [client.name, extend(found.results.get(client.name) ?? { reachable: false, ok: false, latencyMs: 0 }, gw.metrics.failuresOf(client.name))] as const);
    const upstreams = Object.fromEntries(entries);
    const fine = entries.filter(([, health]) => health.ok).length;
    const store = gw.storeHealth();
    const status = gw.closing || fine === 0 ? 'down' : fine === entries.length && store?.ok !== false ? 'ok' : 'degraded';
    const report: HealthReport = { status, sessions: gw.sessions.size, upstreams };
    if (store) report.rateLimitStore = store;
    // degraded still serves the upstreams that are up, so it stays in rotation; down does not.
    sendJson(res, report.status === 'down' ? 503 : 200, report, { 'cache-control': 'no-store' });
  };
}

async function probe(client: UpstreamClient): Promise<Omit<UpstreamHealth, 'failures' | 'lastFailure'>> {
  const started = performance.now();
  // One deadline for all of it: a probe whose body never ends is cut off as surely as one never answered.
  const deadline = AbortSignal.timeout(PROBE_TIMEOUT_MS);
  try {
    const response = await client.request({
      method: 'POST',
      headers: { accept: UPSTREAM_ACCEPT, 'content-type': 'application/json', ...(client.credential ? { [client.credential[0]]: client.credential[1] } : {}) },
      body: '{"jsonrpc":"2.0","id":"mcp-gateway-health","method":"ping"}',
      timeoutMs: Math.min(client.timeoutMs, PROBE_TIMEOUT_MS),
      signal: deadline,
      probe: true,
    });
    await response.body.dump({ limit: 64 * 1024, signal: deadline });
    const status = response.statusCode;
    return { reachable: true, ok: status < 500 && status !== 401 && status !== 403, status, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    const code = (error as { code?: string } | null)?.code ?? (deadline.aborted ? 'timeout' : undefined);
    return { reachable: false, ok: false, latencyMs: Math.round(performance.now() - started), error: code ?? (error instanceof Error ? error.message : 'unknown') };
  }
}
