// The delivery log does not grow forever: the cleanup removes deliveries that ended (succeeded, failed,
// cancelled) once past CAPSTAN_WEBHOOK_DELIVERY_RETENTION_SECONDS, with their attempts, a batch per
// run, on both drivers. A delivery still pending or being sent stays however old, and so do recent ones.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalDiskBlobStore, PartUrlSigner } from '../../src/blobs/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/http/index.js';
import { runCleanup, type CleanupDeps } from '../../src/maintenance/index.js';
import type { Storage, WebhookDeliveryStatus } from '../../src/storage/index.js';
import { DRIVERS } from '../helpers/drivers.js';
import { tempDir } from '../helpers/server.js';
import { cleanupOptions, DAY, HOUR, iso, seedOrgAndApp } from '../maintenance/fixtures.js';

const logger = createLogger('silent');

let counter = 0;

/** An endpoint row, for deliveries to belong to. */
async function insertEndpoint(storage: Storage, orgId: string): Promise<string> {
  const id = `wh_retention_${++counter}`;
  const at = iso(Date.now());
  await storage.db.insertInto('webhook_endpoints').values({
    id, org_id: orgId, url: 'https://hooks.example.com/capstan', description: null, events: null, enabled: 1, disabled_reason: null,
    secret_enc: 'sealed', previous_secret_enc: null, previous_secret_expires_at: null,
    failing_since: null, lease_owner: null, lease_expires_at: null, created_at: at, updated_at: at, deleted_at: null,
  }).execute();
  return id;
}

/** A delivery last changed at `changedAt`, with `attempts` attempts logged. */
async function insertDelivery(storage: Storage, endpointId: string, orgId: string, status: WebhookDeliveryStatus, changedAt: number, attempts = 2): Promise<string> {
  const id = `whd_retention_${++counter}`;
  const eventId = `0190a1b2-c3d4-7e5f-8a6b-${String(counter).padStart(12, '0')}`;
  const open = status === 'pending' || status === 'delivering';
  await storage.db.insertInto('webhook_deliveries').values({
    id, endpoint_id: endpointId, org_id: orgId, event_id: eventId, event_type: 'test.ping', order_key: `${eventId}.0`,
    payload: '{"type":"test.ping","timestamp":"2024-07-01T00:00:00.000Z","data":{}}', status, attempts,
    next_attempt_at: open ? changedAt + HOUR : null, created_at: iso(changedAt - HOUR), updated_at: iso(changedAt),
  }).execute();
  for (let attempt = 1; attempt <= attempts; attempt++) {
    await storage.db.insertInto('webhook_attempts').values({
      delivery_id: id, attempt, started_at: iso(changedAt - HOUR + attempt), duration_ms: 12, status_code: 500, outcome: 'http_error',
      error: 'HTTP 500', response_body: 'no', next_attempt_at: null,
    }).execute();
  }
  return id;
}

