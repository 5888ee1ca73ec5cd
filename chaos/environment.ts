// Everything one chaos run stands on: its own PostgreSQL, Redis and S3, and the Capstan nodes that
// share them. Started once per run; every iteration ends with `heal()`, which brings back whatever a
// fault (or a crash) left down and waits until every node is ready again.
import { randomBytes } from 'node:crypto';
import { CapstanCluster } from './cluster.js';
import { pollUntil } from './lib/net.js';
import { startPostgres, type PostgresService } from './services/postgres.js';
import { startRedis, type RedisService } from './services/redis.js';
import { startS3, type S3Service } from './services/s3.js';

export const NODE_COUNT = 3;

/** Short timings so a killed worker's lease lapses, and a dead peer is noticed, within the bounds the checks use. */
export const CHAOS_TIMINGS: Readonly<Record<string, string>> = {
  CAPSTAN_WORKFLOW_LEASE_MS: '2000',
  CAPSTAN_WORKFLOW_BACKOFF_MS: '100',
  // Read only once the realtime lease option exists; unknown variables are ignored until then.
  CAPSTAN_REALTIME_LEASE_MS: '3000',
  CAPSTAN_REALTIME_HEARTBEAT_MS: '2000',
  CAPSTAN_SHUTDOWN_GRACE_MS: '1000',
  // A complete whose node died is reconciled after this (default 5 min), well inside the video settle bound.
  CAPSTAN_VIDEO_COMPLETE_TIMEOUT_SECONDS: '10',
};

/** Set explicitly: the video scenario computes the expected ledger from it. */
export const VIDEO_PRICE_PER_MINUTE_MICRO = 5000;

const HEAL_TIMEOUT_MS = 90_000;

export interface ChaosEnvironment {
  readonly postgres: PostgresService;
  readonly redis: RedisService;
  readonly s3: S3Service;
  readonly cluster: CapstanCluster;
  readonly adminToken: string;
  /** Restarts what is down and resolves once every node answers /readyz 200; returns when that was. */
  heal(): Promise<number>;
  close(): Promise<void>;
}

/** `capstanDir` holds the src/cli/main.ts the nodes run. */
export async function startEnvironment(capstanDir: string, log: (message: string) => void): Promise<ChaosEnvironment> {
  const adminToken = randomBytes(24).toString('hex');
  const started: { close(): Promise<void> }[] = [];
  try {
    const postgres = await startPostgres();
    started.push(postgres);
    log(`postgres: ${postgres.description}`);
    const redis = await startRedis();
    started.push(redis);
    log(`redis: ${redis.description}`);
    const s3 = await startS3();
    started.push(s3);
    log(`s3: ${s3.description}`);
    const cluster = new CapstanCluster(NODE_COUNT, capstanDir, {
      CAPSTAN_DATABASE_URL: postgres.url,
      CAPSTAN_REDIS_URL: redis.url,
      CAPSTAN_REDIS_KEY_PREFIX: 'capstan_chaos:',
      ...s3.env,
      CAPSTAN_ADMIN_TOKEN: adminToken,
      CAPSTAN_TOKEN_SECRET: randomBytes(24).toString('hex'),
      CAPSTAN_DEV_CREDENTIALS: 'false',
      CAPSTAN_RATE_LIMIT_PER_MINUTE: '0',
      CAPSTAN_VIDEO_PRICE_PER_MINUTE_MICRO: String(VIDEO_PRICE_PER_MINUTE_MICRO),
      ...CHAOS_TIMINGS,
    });
    started.push(cluster);
    await cluster.start();
    log(`nodes: ${cluster.liveUrls().join(', ')}`);
    return {
      postgres,
      redis,
      s3,
      cluster,
      adminToken,
      async heal() {
        await postgres.up();
        await redis.up();
        await cluster.healAll();
        await pollUntil(async () => {
          await cluster.healAll();
          const urls = cluster.liveUrls();
          if (urls.length < NODE_COUNT) return undefined;
          const statuses = await Promise.all(urls.map((u) => fetch(`${u}/readyz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status, () => 0)));
          return statuses.every((s) => s === 200) ? Date.now() : undefined;
        }, 100, HEAL_TIMEOUT_MS, 'every node to answer /readyz 200');
        return Date.now();
      },
      async close() {
        for (const s of started.reverse()) await s.close().catch(() => undefined);
      },
    };
  } catch (e) {
    for (const s of started.reverse()) await s.close().catch(() => undefined);
    throw e;
  }
}
