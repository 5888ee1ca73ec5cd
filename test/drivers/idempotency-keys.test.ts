// Idempotency-Key records on every driver: a request's answer commits in the transaction of its change
// (a node that dies right after the commit leaves it for the retry), a failed request leaves its key
// free, and a record past the retention is neither found nor in the way of a new request with its key.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DRIVERS } from '../helpers/drivers.js';
import { openStorage, withIdempotencyClaim, type NewEventRow, type Storage } from '../../src/storage/index.js';
import { tempDir } from '../helpers/server.js';

const row = (topic: string, n: number): NewEventRow => ({ type: 'test.event', org_id: 'o1', topic, data: JSON.stringify({ n }), created_at: new Date().toISOString(), scope: '{}' });
const DAY_MS = 86_400_000;

for (const driver of DRIVERS) {
  describe(`idempotency keys on ${driver.name}`, () => {
    let storage: Storage;
    let url: string;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ storage, url, cleanup } = await driver.open());
      await storage.migrate();
    });
    after(async () => {
      await storage.close();
      await cleanup();
    });

    test("a held claim commits the request's answer with its change; nothing after the commit is needed", async () => {
      const claim = { scope: 'admin', key: 'held-answer', requestHash: 'h1' };
      let seenInside = -1;
      const { result, state } = await withIdempotencyClaim(claim, async (state) => {
        const event = await storage.transaction((tx) => tx.events.append(row('t:held', 1)));
        // The request goes on in the held transaction: it reads its own change.
        seenInside = (await storage.events.readAfterSeq('t:held', 0, 10)).length;
        await state.commitWith?.({ status: 200, body: JSON.stringify({ id: event.id }) });
        return event;
      }, { holdForAnswer: true });
      // The node dies here: nothing it would have done after the commit happens.
      assert.equal(seenInside, 1);
      assert.equal(state.committed, true);
      const other = driver.name === 'sqlite' ? storage : openStorage(url, tempDir());
      try {
        const stored = await other.idempotency.find('admin', 'held-answer');
        assert.equal(stored?.status_code, 200, 'the answer is stored with the change');
        assert.deepEqual(JSON.parse(stored.response ?? ""), { id: result.id });
        assert.equal((await other.events.readAfterSeq('t:held', 0, 10)).length, 1);
      } finally {
        if (other !== storage) await other.close();
      }
    });

    test('a held claim whose request failed after its change rolls the change back and leaves the key free', async () => {
      const claim = { scope: 'admin', key: 'held-failed', requestHash: 'h2' };
      await withIdempotencyClaim(claim, async (state) => {
        await storage.transaction((tx) => tx.events.append(row('t:failed', 1)));
        await state.commitWith?.(undefined);
      }, { holdForAnswer: true });
      assert.equal(await storage.idempotency.find('admin', 'held-failed'), undefined);
      assert.equal((await storage.events.readAfterSeq('t:failed', 0, 10)).length, 0);
    });

    test('a record past the retention is not found, and a new request with its key replaces it; a live one stays', async () => {
      const record = { scope: 'admin', key: 'old', request_hash: 'first', status_code: 200, response: '{"n":1}', created_at: new Date(Date.now() - DAY_MS - 1000).toISOString() };
      assert.equal(await storage.idempotency.save(record), true);
      assert.equal(await storage.idempotency.find('admin', 'old'), undefined, 'expired: a lookup ignores it');
      const fresh = { ...record, request_hash: 'second', response: '{"n":2}', created_at: new Date().toISOString() };
      const racing = await Promise.all([storage.idempotency.save(fresh), storage.idempotency.save({ ...fresh, request_hash: 'third' })]);
      assert.deepEqual(racing.sort(), [false, true], 'one of two racing requests takes the expired key');
      const now = await storage.idempotency.find('admin', 'old');
      assert.ok(now && now.request_hash !== 'first' && now.created_at === fresh.created_at);
      assert.equal(await storage.idempotency.save({ ...fresh, request_hash: 'fourth' }), false, 'a live record keeps its key');
    });
  });
}
