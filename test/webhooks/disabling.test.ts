// An endpoint whose attempts all fail for CAPSTAN_WEBHOOK_DISABLE_AFTER_SECONDS (here 2 s, retries
// every ~100 ms) is disabled at its next failed attempt: its open deliveries are cancelled, GET shows
// it disabled with reason `failing`, and webhook.disabled reaches — verified with the
// `standardwebhooks` package — another endpoint of the organization that subscribed to it. A success
// in between starts the count again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import { endpointWithReceiver, type Receiver } from './receiver.js';

type Body = Record<string, unknown>;

const WINDOW_MS = 2000;

describe('disabling an endpoint that keeps failing', () => {
  let ts: TestServer;
  const receivers: Receiver[] = [];

  before(async () => {
    ts = await startServer({
      webhookAllowHttp: true,
      fetchAllowHosts: ['127.0.0.1'],
      webhookDisableAfterSeconds: WINDOW_MS / 1000,
      // Retries for ~5 s, well past the window.
      webhookRetryScheduleMs: Array.from({ length: 50 }, () => '100'),
      webhookPollMs: 50,
      webhookTimeoutMs: 2000,
    });
  });
  after(async () => {
    await ts.close();
    for (const r of receivers) await r.close();
  });

  const endpoint = (orgId: string, body: Body = {}) => endpointWithReceiver(ts, receivers, orgId, body);

  /** An organization with a hub to publish on, the endpoint under test and one that hears webhook.disabled. */
  async function setup(): Promise<{ publish: () => Promise<string>; watcher: Receiver; failing: { receiver: Receiver; id: string } }> {
    const org = await makeOrg(ts);
    const hub = await ts.admin('POST', `/orgs/${org.id}/hubs`, { name: 'hub' });
    const watcher = await endpoint(org.id, { events: ['webhook.disabled'] });
    const failing = await endpoint(org.id);
    const publish = async () => {
      const res = await ts.admin('POST', `/hubs/${hub.body.id as string}/events`, { type: 'test.ping' });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return res.body.id as string;
    };
    return { publish, watcher: watcher.receiver, failing };
  }

  test('failing for the whole window: disabled, open deliveries cancelled, webhook.disabled sent to the subscriber', async () => {
    const { publish, watcher, failing } = await setup();
    failing.receiver.answer = () => 500;
    const eventId = await publish();
    await until(() => watcher.ofType('webhook.disabled').length === 1, 'webhook.disabled', 30_000);

    const [disabled] = watcher.ofType('webhook.disabled');
    assert.deepEqual(disabled!.verifiedWith, [0], 'standardwebhooks verifies it with the watcher\'s secret');
    assert.equal(disabled!.body.data.endpoint_id, failing.id);
    assert.equal(disabled!.body.data.reason, 'failing');
    assert.equal(disabled!.body.data.cancelled_deliveries, 1);
    const failingSince = Date.parse(disabled!.body.data.failing_since as string);

    const state = await ts.admin('GET', `/webhooks/${failing.id}`);
    assert.equal(state.status, 200);
    assert.equal(state.body.enabled, false);
    assert.equal(state.body.disabled_reason, 'failing');
    assert.equal(state.body.failing_since, disabled!.body.data.failing_since);
    const disabledAt = Date.parse(state.body.updated_at as string);
    assert.ok(disabledAt - failingSince >= WINDOW_MS, `disabled only once the window had passed (${disabledAt - failingSince} ms)`);

    // Every attempt failed; the one that disabled it was the first to end past the window.
    const log = await ts.admin('GET', `/webhooks/${failing.id}/deliveries`);
    const [delivery] = log.body.data as Body[];
    assert.equal(delivery!.event_id, eventId);
    assert.equal(delivery!.status, 'cancelled');
    const attempts = delivery!.attempts as Body[];
    assert.ok(attempts.length >= 3 && attempts.every((a) => a.status_code === 500), JSON.stringify(attempts));
    const penultimate = attempts.at(-2)!;
    assert.ok(Date.parse(penultimate.started_at as string) + (penultimate.duration_ms as number) < failingSince + WINDOW_MS + 5, 'not disabled later than needed');
    assert.equal(Date.parse(attempts[0]!.started_at as string) <= failingSince, true, 'the streak started with the first failed attempt');

    // Nothing more goes to it, and it never hears of its own disabling.
    const sent = failing.receiver.received.length;
    await publish();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(failing.receiver.received.length, sent);
    assert.equal(failing.receiver.ofType('webhook.disabled').length, 0);
    assert.equal((await ts.admin('POST', `/webhooks/${failing.id}/test`)).status, 409);
  });

  test('a success in between starts the count again', async () => {
    const { publish, watcher, failing } = await setup();
    let succeededAt: number | undefined;
    // Fails twice, succeeds once, then fails for good.
    failing.receiver.answer = (_r, nth) => {
      if (nth !== 3) return 500;
      succeededAt = Date.now();
      return 200;
    };
    await publish();
    await until(() => failing.receiver.received.length >= 2, 'two failed attempts');
    const streak = await ts.admin('GET', `/webhooks/${failing.id}`);
    const firstFailure = Date.parse(streak.body.failing_since as string);
    assert.ok(Number.isFinite(firstFailure), 'a failed attempt starts a streak');
    await until(() => succeededAt !== undefined, 'the successful retry');
    await until(() => failing.receiver.received.length === 3, 'the retry recorded');
    let reset: Body = {};
    for (let i = 0; i < 100 && reset.failing_since !== null; i++) {
      reset = (await ts.admin('GET', `/webhooks/${failing.id}`)).body;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(reset.failing_since, null, 'a success ends the streak');

    // Half a window after the first failure, the next event starts failing again.
    await new Promise((r) => setTimeout(r, Math.max(0, firstFailure + WINDOW_MS / 2 - Date.now())));
    await publish();
    await until(() => watcher.ofType('webhook.disabled').length === 1, 'webhook.disabled', 30_000);
    const [disabled] = watcher.ofType('webhook.disabled');
    assert.deepEqual(disabled!.verifiedWith, [0]);
    const failingSince = Date.parse(disabled!.body.data.failing_since as string);
    assert.ok(failingSince >= succeededAt!, 'the streak that disabled it began after the success');
    const state = await ts.admin('GET', `/webhooks/${failing.id}`);
    assert.equal(state.body.enabled, false);
    assert.equal(state.body.disabled_reason, 'failing');
    const disabledAt = Date.parse(state.body.updated_at as string);
    assert.ok(disabledAt - failingSince >= WINDOW_MS, 'a whole window after the new streak began');
    // Attempts failed past the first failure's window without disabling it: that streak had ended.
    const log = (await ts.admin('GET', `/webhooks/${failing.id}/deliveries`)).body.data as Body[];
    const failures = log.flatMap((d) => d.attempts as Body[]).filter((a) => a.outcome === 'http_error').map((a) => Date.parse(a.started_at as string)).sort((a, b) => a - b);
    const survived = failures.slice(0, -1).filter((t) => t >= firstFailure + WINDOW_MS);
    assert.ok(survived.length > 0, 'failed attempts after the first streak\'s window left it enabled');
  });
});
