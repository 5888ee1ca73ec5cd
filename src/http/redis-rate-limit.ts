// Request rate limits counted in Redis, so the limit holds across every node. A fixed one-minute
// window per caller; when Redis is away the request is let through rather than refused.
import type { RedisConnections } from '../redis/connect.js';
import { defineScript, RATE_HIT } from '../redis/scripts/index.js';
import type { RateLimiter } from './rate-limit.js';

/** Nodes pick the window by their own clocks; a counter outlives its window by this much for the slower ones. */
const CLOCK_SLACK_MS = 1000;

export function redisRateLimiter(redis: RedisConnections, limitPerMinute: number): RateLimiter {
  const rateHit = defineScript(redis.commands, 'capstanRateHit', RATE_HIT);
  return {
    async hit(key) {
      const now = Date.now();
      const window = Math.floor(now / 60_000);
      const k = `${redis.prefix}rate:${window}:${key}`;
      const windowLeftMs = (window + 1) * 60_000 - now;
      const retryAfterSeconds = Math.max(1, Math.ceil(windowLeftMs / 1000));
      try {
        const count = Number(await rateHit([k], [windowLeftMs + CLOCK_SLACK_MS]));
        return { allowed: count <= limitPerMinute, retryAfterSeconds };
      } catch {
        return { allowed: true, retryAfterSeconds };
      }
    },
  };
}
