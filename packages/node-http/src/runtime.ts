import type { BodyDecoder, CompiledGateway, ListKind, ResolvedOptions, ServerCapabilities } from '@gw/core';
import type { CatalogRefresh } from './federation/catalog-refresh.js';
import type { GatewayMetrics } from './ops/metrics.js';
import type { ReplicaMismatches } from './ops/replica-mismatch.js';
import type { SharedSessions } from './state/shared-sessions.js';
import type { AuditSink } from './ops/audit-trail.js';
import type { GatewayLogger } from './create-gateway.js';
import type { BridgeSessions } from './state/bridge-sessions.js';
import type { ConnectionAuth } from './state/connection-auth.js';
import type { ParkedCalls } from './state/parked-calls.js';
import type { SessionStore } from './state/sessions.js';
import type { SubjectStreams } from './state/stream-slots.js';
import type { UpstreamClient } from './upstream/upstream-client.js';

/** What an upstream declared in its last successful initialize. */
export interface UpstreamProfile {
  capabilities: ServerCapabilities;
  instructions?: string;
}

/**
 * Everything one gateway holds, created by createGateway and passed to each handler, so two
 * gateways in one process share nothing.
 */
export interface GatewayRuntime {
  readonly core: CompiledGateway;
  /** Authentication, remembered per connection. */
  readonly auth: ConnectionAuth;
  readonly options: ResolvedOptions;
  readonly upstreams: ReadonlyMap<string, UpstreamClient>;
  readonly sessions: SessionStore;
  /** Upstream sessions held for stateless (2026-07-28) clients, per subject. */
  readonly bridges: BridgeSessions;
  /** Long-lived streams each subject holds (sessions.maxStreamsPerSubject). */
  readonly streams: SubjectStreams;
  /** Numbers the gateway's own request ids (subscribe, listen, bridged calls) so none repeats. */
  nextRequestId: number;
  /** Stateless clients' calls waiting for the retry that answers their upstream's questions. */
  readonly parked: ParkedCalls;
  /** Each upstream's capabilities once known; the gateway's initialize answer merges them. */
  readonly profiles: Map<string, UpstreamProfile>;
  /** Upstreams whose capabilities an initialize is learning right now, so others wait for it. */
  readonly profiling: Map<string, Promise<void>>;
  readonly decoder: BodyDecoder;
  readonly logger: GatewayLogger;
  /** Undefined when no one listens, so the request path does no audit work at all. */
  readonly audit: AuditSink | undefined;
  /** The rate-limit store's own health, when it reports one (Redis does). */
  readonly storeHealth: () => { ok: boolean; detail?: string } | undefined;
  /** Counters for /metrics and the failures /health reports. */
  readonly metrics: GatewayMetrics;
  /** Last-seen and ended marks of sealed sessions, shared through the store (Redis); undefined when nothing is shared. */
  readonly shared: SharedSessions | undefined;
  /** Sealed ids sealed by a replica configured otherwise: counted, logged (throttled), answered 503. */
  readonly mismatches: ReplicaMismatches;
  /** When each list kind was last fetched to find an unknown name, and the fetch under way (catalog-refresh.ts). */
  readonly refreshes: Map<ListKind, CatalogRefresh>;
  /** Set by close(): new requests get 503 while open streams finish. */
  closing: boolean;
}
