import type { ResolvedOptions } from '@gw/core';
import type { ServerCapabilities } from '@gw/core/internal';
import type { GatewayLogger } from '../ops/logger.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { SessionStore } from '../state/sessions.js';
import type { SharedSessions } from '../state/shared-sessions.js';
import type { UpstreamClient } from './upstream-client.js';

/** What an upstream declared in its last successful initialize. */
export interface UpstreamProfile {
  capabilities: ServerCapabilities;
  instructions?: string;
}

/**
 * The part of the gateway (GatewayRuntime, runtime.ts, which extends this) that talking to
 * upstreams reads. Declared here, below the runtime, so upstream/ never imports the runtime that
 * holds its own clients: the gateway is passed in whole, and this names what of it is used.
 */
export interface UpstreamRuntime {
  readonly options: ResolvedOptions;
  readonly upstreams: ReadonlyMap<string, UpstreamClient>;
  readonly sessions: SessionStore;
  /** Numbers the gateway's own request ids (subscribe, listen, bridged calls) so none repeats. */
  nextRequestId: number;
  /** Each upstream's capabilities once known; the gateway's initialize answer merges them. */
  readonly profiles: Map<string, UpstreamProfile>;
  readonly logger: GatewayLogger;
  /** Counters for /metrics and the failures /health reports. */
  readonly metrics: GatewayMetrics;
  /** Last-seen and ended marks of sealed sessions, shared through the store (Redis); undefined when nothing is shared. */
  readonly shared: SharedSessions | undefined;
}
