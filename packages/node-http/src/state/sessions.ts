import { randomBytes } from 'node:crypto';
import type { JsonRpcId, JsonRpcParams, Subject } from '@gw/core';
import { extend } from '@gw/core/internal';
import type { ReplicaMismatch } from '../ops/replica-mismatch.js';
import type { SessionClaims, SessionSealer } from './session-token.js';
import { subjectKey } from './subject-key.js';

/** The gateway's side of one upstream session. */
export interface UpstreamSession {
  /** The id the upstream issued, if it keeps sessions; never shown to the client. */
  sessionId: string | undefined;
  /** The revision the upstream answered initialize with. */
  protocolVersion: string;
  /** What the upstream said it can do (empty for a session opened from a sealed id). */
  capabilities: Record<string, unknown>;
  instructions?: string;
}

/** Where a server-to-client request relayed to the client came from. */
export interface ServerRequestOrigin {
  upstream: string;
  /** The id the upstream gave it; the client sees a gateway id instead, so two upstreams never collide. */
  id: JsonRpcId;
  /** The id the client sees. */
  gatewayId: JsonRpcId;
}

/**
 * The server-to-client requests of one session that await the client's response. With sessions
 * in memory they are held in a map; with sealed session ids the id the client sees carries its
 * origin, so any replica can route the response and nothing is held.
 */
export interface ServerRequestTable {
  /** Requests held here. */
  readonly size: number;
  values(): Iterable<ServerRequestOrigin>;
  /** Gives an upstream's request the id the client will see. */
  add(upstream: string, id: JsonRpcId): JsonRpcId;
  /** Where the request the client answers came from, by the key (idKey) of the id it answers. */
  get(key: string): ServerRequestOrigin | undefined;
  /** Forgets an answered request. */
  delete(key: string): boolean;
  /** The id the client knows for a request its upstream withdrew (notifications/cancelled); undefined if never relayed. */
  withdraw(upstream: string, id: unknown): JsonRpcId | undefined;
}

/** The requests of a session kept in this process: gateway ids are numbers from 0. */
export class LocalServerRequests extends Map<string, ServerRequestOrigin> implements ServerRequestTable {
  private next = 0;

  add(upstream: string, id: JsonRpcId): JsonRpcId {
    const gatewayId = this.next++;
    this.set(idKey(gatewayId), { upstream, id, gatewayId });
    return gatewayId;
  }

  withdraw(upstream: string, id: unknown): JsonRpcId | undefined {
    for (const [key, origin] of this) {
      if (origin.upstream !== upstream || origin.id !== id) continue;
      this.delete(key);
      return origin.gatewayId;
    }
    return undefined;
  }
}

/**
 * Sealed server-request ids answered on this replica, per session: a repeated answer is refused
 * while it is remembered. Bounded (oldest forgotten first), since a sealed session costs this
 * replica nothing until it is used; the same id given out again (its upstream asked anew under
 * the same id) is forgotten, so that answer goes through.
 */
export class AnsweredServerRequests {
  private readonly keys = new Set<string>();

  constructor(private readonly limit = 100_000) {}

  has(sessionId: string, key: string): boolean {
    return this.keys.has(`${sessionId}\n${key}`);
  }

  add(sessionId: string, key: string): void {
    this.keys.add(`${sessionId}\n${key}`);
    if (this.keys.size > this.limit) this.keys.delete(this.keys.values().next().value!);
  }

  forget(sessionId: string, key: string): void {
    this.keys.delete(`${sessionId}\n${key}`);
  }
}

/** The requests of a sealed session: their ids are signed `upstream:id` strings, valid on every replica. */
class SealedServerRequests implements ServerRequestTable {
  readonly size = 0;

  constructor(
    private readonly sealer: SessionSealer,
    private readonly sessionId: string,
    private readonly answered: AnsweredServerRequests,
  ) {}

  values(): Iterable<ServerRequestOrigin> {
    return [];
  }

  add(upstream: string, id: JsonRpcId): JsonRpcId {
    const gatewayId = this.sealer.serverRequestId(this.sessionId, upstream, id);
    this.answered.forget(this.sessionId, idKey(gatewayId));
    return gatewayId;
  }

