// Request rate limits: a fixed one-minute window per caller. The limiter is an interface so scaled
// mode can count in Redis across the cluster; this in-process one serves the embedded mode.

export interface RateDecision {
  readonly allowed: boolean;
  /** Seconds until the window resets, for Retry-After. */
  readonly retryAfterSeconds: number;
}

export interface RateLimiter {
  hit(key: string): Promise<RateDecision>;
}

export function memoryRateLimiter(limitPerMinute: number, now: () => number = Date.now): RateLimiter {
  const windowMs = 60_000;
  let windowStart = Math.floor(now() / windowMs) * windowMs;
  let counts = new Map<string, number>();
  return {
    async hit(key) {
      const t = now();
      if (t - windowStart >= windowMs) {
        windowStart = Math.floor(t / windowMs) * windowMs;
        counts = new Map();
      }
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      return { allowed: n <= limitPerMinute, retryAfterSeconds: Math.max(1, Math.ceil((windowStart + windowMs - t) / 1000)) };
    },
  };
}
