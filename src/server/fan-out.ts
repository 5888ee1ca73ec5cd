// The one place where embedded and scaled mode differ for realtime: the bus, connection counting and
// rate limiting are in-process, or in Redis when CAPSTAN_REDIS_URL is set. Event order and
// completeness never depend on it: they come from the database (the outbox).
import type { Config } from '../config/index.js';
import { MemoryBus, RedisBus, type Bus } from '../events/index.js';
import { memoryRateStore, type Logger, type RateCounters } from '../http/index.js';
import { MemoryConnectionLimiter, RedisConnectionLimiter, type ConnectionLimiter } from '../realtime/index.js';
import { connectRedis } from '../redis/connect.js';

export interface FanOut {
  readonly mode: 'embedded' | 'scaled';
  readonly bus: Bus;
  readonly limiter: ConnectionLimiter;
  readonly rateCounters: RateCounters;
  /** True when the shared parts answer (always, embedded). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Rate-limit buckets an embedded node keeps (about 200 bytes each): past it the one hit least
 * recently is forgotten, so a flood of distinct addresses cannot grow the process.
 */
const RATE_BUCKETS = 50_000;

export async function createFanOut(config: Config, logger: Logger): Promise<FanOut> {
  if (!config.redisUrl) {
    return {
      mode: 'embedded',
      bus: new MemoryBus(),
      limiter: new MemoryConnectionLimiter(),
      rateCounters: { memory: memoryRateStore(RATE_BUCKETS) },
      ready: async () => true,
      close: async () => undefined,
    };
  }
  const redis = await connectRedis(config.redisUrl, config.redisKeyPrefix, logger);
  const limiter = new RedisConnectionLimiter(redis, config.realtimeLeaseMs);
  return {
    mode: 'scaled',
    bus: new RedisBus(redis),
    limiter,
    // Each counter expires with its window, so Redis holds only the buckets of the current minute.
    rateCounters: { redis: redis.commands, nameSpace: `${redis.prefix}rate:` },
    ready: async () => (await redis.commands.ping().catch(() => '')) === 'PONG',
    async close() {
      limiter.close();
      await redis.close();
    },
  };
}
