// Pruning the event log never loses a webhook. A node stops (its dispatcher with it) after an event
// committed but before any dispatcher read it — killed between commit and dispatch, or every node
// down for a while. The log is then pruned far past its retention window the way every node prunes it
// (the webhook runtime's floor, then EventLog.prune): the dispatched and unfollowed events go, the
// undispatched one stays, and the restarted node delivers it. On both drivers (the floor is SQL).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type Config } from '../../src/config/index.js';
import { EventLog, EventPublisher, orgTopic, type EventRecord } from '../../src/events/index.js';
import { createLogger, createMetrics } from '../../src/http/index.js';
import { eventTypeRegistry } from '../../src/server/event-types.js';
import type { Storage } from '../../src/storage/index.js';
import { createWebhooks, type WebhookRuntime } from '../../src/webhooks/index.js';
import { DRIVERS } from '../helpers/drivers.js';
import { until } from '../helpers/wait.js';
import { seedOrgAndApp } from '../maintenance/fixtures.js';
import { startReceiver, type Receiver } from './receiver.js';

const RETENTION_MS = 60_000;

for (const driver of DRIVERS) {
  describe(`event-log pruning and webhooks on ${driver.name}`, () => {
    let storage: Storage;
    let cleanup: () => Promise<void>;
    let receiver: Receiver;
    let config: Config;
    const registry = eventTypeRegistry();
    const runtimes: WebhookRuntime[] = [];

    before(async () => {
      ({ storage, cleanup } = await driver.open());
      await storage.migrate();
      receiver = await startReceiver();
      config = loadConfig({ env: {}, overrides: { webhookAllowHttp: true, fetchAllowHosts: ['127.0.0.1'], webhookPollMs: 50, realtimeRetentionSeconds: RETENTION_MS / 1000 } });
    });
    after(async () => {
      for (const r of runtimes) await r.close();
      await receiver.close();
      await storage.close();
      await cleanup();
    });

    /** One node's webhooks, as createServer makes them. */
    function node(): WebhookRuntime {
      const publisher = new EventPublisher(registry, storage, config.eventMaxPayloadBytes);
      const runtime = createWebhooks({ config, storage, registry, publisher, logger: createLogger('silent'), metrics: createMetrics(false), tokenSecret: 't'.repeat(40) });
      runtimes.push(runtime);
      return runtime;
    }

    const publisher = (): EventPublisher => new EventPublisher(registry, storage, config.eventMaxPayloadBytes);
    const status = (orgId: string, n: number): Promise<EventRecord> =>
      publisher().publish({ topic: orgTopic(orgId), orgId, type: 'document.status', data: { document_id: `doc_${n}`, status: 'processing' } });
    const logged = async (ids: readonly string[]): Promise<string[]> =>
      (await storage.db.selectFrom('events').select('id').where('id', 'in', [...ids]).orderBy('id').execute()).map((r) => r.id);

    test('an event no dispatcher has read survives a prune past the retention and is delivered after the restart', async () => {
      const { orgId } = await seedOrgAndApp(storage);
      const { orgId: quietOrg } = await seedOrgAndApp(storage);
      const first = node();
      const created = await first.service.create(orgId, { url: receiver.url });
      receiver.secrets = [created.secret];
      first.start();
      const dispatched = await status(orgId, 1);
      await until(() => receiver.received.length === 1, 'the first event delivered');
      assert.equal(receiver.received[0]!.id, dispatched.id);

      // The node stops; meanwhile events commit for an organization without endpoints, then for the
      // endpoint's (the prune keeps everything from the oldest undispatched event on).
      await first.close();
      const unfollowed = await status(quietOrg, 2);
      const held = await status(orgId, 3);

      // Long after, before the restarted node dispatches anything, a node prunes the log.
      const restarted = node();
      const later = Date.now() + 10 * RETENTION_MS;
      const keepFrom = await restarted.pruneFloor();
      assert.equal(keepFrom, held.id, 'the floor is the oldest event not dispatched');
      const events = new EventLog(storage, RETENTION_MS);
      assert.equal(await events.prune(later, keepFrom), 2);
      assert.deepEqual(await logged([dispatched.id, held.id, unfollowed.id]), [held.id], 'past the retention, only the undispatched event is left');

      restarted.start();
      await until(() => receiver.received.length === 2, 'the held event delivered after the restart');
      const [, message] = receiver.received;
      assert.equal(message!.id, held.id, 'the webhook-id is the held event\'s id');
      assert.deepEqual(message!.verifiedWith, [0], 'standardwebhooks verifies it');
      assert.equal(message!.body.data.document_id, 'doc_3');

      // Dispatched (the cursor moved when its delivery was recorded, before the send), it is no longer
      // held back: the next prune takes it.
      assert.equal(await restarted.pruneFloor(), undefined);
      assert.equal(await events.prune(later, await restarted.pruneFloor()), 1);
      assert.deepEqual(await logged([held.id]), []);
    });
  });
}
