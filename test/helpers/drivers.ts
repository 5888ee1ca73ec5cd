// The storage drivers every shared suite runs against: SQLite (a temp file) and PostgreSQL (a fresh database).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { createTestDatabase } from './postgres.js';
import { tempDir } from './server.js';

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
