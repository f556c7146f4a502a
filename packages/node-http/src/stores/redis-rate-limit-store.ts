/// <reference path="./rate-limiter-flexible.d.ts" />
// The reference brings the ambient module declaration into every program that compiles this
// file (the test project includes only its own folder and reaches src through imports).
import type { RateLimitOutcome, RateLimitStore } from '@gw/core';
import { Redis } from 'ioredis';
import RateLimiterRedis from 'rate-limiter-flexible/lib/RateLimiterRedis.js';

/** Where the Redis store connects and how long it waits. */
export interface RedisRateLimitStoreOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  url: string;
  /** How long creation waits for Redis to be ready, in milliseconds. Default 3000. */
  connectTimeoutMs?: number;
  /** How long one counter update may take before it fails, in milliseconds. Default 500. */
  commandTimeoutMs?: number;
}

/** A rate-limit store whose counters live in Redis, shared by every gateway that uses the same Redis. */
export interface RedisRateLimitStore extends RateLimitStore {
  /** Quits the connection (bounded in time), then drops it. Safe to call more than once. */
  close(): Promise<void>;
  /** `ok` while the connection is ready; otherwise a detail such as `redis reconnecting (ECONNREFUSED)`. */
  health(): { ok: boolean; detail?: string };
}

const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 500;
/** Reconnect delays grow by this much per attempt... */
const RETRY_STEP_MS = 200;
/** ...up to this, so a Redis that comes back is picked up within about this long. */
const RETRY_CAP_MS = 2_000;

/** The URL as errors may show it: scheme, host:port and db, never credentials or query. */
function describeUrl(url: URL): string {
  const credentials = url.username !== '' || url.password !== '' ? '***@' : '';
  const db = url.pathname === '/' ? '' : url.pathname;
  return `${url.protocol}//${credentials}${url.host}${db}`;
}

/** The password as ioredis sends it (percent-decoded), or as written when it does not decode. */
function decodedPassword(url: URL): string {
  try {
    return decodeURIComponent(url.password);
  } catch {
    return url.password;
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`createRedisRateLimitStore: ${name} must be a positive number of milliseconds`);
  return value;
}

/**
 * Connects to Redis and returns a store with the memory store's algorithm (a fixed 60-second
 * window per key, rate-limiter-flexible's atomic INCR + PEXPIRE script) whose counters are shared
 * by every gateway on the same Redis. Each key is stored exactly as the rate limiter builds it,
 * `<keyPrefix>:rate:<tenant>:<client>:<method>`.
 *
 * Rejects, after disconnecting, when Redis is not ready within `connectTimeoutMs`: a gateway
 * configured for Redis never silently falls back to memory. Once created, a lost connection makes
 * `consume` reject at once (core's `rateLimit.storeFailure` then decides) while the client keeps
 * reconnecting in the background, with a capped backoff, until Redis is back.
 *
 * ```ts
 * const store = await createRedisRateLimitStore({ url: 'redis://127.0.0.1:6379' });
 * const gateway = createGateway(options, { rateLimitStore: store });
 * ```
 */
