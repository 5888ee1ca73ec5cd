// Scaled-mode storage for a benchmark configuration: a fresh PostgreSQL database and Redis key prefix
// on this machine's services, the env that points Capstan nodes at them, and the drop at the end.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.CAPSTAN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.CAPSTAN_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Runs one statement as the administrator (CREATE or DROP DATABASE). */
export async function pgAdmin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export interface ScaledStorage {
  /** CAPSTAN_* settings every node of the configuration shares (storage, bus, token secret). */
  readonly env: Readonly<Record<string, string>>;
  drop(): Promise<void>;
}

export async function createScaledStorage(): Promise<ScaledStorage> {
  const dbName = `capstan_bench_${randomBytes(5).toString('hex')}`;
  await pgAdmin(`CREATE DATABASE ${dbName}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${dbName}`;
  return {
    env: {
      CAPSTAN_DATABASE_URL: url.toString(),
      CAPSTAN_REDIS_URL: REDIS_URL,
      CAPSTAN_REDIS_KEY_PREFIX: `capstan_bench_${randomBytes(5).toString('hex')}:`,
      CAPSTAN_TOKEN_SECRET: randomBytes(24).toString('hex'),
      // The scaled scenarios stream events and store no files, so no node ever reads another's blobs.
      CAPSTAN_SHARED_DATA_DIR: 'true',
    },
    drop: () => pgAdmin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined),
  };
}
