// rate-limiter-flexible's index also loads its cluster, Redis and SQL limiters (and with them
// node:cluster); core imports only the memory storage's own file.
declare module 'rate-limiter-flexible/lib/component/MemoryStorage/MemoryStorage.js' {
  /** Counters with a per-key expiry (unref'd timers drop expired keys). */
  export default class MemoryStorage {
    /** Adds `points` to `key`, opening a window of `durationSeconds` if it has none (or it expired). */
    incrby(key: string, points: number, durationSeconds: number): { consumedPoints: number; msBeforeNext: number };
  }
}
