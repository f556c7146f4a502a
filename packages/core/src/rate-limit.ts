import { deny, type Denial } from './errors.js';
import { isPending } from './pending.js';
import type { ResolvedOptions } from './options.js';
import type { Subject } from './subject.js';

/** What a store answers when one point is taken from a key. */
export interface RateLimitOutcome {
  /** Whether the point fit within the limit. */
  allowed: boolean;
  /** Points left in the current window. */
  remaining: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

/**
 * Where counters live. The memory store ships here; the Redis store ships with the data plane.
 * A store rejects (throws) only when it cannot answer, e.g. Redis is down.
 */
export interface RateLimitStore {
  /**
   * Takes one point from `key`, whose limit is `limitPerMinute` per 60-second window. A store
   * that knows at once (the memory store) answers directly; one that must ask (Redis) with a promise.
   */
  consume(key: string, limitPerMinute: number): RateLimitOutcome | PromiseLike<RateLimitOutcome>;
  /**
   * Takes `key` once for `ttlMs`: true the first time, false while it is taken (by any gateway
   * sharing the store). Replicas sharing a Redis store use it so that a client's answer to a
   * server's request reaches the upstream once, whichever replica takes it. A store without it
   * shares nothing between replicas.
   */
  claim?(key: string, ttlMs: number): boolean | PromiseLike<boolean>;
  /**
   * Sets `key` to `value` for `ttlMs`, replacing what it held. With `read` and `claim`, replicas
   * with sealed session ids share through it when each session was last used and which ended,
   * so idle timeouts and DELETE hold across them. A store without it shares nothing.
   */
  write?(key: string, value: string, ttlMs: number): void | PromiseLike<void>;
  /** What `key` holds, or undefined when it is not set (or expired). */
  read?(key: string): string | undefined | PromiseLike<string | undefined>;
  /** Releases timers and connections. */
  close?(): Promise<void>;
  /** Whether the store can answer now, for /health (a store without it is taken to be fine). */
  health?(): { ok: boolean; detail?: string };
}

/** What a rate-limit decision tells the caller and the response headers. */
export interface RateLimitInfo {
  /** The store key: `<keyPrefix>:rate:<tenant>:<client>:<method>`. */
  key: string;
  /** Requests allowed per minute for this key. */
  limit: number;
  /** Requests left in the current window. */
  remaining: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
  /** True when the store failed and rateLimit.storeFailure is `open`. */
  degraded?: true;
}

/** Allowed with the counters, or the denial (429 with Retry-After, or 503 when the store failed closed). */
export type RateLimitResult = { ok: true; rateLimit: RateLimitInfo } | Denial;

/** Decides rate limits per tenant, client and method. */
export interface RateLimiter {
  /** The limit that applies to a method. */
  limitFor(method: string): number;
  /** The store key for a subject and method. */
  keyFor(subject: Subject, method: string): string;
  /** Takes one point for the subject and method: at once when the store answers at once. */
  consume(subject: Subject, method: string): RateLimitResult | Promise<RateLimitResult>;
}

// Key parts are separated by ':'; escaping ':' and '%' in each part keeps two different
// tenant/client pairs from ever sharing a key, while ordinary names stay readable.
function keyPart(text: string): string {
  if (!text.includes(':') && !text.includes('%')) return text;
  return text.replace(/%/g, '%25').replace(/:/g, '%3A');
}

/** How many methods' keys are kept per subject; past that, keys are built for each request. */
const MAX_KEPT_METHODS = 64;

/** Builds the rate limiter over a store. */
export function createRateLimiter(config: ResolvedOptions['rateLimit'], store: RateLimitStore): RateLimiter {
  const byMethod = new Map(Object.entries(config.byMethod));
  const prefix = `${config.keyPrefix}:rate:`;
  const limitFor = (method: string) => byMethod.get(method) ?? config.defaultRpm;
  const buildKey = (subject: Subject, method: string) => `${prefix}${keyPart(subject.tenant)}:${keyPart(subject.client)}:${keyPart(method)}`;
  // Each key is built once per subject (an API key's subject is one object for the gateway's
  // life) and method: the store looks it up on every request, and a string built anew must be
  // hashed whole each time, where a kept one carries its hash. Bounded per subject, since a
  // permissive policy lets any method name through.
  const keys = new WeakMap<Subject, Map<string, string>>();
  const keyFor = (subject: Subject, method: string): string => {
    let bySubject = keys.get(subject);
    if (bySubject === undefined) keys.set(subject, (bySubject = new Map()));
    let key = bySubject.get(method);
    if (key === undefined) {
      key = buildKey(subject, method);
      if (bySubject.size < MAX_KEPT_METHODS) bySubject.set(method, key);
    }
    return key;
  };

  return {
    limitFor,
    keyFor,
    consume(subject, method) {
      const key = keyFor(subject, method);
      const limit = limitFor(method);
      const failed = (): RateLimitResult => {
        if (config.storeFailure === 'open') return { ok: true, rateLimit: { key, limit, remaining: limit, resetMs: 0, degraded: true } };
        return deny('RATE_LIMIT_STORE_UNAVAILABLE', 'try again shortly', { headers: { 'retry-after': '1' } });
      };
      const decided = (outcome: RateLimitOutcome): RateLimitResult => {
        if (!outcome.allowed) {
          const seconds = Math.max(1, Math.ceil(outcome.resetMs / 1000));
          return deny('RATE_LIMITED', `${limit} ${method} requests per minute; retry in ${seconds} s`, {
            headers: { 'retry-after': String(seconds) },
            data: { limit, retryAfterMs: outcome.resetMs },
          });
        }
        return { ok: true, rateLimit: { key, limit, remaining: outcome.remaining, resetMs: outcome.resetMs } };
      };
      let outcome: RateLimitOutcome | PromiseLike<RateLimitOutcome>;
      try {
        outcome = store.consume(key, limit);
      } catch {
        return failed();
      }
      return isPending(outcome) ? Promise.resolve(outcome).then(decided, failed) : decided(outcome);
    },
  };
}
