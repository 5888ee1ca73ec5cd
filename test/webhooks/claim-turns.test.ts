// Claiming an endpoint (storage/repos/webhooks.ts) on both drivers: of the endpoints with due
// deliveries and a free lease, the one whose last turn began longest ago is taken, whatever the ids,
// so one handed back goes behind the others; an endpoint held by a live lease is skipped until it lapses.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Storage } from '../../src/storage/index.js';
import { DRIVERS } from '../helpers/drivers.js';

const at = new Date(Date.UTC(2026, 0, 1)).toISOString();
const LEASE_MS = 10_000;

/** An enabled endpoint of `orgId` that has never had a turn, with one delivery due. */
async function endpointWithDue(storage: Storage, orgId: string, id: string): Promise<void> {
  await storage.webhooks.createEndpoint({
    id, org_id: orgId, url: 'https://hooks.example.com/capstan', description: null, events: null, enabled: 1, disabled_reason: null,
    secret_enc: 'sealed', previous_secret_enc: null, previous_secret_expires_at: null, failing_since: null,
    lease_owner: null, lease_expires_at: null, served_at: 0, enable_generation: 0, created_at: at, updated_at: at, deleted_at: null,
  });
  await storage.webhooks.addDelivery({
    id: `whd_${id}`, endpoint_id: id, org_id: orgId, event_id: '0190a1b2-c3d4-7e5f-8a6b-000000000001',
    event_type: 'test.ping', order_key: `k.${id}`, payload: '{}', status: 'pending', attempts: 0, next_attempt_at: 0, created_at: at, updated_at: at,
  });
}

/** The endpoints `count` claims in a row take, each handed back before the next (a millisecond apart). */
async function turns(storage: Storage, count: number): Promise<string[]> {
  let now = 1_000_000;
  const order: string[] = [];
  for (let i = 0; i < count; i++) {
    const claimed = await storage.webhooks.claimEndpoint('w1', ++now, LEASE_MS);
    assert.ok(claimed, 'an endpoint with a due delivery');
    order.push(claimed.id);
    await storage.webhooks.releaseEndpoint(claimed.id, 'w1');
  }
  return order;
}

for (const driver of DRIVERS) {
  describe(`claiming webhook endpoints on ${driver.name}`, () => {
    let storage: Storage;
    let cleanup: () => Promise<void>;

    before(async () => {
      ({ storage, cleanup } = await driver.open());
      await storage.migrate();
      await storage.orgs.create({ id: 'org_turns', name: 'turns', credits_micro: 0, created_at: at, updated_at: at });
      for (const id of ['wh_a', 'wh_b', 'wh_c']) await endpointWithDue(storage, 'org_turns', id);
    });
    after(async () => {
      await storage.close();
      await cleanup();
    });

    test('turns go round, the endpoint handed back last coming last', async () => {
      assert.deepEqual(await turns(storage, 6), ['wh_a', 'wh_b', 'wh_c', 'wh_a', 'wh_b', 'wh_c']);
    });

    test('a held endpoint is skipped until its lease lapses, then its turn is due first', async () => {
      const now = 2_000_000;
      const held = await storage.webhooks.claimEndpoint('w1', now, LEASE_MS);
      assert.equal(held?.id, 'wh_a');
      const next = await storage.webhooks.claimEndpoint('w2', now + 1, LEASE_MS);
      assert.equal(next?.id, 'wh_b');
      await storage.webhooks.releaseEndpoint('wh_b', 'w2');
      assert.equal((await storage.webhooks.claimEndpoint('w2', now + 2, LEASE_MS))?.id, 'wh_c');
      await storage.webhooks.releaseEndpoint('wh_c', 'w2');
      // w1 died holding wh_a: once its lease lapses, wh_a has waited longest.
      assert.equal((await storage.webhooks.claimEndpoint('w2', now + LEASE_MS + 1, LEASE_MS))?.id, 'wh_a');
    });
  });

  describe(`claiming webhook endpoints across organizations on ${driver.name}`, () => {
    let storage: Storage;
    let cleanup: () => Promise<void>;

    before(async () => {
      ({ storage, cleanup } = await driver.open());
      await storage.migrate();
      // One organization with three endpoints (say, receivers that hang), another with one.
      for (const [org, ids] of [['org_many', ['wh_m1', 'wh_m2', 'wh_m3']], ['org_one', ['wh_z1']]] as const) {
        await storage.orgs.create({ id: org, name: org, credits_micro: 0, created_at: at, updated_at: at });
        for (const id of ids) await endpointWithDue(storage, org, id);
      }
    });
    after(async () => {
      await storage.close();
      await cleanup();
    });

    test('organizations take turns: one with many endpoints gets no more turns than one with a single endpoint', async () => {
      assert.deepEqual(await turns(storage, 6), ['wh_m1', 'wh_z1', 'wh_m2', 'wh_z1', 'wh_m3', 'wh_z1']);
    });
  });
}
