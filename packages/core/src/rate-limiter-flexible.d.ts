// rate-limiter-flexible's index also loads its cluster, Redis and SQL limiters (and with them
// node:cluster); core imports only the memory limiter's own file.
declare module 'rate-limiter-flexible/lib/RateLimiterMemory.js' {
  import { RateLimiterMemory } from 'rate-limiter-flexible';
  export default RateLimiterMemory;
}
