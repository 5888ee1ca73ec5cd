// Cluster-wide connection counts: each open connection holds a lease (a sorted-set member scored by
// its expiry) that its node renews; a node that dies stops renewing and its leases lapse, so counts
// never leak.
import { randomUUID } from 'node:crypto';
import { AppError } from '../http/errors.js';
import type { RedisConnections } from '../redis/connect.js';
import type { ConnectionLease, ConnectionLimiter } from './types.js';

const ACQUIRE = `
redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[1])
if redis.call('zcard', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('zadd', KEYS[1], ARGV[3], ARGV[4])
redis.call('pexpire', KEYS[1], ARGV[5])
return 1`;

export class RedisConnectionLimiter implements ConnectionLimiter {
  private readonly leases = new Map<string, { key: string; member: string }>();
  private readonly renewer: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisConnections,
    private readonly leaseMs = 30_000,
  ) {
    this.renewer = setInterval(() => void this.renewAll(), Math.max(100, Math.floor(leaseMs / 3)));
    this.renewer.unref();
  }

  private key(key: string): string {
    return `${this.redis.prefix}conn:${key}`;
  }

  async acquire(key: string, max: number): Promise<ConnectionLease | undefined> {
    const member = randomUUID();
    const now = Date.now();
    let ok: unknown;
    try {
      ok = await this.redis.commands.eval(ACQUIRE, 1, this.key(key), now, max, now + this.leaseMs, member, this.leaseMs * 2);
    } catch {
      throw new AppError('unavailable', 'Connection limits are unavailable: Redis cannot be reached');
    }
    if (ok !== 1) return undefined;
    this.leases.set(member, { key: this.key(key), member });
    return {
      release: () => {
        if (!this.leases.delete(member)) return;
        this.redis.commands.zrem(this.key(key), member).catch(() => undefined);
      },
    };
  }

  async count(key: string): Promise<number> {
    await this.redis.commands.zremrangebyscore(this.key(key), '-inf', Date.now());
    return this.redis.commands.zcard(this.key(key));
  }

  private async renewAll(): Promise<void> {
    if (this.leases.size === 0) return;
    const until = Date.now() + this.leaseMs;
    const pipeline = this.redis.commands.pipeline();
    for (const { key, member } of this.leases.values()) pipeline.zadd(key, 'XX', until, member);
    await pipeline.exec().catch(() => undefined);
  }

  close(): void {
    clearInterval(this.renewer);
  }
}
