// On SQLite the reads of busy passes of the event loop share one read transaction
// (src/storage/pass-snapshot.ts). Shared or not, a read sees what this process committed before it;
// another process's commit shows once the shared transaction ends, which a pass with fewer than
// SHARE_FROM_READS reads does at once and a busier pass does when the transaction is SHARE_FOR_MS old.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import type { Storage } from '../../src/storage/index.js';
import { PassSnapshot, SHARE_FOR_MS, SHARE_FROM_READS } from '../../src/storage/pass-snapshot.js';
import { DRIVERS } from '../helpers/drivers.js';
import { tempDir } from '../helpers/server.js';

const sqlite = DRIVERS.find((d) => d.name === 'sqlite');
const at = new Date(Date.UTC(2026, 0, 1)).toISOString();
const nextPass = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('reads sharing a pass on sqlite', () => {
  let storage: Storage;
  let cleanup: () => Promise<void>;
  /** Another connection to the file, standing for another process (`capstan admin`). */
  let other: Database.Database;
  let n = 0;

  before(async () => {
    assert.ok(sqlite, 'the sqlite driver is among the test drivers');
    ({ storage, cleanup } = await sqlite.open());
    await storage.migrate();
    await storage.orgs.create({ id: 'org_ps', name: 'passes', credits_micro: 0, created_at: at, updated_at: at });
    other = new Database(storage.location);
    other.pragma('busy_timeout = 5000');
  });
  after(async () => {
    other?.close();
    await storage.close();
    await cleanup();
  });

  const otherCreates = (id: string) => other.prepare('insert into hubs (id, org_id, name, created_at) values (?, ?, ?, ?)').run([id, 'org_ps', 'other', at]);
  /** A pass that reads enough for the next one to share a transaction. */
  async function busyPass(): Promise<void> {
    for (let i = 0; i <= SHARE_FROM_READS; i++) assert.equal(await storage.hubs.get('hub_ps_none'), undefined);
    await nextPass();
  }

  test('after a busy pass, the next one reads from one snapshot: another connection\'s commit shows after a pass without reads', async () => {
    const id = `hub_ps${++n}`;
    await busyPass();
    assert.equal(await storage.hubs.get('hub_ps_none'), undefined);
    otherCreates(id);
    assert.equal(await storage.hubs.get(id), undefined, 'the pass reads from the snapshot its first read took');
    await nextPass();
    await nextPass();
    assert.equal((await storage.hubs.get(id))?.name, 'other');
  });

  test('a read after this process commits sees the commit, in the same shared pass', async () => {
    const mine = `hub_ps${++n}`;
    const theirs = `hub_ps${++n}`;
    await busyPass();
    assert.equal(await storage.hubs.get(mine), undefined);
    otherCreates(theirs);
    assert.equal(await storage.hubs.get(theirs), undefined, 'the pass shares a snapshot');
    await storage.hubs.create({ id: mine, org_id: 'org_ps', name: 'mine', created_at: at });
    assert.equal((await storage.hubs.get(mine))?.name, 'mine', 'the write ended the shared snapshot');
    assert.equal((await storage.hubs.get(theirs))?.name, 'other', 'and the next read took a new one');
  });

  test('a transaction\'s commit ends the shared snapshot too', async () => {
    const id = `hub_ps${++n}`;
    await busyPass();
    assert.equal(await storage.hubs.get(id), undefined);
    await storage.transaction(async (tx) => tx.hubs.create({ id, org_id: 'org_ps', name: 'in a transaction', created_at: at }));
    assert.equal((await storage.hubs.get(id))?.name, 'in a transaction');
  });

  test('after a quiet pass, or a busy pass and a quiet moment, each read is its own transaction and sees every commit before it', async () => {
    const quiet = `hub_ps${++n}`;
    await nextPass();
    assert.equal(await storage.hubs.get('hub_ps_none'), undefined);
    await nextPass();
    assert.equal(await storage.hubs.get('hub_ps_none'), undefined);
    otherCreates(quiet);
    assert.equal((await storage.hubs.get(quiet))?.name, 'other');

    const later = `hub_ps${++n}`;
    await busyPass();
    await new Promise((resolve) => setTimeout(resolve, 5));
    // The quiet moment ends with a pass: on a loaded machine the timer can fire in the very next turn,
    // before that turn's end counts its reads (none) and ends the shared transaction.
    await nextPass();
    assert.equal(await storage.hubs.get('hub_ps_none'), undefined);
    otherCreates(later);
    assert.equal((await storage.hubs.get(later))?.name, 'other');
  });

  test('a shared snapshot does not hold back a checkpoint past a pass without reads', async () => {
    await busyPass();
    assert.equal(await storage.hubs.get('hub_ps_none'), undefined);
    otherCreates(`hub_ps${++n}`);
    await nextPass();
    await nextPass();
    const [result] = other.prepare('pragma wal_checkpoint(truncate)').all() as { busy: number }[];
    assert.equal(result?.busy, 0, 'no reader holds an old snapshot');
  });

  test('closing while a pass shares a snapshot closes cleanly', async () => {
    const { storage: s, cleanup: c } = await sqlite!.open();
    await s.migrate();
    for (let i = 0; i <= SHARE_FROM_READS; i++) await s.hubs.get('x');
    await nextPass();
    await s.hubs.get('x');
    await s.close();
    await nextPass();
    await c();
  });
});

