import type { CompiledGateway, ListKind } from '@gw/core';
import type { BodyDecoder, Naming } from '@gw/core/internal';
import type { ReplicaMismatches } from './ops/replica-mismatch.js';
import type { AuditSink } from './ops/audit-trail.js';
import type { BridgeSessions } from './state/bridge-sessions.js';
import type { ConnectionAuth } from './state/connection-auth.js';
import type { ParkedCalls } from './state/parked-calls.js';
import type { Session } from './state/sessions.js';
import type { SubjectStreams } from './state/stream-slots.js';
import type { UpstreamRuntime } from './upstream/upstream-runtime.js';
import type { HeldAnswers } from './wire/answer.js';

/**
 * When a list kind was last fetched to find an unknown name, and the fetch under way
 * (federation/catalog-refresh.ts). Declared here, where the runtime holds it, so the runtime
 * needs nothing from federation/, which sits above it.
 */
export interface CatalogRefresh {
  at: number;
  running?: Promise<void>;
}

/** Takes a client's answer to a request the gateway sent it in an input round (session/input-rounds.ts). */
export type InputWaiter = (message: { result?: unknown; error?: unknown }) => void;

/**
 * Everything one gateway holds, created by createGateway and passed to each handler, so two
 * gateways in one process share nothing. Types only: it sits above the rooms whose parts it holds
 * (wire, ops, stores, state, upstream) and below the rooms that take it whole (federation, http,
 * session, stateless); upstream/ reads its own slice of it (UpstreamRuntime).
 */
export interface GatewayRuntime extends UpstreamRuntime {
  readonly core: CompiledGateway;
  /** Authentication, remembered per connection. */
  readonly auth: ConnectionAuth;
  /** Upstream sessions held for stateless (2026-07-28) clients, per subject. */
  readonly bridges: BridgeSessions;
  /** Long-lived streams each subject holds (sessions.maxStreamsPerSubject). */
  readonly streams: SubjectStreams;
  /** Stateless clients' calls waiting for the retry that answers their upstream's questions. */
  readonly parked: ParkedCalls;
  readonly decoder: BodyDecoder;
  /** server.trustedProxies and server.forwardedHeaders, as a request's source is read with them. */
  readonly forwarded: ForwardedSettings;
  /** Undefined when no one listens, so the request path does no audit work at all. */
  readonly audit: AuditSink | undefined;
  /** The rate-limit store's own health, when it reports one (Redis does). */
  readonly storeHealth: () => { ok: boolean; detail?: string } | undefined;
  /** Sealed ids sealed by a replica configured otherwise: counted, logged (throttled), answered 503. */
  readonly mismatches: ReplicaMismatches;
  /** When each list kind was last fetched to find an unknown name, and the fetch under way (catalog-refresh.ts). */
  readonly refreshes: Map<ListKind, CatalogRefresh>;
  /** The SSE answers of this turn of the event loop, opened as streams after it: one timer a turn (wire/answer.ts). */
  readonly heldAnswers: HeldAnswers;
  /** Client answers the gateway waits for in input rounds, per session, by the id of the request it sent (input-rounds.ts). */
  readonly inputWaiters: WeakMap<Session, Map<string, InputWaiter>>;
  /** Namings whose collisions have been logged, so each change of names is logged once (federation/lists.ts). */
  readonly loggedNamings: WeakSet<Naming>;
  /** Set by close(): new requests get 503 while open streams finish. */
  closing: boolean;
}

/** How a request's source is read (http/forwarded.ts): server.trustedProxies and server.forwardedHeaders. */
export interface ForwardedSettings {
  /** server.trustedProxies as a matcher, or undefined when the list is empty. */
  readonly trusted: ((address: string) => boolean) | undefined;
  /** server.forwardedHeaders. */
  readonly headers: 'x-forwarded' | 'forwarded';
}
