// A request limiter counting in Redis without a whole server: each one stands for one node.
import Fastify from 'fastify';
import { createLogger, isAppError, registerRateLimits, type RequestLimiter } from '../../src/http/index.js';
import type { RedisConnections } from '../../src/redis/connect.js';

export interface NodeLimiter extends RequestLimiter {
  close(): Promise<void>;
}

/** `identify` stands for credential checks: here a credential is its own caller unless it starts with "bad". */
export async function redisRequestLimiter(redis: RedisConnections, perMinute: number, authFailuresPerMinute = 0): Promise<NodeLimiter> {
  const app = Fastify();
  const limiter = await registerRateLimits(app, {
    perMinute,
    authFailuresPerMinute,
    counters: { redis: redis.commands, nameSpace: `${redis.prefix}rate:` },
    identify: async (credentials) => credentials.find((c) => !c.startsWith('bad')) ?? null,
    logger: createLogger('silent'),
  });
  return {
    admit: (address, credentials) => limiter.admit(address, credentials),
    checkFailures: (address) => limiter.checkFailures(address),
    failedAuthentication: (address) => limiter.failedAuthentication(address),
    close: () => app.close(),
  };
}

/** Whether a request is let through (true) or refused with 429 rate_limited (false). */
export async function admitted(limiter: RequestLimiter, address: string, credentials: readonly string[] = []): Promise<boolean> {
  try {
    await limiter.admit(address, credentials);
    return true;
  } catch (e) {
    if (isAppError(e) && e.code === 'rate_limited') return false;
    throw e;
  }
}
