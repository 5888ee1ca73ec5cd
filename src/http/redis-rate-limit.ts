// Request rate limits counted in Redis, so the limit holds across every node. A fixed one-minute
// window per caller; when Redis is away the request is let through rather than refused.
import type { RedisConnections } from '../redis/connect.js';
import type { RateLimiter } from './rate-limit.js';

export function redisRateLimiter(redis: RedisConnections, limitPerMinute: number): RateLimiter {
  return {
    async hit(key) {
      const now = Date.now();
      const window = Math.floor(now / 60_000);
      const k = `${redis.prefix}rate:${window}:${key}`;
      const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000));
      try {
        const [[, count]] = (await redis.commands.multi().incr(k).expire(k, 61).exec()) as [[Error | null, number], [Error | null, number]];
        return { allowed: count <= limitPerMinute, retryAfterSeconds };
      } catch {
        return { allowed: true, retryAfterSeconds };
      }
    },
  };
}
