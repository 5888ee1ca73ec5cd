// An attempt in flight when the operator disables an endpoint (PATCH {"enabled": false}), or disables
// and enables it again, changes nothing of the endpoint when it ends, even failing past the disabling
// window: a manual disable stays `manual` with no webhook.disabled sent, a re-enabled endpoint starts
// afresh (no failing_since, not disabled) and gets the events committed after the enable.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg } from '../helpers/org.js';
import { startServerOn } from '../helpers/drivers.js';
import type { TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import { endpointWithReceiver, startReceiver, type Receiver } from './receiver.js';

type Body = Record<string, unknown>;

/** Each failing attempt takes this long at the receiver: long enough to act while it is in flight. */
const SLOW_MS = 1500;

for (const driver of ['sqlite', 'postgres'] as const) {
  describe(`an endpoint disabled during an attempt (${driver})`, () => {
    let ts: TestServer;
    const receivers: Receiver[] = [];

    before(async () => {
      ts = await startServerOn(driver, {
        webhookAllowHttp: true,
        fetchAllowHosts: ['127.0.0.1'],
        // The second attempt ends more than a window after the first failed: it would disable the endpoint.
        webhookDisableAfterSeconds: 1,
        webhookRetryScheduleMs: ['100', '100', '100', '100'],
        webhookTimeoutMs: 5000,
        webhookPollMs: 50,
      });
    });
    after(async () => {
      await ts.close();
      for (const r of receivers) await r.close();
    });

    /** An endpoint whose first `failing` attempts answer 500 slowly (then 200), one hearing webhook.disabled, and a publisher. */
    async function setup(failing: number) {
      const org = await makeOrg(ts);
      const hub = await ts.admin('POST', `/orgs/${org.id}/hubs`, { name: 'hub' });
      const watcher = await endpointWithReceiver(ts, receivers, org.id, { events: ['webhook.disabled'] });
      const slow = await endpointWithReceiver(ts, receivers, org.id, { events: ['test.ping'] });
      slow.receiver.answer = (_r, nth) => (nth <= failing ? { status: 500, delayMs: SLOW_MS } : 200);
      const publish = async (phase: string) => {
        const res = await ts.admin('POST', `/hubs/${hub.body.id as string}/events`, { type: 'test.ping', data: { phase } });
        assert.equal(res.status, 202, JSON.stringify(res.body));
      };
      return { watcher: watcher.receiver, slow, publish };
    }

    const state = async (id: string) => (await ts.admin('GET', `/webhooks/${id}`)).body;
    const deliveries = async (id: string) => (await ts.admin('GET', `/webhooks/${id}/deliveries`)).body.data as Body[];

    async function patch(id: string, enabled: boolean): Promise<Body> {
      const res = await ts.admin('PATCH', `/webhooks/${id}`, { enabled });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    }

    /** Waits until the delivery of `phase` has `n` attempts logged: the one in flight has ended and been recorded. */
    async function attemptsLogged(id: string, n: number): Promise<void> {
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const first = (await deliveries(id)).at(-1);
        if (((first?.attempts as Body[] | undefined) ?? []).length >= n) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`timed out waiting for ${n} attempts to be logged`);
    }

    test('disabled by hand while a failing attempt past the window is in flight: it stays manual, and nobody hears of it', async () => {
      const { watcher, slow, publish } = await setup(2);
      await publish('first');
      await until(() => slow.receiver.received.length === 2, 'the second attempt in flight');
      const failingSince = (await state(slow.id)).failing_since;
      assert.equal(typeof failingSince, 'string', 'the first failure started a run');
      assert.equal((await patch(slow.id, false)).disabled_reason, 'manual');
      await attemptsLogged(slow.id, 2);
      const after = await state(slow.id);
      assert.equal(after.enabled, false);
      assert.equal(after.disabled_reason, 'manual');
      assert.equal(after.failing_since, failingSince);
      // The event a disabling records would be on its way by now; give it time to arrive anyway.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(watcher.ofType('webhook.disabled').length, 0, 'webhook.disabled is for endpoints Capstan disables');
    });

    test('disabled by hand during its first failing attempt: no run of failures is started', async () => {
      const { slow, publish } = await setup(1);
      await publish('first');
      await until(() => slow.receiver.received.length === 1, 'the first attempt in flight');
      await patch(slow.id, false);
      await attemptsLogged(slow.id, 1);
      const after = await state(slow.id);
      assert.equal(after.disabled_reason, 'manual');
      assert.equal(after.failing_since, null);
    });

    test('disabled and enabled again during that attempt: it starts afresh and gets the events after the enable', async () => {
      const { watcher, slow, publish } = await setup(2);
      await publish('first');
      await until(() => slow.receiver.received.length === 2, 'the second attempt in flight');
      await patch(slow.id, false);
      const enabled = await patch(slow.id, true);
      assert.equal(enabled.enabled, true);
      assert.equal(enabled.failing_since, null);
      await publish('after');
      await attemptsLogged(slow.id, 2);
      const after = await state(slow.id);
      assert.equal(after.enabled, true, 'the stale attempt does not disable it again');
      assert.equal(after.disabled_reason, null);
      assert.equal(after.failing_since, null, 'a new run of failures counts from zero');
      await until(() => slow.receiver.ofType('test.ping').some((m) => m.body.data.phase === 'after'), 'the event after the enable');
      let log: Body[] = [];
      for (let i = 0; i < 200 && log[0]?.status !== 'succeeded'; i++) {
        log = await deliveries(slow.id);
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(log.map((d) => d.status), ['succeeded', 'cancelled'], 'the event after the enable delivered; the one the disable cancelled stays cancelled');
      assert.equal(watcher.ofType('webhook.disabled').length, 0);
    });

    test('pointed at another URL during a failing attempt past the window: the old receiver\'s failure does not disable it', async () => {
      const { watcher, slow, publish } = await setup(2);
      await publish('first');
      await until(() => slow.receiver.received.length === 2, 'the second attempt in flight');
      const healthy = await startReceiver();
      receivers.push(healthy);
      const moved = await ts.admin('PATCH', `/webhooks/${slow.id}`, { url: healthy.url });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      assert.equal(moved.body.failing_since, null, 'a new receiver starts a new run of failures');
      await publish('after');
      await attemptsLogged(slow.id, 2);
      await until(() => healthy.ofType('test.ping').some((m) => m.body.data.phase === 'after'), 'the event after the move, at the new URL');
      const after = await state(slow.id);
      assert.equal(after.enabled, true, 'the old receiver\'s late failure does not disable it');
      assert.equal(watcher.ofType('webhook.disabled').length, 0);
    });
  });
}
