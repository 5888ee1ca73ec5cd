// Request rate limits on who is calling, counted by @fastify/rate-limit: a fixed one-minute window per
// bucket, in memory or in Redis (so the counts hold across the cluster). Each request, WebSocket
// upgrades and stream connects included, counts once, in the one bucket chosen before it is served:
// - the caller its credential verifies as (an org or app key, a contact, the admin), however spelled;
// - its client address when it carries no credential;
// - its address's auth-failure bucket when its credential verifies as nothing. Once that bucket is
//   spent, every request from the address that carries a credential is refused before the credential
//   is looked up in storage, so guessing keys gets 429 and learns nothing; only a credential this node
//   verified within the last minute (`recall`, never the admin token) still passes, so the clients
//   already working behind a NAT shared with a guesser go on.
// Buckets are named by verified callers and addresses, never by what a header says, and in memory
// there are at most a bounded number of them. While Redis cannot be reached requests go through.
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { AppError } from './errors.js';
import type { Logger } from './logger.js';
import type { MemoryRateStore } from './rate-store.js';

const WINDOW_MS = 60_000;
const FAILURES = 'auth_failures:';

/** Where the counters live: this process (embedded), or Redis under `nameSpace` (scaled). */
export type RateCounters = { readonly memory: MemoryRateStore } | { readonly redis: Redis; readonly nameSpace: string };

export interface RateLimitOptions {
  /** Requests per window per caller (or address); above 0. */
  readonly perMinute: number;
  /** Failed authentications per window per address; 0 turns this bucket off. */
  readonly authFailuresPerMinute: number;
  readonly counters: RateCounters;
  /** The caller the credentials verify as, or null when none does; throws when it cannot tell (storage away). */
  readonly identify: (credentials: readonly string[]) => Promise<string | null>;
  /** The caller of a credential verified moments ago, without a lookup; never the admin token. */
  readonly recall?: (credentials: readonly string[]) => string | undefined;
  /** Callers whose requests count per address too (a key every user of an app shares); none by default. */
  readonly perAddress?: (caller: string) => boolean;
  readonly logger: Logger;
}

export interface RequestLimiter {
  /** Counts one request from `address` carrying `credentials`; throws 429 rate_limited when its bucket is spent. */
  admit(address: string, credentials: readonly string[]): Promise<void>;
  /**
   * For a credential sent in a body (the console's sign-in), which admit() cannot see: throws 429
   * rate_limited, before the credential is checked, when the address's auth-failure bucket is spent.
   */
  checkFailures(address: string): Promise<void>;
  /** Counts a body credential that verified as nothing; throws 429 rate_limited when that spends the bucket. */
  failedAuthentication(address: string): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Set while rate limits are on: routes that take a credential in their body count failures with it. */
    requestLimiter?: RequestLimiter;
  }
}

/**
 * createRateLimit is written for route handlers. Given a bucket dressed as a request, it reads only
 * the route config (there is none) and hands the rest to our keyGenerator, which takes the bucket.
 */
interface Probe {
  readonly bucket: string;
  readonly routeOptions: { readonly config: Readonly<Record<string, never>> };
}
const probe = (bucket: string): FastifyRequest => ({ bucket, routeOptions: { config: {} } }) satisfies Probe as unknown as FastifyRequest;

export async function registerRateLimits(app: FastifyInstance, options: RateLimitOptions): Promise<RequestLimiter> {
  const { perMinute, authFailuresPerMinute, counters, identify, recall, perAddress, logger } = options;
  await app.register(rateLimit, {
    // No route hook: the bucket is known only once the credential is, so requests are counted below.
    global: false,
    timeWindow: WINDOW_MS,
    max: (_req, key) => (key.startsWith(FAILURES) ? authFailuresPerMinute : perMinute),
    keyGenerator: (req) => (req as unknown as Probe).bucket,
    skipOnError: true,
    ...('memory' in counters ? { store: counters.memory.Store } : { redis: counters.redis, nameSpace: counters.nameSpace }),
  });
  const check = app.createRateLimit();
  const count = async (bucket: string, increment = true) => {
    const result = await check(probe(bucket), { increment });
    return result.isAllowed ? { spent: false, exceeded: false, retryAfter: 1 } : { spent: result.remaining === 0, exceeded: result.isExceeded, retryAfter: Math.max(1, result.ttlInSeconds) };
  };
  const refuse = (retryAfter: number, message?: string) => new AppError('rate_limited', message, { 'Retry-After': String(retryAfter) });
  const failedAuthentications = 'Too many failed authentications from this address';

  return {
    async admit(address, credentials) {
      const from = normalizeIP(address);
      let caller: string | null | undefined;
      if (credentials.length > 0) {
        const failures = FAILURES + from;
        if (authFailuresPerMinute > 0) {
          const seen = await count(failures, false);
          if (seen.spent) {
            caller = recall?.(credentials);
            if (caller === undefined) throw refuse(seen.retryAfter, failedAuthentications);
          }
        }
        if (caller === undefined) {
          try {
            caller = await identify(credentials);
          } catch (e) {
            // Not a failed authentication: the surface answers for its storage itself.
            logger.debug({ err: e }, 'rate limit: the caller could not be identified; counting its address');
          }
        }
        if (caller === null && authFailuresPerMinute > 0) {
          const failed = await count(failures);
          if (failed.exceeded) throw refuse(failed.retryAfter, failedAuthentications);
          return;
        }
      }
      const counted = await count(caller ? (perAddress?.(caller) ? `caller:${caller}@${from}` : `caller:${caller}`) : `ip:${from}`);
      if (counted.exceeded) throw refuse(counted.retryAfter);
    },
    async checkFailures(address) {
      if (authFailuresPerMinute <= 0) return;
      const seen = await count(FAILURES + normalizeIP(address), false);
      if (seen.spent) throw refuse(seen.retryAfter, failedAuthentications);
    },
    async failedAuthentication(address) {
      if (authFailuresPerMinute <= 0) return;
      const failed = await count(FAILURES + normalizeIP(address));
      if (failed.exceeded) throw refuse(failed.retryAfter, failedAuthentications);
    },
  };
}
