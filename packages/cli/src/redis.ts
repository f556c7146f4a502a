// The one place the CLI touches the Redis rate-limit store, which @gw/node-http provides.
import { createRedisRateLimitStore, type RedisRateLimitStore } from '@gw/node-http';

export type { RedisRateLimitStore };

/** What the store is created with. */
export interface RedisStoreOptions {
  url: string;
  /** How long the first connection may take before start-up fails. */
  connectTimeoutMs: number;
  /** How long one counter command may take before the store counts as failing. */
  commandTimeoutMs: number;
}

/** Thrown when Redis cannot be used; `run` prints the message and exits non-zero. */
export class RedisStartError extends Error {
  override readonly name = 'RedisStartError';
}

/**
 * Connects the Redis store, or fails within `connectTimeoutMs` plus a second whatever the store
 * does: an unreachable Redis must stop start-up, never hang it.
 */
export async function connectRedisStore(options: RedisStoreOptions): Promise<RedisRateLimitStore> {
  const pending = createRedisRateLimitStore(options);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisStartError(`no connection within ${options.connectTimeoutMs + 1_000} ms`)), options.connectTimeoutMs + 1_000);
  });
  try {
    return await Promise.race([pending, deadline]);
  } catch (error) {
    // A store that connects after we gave up must not keep the process alive.
    void pending.then((store) => store.close()).catch(() => undefined);
    if (error instanceof RedisStartError) throw error;
    throw new RedisStartError(error instanceof Error ? error.message : String(error));
  } finally {
    clearTimeout(timer);
  }
}