  get(key: string): ServerRequestOrigin | undefined {
    // The ids handed out are strings: a number (key "n…") names none of them.
    if (!key.startsWith('s') || this.answered.has(this.sessionId, key)) return undefined;
    const gatewayId = key.slice(1);
    const origin = this.sealer.serverRequestOrigin(this.sessionId, gatewayId);
    return origin && extend(origin, { gatewayId });
  }

  delete(key: string): boolean {
    this.answered.add(this.sessionId, key);
    return true;
  }

  withdraw(upstream: string, id: unknown): JsonRpcId | undefined {
    return typeof id === 'string' || typeof id === 'number' ? this.sealer.serverRequestId(this.sessionId, upstream, id) : undefined;
  }
}

/** The client's standalone stream (its GET), into which every upstream's GET stream is merged. */
export interface StandaloneStream {
  /** Starts relaying one upstream's GET stream into this one. */
  attach(upstream: string): void;
  /** Ends the stream. */
  close(): void;
}

/** What a session whose id is a sealed token knows beyond an in-memory one. */
export interface SealedState {
  /**
   * Upstreams whose sessions the id carries. One of them answering 404 ends the client's
   * session: its state on that upstream is gone, and another replica cannot reopen it.
   */
  readonly carried: ReadonlySet<string>;
  /** When the id stops being accepted: initialize plus sessions.maxAgeMs. */
  readonly expiresAt: number;
}

/** One client-facing session and the upstream sessions behind it. */
export interface Session {
  readonly id: string;
  readonly subject: Subject;
  /** The revision negotiated with the client. */
  readonly protocolVersion: string;
  /** The client's initialize params, replayed to each upstream when its session opens. */
  readonly initializeParams: JsonRpcParams;
  /** Upstream sessions, opening or open, by upstream name. */
  readonly upstreams: Map<string, Promise<UpstreamSession>>;
  /** The open ones among them, for use without waiting on a promise. */
  readonly ready: Map<string, UpstreamSession>;
  /** Requests being answered, by id key: which upstream has them (for notifications/cancelled). */
  readonly inFlight: Map<string, string>;
  /** Server-to-client requests relayed to the client and not yet answered. */
  readonly serverRequests: ServerRequestTable;
  /** The client's GET stream, while one is open. */
  stream: StandaloneStream | undefined;
  /** The log level the client set (logging/setLevel), sent with every request to a stateless upstream. */
  logLevel?: string;
  /** Aborted when the session ends, which ends its streams. */
  readonly closed: AbortController;
  lastSeen: number;
  /**
   * Requests of the session being handled and streams of it open here (SessionStore.use): a
   * session in use is not idle, and one let go of while in use is closed only when its last use ends.
   */
  uses: number;
  /** Set while a session let go of here waits for its last use to end: closes it then. */
  whenUnused?: (() => void) | undefined;
  /** Set when the id is a sealed token (sessions.secrets). */
  readonly sealed: SealedState | undefined;
}

/** A key for a JSON-RPC id that keeps 1 and "1" apart. */
export function idKey(id: JsonRpcId): string {
  return `${typeof id === 'number' ? 'n' : 's'}${id}`;
}

/**
 * The upstreams a client's notifications/cancelled should reach. The upstream working on the
 * request when this replica forwarded it; otherwise, with sealed ids, another replica may be
 * forwarding it, so every upstream session that is open (the specification has receivers ignore
 * a cancellation for an id they do not know, and client ids are unique within a session).
 */
export function cancellationTargets(session: Session, requestId: JsonRpcId): string[] {
  const upstream = session.inFlight.get(idKey(requestId));
  if (upstream !== undefined) return [upstream];
  if (!session.sealed) return [];
  return [...session.ready].filter(([, open]) => open.sessionId !== undefined).map(([name]) => name);
}

/** The least recently used session not in use, else the least recently used one (sessions in that order). */
function leastRecentlyUsed(sessions: IterableIterator<Session>): Session | undefined {
  let first: Session | undefined;
  for (const session of sessions) {
    if (session.uses === 0) return session;
    first ??= session;
  }
  return first;
}

function sameSubject(a: Subject, b: Subject): boolean {
  return a.tenant === b.tenant && a.client === b.client && a.apiKeyId === b.apiKeyId;
}