export async function createRedisRateLimitStore(options: RedisRateLimitStoreOptions): Promise<RedisRateLimitStore> {
  const connectTimeoutMs = positive('connectTimeoutMs', options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  const commandTimeoutMs = positive('commandTimeoutMs', options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
  let url: URL | undefined;
  try {
    url = new URL(options.url);
  } catch {
    url = undefined;
  }
  // Not echoed: a malformed URL may still hold a password.
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:')) {
    throw new TypeError('createRedisRateLimitStore: url must be redis://host:port or rediss://host:port');
  }
  const target = describeUrl(url);
  const password = decodedPassword(url);
  // Error texts come from ioredis and the server; scrub the password in case one ever echoes it.
  const scrub = (text: string) => (password === '' ? text : text.split(password).join('***'));

  let lastError: (Error & { code?: string }) | undefined;
  const client = new Redis(options.url, {
    // Connect below, where a failure can be reported and cleaned up.
    lazyConnect: true,
    // A counter update is worthless once its request was answered: fail now rather than queue
    // while disconnected, and never replay one after a reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: connectTimeoutMs,
    // A Redis that accepts but does not answer (paused, overloaded) fails the update too.
    commandTimeout: commandTimeoutMs,
    // Keep reconnecting for as long as the store lives; close() stops it.
    retryStrategy: (attempt: number) => Math.min(attempt * RETRY_STEP_MS, RETRY_CAP_MS),
  });
  // Without a listener ioredis prints every connection error; health() reports the last one.
  client.on('error', (error: Error) => {
    lastError = error;
  });
  client.on('ready', () => {
    lastError = undefined;
  });

  // Wait for 'ready' rather than connect()'s own promise: that one rejects on the first refused
  // attempt, while the retry strategy may still reach a Redis that is starting up in time.
  let onReady: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onReady = resolve;
      client.once('ready', onReady);
      timer = setTimeout(() => reject(new Error('timed out')), connectTimeoutMs);
      client.connect().catch(() => undefined);
    });
  } catch {
    // Stops the reconnect timer and the socket, so a failed creation leaves nothing running.
    client.disconnect();
    const reason = lastError ? scrub(lastError.message) : `not ready after ${connectTimeoutMs} ms`;
    throw new Error(`Redis rate-limit store: cannot reach ${target} within ${connectTimeoutMs} ms: ${reason}`, lastError ? { cause: lastError } : undefined);
  } finally {
    clearTimeout(timer);
    if (onReady) client.off('ready', onReady);
  }

  // One limiter per distinct limit, as in the memory store; they share the one connection.
  const limiters = new Map<number, RateLimiterRedis>();
  let closing: Promise<void> | undefined;

  return {
    async consume(key, limitPerMinute): Promise<RateLimitOutcome> {
      if (closing) throw new Error('Redis rate-limit store is closed');
      let limiter = limiters.get(limitPerMinute);
      if (!limiter) {
        limiter = new RateLimiterRedis({
          storeClient: client,
          points: limitPerMinute,
          duration: 60,
          // An empty prefix stores the key as given (rate-limiter-flexible would add `<prefix>:`).
          keyPrefix: '',
          // Fail at once while reconnecting instead of handing the command to a client that cannot send it.
          rejectIfRedisNotReady: true,
        });
        limiters.set(limitPerMinute, limiter);
      }
      // An Error (Redis failed) is passed on; over the limit is an answer.
      return consumeOutcome(limiter.consume(key, 1));
    },

    async claim(key, ttlMs): Promise<boolean> {
      if (closing) throw new Error('Redis rate-limit store is closed');
      // SET NX: atomic, so of two replicas taking one key at once exactly one gets it.
      return (await client.set(key, '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK';
    },

    async write(key, value, ttlMs): Promise<void> {
      if (closing) throw new Error('Redis rate-limit store is closed');
      await client.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)));
    },

    async read(key): Promise<string | undefined> {
      if (closing) throw new Error('Redis rate-limit store is closed');
      return (await client.get(key)) ?? undefined;
    },

    health() {
      if (closing) return { ok: false, detail: 'redis closed' };
      const status = client.status;
      if (status === 'ready') return { ok: true };
      const state = status === 'close' || status === 'end' ? 'closed' : status;
      const code = lastError?.code;
      return { ok: false, detail: code ? `redis ${state} (${code})` : `redis ${state}` };
    },

    close() {
      closing ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const bound = (ms: number) =>
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, ms);
          });
        const ended = new Promise<void>((resolve) => client.once('end', resolve));
        if (client.status === 'ready') {
          await Promise.race([client.quit().then(() => undefined, () => undefined), bound(commandTimeoutMs)]);
          clearTimeout(timer);
        }
        // After QUIT this makes sure no socket or reconnect timer is left, and the wait for
        // 'end' that the socket is really gone when close() resolves.
        if (client.status !== 'end') {
          client.disconnect();
          await Promise.race([ended, bound(commandTimeoutMs)]);
          clearTimeout(timer);
        }
      })();
      return closing;
    },
  };
}

/** rate-limiter-flexible's answer to a consume: its result when allowed, rejected with it when over. */
interface LimiterResult {
  remainingPoints: number;
  msBeforeNext: number;
}

/**
 * Turns a rate-limiter-flexible consume into a store outcome. It rejects with its result when
 * the limit is used up (an answer, not a failure) and with an Error when the store failed,
 * which is passed on so rateLimit.storeFailure decides.
 */
function consumeOutcome(consumed: Promise<LimiterResult>): Promise<RateLimitOutcome> {
  return consumed.then(
    (res) => ({ allowed: true, remaining: res.remainingPoints, resetMs: res.msBeforeNext }),
    (rejection: unknown) => {
      if (rejection instanceof Error) throw rejection;
      const res = rejection as LimiterResult;
      return { allowed: false, remaining: res.remainingPoints, resetMs: res.msBeforeNext };
    },
  );
}
