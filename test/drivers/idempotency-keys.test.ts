// Idempotency-Key records on every driver: a record past the retention is neither found nor in the way
// of a new request with its key.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DRIVERS } from '../helpers/drivers.js';
import type { Storage } from '../../src/storage/index.js';

const DAY_MS = 86_400_000;

for (const driver of DRIVERS) {
  describe(`idempotency keys on ${driver.name}`, () => {
    let storage: Storage;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ storage, cleanup } = await driver.open());
      await storage.migrate();
    });
    after(async () => {
      await storage.close();
      await cleanup();
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