/** How far in the future a sealed id's issue time may lie (clocks of replicas differ a little). */
const CLOCK_SKEW_MS = 5 * 60_000;

/** How long a sealed id is accepted when sessions.maxAgeMs is not set. */
/** How long a sealed id is accepted when sessions.maxAgeMs is not set. */
export const DEFAULT_MAX_AGE_MS = 24 * 60 * 60_000;

/** Most sealed ids remembered as ended, so a replica refuses them without asking an upstream. */
const MAX_ENDED = 10_000;

/**
 * Which upstream sessions go when a session is let go of: all, or only those this replica opened;
 * `idle`: a sealed session idle here, which may be idle on every replica (then all go, once).
 */
export type CloseScope = 'all' | 'local' | 'idle';

export interface SessionLimits {
  idleTimeoutMs: number;
  maxSessions: number;
  /** Most sessions one subject holds (sessions.maxPerSubject); unbounded when omitted. */
  maxPerSubject?: number | undefined;
  /** How long a sealed id is accepted after initialize (sessions.maxAgeMs). */
  maxAgeMs?: number | undefined;
}

function newSession(id: string, subject: Subject, protocolVersion: string, initializeParams: JsonRpcParams): Session {
  return {
    id,
    subject,
    protocolVersion,
    initializeParams,
    upstreams: new Map(),
    ready: new Map(),
    inFlight: new Map(),
    serverRequests: new LocalServerRequests(),
    stream: undefined,
    closed: new AbortController(),
    lastSeen: Date.now(),
    uses: 0,
    sealed: undefined,
  };
}

