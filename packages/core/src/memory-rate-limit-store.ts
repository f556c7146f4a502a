import MemoryStorage from 'rate-limiter-flexible/lib/component/MemoryStorage/MemoryStorage.js';
import type { RateLimitOutcome, RateLimitStore } from './rate-limit.js';

/** The window every key counts in, as the Redis store does. */
const WINDOW_SECONDS = 60;

/**
 * Counters in this process, one fixed 60-second window per key: rate-limiter-flexible's memory
 * storage, the same algorithm as its Redis limiter, so switching stores changes no limits.
 * Expired keys are dropped by unref'd timers, so memory follows the number of active keys. Used
 * directly rather than through RateLimiterMemory, which wraps each answer in a promise: the
 * answer is known at once, and the decision of a request then takes no promise at all.
 */
export function createMemoryRateLimitStore(): RateLimitStore {
  const storage = new MemoryStorage();
  return {
    consume(key, limitPerMinute): RateLimitOutcome {
      const counted = storage.incrby(key, 1, WINDOW_SECONDS);
      return { allowed: counted.consumedPoints <= limitPerMinute, remaining: Math.max(limitPerMinute - counted.consumedPoints, 0), resetMs: counted.msBeforeNext };
    },
  };
}