for (const driver of DRIVERS) {
  describe(`webhook delivery retention on ${driver.name}`, () => {
    let storage: Storage;
    let cleanup: () => Promise<void>;
    let blobDir: string;
    let deps: CleanupDeps;
    const now = Date.now();

    before(async () => {
      ({ storage, cleanup } = await driver.open());
      await storage.migrate();
      blobDir = tempDir('capstan-webhook-retention-');
      const blobs = new LocalDiskBlobStore({ root: join(blobDir, 'blobs'), signer: new PartUrlSigner({ secret: 's'.repeat(40), publicUrl: () => 'http://127.0.0.1' }) });
      deps = { repo: storage.cleanup, blobs, logger, clock: () => now };
    });
    after(async () => {
      await storage.close();
      await cleanup();
      rmSync(blobDir, { recursive: true, force: true });
    });

    const deliveryIds = async (): Promise<string[]> => (await storage.db.selectFrom('webhook_deliveries').select('id').orderBy('id').execute()).map((r) => r.id);
    const attemptOwners = async (): Promise<string[]> =>
      [...new Set((await storage.db.selectFrom('webhook_attempts').select('delivery_id').execute()).map((r) => r.delivery_id))].sort();

    test('ended deliveries go with their attempts once past the retention, a batch per run; open and recent ones stay', async () => {
      const { orgId } = await seedOrgAndApp(storage);
      const endpoint = await insertEndpoint(storage, orgId);
      const old = now - 31 * DAY;
      await insertDelivery(storage, endpoint, orgId, 'succeeded', old, 1);
      await insertDelivery(storage, endpoint, orgId, 'failed', old - DAY, 12);
      await insertDelivery(storage, endpoint, orgId, 'cancelled', old - 2 * DAY);
      await insertDelivery(storage, endpoint, orgId, 'succeeded', old - 90 * DAY, 3);
      await insertDelivery(storage, endpoint, orgId, 'cancelled', old, 0);
      const kept = [
        // Still owed to the receiver, however old: a retry is scheduled, or an attempt is in flight.
        await insertDelivery(storage, endpoint, orgId, 'pending', now - 365 * DAY),
        await insertDelivery(storage, endpoint, orgId, 'delivering', now - 365 * DAY),
        // Ended inside the retention.
        await insertDelivery(storage, endpoint, orgId, 'succeeded', now - 29 * DAY),
        await insertDelivery(storage, endpoint, orgId, 'failed', now - HOUR),
        await insertDelivery(storage, endpoint, orgId, 'cancelled', now),
      ];
      const options = cleanupOptions({ batchSize: 2 });
      assert.equal(options.webhookDeliveryRetentionMs, loadConfig({ env: {} }).webhookDeliveryRetentionSeconds * 1000, 'the default window: 30 days');

      const counts = [];
      for (let run = 0; run < 4; run++) {
        const report = await runCleanup(deps, options);
        assert.deepEqual(report.failed, []);
        counts.push(report.webhookDeliveries);
      }
      assert.deepEqual(counts, [2, 2, 1, 0], 'at most a batch per run, and the next run goes on');
      assert.deepEqual(await deliveryIds(), [...kept].sort());
      assert.deepEqual(await attemptOwners(), [...kept].sort(), 'attempts go with their delivery, and only then');

      // Years later the ended ones are all gone; the open ones are still there, with their attempts.
      const later = await runCleanup({ ...deps, clock: () => now + 3650 * DAY }, cleanupOptions());
      assert.equal(later.webhookDeliveries, 3);
      const left = await storage.db.selectFrom('webhook_deliveries').select(['id', 'status']).orderBy('id').execute();
      assert.deepEqual(left.map((r) => r.status).sort(), ['delivering', 'pending']);
      assert.deepEqual(await attemptOwners(), left.map((r) => r.id).sort());
      assert.ok(await storage.webhooks.getEndpoint(endpoint), 'the endpoint itself stays');
    });

    test('a delivery retried by hand is open again, and out of reach until it ends anew', async () => {
      const { orgId } = await seedOrgAndApp(storage);
      const endpoint = await insertEndpoint(storage, orgId);
      const id = await insertDelivery(storage, endpoint, orgId, 'failed', now - 40 * DAY, 12);
      // What POST …/deliveries/:id/retry writes.
      await storage.webhooks.updateDelivery(id, { status: 'pending', next_attempt_at: now, updated_at: iso(now) });
      assert.equal((await runCleanup(deps, cleanupOptions())).webhookDeliveries, 0);
      assert.ok(await storage.webhooks.getDelivery(id));
      await storage.webhooks.updateDelivery(id, { status: 'succeeded', next_attempt_at: null, updated_at: iso(now) });
      assert.equal((await runCleanup({ ...deps, clock: () => now + 29 * DAY }, cleanupOptions())).webhookDeliveries, 0, 'its window starts when it ended');
      assert.equal((await runCleanup({ ...deps, clock: () => now + 31 * DAY }, cleanupOptions())).webhookDeliveries, 1);
      assert.equal(await storage.webhooks.getDelivery(id), undefined);
      assert.deepEqual(await storage.webhooks.attemptsOf([id]), []);
    });
  });
}
