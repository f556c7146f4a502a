import { randomBytes } from 'node:crypto';
import type { JsonRpcId, JsonRpcParams, Subject } from '@gw/core';

/** The gateway's side of one upstream session. */
export interface UpstreamSession {
  /** The id the upstream issued, if it keeps sessions; never shown to the client. */
  sessionId: string | undefined;
  /** The revision the upstream answered initialize with. */
  protocolVersion: string;
  /** What the upstream said it can do. */
  capabilities: Record<string, unknown>;
  instructions?: string;
}

/** Where a server-to-client request relayed to the client came from. */
export interface ServerRequestOrigin {
  upstream: string;
  /** The id the upstream gave it; the client sees a gateway id instead, so two upstreams never collide. */
  id: JsonRpcId;
  /** The id the client sees. */
  gatewayId: number;
}

/** The client's standalone stream (its GET), into which every upstream's GET stream is merged. */
export interface StandaloneStream {
  /** Starts relaying one upstream's GET stream into this one. */
  attach(upstream: string): void;
  /** Ends the stream. */
  close(): void;
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
  /** Server-to-client requests relayed to the client and not yet answered, by gateway id key. */
  readonly serverRequests: Map<string, ServerRequestOrigin>;
  /** The next gateway id for a relayed server-to-client request. */
  nextServerRequestId: number;
  /** The client's GET stream, while one is open. */
  stream: StandaloneStream | undefined;
  /** Aborted when the session ends, which ends its streams. */
  readonly closed: AbortController;
  lastSeen: number;
}

/** A key for a JSON-RPC id that keeps 1 and "1" apart. */
export function idKey(id: JsonRpcId): string {
  return `${typeof id === 'number' ? 'n' : 's'}${id}`;
}

function sameSubject(a: Subject, b: Subject): boolean {
  return a.tenant === b.tenant && a.client === b.client && a.apiKeyId === b.apiKeyId;
}

/**
 * The sessions of one gateway. Ids are 192 random bits, unrelated to any upstream id. A
 * session answers only to the credential that opened it: presented with another, it does not
 * exist (404), exactly like an unknown id, so ids cannot be probed across tenants. Idle sessions
 * are swept on a timer that never keeps the process alive.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly limits: { idleTimeoutMs: number; maxSessions: number },
    private readonly onClose: (session: Session) => void,
  ) {
    this.timer = setInterval(() => this.sweep(Date.now()), Math.min(60_000, Math.max(1_000, limits.idleTimeoutMs / 4)));
    this.timer.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Opens a session for a subject, or undefined when the store is full. */
  create(subject: Subject, protocolVersion: string, initializeParams: JsonRpcParams): Session | undefined {
    if (this.sessions.size >= this.limits.maxSessions) this.sweep(Date.now());
    if (this.sessions.size >= this.limits.maxSessions) return undefined;
    const session: Session = {
      id: randomBytes(24).toString('base64url'),
      subject,
      protocolVersion,
      initializeParams,
      upstreams: new Map(),
      ready: new Map(),
      inFlight: new Map(),
      serverRequests: new Map(),
      nextServerRequestId: 0,
      stream: undefined,
      closed: new AbortController(),
      lastSeen: Date.now(),
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The session with this id, if it belongs to this subject; touching it keeps it alive. */
  find(id: string, subject: Subject): Session | undefined {
    const session = this.sessions.get(id);
    if (!session || !sameSubject(session.subject, subject)) return undefined;
    session.lastSeen = Date.now();
    return session;
  }

  /** Ends a session here; the caller closes its upstream sessions. */
  remove(id: string): Session | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    this.sessions.delete(id);
    session.stream?.close();
    session.closed.abort();
    return session;
  }

  /** Closes every session idle longer than the timeout. */
  sweep(now: number): void {
    for (const session of this.sessions.values()) {
      if (now - session.lastSeen > this.limits.idleTimeoutMs) {
        this.remove(session.id);
        this.onClose(session);
      }
    }
  }

  /** Stops the sweeper and hands back every open session, for shutdown. */
  drain(): Session[] {
    clearInterval(this.timer);
    const all = [...this.sessions.values()];
    for (const session of all) this.remove(session.id);
    return all;
  }
}
