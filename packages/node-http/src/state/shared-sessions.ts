import { createHash } from 'node:crypto';
import type { RateLimitStore } from '@gw/core';
import type { GatewayLogger } from '../ops/logger.js';
import type { Session } from './sessions.js';

/** The store operations sealed sessions share state through (Redis has them; the memory store shares nothing). */
type SharingStore = Required<Pick<RateLimitStore, 'claim' | 'read' | 'write'>>;

/** Longest interval between two last-seen writes of one session by one replica. */
const MAX_REFRESH_MS = 5_000;
/** How often one kind of store failure is logged at most. */
const LOG_INTERVAL_MS = 60_000;

/**
 * What replicas serving sealed sessions share through the rate-limit store (Redis), so that a
 * session idle on every replica, or ended by DELETE on one, ends on all of them:
 *
 * - `<keyPrefix>:session:seen:<hash>`: when a replica last served the session, written at most
 *   once per refresh interval per session and replica, expiring after the idle timeout (plus two
 *   intervals), so writes stay bounded and an idle session costs nothing;
 * - `<keyPrefix>:session:ended:<hash>`: set by DELETE and by the replica that closes an idle
 *   session, until the id expires; every replica then refuses the id (404);
 * - `<keyPrefix>:once:idle:<hash>`: taken (SET NX) by the one replica that closes the upstream
 *   sessions of a session idle everywhere (or past its max age).
 *
 * Each replica that lets a session go as idle while another served it since asks again when it
 * would be idle everywhere, so the replica that served it last need not be the one that notices.
 *
 * The hash is SHA-256 of the id, so keys stay short and never show the id. The store is never
 * waited on for longer than its command timeout, and a failure serves the request (it is logged):
 * a Redis outage must not refuse sessions. It never ends one either: a session whose last-seen
 * cannot be read is taken to be in use (and asked about again later).
 */
export class SharedSessions {
  /** When this replica last checked and refreshed each session it holds. */
  private readonly refreshed = new WeakMap<Session, number>();
  /** When each kind of failure was last logged. */
  private readonly logged = new Map<string, number>();
  /** Sessions let go of here as idle that another replica served since: when to ask again. */
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** Longest time between two last-seen writes of one session by this replica. */
  readonly refreshMs: number;

  constructor(
    private readonly store: SharingStore,
    private readonly keyPrefix: string,
    private readonly idleTimeoutMs: number,
    private readonly logger: GatewayLogger,
    private readonly maxPending: number,
  ) {
    this.refreshMs = Math.min(MAX_REFRESH_MS, Math.max(100, Math.floor(idleTimeoutMs / 4)));
  }

  /** The store as sharing needs it, or undefined when it shares nothing (no claim, read or write). */
  static over(store: RateLimitStore | undefined): SharingStore | undefined {
    if (!store?.claim || !store.read || !store.write) return undefined;
    const { claim, read, write } = store;
    return { claim: claim.bind(store), read: read.bind(store), write: write.bind(store) };
  }

  private key(kind: string, session: Session): string {
    return `${this.keyPrefix}:${kind}:${createHash('sha256').update(session.id).digest('base64url')}`;
  }

  private failed(what: string, error: unknown): void {
    const now = Date.now();
    const last = this.logged.get(what);
    if (last !== undefined && now - last < LOG_INTERVAL_MS) return;
    this.logged.set(what, now);
    this.logger.warn(`sealed sessions: cannot ${what} in the shared store; carrying on without it (logged at most once a minute)`, {
      event: 'shared_session_store_failed',
      error: error instanceof Error ? error.message : String(error),
    });
  }

  /**
   * Whether this replica may serve a sealed session now: false once any replica ended it. Asks
   * the store at most once per refresh interval per session (and refreshes its last-seen then);
   * in between, and when the store fails, the answer is yes.
   */
  async admit(session: Session): Promise<boolean> {
    const now = Date.now();
    const last = this.refreshed.get(session);
    if (last !== undefined && now - last < this.refreshMs) return true;
    this.refreshed.set(session, now);
    const [ended] = await Promise.all([
      Promise.resolve(this.store.read(this.key('session:ended', session))).catch((error: unknown) => {
        this.failed('read whether a session ended', error);
        return undefined;
      }),
      Promise.resolve(this.store.write(this.key('session:seen', session), String(now), this.idleTimeoutMs + 2 * this.refreshMs)).catch((error: unknown) => {
        this.failed('record when a session was last used', error);
      }),
    ]);
    return ended === undefined;
  }

  /** Marks a session ended for every replica, until its id expires. */
  async end(session: Session): Promise<void> {
    const ttlMs = (session.sealed?.expiresAt ?? 0) - Date.now();
    if (ttlMs <= 0) return;
    try {
      await this.store.write(this.key('session:ended', session), '1', ttlMs);
    } catch (error) {
      this.failed('mark a session ended', error);
    }
  }

  /**
   * Whether a session idle on this replica is idle on every replica, and this replica is the one
   * to close it (taken once between them); if not yet, in how long to ask again (another replica
   * served it since, or the store failed). Never "close" when the store cannot tell.
   */
  async idleVerdict(session: Session): Promise<{ close: boolean; askAgainInMs?: number }> {
    const expiresAt = session.sealed?.expiresAt ?? 0;
    try {
      const [seen, ended] = await Promise.all([this.store.read(this.key('session:seen', session)), this.store.read(this.key('session:ended', session))]);
      // Ended by DELETE or by another replica's idle close: whoever ended it closes it.
      if (ended !== undefined) return { close: false };
      const now = Date.now();
      // A replica that serves the session writes at least once per refresh interval; a use
      // since its last write lies within one interval of it.
      const idleAt = seen === undefined ? now : Number(seen) + this.idleTimeoutMs + this.refreshMs;
      if (now < idleAt && now < expiresAt) return { close: false, askAgainInMs: Math.min(idleAt, expiresAt) - now };
      return { close: await this.store.claim(this.key('once:idle', session), Math.max(1, expiresAt - now)) };
    } catch (error) {
      this.failed('read when a session was last used', error);
      return Date.now() < expiresAt ? { close: false, askAgainInMs: this.idleTimeoutMs } : { close: false };
    }
  }

  /**
   * Runs `check` again in `delayMs`, for a session this replica let go of as idle while another
   * replica still served it: the replica that served it last may have let go of it first. One
   * timer per session id (a newer one replaces it), at most maxSessions of them, never keeping
   * the process alive.
   */
  askAgain(session: Session, delayMs: number, check: () => void): void {
    const previous = this.pending.get(session.id);
    if (previous) clearTimeout(previous);
    else if (this.pending.size >= this.maxPending) return;
    const timer = setTimeout(() => {
      this.pending.delete(session.id);
      check();
    }, delayMs);
    timer.unref();
    this.pending.set(session.id, timer);
  }

  /** Cancels every pending question, for shutdown. */
  stop(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}
