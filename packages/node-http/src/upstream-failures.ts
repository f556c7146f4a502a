import type { Denial } from '@gw/core';
import type { GatewayRuntime } from './runtime.js';

/** What /health tells about an upstream's failures as the data plane saw them. */
export interface FailureRecord {
  /** Messages that failed on this upstream since the gateway started. */
  failures: number;
  /** The latest one: when (ISO time) and why. */
  lastFailure?: { at: string; error: string };
}

const records = new WeakMap<GatewayRuntime, Map<string, FailureRecord>>();

/** Counts a message that failed on an upstream (unreachable, timed out, bad answer). */
export function recordUpstreamFailure(gw: GatewayRuntime, upstream: string, denial: Denial): void {
  let byUpstream = records.get(gw);
  if (!byUpstream) records.set(gw, (byUpstream = new Map()));
  const record = byUpstream.get(upstream) ?? { failures: 0 };
  record.failures++;
  record.lastFailure = { at: new Date().toISOString(), error: denial.error.message };
  byUpstream.set(upstream, record);
}

/** The failures of one upstream so far. */
export function upstreamFailures(gw: GatewayRuntime, upstream: string): FailureRecord {
  return records.get(gw)?.get(upstream) ?? { failures: 0 };
}
