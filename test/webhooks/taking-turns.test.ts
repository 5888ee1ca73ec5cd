// Endpoints take turns on the delivery workers. An organization whose receivers never answer, with a
// backlog and retries falling due, holds each worker for one attempt (the timeout, here 1 s) at a time:
// a healthy endpoint of another organization, or of the same one, still gets its event within a few
// seconds instead of after that backlog. Over HTTP, with real receivers, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg } from '../helpers/org.js';
import { startServerOn } from '../helpers/drivers.js';
import type { TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import { endpointWithReceiver, type Receiver } from './receiver.js';

const TIMEOUT_MS = 1000;

for (const driver of ['sqlite', 'postgres'] as const) {
  describe(`delivery workers take turns (${driver})`, () => {
    let ts: TestServer;
    const receivers: Receiver[] = [];

    before(async () => {
      ts = await startServerOn(driver, {
        webhookAllowHttp: true,
        fetchAllowHosts: ['127.0.0.1'],
        webhookConcurrency: 2,
        webhookTimeoutMs: TIMEOUT_MS,
        // Retries fall due long before a hanging attempt ends: a worker that kept its endpoint while it had due work would never let go.
        webhookRetryScheduleMs: Array.from({ length: 50 }, () => '100'),
        webhookPollMs: 50,
      });
    });
    after(async () => {
      await ts.close();
      for (const r of receivers) await r.close();
    });

    async function hubOf(orgId: string): Promise<() => Promise<void>> {
      const hub = await ts.admin('POST', `/orgs/${orgId}/hubs`, { name: 'hub' });
      assert.equal(hub.status, 201, JSON.stringify(hub.body));
      return async () => {
        const res = await ts.admin('POST', `/hubs/${hub.body.id as string}/events`, { type: 'test.ping' });
        assert.equal(res.status, 202, JSON.stringify(res.body));
      };
    }

    test('receivers that never answer hold a worker one attempt at a time', async () => {
      const slow = await makeOrg(ts);
      const publishSlow = await hubOf(slow.id);
      const dead: Receiver[] = [];
      for (let i = 0; i < 2; i++) {
        const { receiver } = await endpointWithReceiver(ts, receivers, slow.id);
        receiver.answer = () => 'hang';
        dead.push(receiver);
      }
      for (let i = 0; i < 3; i++) await publishSlow();
      // Both workers are busy with a hanging attempt.
      await until(() => dead.every((r) => r.received.length >= 1), 'an attempt at each dead receiver');

      const other = await makeOrg(ts);
      const publishOther = await hubOf(other.id);
      const healthy = await endpointWithReceiver(ts, receivers, other.id);
      const sibling = await endpointWithReceiver(ts, receivers, slow.id);
      const started = Date.now();
      await publishOther();
      await publishSlow();
      await until(() => healthy.receiver.received.length === 1, 'the other organization\'s event', 10 * TIMEOUT_MS);
      await until(() => sibling.receiver.received.length === 1, 'the event at the healthy endpoint of the same organization', 10 * TIMEOUT_MS);
      const waited = Date.now() - started;
      // A worker is free at the latest one timeout after the events; the rest is slack for a busy machine.
      assert.ok(waited < 5 * TIMEOUT_MS, `delivered ${waited} ms after the events`);
      assert.ok(healthy.receiver.received[0]!.verifiedWith.length === 1);
      // The dead receivers keep getting their attempts: a turn each, not none.
      const before = dead.map((r) => r.received.length);
      await until(() => dead.every((r, i) => r.received.length > before[i]!), 'further attempts at each dead receiver', 10 * TIMEOUT_MS);
    });
  });
}
