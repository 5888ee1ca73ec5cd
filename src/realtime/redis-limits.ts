// Cluster-wide connection counts: each open connection holds a lease (a sorted-set member scored by
// its expiry on Redis's clock) that its node renews every third of the lease period. A node that dies
// stops renewing and its leases lapse within one period; when Redis comes back empty after a restart,
// each node re-registers its live leases as soon as it reconnects, so the counts match reality again.
import { randomUUID } from 'node:crypto';
import { AppError } from '../http/errors.js';
import type { RedisConnections } from '../redis/connect.js';
import { defineScript, LEASE_ACQUIRE, LEASE_COUNT, LEASE_RELEASE, LEASE_RENEW, type RedisScript, type ScriptArg } from '../redis/scripts/index.js';
import type { ConnectionLease, ConnectionLimiter } from './types.js';

/** Members per renewal call: Redis serves nothing else while a script runs, so each run stays short. */
const RENEW_BATCH = 500;
/** The commands connection tries to reconnect at least once a second, so a short outage is over by then. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

export class RedisConnectionLimiter implements ConnectionLimiter {
  /** This node's live leases: member → slot-set key. */
  private readonly leases = new Map<string, string>();
  private readonly renewer: NodeJS.Timeout;
  private readonly scripts: Readonly<Record<'acquire' | 'renew' | 'release' | 'count', RedisScript>>;
  // ioredis emits 'ready' on every reconnect, and Redis may have lost every set meanwhile.
  private readonly onReady = (): void => void this.renewAll();

  constructor(
    private readonly redis: RedisConnections,
    private readonly leaseMs = 15_000,
  ) {
    const { commands } = redis;
    this.scripts = {
      acquire: defineScript(commands, 'capstanLeaseAcquire', LEASE_ACQUIRE),
      renew: defineScript(commands, 'capstanLeaseRenew', LEASE_RENEW),
      release: defineScript(commands, 'capstanLeaseRelease', LEASE_RELEASE),
      count: defineScript(commands, 'capstanLeaseCount', LEASE_COUNT),
    };
    this.renewer = setInterval(() => void this.renewAll(), Math.max(100, Math.floor(leaseMs / 3)));
    this.renewer.unref();
    commands.on('ready', this.onReady);
  }

  private key(key: string): string {
    return `${this.redis.prefix}conn:${key}`;
  }

  async acquire(key: string, max: number): Promise<ConnectionLease | undefined> {
    const member = randomUUID();
    const slots = this.key(key);
    let taken: unknown;
    try {
      taken = await this.scripts.acquire([slots], [max, this.leaseMs, member]);
    } catch {
      throw new AppError('unavailable', 'Connection limits are unavailable: Redis cannot be reached', {
        'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS),
      });
    }
    if (taken !== 1) return undefined;
    this.leases.set(member, slots);
    return {
      release: () => {
        if (!this.leases.delete(member)) return;
        this.scripts.release([slots], [member]).catch(() => undefined);
      },
    };
  }

  async count(key: string): Promise<number> {
    return Number(await this.scripts.count([this.key(key)], []));
  }

  /**
   * Renews (or re-adds) every live lease of this node. Every batch is sent in the same tick as the
   * snapshot of `leases`, so a release made after the snapshot reaches Redis after the renewal and is
   * not undone by it.
   */
  private async renewAll(): Promise<void> {
    if (this.leases.size === 0) return;
    const byKey = new Map<string, string[]>();
    for (const [member, slots] of this.leases) {
      const members = byKey.get(slots);
      if (members) members.push(member);
      else byKey.set(slots, [member]);
    }
    const calls: Promise<unknown>[] = [];
    let keys: string[] = [];
    let args: ScriptArg[] = [this.leaseMs];
    let size = 0;
    const send = () => {
      calls.push(this.scripts.renew(keys, args));
      keys = [];
      args = [this.leaseMs];
      size = 0;
    };
    for (const [slots, members] of byKey) {
      for (let i = 0; i < members.length; i += RENEW_BATCH) {
        const part = members.slice(i, i + RENEW_BATCH);
        if (size + part.length > RENEW_BATCH) send();
        keys.push(slots);
        args.push(part.length, ...part);
        size += part.length;
      }
    }
    if (size > 0) send();
    await Promise.all(calls).catch(() => undefined);
  }

  close(): void {
    clearInterval(this.renewer);
    this.redis.commands.off('ready', this.onReady);
  }
}
