// On SQLite the reads of a busy pass of the event loop share one read transaction
// (src/storage/pass-snapshot.ts). Shared or not, a read sees what this process committed before it,
// another process's commit from the next pass on, and no shared transaction outlives its pass.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Database from 'libsql';
import type { Storage } from '../../src/storage/index.js';
import { SHARE_FROM_READS } from '../../src/storage/pass-snapshot.js';
import { DRIVERS } from '../helpers/drivers.js';

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

  test('after a busy pass, the next one reads from one snapshot: another connection\'s commit shows from the pass after', async () => {
    const id = `hub_ps${++n}`;
    await busyPass();
    assert.equal(await storage.hubs.get('hub_ps_none'), undefined);
    otherCreates(id);
    assert.equal(await storage.hubs.get(id), undefined, 'the pass reads from the snapshot its first read took');
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
    assert.equal(await storage.hubs.get('hub_ps_none'), undefined);
    otherCreates(later);
    assert.equal((await storage.hubs.get(later))?.name, 'other');
  });

  test('a shared snapshot does not hold back a checkpoint past its pass', async () => {
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
