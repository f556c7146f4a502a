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

/** Most of a probe's answer read to tell whether it is an MCP message. */
const PROBE_READ_BYTES = 64 * 1024;

/**
 * One upstream as /health reports it, in an operator's terms: can the gateway reach it, does it
 * speak MCP, how fast, and if not, what is wrong, in words.
 */
export interface UpstreamHealth {
  /** Ready for calls: reachable, answering MCP, and not refusing the gateway's credential nor failing (5xx). */
  ok: boolean;
  /** An HTTP answer came back within 2 s: the upstream is up and the gateway's network path to it works. */
  reachable: boolean;
  /**
   * The answer to the probe (a `ping` outside any session) was a JSON-RPC message: a result, or
   * an MCP error such as "no session" from a server that keeps sessions. false for a web page, a
   * bare 404 or a proxy's error page: the URL is not an MCP endpoint.
   */
  answeringMcp: boolean;
  /** Milliseconds until the probe's answer (or its failure). */
  latencyMs: number;
  /** What is wrong, in words, when not ok: "connection refused", "no answer within 2 s", "refuses the gateway's credential (HTTP 401)"... */
  problem?: string;
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
    const entries = [...gw.upstreams.values()].map((client) => [client.name, extend(found.results.get(client.name) ?? { ok: false, reachable: false, answeringMcp: false, latencyMs: 0, problem: 'not probed yet' }, gw.metrics.failuresOf(client.name))] as const);
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
  const elapsed = (): number => Math.round(performance.now() - started);
  // One deadline for all of it: a probe whose body never ends is cut off as surely as one never answered.
  const deadline = AbortSignal.timeout(PROBE_TIMEOUT_MS);
  let status: number;
  let text = '';
  try {
    const response = await client.request({
      method: 'POST',
      headers: { accept: UPSTREAM_ACCEPT, 'content-type': 'application/json', ...(client.credential ? { [client.credential[0]]: client.credential[1] } : {}) },
      body: '{"jsonrpc":"2.0","id":"mcp-gateway-health","method":"ping"}',
      timeoutMs: Math.min(client.timeoutMs, PROBE_TIMEOUT_MS),
      signal: deadline,
      probe: true,
    });
    status = response.statusCode;
    // The first bytes are enough to tell an MCP answer; the rest is dropped (the probe's connection is its own).
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      text += chunk.toString('utf8');
      if (text.length >= PROBE_READ_BYTES || carriesJsonRpc(text)) break;
    }
  } catch (error) {
    const code = (error as { code?: string } | null)?.code ?? (deadline.aborted ? 'timeout' : undefined);
    return { ok: false, reachable: false, answeringMcp: false, latencyMs: elapsed(), problem: unreachableProblem(code, error) };
  }
  const answeringMcp = carriesJsonRpc(text);
  const latencyMs = elapsed();
  if (status === 401 || status === 403) return { ok: false, reachable: true, answeringMcp, latencyMs, problem: `refuses the gateway's credential (HTTP ${status}): check upstreams[].auth` };
  if (status >= 500) return { ok: false, reachable: true, answeringMcp, latencyMs, problem: `failing (HTTP ${status})` };
  if (!answeringMcp) return { ok: false, reachable: true, answeringMcp, latencyMs, problem: `answers HTTP ${status} without an MCP message: is the URL its MCP endpoint?` };
  return { ok: true, reachable: true, answeringMcp, latencyMs };
}

/** Whether a probe's answer (JSON, or an SSE stream) holds a JSON-RPC response or error. */
function carriesJsonRpc(text: string): boolean {
  const candidates = text.trimStart().startsWith('{') ? [text] : text.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5));
  for (const candidate of candidates) {
    try {
      const message = JSON.parse(candidate) as unknown;
      if (typeof message === 'object' && message !== null && (message as { jsonrpc?: unknown }).jsonrpc === '2.0' && ('result' in message || 'error' in message)) return true;
    } catch {
      // Not (yet) a whole JSON message.
    }
  }
  return false;
}

/** Why no answer came back, as an operator reads it. */
function unreachableProblem(code: string | undefined, error: unknown): string {
  switch (code) {
    case 'timeout':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return `no answer within ${PROBE_TIMEOUT_MS / 1000} s`;
    case 'ECONNREFUSED':
      return 'connection refused (nothing listens at that address)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection closed before an answer';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to the host';
    default:
      return `cannot connect (${code ?? (error instanceof Error ? error.message : 'unknown error')})`;
  }
}
