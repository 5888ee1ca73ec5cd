// The outbox on both drivers: an event exists exactly when the transaction that appended it commits;
// a topic's events get a gap-free seq and increasing ids in commit order, also when transactions on
// several connections append at once; the commit listeners hear of committed events only; an
// Idempotency-Key claim commits or rolls back with the change it guards.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isAppError } from '../../src/http/index.js';
import { openStorage, withIdempotencyClaim, type EventRow, type NewEventRow, type Storage } from '../../src/storage/index.js';
import { isUuidV7, uuidv7At } from '../../src/util/ids.js';
import { DRIVERS } from '../helpers/drivers.js';
import { tempDir } from '../helpers/server.js';

const row = (topic: string, n: number): NewEventRow => ({ topic, org_id: 'org_x', type: 'test.ping', scope: '{}', data: JSON.stringify({ n }), created_at: new Date().toISOString() });

for (const driver of DRIVERS) {
  describe(`outbox on ${driver.name}`, () => {
    let storage: Storage;
    let url: string;
    let cleanup: () => Promise<void>;
    const committed: EventRow[] = [];

    before(async () => {
      ({ storage, url, cleanup } = await driver.open());
      await storage.migrate();
      storage.onCommit((rows) => committed.push(...rows));
    });
    after(async () => {
      await storage.close();
      await cleanup();
    });

    test('appends in one transaction get consecutive seqs and increasing ids; listeners hear of them after the commit', async () => {
      committed.length = 0;
      let seenInside = -1;
      const rows = await storage.transaction(async (tx) => {
        const out = [await tx.events.append(row('t:a', 1)), await tx.events.append(row('t:a', 2)), await tx.events.append(row('t:b', 1))];
        seenInside = committed.length;
        return out;
      });
      assert.equal(seenInside, 0, 'nothing is announced before the commit');
      assert.deepEqual(rows.map((r) => [r.topic, r.seq]), [['t:a', 1], ['t:a', 2], ['t:b', 1]]);
      assert.ok(rows[0]!.id < rows[1]!.id);
      assert.deepEqual(committed.map((r) => r.id), rows.map((r) => r.id));
      assert.deepEqual((await storage.events.readAfterSeq('t:a', 0, 10)).map((r) => Number(r.seq)), [1, 2]);
      assert.deepEqual(Object.fromEntries(await storage.events.heads(['t:a', 't:b', 't:never'])), { 't:a': 2, 't:b': 1 });
    });

    test('a rolled-back append leaves no event, no listener call and no hole in the sequence', async () => {
      committed.length = 0;
      await assert.rejects(storage.transaction(async (tx) => {
        await tx.events.append(row('t:c', 1));
        throw new Error('the change failed');
      }));
      assert.equal(committed.length, 0);
      assert.equal((await storage.events.readAfterSeq('t:c', 0, 10)).length, 0);
      const next = await storage.events.append(row('t:c', 2));
      assert.equal(next.seq, 1, 'the rolled-back seq is reused: no gap');
    });

    test('an append outside a transaction is a transaction of its own', async () => {
      committed.length = 0;
      const r = await storage.events.append(row('t:d', 1));
      assert.deepEqual(committed.map((c) => c.id), [r.id]);
    });

    test('concurrent transactions append to one topic without gaps, ids in seq order', async () => {
      // PostgreSQL: another node's pool on the same database. SQLite has one writer per process (its
      // lock waits block the thread), so there the transactions share the process's one connection.
      const other = driver.name === 'postgres' ? openStorage(url, tempDir()) : storage;
      try {
        const writers = [storage, other];
        const all = await Promise.all(Array.from({ length: 40 }, (_, i) =>
          writers[i % 2]!.transaction(async (tx) => {
            const r = await tx.events.append(row('t:race', i));
            // Something else in the same transaction after the append keeps the topic locked a while.
            await tx.orgs.get('org_missing');
            return r;
          }),
        ));
        const seqs = all.map((r) => r.seq).sort((a, b) => a - b);
        assert.deepEqual(seqs, Array.from({ length: 40 }, (_, i) => i + 1));
        const log = await storage.events.readAfterSeq('t:race', 0, 100);
        const byId = [...log].sort((a, b) => (a.id < b.id ? -1 : 1));
        assert.deepEqual(byId.map((r) => Number(r.seq)), log.map((r) => Number(r.seq)), 'id order and seq order agree');
      } finally {
        if (other !== storage) await other.close();
      }
    });

    test("ids stay above the topic's last even when another node's clock is ahead", async () => {
      // Another node, its clock a minute ahead, appended last.
      const ahead = uuidv7At(Date.now() + 60_000, 5);
      await storage.events.append(row('t:clock', 1));
      await storage.db.updateTable('event_topics').set({ last_id: ahead }).where('topic', '=', 't:clock').execute();
      const rows = [await storage.events.append(row('t:clock', 2)), await storage.transaction((tx) => tx.events.append(row('t:clock', 3)))];
      assert.ok(rows[0]!.id > ahead && rows[1]!.id > rows[0]!.id, `${ahead} < ${rows[0]!.id} < ${rows[1]!.id}`);
      for (const r of rows) assert.ok(isUuidV7(r.id), `${r.id} is a UUIDv7`);
      assert.deepEqual(rows.map((r) => r.seq), [2, 3]);
    });

    test('an Idempotency-Key claim commits with the change, and rolls back with it', async () => {
      const claim = { scope: 'hub:h1', key: 'k-1', requestHash: 'h' };
      await assert.rejects(withIdempotencyClaim(claim, () => storage.transaction(async () => {
        throw new Error('the change failed');
      })));
      assert.equal(await storage.idempotency.find('hub:h1', 'k-1'), undefined, 'a failed change leaves the key free');
      const { state } = await withIdempotencyClaim(claim, () => storage.transaction(async (tx) => tx.events.append(row('t:e', 1))));
      assert.equal(state.committed, true);
      const stored = await storage.idempotency.find('hub:h1', 'k-1');
      assert.equal(stored?.status_code, 0, 'claimed, answer not recorded yet');
      await assert.rejects(
        withIdempotencyClaim(claim, () => storage.transaction(async (tx) => tx.events.append(row('t:e', 2)))),
        (e: unknown) => isAppError(e) && e.code === 'idempotency_conflict' && e.headers['Retry-After'] === '1',
      );
      assert.equal((await storage.events.readAfterSeq('t:e', 0, 10)).length, 1, 'the second request applied nothing');
      await storage.idempotency.complete('hub:h1', 'k-1', 202, '{"id":"x"}');
      assert.equal((await storage.idempotency.find('hub:h1', 'k-1'))?.status_code, 202);
    });
  });
}
