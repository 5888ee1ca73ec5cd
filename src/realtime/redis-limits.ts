// Cluster-wide connection counts: each open connection holds a lease (a sorted-set member scored by
// its expiry on Redis's clock) that its node renews every third of the lease period. A node that dies
// stops renewing and its leases lapse within one period; when Redis comes back empty after a restart,
// each node re-registers its live leases as soon as it reconnects (at its next renewal when Redis lost
// them without a restart), so the counts match reality again.
// Until the nodes have had the time to, a slot is not handed out: an acquisition waits out the rest
// of a short warm-up (see LEASE_MARK), rather than admit past a cap whose other holders are not back.
import { randomUUID } from 'node:crypto';
import { AppError } from '../http/errors.js';
import type { RedisConnections } from '../redis/connect.js';
import { defineScript, LEASE_ACQUIRE, LEASE_COUNT, LEASE_MARK, LEASE_RELEASE, LEASE_RENEW, type RedisScript, type ScriptArg } from '../redis/scripts/index.js';
import type { ConnectionLease, ConnectionLimiter } from './types.js';

/** Members per renewal call: Redis serves nothing else while a script runs, so each run stays short. */
const RENEW_BATCH = 500;
/** The commands connection tries to reconnect at least once a second, so a short outage is over by then. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;
/**
 * How long after Redis came back empty slots stay closed: a node retries its connection at least once
 * a second (src/redis/connect.ts) and re-registers its leases as soon as it is back.
 */
export const LEASE_WARMUP_MS = 2_000;

const unavailable = (why: string) => new AppError('unavailable', `Connection limits are unavailable: ${why}`, { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS) });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class RedisConnectionLimiter implements ConnectionLimiter {
  /** This node's live leases: member → slot-set key. */
  private readonly leases = new Map<string, string>();
  private readonly renewer: NodeJS.Timeout;
  private readonly scripts: Readonly<Record<'acquire' | 'renew' | 'release' | 'count' | 'mark', RedisScript>>;
  private readonly upSince: string;
  /** How much longer the warm-up lasts when the sets were lost without a restart. */
  private readonly lostWithoutRestartMs: number;
  // ioredis emits 'ready' on every reconnect, and Redis may have lost every set meanwhile.
  private readonly onReady = (): void => {
    this.scripts.mark([this.upSince], [0, this.markLifetimeMs]).catch(() => undefined);
    void this.renewAll();
  };

  /** How long the up-since mark outlives the last node renewing it. */
  private get markLifetimeMs(): number {
    return this.leaseMs * 10;
  }

  constructor(
    private readonly redis: RedisConnections,
    private readonly leaseMs = 15_000,
    private readonly warmupMs = LEASE_WARMUP_MS,
  ) {
    const { commands } = redis;
    this.scripts = {
      acquire: defineScript(commands, 'capstanLeaseAcquire', LEASE_ACQUIRE),
      renew: defineScript(commands, 'capstanLeaseRenew', LEASE_RENEW),
      release: defineScript(commands, 'capstanLeaseRelease', LEASE_RELEASE),
      count: defineScript(commands, 'capstanLeaseCount', LEASE_COUNT),
      mark: defineScript(commands, 'capstanLeaseMark', LEASE_MARK),
    };
    this.upSince = this.key('up-since');
    // A node starting holds no lease, and a new cluster has none to re-register: no warm-up for it.
    // Sent before any acquisition on the same connection, so Redis runs it first.
    this.scripts.mark([this.upSince], [warmupMs, this.markLifetimeMs]).catch(() => undefined);
    const renewEveryMs = Math.max(100, Math.floor(leaseMs / 3));
    // Redis may lose the sets with no reconnect (FLUSHALL, eviction, a failover to an empty replica):
    // then each node re-adds its leases only at its next renewal, so the warm-up spans one renewal.
    this.lostWithoutRestartMs = Math.max(0, renewEveryMs + 500 - warmupMs);
    this.renewer = setInterval(() => {
      // Kept alive (its value untouched) by every running node, with or without leases of its own.
      this.scripts.mark([this.upSince], [-this.lostWithoutRestartMs, this.markLifetimeMs]).catch(() => undefined);
      void this.renewAll();
    }, renewEveryMs);
    this.renewer.unref();
    commands.on('ready', this.onReady);
  }

  private key(key: string): string {
    return `${this.redis.prefix}conn:${key}`;
  }

  async acquire(key: string, max: number): Promise<ConnectionLease | undefined> {
    const member = randomUUID();
    const slots = this.key(key);
    const take = async (): Promise<number> => {
      try {
        return Number(await this.scripts.acquire([slots, this.upSince], [max, this.leaseMs, member, this.warmupMs, this.markLifetimeMs, this.lostWithoutRestartMs]));
      } catch {
        throw unavailable('Redis cannot be reached');
      }
    };
    let taken = await take();
    if (taken < 0) {
      // Warming up after Redis came back empty: wait for the other nodes' leases, then count.
      await sleep(Math.min(-taken, this.warmupMs) + 10);
      taken = await take();
      if (taken < 0) throw unavailable('Redis has just restarted or lost its counts, and the open connections are being counted again');
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
