// The one place where embedded and scaled mode differ for realtime: the bus, the per-topic sequencer,
// connection counting and rate limiting are in-process, or in Redis when CAPSTAN_REDIS_URL is set.
import type { Config } from '../config/index.js';
import { LocalSequencer, MemoryBus, RedisBus, RedisSequencer, type Bus, type Sequencer } from '../events/index.js';
import { memoryRateLimiter, redisRateLimiter, type Logger, type RateLimiter } from '../http/index.js';
import { MemoryConnectionLimiter, RedisConnectionLimiter, type ConnectionLimiter } from '../realtime/index.js';
import { connectRedis } from '../redis/connect.js';

export interface FanOut {
  readonly mode: 'embedded' | 'scaled';
  readonly bus: Bus;
  readonly sequencer: Sequencer;
  readonly limiter: ConnectionLimiter;
  readonly rateLimiter: RateLimiter;
  /** True when the shared parts answer (always, embedded). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

export async function createFanOut(config: Config, logger: Logger): Promise<FanOut> {
  if (!config.redisUrl) {
    return {
      mode: 'embedded',
      bus: new MemoryBus(),
      sequencer: new LocalSequencer(),
      limiter: new MemoryConnectionLimiter(),
      rateLimiter: memoryRateLimiter(config.rateLimitPerMinute),
      ready: async () => true,
      close: async () => undefined,
    };
  }
  const redis = await connectRedis(config.redisUrl, config.redisKeyPrefix, logger);
  const limiter = new RedisConnectionLimiter(redis);
  return {
    mode: 'scaled',
    bus: new RedisBus(redis),
    sequencer: new RedisSequencer(redis),
    limiter,
    rateLimiter: redisRateLimiter(redis, config.rateLimitPerMinute),
    ready: async () => (await redis.commands.ping().catch(() => '')) === 'PONG',
    async close() {
      limiter.close();
      await redis.close();
    },
  };
}