/**
 * The sessions of one gateway. Ids are 192 random bits, unrelated to any upstream id. A
 * session answers only to the credential that opened it: presented with another, it does not
 * exist (404), exactly like an unknown id, so ids cannot be probed across tenants. Idle sessions
 * are swept on a timer that never keeps the process alive.
 *
 * With a sealer (sessions.secrets), ids are sealed tokens and this store is only a bounded
 * cache of opened ones: a replica that does not hold a session opens it from its id, so losing
 * an entry (idle, evicted, another replica served it) loses nothing. Letting an entry go closes
 * only the upstream sessions this replica opened itself; those the id carries belong to every
 * replica and end with DELETE, max age, the upstream's own timeout, or (scope `idle`, with a
 * store the replicas share) once the session is idle on every replica (idle-sessions.ts).
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  /** The same sessions by subject (subjectKey), least recently used first: the per-subject bound. */
  private readonly bySubject = new Map<string, Map<string, Session>>();
  private readonly maxPerSubject: number;
  /** Sealed ids that ended here, until they expire: refused without decrypting or asking an upstream. */
  private readonly ended = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly maxAgeMs: number;
  /** Server requests of sealed sessions answered here, so each is answered at most once per replica. */
  private readonly answered = new AnsweredServerRequests();

  constructor(
    private readonly limits: SessionLimits,
    private readonly onClose: (session: Session, scope: CloseScope) => void,
    private readonly sealer?: SessionSealer,
  ) {
    this.maxAgeMs = limits.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.maxPerSubject = limits.maxPerSubject ?? Number.POSITIVE_INFINITY;
    this.timer = setInterval(() => this.sweep(Date.now()), Math.min(60_000, Math.max(1_000, limits.idleTimeoutMs / 4)));
    this.timer.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** True when session ids are sealed tokens. */
  get sealing(): boolean {
    return this.sealer !== undefined;
  }

  /** Sessions the subject holds here now. */
  countOf(subject: Subject): number {
    return this.bySubject.get(subjectKey(subject))?.size ?? 0;
  }

  /**
   * Opens a session for a subject, or undefined when the store is full or the subject holds
   * sessions.maxPerSubject already (countOf tells which). Idle sessions are closed first to make
   * room: the subject's own, or, when the store is full, anyone's.
   */
  create(subject: Subject, protocolVersion: string, initializeParams: JsonRpcParams): Session | undefined {
    if (this.countOf(subject) >= this.maxPerSubject) this.sweepSubject(subject, Date.now());
    if (this.countOf(subject) >= this.maxPerSubject) return undefined;
    if (this.sessions.size >= this.limits.maxSessions) this.sweep(Date.now());
    if (this.sessions.size >= this.limits.maxSessions) return undefined;
    const session = newSession(randomBytes(24).toString('base64url'), subject, protocolVersion, initializeParams);
    this.put(session);
    return session;
  }

  /** Holds a session under its id and its subject (most recently used last). */
  private put(session: Session): void {
    this.sessions.set(session.id, session);
    const key = subjectKey(session.subject);
    let mine = this.bySubject.get(key);
    if (!mine) this.bySubject.set(key, (mine = new Map()));
    mine.set(session.id, session);
  }

  private drop(session: Session): void {
    this.sessions.delete(session.id);
    const key = subjectKey(session.subject);
    const mine = this.bySubject.get(key);
    if (!mine) return;
    mine.delete(session.id);
    if (mine.size === 0) this.bySubject.delete(key);
  }

  /** Closes the subject's own sessions idle past the timeout, the room a subject at its bound has. */
  private sweepSubject(subject: Subject, now: number): void {
    for (const session of [...(this.bySubject.get(subjectKey(subject))?.values() ?? [])]) this.sweepOne(session, now);
  }

  /**
   * Closes a session idle past the timeout, or a sealed one past its max age. One with a request
   * being answered or a stream open is not idle, however long ago the client last sent anything.
   */
  private sweepOne(session: Session, now: number): void {
    const expired = session.sealed !== undefined && now >= session.sealed.expiresAt;
    if (expired) this.letGo(session, 'all');
    else if (session.uses === 0 && now - session.lastSeen > this.limits.idleTimeoutMs) this.letGo(session, session.sealed ? 'idle' : 'all');
  }

  /**
   * Takes a session out of the table and closes it, at once when nothing uses it; else only when
   * its last request or stream ends, so letting go of it (eviction from a full cache) never cuts
   * an answer off or empties the upstream sessions a request is about to use.
   */
  private letGo(session: Session, scope: CloseScope): void {
    const close = () => {
      session.stream?.close();
      session.closed.abort();
      this.onClose(session, scope);
    };
    if (this.sessions.get(session.id) === session) this.drop(session);
    if (session.uses === 0) close();
    else session.whenUnused = close;
  }

  /**
   * Counts a request or stream of the session as using it until the returned function is called:
   * the session is not idle meanwhile, and its idle time starts when its last use ends.
   */
  use(session: Session): () => void {
    session.uses++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      session.lastSeen = Date.now();
      if (--session.uses !== 0) return;
      const close = session.whenUnused;
      session.whenUnused = undefined;
      close?.();
    };
  }

  /**
   * A session that is not held yet and has no id the client may use: with sealed ids, its
   * upstream sessions are opened first, then `admit` seals them into its id.
   */
  draft(subject: Subject, protocolVersion: string, initializeParams: JsonRpcParams): Session {
    return newSession(randomBytes(24).toString('base64url'), subject, protocolVersion, initializeParams);
  }

  /**
   * Seals a draft's open upstream sessions into a session id and holds the session under it.
   * Undefined when the id would be too long for a header (upstream session ids that are huge).
   */
  admit(draft: Session, maxChars: number): Session | undefined {
    const sealer = this.sealer;
    if (!sealer) throw new Error('admit needs sealed sessions');
    const claims: SessionClaims = {
      subject: draft.subject,
      protocolVersion: draft.protocolVersion,
      initializeParams: draft.initializeParams,
      issuedAt: Date.now(),
      upstreams: [...draft.ready].map(([name, open]) => ({ name, sessionId: open.sessionId, protocolVersion: open.protocolVersion })),
    };
    const token = sealer.seal(claims);
    if (token.length > maxChars) return undefined;
    const session: Session = {
      ...draft,
      id: token,
      serverRequests: new SealedServerRequests(sealer, token, this.answered),
      sealed: { carried: new Set(claims.upstreams.map((upstream) => upstream.name)), expiresAt: claims.issuedAt + this.maxAgeMs },
    };
    this.hold(session);
    return session;
  }

  /** The session with this id, if it belongs to this subject; touching it keeps it alive. */
  find(id: string, subject: Subject): Session | undefined {
    const found = this.lookup(id, subject);
    return found && 'mismatch' in found ? undefined : found;
  }

  /**
   * Like find, and a sealed id this replica cannot serve because it is configured otherwise than
   * the replica that sealed it gives the mismatch (nothing is ended: another replica may serve it).
   */
  lookup(id: string, subject: Subject): Session | { mismatch: ReplicaMismatch } | undefined {
    const session = this.sessions.get(id);
    if (!session) return this.sealer ? this.open(id, subject) : undefined;
    if (!sameSubject(session.subject, subject)) return undefined;
    const now = Date.now();
    if (session.sealed) {
      if (now >= session.sealed.expiresAt) {
        // Expired for every replica alike, so this one may end its upstream sessions.
        this.remove(id);
        this.onClose(session, 'all');
        return undefined;
      }
      // Least recently used first, for eviction.
      this.drop(session);
      this.put(session);
    }
    session.lastSeen = now;
    return session;
  }

  /** A sealed session this replica does not hold, opened from its id. */
  private open(id: string, subject: Subject): Session | { mismatch: ReplicaMismatch } | undefined {
    if (this.ended.has(id)) return undefined;
    const unsealed = this.sealer!.unseal(id);
    const now = Date.now();
    // Bound to another credential, or expired: unknown, whatever else the id says.
    if (unsealed.claims) {
      const { issuedAt } = unsealed.claims;
      if (!sameSubject(unsealed.claims.subject, subject) || now >= issuedAt + this.maxAgeMs || issuedAt > now + CLOCK_SKEW_MS) return undefined;
    }
    if (!unsealed.ok) return unsealed.mismatch && { mismatch: unsealed.mismatch };
    const claims = unsealed.claims;
    const expiresAt = claims.issuedAt + this.maxAgeMs;
    const session: Session = {
      ...newSession(id, claims.subject, claims.protocolVersion, claims.initializeParams),
      serverRequests: new SealedServerRequests(this.sealer!, id, this.answered),
      sealed: { carried: new Set(claims.upstreams.map((upstream) => upstream.name)), expiresAt },
    };
    for (const { name, sessionId, protocolVersion } of claims.upstreams) {
      const open: UpstreamSession = { sessionId, protocolVersion, capabilities: {} };
      session.ready.set(name, open);
      session.upstreams.set(name, Promise.resolve(open));
    }
    this.hold(session);
    return session;
  }

  /**
   * Holds a sealed session, letting the least recently used one go when full (it can be reopened
   * from its id): the subject's own when it holds sessions.maxPerSubject, so no subject's load
   * pushes another's out of the cache while it has room.
   */
  private hold(session: Session): void {
    const mine = this.bySubject.get(subjectKey(session.subject));
    const full = this.sessions.size >= this.limits.maxSessions;
    if ((mine?.size ?? 0) >= this.maxPerSubject || full) {
      const oldest = leastRecentlyUsed((mine?.size ?? 0) >= this.maxPerSubject ? mine!.values() : this.sessions.values());
      if (oldest) this.letGo(oldest, 'local');
    }
    this.put(session);
  }

  /** Ends a session here; the caller closes its upstream sessions. */
  remove(id: string): Session | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    this.drop(session);
    session.stream?.close();
    session.closed.abort();
    return session;
  }

  /**
   * Ends a session for good (DELETE, or an upstream that lost its carried session): like remove,
   * and a sealed id is remembered as ended until it expires, so this replica refuses it at once.
   */
  end(session: Session): void {
    if (this.sessions.get(session.id) === session) this.remove(session.id);
    else {
      session.stream?.close();
      session.closed.abort();
    }
    if (!session.sealed) return;
    if (this.ended.size >= MAX_ENDED) this.ended.delete(this.ended.keys().next().value!);
    this.ended.set(session.id, session.sealed.expiresAt);
  }

  /** Closes every session idle longer than the timeout (a sealed one: lets go of it here). */
  sweep(now: number): void {
    for (const session of this.sessions.values()) this.sweepOne(session, now);
    for (const [id, expiresAt] of this.ended) if (now >= expiresAt) this.ended.delete(id);
  }

  /** Stops the sweeper and hands back every open session, for shutdown. */
  drain(): Session[] {
    clearInterval(this.timer);
    const all = [...this.sessions.values()];
    for (const session of all) this.remove(session.id);
    return all;
  }
}
