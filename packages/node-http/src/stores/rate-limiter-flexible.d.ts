// rate-limiter-flexible's index loads every limiter it ships (Mongo, SQL, cluster, ...); the
// Redis store imports only the Redis limiter's own file, as core does for its memory storage.
declare module 'rate-limiter-flexible/lib/RateLimiterRedis.js' {
  import { RateLimiterRedis } from 'rate-limiter-flexible';
  export default RateLimiterRedis;
}
