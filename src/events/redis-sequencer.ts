// Cluster-wide order for a topic: a short Redis lock per topic around mint-append-publish, and the
// topic's last id kept in Redis so ids increase even when nodes' clocks differ a little.
import { randomUUID } from 'node:crypto';
import { AppError } from '../http/errors.js';
import type { RedisConnections } from '../redis/connect.js';
import { uuidv7After } from '../util/ids.js';
import type { Sequencer } from './sequencer.js';
import { LocalSequencer } from './sequencer.js';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const LOCK_TTL_MS = 10_000;
const LAST_ID_TTL_S = 7 * 24 * 3600;

export class RedisSequencer implements Sequencer {
  // Same-node publishes queue locally first, so they don't contend for the Redis lock with each other.
  private readonly local = new LocalSequencer();

  constructor(
    private readonly redis: RedisConnections,
    private readonly waitMs = 5_000,
  ) {}

  next<T>(topic: string, fn: (id: string) => Promise<T>): Promise<T> {
    return this.local.next(topic, () => this.locked(topic, fn));
  }

  private async locked<T>(topic: string, fn: (id: string) => Promise<T>): Promise<T> {
    const { commands, prefix } = this.redis;
    const lockKey = `${prefix}seq:lock:${topic}`;
    const lastKey = `${prefix}seq:last:${topic}`;
    const token = randomUUID();
    const deadline = Date.now() + this.waitMs;
    for (let attempt = 0; ; attempt++) {
      let ok: string | null;
      try {
        ok = await commands.set(lockKey, token, 'PX', LOCK_TTL_MS, 'NX');
      } catch {
        throw new AppError('unavailable', 'Event ordering is unavailable: Redis cannot be reached');
      }
      if (ok === 'OK') break;
      if (Date.now() > deadline) throw new AppError('unavailable', 'Event ordering is busy; retry');
      await new Promise((r) => setTimeout(r, Math.min(20, 1 + attempt)));
    }
    try {
      const last = (await commands.get(lastKey)) ?? undefined;
      const id = uuidv7After(last);
      const result = await fn(id);
      await commands.set(lastKey, id, 'EX', LAST_ID_TTL_S);
      return result;
    } finally {
      await commands.eval(RELEASE, 1, lockKey, token).catch(() => undefined);
    }
  }
}
