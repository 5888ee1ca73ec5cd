// The query bound on PostgreSQL (CAPSTAN_DATABASE_QUERY_TIMEOUT_MS): a query past it fails as storage
// being unavailable (503 at the edge), its transaction rolls back, the pool goes on serving, and
// migrations are not bound by it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { isStorageUnavailable, openStorage, type Storage } from '../../src/storage/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/server.js';

describe('PostgreSQL query bound', () => {
  let db: TestDatabase;
  let storage: Storage;

  before(async () => {
    db = await createTestDatabase();
    storage = openStorage(db.url, tempDir(), { databaseConnectTimeoutMs: 2000, databaseQueryTimeoutMs: 300 });
  });
  after(async () => {
    await storage?.close();
    await db?.drop();
  });

  test('migrations are not bound: they wait for another node’s migrations however long those take', async () => {
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      // Kysely's migration lock, held for several times the bound.
      await other.query('select pg_advisory_lock(3853314791062309107)');
      const release = setTimeout(() => void other.query('select pg_advisory_unlock(3853314791062309107)'), 1500);
      try {
        assert.ok((await storage.migrate()).applied.length > 0);
      } finally {
        clearTimeout(release);
      }
    } finally {
      await other.end();
    }
  });

  test('a query past the bound fails as unavailable, and the pool keeps serving', async () => {
    const slow = sql`select pg_sleep(3)`.execute(storage.db);
    await assert.rejects(slow, (e: unknown) => isStorageUnavailable(e));
    for (let i = 0; i < 12; i++) assert.equal((await sql<{ one: number }>`select 1 as one`.execute(storage.db)).rows[0]?.one, 1);
    assert.equal(await storage.ping(), true);
  });

  test('a transaction whose query passes the bound rolls back', async () => {
    // Another session holds the settings table: the transaction's second statement waits past the bound.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('lock table settings in exclusive mode');
      await assert.rejects(storage.transaction(async (tx) => {
        await tx.idempotency.save({ scope: 'bound-test', key: 'k', request_hash: 'h', status_code: 0, response: '', created_at: new Date().toISOString() });
        await tx.settings.getOrInit('bound-test', 'written');
      }), (e: unknown) => isStorageUnavailable(e));
      await blocker.query('rollback');
    } finally {
      await blocker.end();
    }
    assert.equal(await storage.idempotency.find('bound-test', 'k'), undefined, 'the first statement was rolled back');
    assert.equal(await storage.settings.get('bound-test'), undefined);
  });
});