describe('how long a shared read transaction lasts', () => {
  const dir = tempDir();
  let writer: Database.Database;
  let reader: Database.Database;
  let clock = 0;
  let snapshot: PassSnapshot;
  let rows = 0;

  before(() => {
    const path = join(dir, 'spans.db');
    writer = new Database(path);
    writer.pragma('journal_mode = WAL');
    writer.exec('create table t (n integer)');
    reader = new Database(path);
    reader.pragma('query_only = ON');
    snapshot = new PassSnapshot(reader, () => clock);
  });
  after(() => {
    snapshot.end();
    reader.close();
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Reads as the storage makes them (the snapshot is told first); the last one's count. */
  const count = (reads = 1): number => {
    let n = 0;
    for (let i = 0; i < reads; i++) {
      snapshot.beforeRead();
      n = (reader.prepare('select count(*) as n from t').get() as { n: number }).n;
    }
    return n;
  };
  const otherCommits = () => {
    writer.prepare('insert into t (n) values (?)').run([++rows]);
  };
  /** A pass of enough reads for the next ones to share a transaction. */
  async function busyPass(): Promise<void> {
    count(SHARE_FROM_READS);
    await nextPass();
  }

  test('busy passes share one transaction until it is SHARE_FOR_MS old; the end of the pass after that ends it', async () => {
    clock = 1_000;
    await busyPass();
    const before = count(SHARE_FROM_READS);
    assert.equal(reader.inTransaction, true, 'the pass after a busy one reads in a shared transaction');
    otherCommits();
    await nextPass();
    clock += SHARE_FOR_MS - 1;
    assert.equal(count(SHARE_FROM_READS), before, 'a busy pass younger than the bound goes on in the same transaction');
    await nextPass();
    assert.equal(reader.inTransaction, true);
    assert.equal(count(SHARE_FROM_READS), before, 'still the same snapshot');
    clock += 1;
    await nextPass();
    assert.equal(reader.inTransaction, false, 'the end of the pass that found it SHARE_FOR_MS old ended it');
    assert.equal(count(), before + 1, 'the next read sees the other connection\'s commit');
    await nextPass();
    await nextPass();
    assert.equal(reader.inTransaction, false);
  });

  test('a pass with fewer reads than begin sharing ends it, however young; so does one without reads', async () => {
    clock = 2_000;
    await busyPass();
    const before = count(SHARE_FROM_READS);
    otherCommits();
    await nextPass();
    assert.equal(reader.inTransaction, true, 'a busy pass keeps it');
    assert.equal(count(SHARE_FROM_READS - 1), before, 'read in the transaction still open');
    await nextPass();
    assert.equal(reader.inTransaction, false, 'the end of the quieter pass ended it, with the clock standing still');
    assert.equal(count(), before + 1);

    await busyPass();
    const again = count(SHARE_FROM_READS);
    otherCommits();
    await nextPass();
    assert.equal(reader.inTransaction, true);
    await nextPass();
    assert.equal(reader.inTransaction, false, 'a pass without reads ended it');
    assert.equal(count(), again + 1);
  });

  test('before a busy pass, reads are transactions of their own and see every commit', async () => {
    clock = 3_000;
    await nextPass();
    await nextPass();
    const before = count();
    assert.equal(reader.inTransaction, false);
    otherCommits();
    assert.equal(count(), before + 1);
  });
});
