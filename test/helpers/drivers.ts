// The storage drivers every shared suite runs against: SQLite (a temp file) and PostgreSQL (a fresh database).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../src/config/index.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { createTestDatabase } from './postgres.js';
import { startServer, tempDir, type TestServer } from './server.js';

export interface DriverSetup {
  readonly name: string;
  /** `url` opens the same database again, as another node would. */
  open(): Promise<{ storage: Storage; url: string; cleanup: () => Promise<void> }>;
}

export const DRIVERS: readonly DriverSetup[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = tempDir();
      const url = `sqlite:${join(dir, 'test.db')}`;
      return { storage: openStorage(url, dir), url, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    async open() {
      const db = await createTestDatabase();
      return { storage: openStorage(db.url, tempDir()), url: db.url, cleanup: () => db.drop() };
    },
  },
];

/** A server on SQLite (in its data directory) or on a fresh PostgreSQL database, dropped when it closes. */
export async function startServerOn(driver: 'sqlite' | 'postgres', overrides: Partial<Record<keyof Config, unknown>> = {}): Promise<TestServer> {
  const db = driver === 'postgres' ? await createTestDatabase() : undefined;
  const ts = await startServer(db ? { ...overrides, databaseUrl: db.url } : overrides);
  return {
    ...ts,
    async close() {
      await ts.close();
      await db?.drop();
    },
  };
}
