// An endpoint gets the events committed while it is enabled, and only those: one disabled and enabled
// again (PATCH) does not get what happened in between, whether or not another endpoint of its
// organization kept the dispatcher reading; one created while events keep coming gets none from
// before its creation and every one after. Over HTTP, with real receivers, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { makeOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import { endpointWithReceiver, type Receiver } from './receiver.js';

type Body = Record<string, unknown>;

for (const driver of ['sqlite', 'postgres'] as const) {
  describe(`re-enabling and creating endpoints (${driver})`, () => {
    let ts: TestServer;
    let db: TestDatabase | undefined;
    const receivers: Receiver[] = [];

    before(async () => {
      db = driver === 'postgres' ? await createTestDatabase() : undefined;
      ts = await startServer({ webhookAllowHttp: true, fetchAllowHosts: ['127.0.0.1'], webhookPollMs: 20, ...(db ? { databaseUrl: db.url } : {}) });
    });
    after(async () => {
      await ts.close();
      for (const r of receivers) await r.close();
      await db?.drop();
    });

    const endpoint = (orgId: string, body: Body = {}) => endpointWithReceiver(ts, receivers, orgId, body);

    async function hubOf(orgId: string): Promise<(phase: string) => Promise<void>> {
      const hub = await ts.admin('POST', `/orgs/${orgId}/hubs`, { name: 'hub' });
      assert.equal(hub.status, 201, JSON.stringify(hub.body));
      return async (phase) => {
        const res = await ts.admin('POST', `/hubs/${hub.body.id as string}/events`, { type: 'test.ping', data: { phase } });
        assert.equal(res.status, 202, JSON.stringify(res.body));
      };
    }

    const phases = (r: Receiver) => r.ofType('test.ping').map((m) => m.body.data.phase);

    async function patch(id: string, enabled: boolean): Promise<void> {
      const res = await ts.admin('PATCH', `/webhooks/${id}`, { enabled });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.enabled, enabled);
    }

    // `sibling`: another endpoint of the organization, none, filtered to webhook.* (it never gets the
    // pings, but keeps the organization's topics read), or taking every event (then the test waits for
    // it to get the ping of the disabled time, so the dispatcher has read it while the endpoint was off).
    for (const sibling of ['none', 'webhook.*', 'every event'] as const) {
      test(`enabled again, it gets nothing of the time it was disabled (other endpoint: ${sibling})`, async () => {
        const org = await makeOrg(ts);
        const publish = await hubOf(org.id);
        const { receiver, id } = await endpoint(org.id);
        const other = sibling === 'none' ? undefined : await endpoint(org.id, sibling === 'webhook.*' ? { events: ['webhook.*'] } : {});

        await publish('before');
        await until(() => phases(receiver).length === 1, 'the event before disabling');
        await patch(id, false);
        await publish('while-disabled');
        if (sibling === 'every event') await until(() => phases(other!.receiver).includes('while-disabled'), 'the other endpoint getting the event of the disabled time');
        await patch(id, true);
        await publish('after');
        // First attempts go out in the hub's commit order: anything of the disabled time would come first.
        await until(() => phases(receiver).includes('after'), 'the event after enabling');
        assert.deepEqual(phases(receiver), ['before', 'after']);
        assert.ok(receiver.received.every((m) => m.verifiedWith.length === 1));
        // The receiver has the request before the worker records its answer: wait for the log to catch up.
        let statuses: unknown[] = [];
        const deadline = Date.now() + 20_000;
        while (Date.now() < deadline && !(statuses.length === 2 && statuses.every((st) => st === 'succeeded'))) {
          statuses = ((await ts.admin('GET', `/webhooks/${id}/deliveries`)).body.data as Body[]).map((d) => d.status);
          if (!statuses.every((st) => st === 'succeeded')) await new Promise((r) => setTimeout(r, 20));
        }
        assert.deepEqual(statuses, ['succeeded', 'succeeded'], 'one delivery each for before and after, none for the disabled time');
        if (sibling === 'webhook.*') assert.equal(other!.receiver.received.length, 0);
      });
    }

    test('disabled and enabled again while events keep coming: each event at most once, all of those after the enabling', async () => {
      const org = await makeOrg(ts);
      const publish = await hubOf(org.id);
      const { receiver, id } = await endpoint(org.id);
      await endpoint(org.id);
      let n = 0;
      let stop = false;
      const publishing = (async () => {
        while (!stop) await publish(`n${n++}`);
      })();
      for (let round = 0; round < 5; round++) {
        await patch(id, false);
        await patch(id, true);
      }
      const enabledAt = n;
      await until(() => n > enabledAt + 5, 'events after the last enabling');
      stop = true;
      await publishing;
      const last = `n${n - 1}`;
      await until(() => phases(receiver).includes(last), 'the last event');
      const got = phases(receiver);
      assert.equal(new Set(got).size, got.length, 'no event twice');
      for (let i = enabledAt; i < n; i++) assert.ok(got.includes(`n${i}`), `n${i}, published after the last enabling, was delivered`);
    });

    test('created while events keep coming: none from before it, every one after it', async () => {
      const org = await makeOrg(ts);
      const publish = await hubOf(org.id);
      // Keeps the organization's topics read while the endpoints under test are created.
      await endpoint(org.id);
      let n = 0;
      let stop = false;
      const publishing = (async () => {
        while (!stop) await publish(`n${n++}`);
      })();
      const created: { receiver: Receiver; before: number; after: number }[] = [];
      for (let i = 0; i < 5; i++) {
        const before = n;
        const { receiver } = await endpoint(org.id);
        created.push({ receiver, before, after: n });
      }
      const last = n;
      await until(() => n > last + 5, 'events after the last creation');
      stop = true;
      await publishing;
      for (const c of created) await until(() => phases(c.receiver).includes(`n${n - 1}`), 'the last event');
      for (const c of created) {
        const got = phases(c.receiver).map((p) => Number(String(p).slice(1)));
        assert.equal(new Set(got).size, got.length, 'no event twice');
        // Published (answered) before the create request: never; published after its answer: always.
        assert.ok(got.every((i) => i >= c.before - 1), `nothing from before the endpoint: ${JSON.stringify(got.slice(0, 3))}, created after n${c.before - 1}`);
        for (let i = c.after; i < n; i++) assert.ok(got.includes(i), `n${i}, published after the endpoint was created, was delivered`);
      }
    });
  });
}
