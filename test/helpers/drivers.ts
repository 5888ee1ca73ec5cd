// The storage drivers every shared suite runs against: SQLite (a temp file) and PostgreSQL (a fresh database).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { createTestDatabase } from './postgres.js';
import { tempDir } from './server.js';

export interface DriverSetup {
  readonly name: string;
  open(): Promise<{ storage: Storage; cleanup: () => Promise<void> }>;
}

export const DRIVERS: readonly DriverSetup[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = tempDir();
      const storage = openStorage(`sqlite:${join(dir, 'test.db')}`, dir);
      return { storage, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    async open() {
      const db = await createTestDatabase();
      return { storage: openStorage(db.url, tempDir()), cleanup: () => db.drop() };
    },
  },
];
