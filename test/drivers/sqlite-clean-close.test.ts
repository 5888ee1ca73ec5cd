// A clean stop leaves the embedded database in its one file: everything in the WAL checkpointed into
// capstan.db and the -wal and -shm files gone, so that copying or backing up the file after a stop
// (the data folder's "SQLite file") copies the data, not an empty database.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'libsql';
import { openStorage } from '../../src/storage/index.js';
import { tempDir } from '../helpers/server.js';

const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));

test('closing the storage checkpoints the WAL into the database file and removes it', async () => {
  const storage = openStorage(null, dir);
  await storage.migrate();
  // A pass's shared read snapshot open at the stop, as on a server that was serving.
  await storage.orgs.get('org_none');
  await storage.close();
  const path = join(dir, 'capstan.db');
  assert.equal(existsSync(`${path}-wal`), false, 'no WAL is left beside the database');
  assert.equal(existsSync(`${path}-shm`), false, 'no shared-memory file is left beside the database');
  const copy = join(dir, 'copy.db');
  copyFileSync(path, copy);
  const alone = new Database(copy, { readonly: true });
  try {
    const tables = alone.prepare("select count(*) as n from sqlite_master where type = 'table'").get() as { n: number };
    assert.ok(tables.n > 10, `the file alone holds the schema (${tables.n} tables)`);
  } finally {
    alone.close();
  }
});
