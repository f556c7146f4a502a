import type { Denial } from '@gw/core';
import { isUpstreamFailure } from '@gw/core/internal';

/** What /health tells about an upstream's failures as the data plane saw them. */
export interface FailureRecord {
  /** Messages that failed on this upstream since the gateway started. */
  failures: number;
  /** The latest one: when (ISO time) and why. */
  lastFailure?: { at: string; error: string };
}

/**
 * The gateway's counters, served as Prometheus text on /metrics. Labels take only values the
 * configuration or the error table bounds (upstream names, outcome names), never anything a
 * client chose, so the series cannot grow without limit.
 */
export class GatewayMetrics {
  /** Decided messages by outcome: `ok` or the error table's name. */
  private readonly messages = new Map<string, number>();
  /** Messages sent to each upstream. */
  private readonly forwarded = new Map<string, number>();
  private readonly failures = new Map<string, FailureRecord & { byError: Map<string, number> }>();

  /** Counts one message the gateway decided and answered (or forwarded). */
  message(outcome: string): void {
    this.messages.set(outcome, (this.messages.get(outcome) ?? 0) + 1);
  }

  /** Counts one message sent to an upstream, and how it failed there, if it did. */
  upstream(name: string, failure: Denial | undefined): void {
    this.forwarded.set(name, (this.forwarded.get(name) ?? 0) + 1);
    if (failure && isUpstreamFailure(failure.name)) this.failed(name, failure);
  }

  /** Sealed ids refused because this replica is configured otherwise, by cause and upstream ('' for the secret). */
  private readonly mismatches = new Map<string, number>();

  /** Counts one sealed id this replica could not serve: its secret, or its declaration of `upstream`, differs. */
  replicaMismatch(cause: 'secret' | 'upstream', upstream: string): void {
    const key = `${cause}\n${upstream}`;
    this.mismatches.set(key, (this.mismatches.get(key) ?? 0) + 1);
  }

  /** Causes already logged, so a refusal that repeats is logged once (bounded). */
  private readonly told = new Set<string>();

  /**
   * Counts an answer of the upstream's that left its items out of a federated list (it refused
   * the gateway's request: the list is answered from the others). True the first time this
   * cause is seen, for a warning logged once per cause.
   */
  refused(name: string, failure: Denial): boolean {
    this.failed(name, failure);
    const cause = `${name}\n${failure.error.message}`;
    if (this.told.has(cause)) return false;
    if (this.told.size >= 1_000) this.told.clear();
    this.told.add(cause);
    return true;
  }

  private failed(name: string, failure: Denial): void {
    let record = this.failures.get(name);
    if (!record) this.failures.set(name, (record = { failures: 0, byError: new Map() }));
    record.failures++;
    record.lastFailure = { at: new Date().toISOString(), error: failure.error.message };
    record.byError.set(failure.name, (record.byError.get(failure.name) ?? 0) + 1);
  }

  /** The failures of one upstream so far, for /health. */
  failuresOf(name: string): FailureRecord {
    const record = this.failures.get(name);
    if (!record) return { failures: 0 };
    return record.lastFailure ? { failures: record.failures, lastFailure: record.lastFailure } : { failures: record.failures };
  }

  /** The Prometheus text exposition of every counter, plus the gauges read now. */
  render(gauges: { sessions: number; bridgeSessions: number; upstreams: readonly string[] }): string {
    const lines: string[] = [];
    const family = (name: string, type: 'counter' | 'gauge', help: string, samples: [Record<string, string>, number][]): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${formatLabels(labels)} ${value}`);
    };
    family('mcp_gateway_messages_total', 'counter', 'JSON-RPC messages decided, by outcome (ok or the error name).', [...this.messages].map(([outcome, n]) => [{ outcome }, n]));
    family('mcp_gateway_upstream_messages_total', 'counter', 'Messages sent to each upstream.', gauges.upstreams.map((upstream) => [{ upstream }, this.forwarded.get(upstream) ?? 0]));
    family(
      'mcp_gateway_upstream_failures_total',
      'counter',
      'Messages that failed on an upstream (unreachable, timeout, bad answer), by error name.',
      gauges.upstreams.flatMap((upstream) => [...(this.failures.get(upstream)?.byError ?? [])].map(([error, n]): [Record<string, string>, number] => [{ upstream, error }, n])),
    );
    family(
      'mcp_gateway_session_replica_mismatches_total',
      'counter',
      'Sealed session ids this replica could not serve because it is configured otherwise than the replica that sealed them: cause secret, or upstream (with its name).',
      [...this.mismatches].map(([key, n]): [Record<string, string>, number] => {
        const [cause, upstream] = key.split('\n') as [string, string];
        return [upstream ? { cause, upstream } : { cause }, n];
      }),
    );
    family('mcp_gateway_sessions', 'gauge', 'Client sessions held by this gateway.', [[{}, gauges.sessions]]);
    family('mcp_gateway_bridge_sessions', 'gauge', 'Sessions held for stateless (2026-07-28) clients, each with its upstream sessions.', [[{}, gauges.bridgeSessions]]);
    return `${lines.join('\n')}\n`;
  }
}

function formatLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([key, value]) => `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}
