// The embedded mode's rate-limit counters, a store for @fastify/rate-limit: a fixed window per bucket
// in a map that never holds more than `capacity` buckets, whatever the number of callers and
// addresses. The bucket hit least recently goes first, so a flood of new addresses costs memory up to
// the bound and no more. (The plugin's own LRU store hides its map; this one can say how full it is.)
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';

type Counted = (error: Error | null, result?: { current: number; ttl: number }) => void;

interface Bucket {
  count: number;
  readonly endsAt: number;
}

export interface MemoryRateStore {
  /** What the plugin's `store` option takes; every instance shares this store's buckets. */
  readonly Store: FastifyRateLimitStoreCtor;
  /** Buckets held now, never more than the capacity. */
  size(): number;
}

export function memoryRateStore(capacity: number, now: () => number = Date.now): MemoryRateStore {
  const buckets = new Map<string, Bucket>();

  class Store implements FastifyRateLimitStore {
    incr(key: string, counted: Counted, timeWindow: number): void {
      const t = now();
      let bucket = buckets.get(key);
      // Re-inserted on every hit: the map's order is the order of last use.
      buckets.delete(key);
      if (!bucket || bucket.endsAt <= t) bucket = { count: 0, endsAt: t + timeWindow };
      bucket.count += 1;
      buckets.set(key, bucket);
      if (buckets.size > capacity) buckets.delete(buckets.keys().next().value as string);
      counted(null, { current: bucket.count, ttl: bucket.endsAt - t });
    }

    /** The plugin's `{ increment: false }`: the count so far, leaving it (and its place in the order) as it is. */
    read(key: string, counted: Counted): void {
      const t = now();
      const bucket = buckets.get(key);
      counted(null, bucket && bucket.endsAt > t ? { current: bucket.count, ttl: bucket.endsAt - t } : { current: 0, ttl: 0 });
    }

    child(): FastifyRateLimitStore {
      return this;
    }
  }

  return { Store, size: () => buckets.size };
}
