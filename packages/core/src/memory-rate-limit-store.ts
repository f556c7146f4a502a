import RateLimiterMemory from 'rate-limiter-flexible/lib/RateLimiterMemory.js';
import type { RateLimitOutcome, RateLimitStore } from './rate-limit.js';

/**
 * Counters in this process, one fixed 60-second window per key (rate-limiter-flexible's memory
 * limiter, the same algorithm as its Redis limiter, so switching stores changes no limits).
 * Expired keys are dropped by unref'd timers, so memory follows the number of active keys.
 */
export function createMemoryRateLimitStore(): RateLimitStore {
  // One limiter per distinct limit; there are as many as distinct byMethod values plus one.
  const limiters = new Map<number, RateLimiterMemory>();
  return {
    // Not async: the limiter's promise is passed on as it is, without a wrapping one per call.
    consume(key, limitPerMinute): Promise<RateLimitOutcome> {
      let limiter = limiters.get(limitPerMinute);
      if (!limiter) {
        limiter = new RateLimiterMemory({ points: limitPerMinute, duration: 60, keyPrefix: '' });
        limiters.set(limitPerMinute, limiter);
      }
      return consumeOutcome(limiter.consume(key, 1));
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
export function consumeOutcome(consumed: Promise<LimiterResult>): Promise<RateLimitOutcome> {
  return consumed.then(
    (res) => ({ allowed: true, remaining: res.remainingPoints, resetMs: res.msBeforeNext }),
    (rejection: unknown) => {
      if (rejection instanceof Error) throw rejection;
      const res = rejection as LimiterResult;
      return { allowed: false, remaining: res.remainingPoints, resetMs: res.msBeforeNext };
    },
  );
}
