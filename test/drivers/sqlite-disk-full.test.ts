// A full disk on the embedded database: SQLite rolls the transaction back itself, and the error that
// reaches the caller is still "database or disk is full" (storage unavailable, a 503 at the edge), not
// Kysely's later ROLLBACK failing "no transaction is active" (an unknown error, a 500). The connection
// takes transactions again once there is room.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { connect } from '../../src/storage/connect.js';
import { isStorageUnavailable } from '../../src/storage/index.js';
import { tempDirsRemovedAfter } from '../helpers/temp-dirs.js';

const tempDir = tempDirsRemovedAfter();

test('a transaction that fills the disk fails with SQLITE_FULL, and the next one works once there is room', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const connection = connect(`sqlite:${join(dir, 'full.db')}`, dir);
  const writer = connection.sqlite?.writer;
  assert.ok(writer);
  try {
    writer.exec('create table notes (id integer primary key, body blob)');
    // max_page_count is SQLite's own stand-in for a full disk: the write past it fails SQLITE_FULL.
    const pages = Number(Object.values(writer.prepare('pragma page_count').get() as Record<string, unknown>)[0]);
    writer.exec(`pragma max_page_count = ${pages}`);
    const write = () =>
      connection.db.transaction().execute(async (tx) => {
        await sql`insert into notes (body) values (x'00')`.execute(tx);
        await sql`insert into notes (body) values (zeroblob(100000))`.execute(tx);
      });
    await assert.rejects(write(), (e: unknown) => (e as { code?: unknown }).code === 'SQLITE_FULL' && isStorageUnavailable(e));
    assert.equal(writer.inTransaction, false);
    writer.exec('pragma max_page_count = 1073741823');
    await write();
    const rows = await sql<{ n: number }>`select count(*) as n from notes`.execute(connection.db);
    assert.equal(rows.rows[0]?.n, 2, 'only the transaction that had room is kept');
  } finally {
    await connection.db.destroy();
  }
});
