// Webhooks end to end on one embedded server: a receiver verifying with the `standardwebhooks`
// package gets document.completed after an upload, video.ready after a complete, an organizer
// job_complete and a hub event; retries keep the webhook-id; a rotation signs with both secrets; a
// 410 disables the endpoint and records webhook.disabled; the delivery log and metrics tell it all.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { VERSION } from '../../src/util/version.js';
import { webhookSecretBox } from '../../src/webhooks/secrets.js';
import { buildEstimatePdf } from '../fixtures/documents.js';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { makeApp, uploadVideo } from '../helpers/videos.js';
import { until } from '../helpers/wait.js';
import { startReceiver, type Receiver } from './receiver.js';

const VIDEO = readFileSync(new URL('../fixtures/videos/with-audio.mp4', import.meta.url));
const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type Body = Record<string, unknown>;

describe('webhooks delivery', () => {
  let ts: TestServer;
  let org: TestOrg;
  const receivers: Receiver[] = [];

  before(async () => {
    ts = await startServer({
      webhookAllowHttp: true,
      fetchAllowHosts: ['127.0.0.1'],
      webhookRetryScheduleMs: ['150', '150', '150'],
      webhookPollMs: 100,
      webhookTimeoutMs: 2000,
    });
    org = await makeOrg(ts);
  });
  after(async () => {
    await ts.close();
    for (const r of receivers) await r.close();
  });

  /** A receiver with an endpoint of `orgId` pointing at it. */
  async function endpoint(orgId: string, body: Body = {}): Promise<{ receiver: Receiver; id: string; secret: string }> {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const created = await ts.admin('POST', `/orgs/${orgId}/webhooks`, { url: receiver.url, ...body });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const secret = created.body.secret as string;
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{32}$/, 'whsec_ + base64 of 24 bytes');
    assert.equal(Buffer.from(secret.slice(6), 'base64').length, 24);
    receiver.secrets = [secret];
    return { receiver, id: created.body.id as string, secret };
  }

  test('document.completed after an upload, signed as Standard Webhooks, after every document.status', async () => {
    const { receiver, id } = await endpoint(org.id, { events: ['document.*'], description: 'docs' });
    const got = await ts.admin('GET', `/webhooks/${id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.events, ['document.*']);
    assert.equal(got.body.secret, undefined, 'the secret is shown at creation only');

    const pdf = Buffer.from(await buildEstimatePdf()).toString('base64');
    const documentId = (await org.call('POST', '/upload', { file_base64: pdf, file_name: 'scope.pdf' })).body.document_id as string;
    await until(() => receiver.ofType('document.completed').length === 1, 'document.completed', 90_000);
    const [done] = receiver.ofType('document.completed');
    assert.deepEqual(done!.verifiedWith, [0], 'standardwebhooks verifies it with the endpoint secret');
    assert.equal(done!.body.data.document_id, documentId);
    assert.equal(done!.body.data.status, 'completed');
    assert.match(done!.id, UUIDV7);
    assert.equal(done!.headers['x-api-version'], VERSION);
    assert.equal(done!.headers['user-agent'], `Capstan/${VERSION}`);
    assert.equal(done!.headers['content-type'], 'application/json');
    assert.ok(Math.abs(Number(done!.timestamp) - Date.now() / 1000) < 60);
    // Every status change came first, in order, each once, ending with the completed one.
    const statuses = receiver.ofType('document.status').filter((r) => r.body.data.document_id === documentId);
    assert.ok(statuses.length >= 3);
    assert.equal(new Set(statuses.map((s) => s.id)).size, statuses.length, 'no duplicate');
    assert.equal(statuses.at(-1)!.body.data.status, 'completed');
    assert.ok(receiver.received.indexOf(done!) > receiver.received.indexOf(statuses.at(-1)!), 'document.completed follows its status');
    assert.ok(receiver.received.every((r) => r.verifiedWith.length === 1));
    assert.equal(done!.body.timestamp, statuses.at(-1)!.body.timestamp, 'the derived message carries its event instant');
  });

  test('video.ready after a complete, and only the filtered types', async () => {
    const app = await makeApp(ts, { creditsMicro: 5_000_000 });
    const { receiver } = await endpoint(app.orgId, { events: ['video.ready'] });
    const videoId = await uploadVideo(app, VIDEO, VIDEO.length);
    await until(() => receiver.ofType('video.ready').length === 1, 'video.ready', 60_000);
    const [ready] = receiver.ofType('video.ready');
    assert.deepEqual(ready!.verifiedWith, [0]);
    assert.equal(ready!.body.data.video_id ?? ready!.body.data.id, videoId);
    assert.equal(ready!.body.data.ready, true);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual([...new Set(receiver.received.map((r) => r.body.type))], ['video.ready'], 'nothing the filter leaves out');
  });

  test("an organizer job's job_complete", async () => {
    const o = await makeOrg(ts);
    const { receiver } = await endpoint(o.id, { events: ['organizer.job_complete'] });
    const up = await o.call('POST', '/api/v1/files', { files: [{ name: 'notes.txt', content_base64: Buffer.from('meeting on 2022-05-09').toString('base64') }] });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const job = await o.call('POST', '/api/v1/jobs', { file_ids: (up.body.files as Body[]).map((f) => f.fileId) });
    assert.equal(job.status, 201, JSON.stringify(job.body));
    await until(() => receiver.ofType('organizer.job_complete').length === 1, 'job_complete', 60_000);
    const [complete] = receiver.ofType('organizer.job_complete');
    assert.deepEqual(complete!.verifiedWith, [0]);
    assert.equal(complete!.body.data.type, 'job_complete', 'the organizer socket\'s message, type included');
    assert.equal(complete!.body.data.jobId, job.body.jobId);
    assert.equal(complete!.body.data.status, 'completed');
    assert.equal(complete!.body.data.job_id, job.body.jobId, "the event's ids ride along");
  });

  test('a hub event, with its hub id', async () => {
    const o = await makeOrg(ts);
    const hub = await ts.admin('POST', `/orgs/${o.id}/hubs`, { name: 'hub' });
    const { receiver } = await endpoint(o.id, { events: ['community.*', 'test.ping'] });
    const published = await ts.admin('POST', `/hubs/${hub.body.id as string}/events`, { type: 'community.broadcast.published', data: { broadcast_id: 'b_1' } });
    assert.equal(published.status, 202);
    await until(() => receiver.received.length === 1, 'the hub event');
    const [event] = receiver.received;
    assert.equal(event!.id, published.body.id, 'webhook-id is the event id');
    assert.deepEqual(event!.body.data, { broadcast_id: 'b_1', hub_id: hub.body.id });
    assert.deepEqual(event!.verifiedWith, [0]);
  });

  test('500 twice then 200: three attempts with the same webhook-id, all in the delivery log', async () => {
    const o = await makeOrg(ts);
    const hub = await ts.admin('POST', `/orgs/${o.id}/hubs`, { name: 'hub' });
    const { receiver, id } = await endpoint(o.id);
    receiver.answer = (_r, nth) => (nth <= 2 ? 500 : 200);
    const published = await ts.admin('POST', `/hubs/${hub.body.id as string}/events`, { type: 'test.ping' });
    await until(() => receiver.received.length === 3, 'three attempts');
    assert.deepEqual(receiver.received.map((r) => r.id), [published.body.id, published.body.id, published.body.id]);
    assert.ok(receiver.received.every((r) => r.verifiedWith.length === 1));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(receiver.received.length, 3, 'a delivered message is not sent again');
    const log = await ts.admin('GET', `/webhooks/${id}/deliveries?status=succeeded`);
    assert.equal(log.status, 200);
    const [delivery] = log.body.data as Body[];
    assert.equal(delivery!.event_id, published.body.id);
    assert.equal(delivery!.type, 'test.ping');
    assert.equal(delivery!.attempt_count, 3);
    const attempts = delivery!.attempts as Body[];
    assert.deepEqual(attempts.map((a) => a.status_code), [500, 500, 200]);
    assert.deepEqual(attempts.map((a) => a.outcome), ['http_error', 'http_error', 'success']);
    assert.ok(attempts[0]!.next_attempt_at !== null && attempts[2]!.next_attempt_at === null);
    assert.ok(attempts.every((a) => typeof a.duration_ms === 'number'));
    assert.equal(attempts[0]!.error, 'HTTP 500');
    // Retried by hand, it goes once more, with the same id.
    const retried = await ts.admin('POST', `/webhooks/${id}/deliveries/${delivery!.id as string}/retry`);
    assert.equal(retried.status, 202, JSON.stringify(retried.body));
    await until(() => receiver.received.length === 4, 'the manual retry');
    assert.equal(receiver.received[3]!.id, published.body.id);
  });

  test('a rotated secret: both secrets verify during the overlap; webhook.test goes whatever the filter', async () => {
    const { receiver, id, secret: old } = await endpoint(org.id, { events: ['video.ready'] });
    const rotated = await ts.admin('POST', `/webhooks/${id}/rotate-secret`);
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    const fresh = rotated.body.secret as string;
    assert.notEqual(fresh, old);
    assert.ok(typeof rotated.body.previous_secret_expires_at === 'string');
    const expires = Date.parse(rotated.body.previous_secret_expires_at as string);
    assert.ok(Math.abs(expires - Date.now() - 24 * 3600_000) < 60_000, 'the old secret signs for 24 h');
    receiver.secrets = [old, fresh];
    const sent = await ts.admin('POST', `/webhooks/${id}/test`);
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    await until(() => receiver.ofType('webhook.test').length === 1, 'webhook.test');
    const [message] = receiver.ofType('webhook.test');
    assert.deepEqual(message!.verifiedWith, [0, 1], 'each secret alone verifies it');
    assert.equal(message!.signature.split(' ').length, 2);
    assert.equal(message!.id, sent.body.event_id);
    assert.deepEqual(message!.body.data, { endpoint_id: id, org_id: org.id });
  });

  test('a secret sealed under another token secret is blocked; rotating it announces no overlap and signs with the new one alone', async () => {
    const { receiver, id } = await endpoint(org.id, { events: ['video.ready'] });
    // As after CAPSTAN_TOKEN_SECRET changed: the stored secret was sealed under a key this server lacks.
    await ts.server.ctx.storage.webhooks.updateEndpoint(id, { secret_enc: webhookSecretBox('another token secret, long enough to be one').seal('whsec_' + 'A'.repeat(32)) });
    const blocked = await ts.admin('POST', `/webhooks/${id}/test`);
    assert.equal(blocked.status, 202, JSON.stringify(blocked.body));
    const blockedAttempt = async () => (((await ts.admin('GET', `/webhooks/${id}/deliveries`)).body.data as Body[])[0]?.attempts as Body[] | undefined)?.some((a) => a.outcome === 'blocked') ?? false;
    for (let i = 0; i < 200 && !(await blockedAttempt()); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(await blockedAttempt(), 'the attempt is blocked: the secret cannot be read');
    assert.equal(receiver.received.length, 0, 'nothing goes out unsigned');
    const rotated = await ts.admin('POST', `/webhooks/${id}/rotate-secret`);
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.equal(rotated.body.previous_secret_expires_at, null, 'the unreadable secret signs nothing, so no overlap is announced');
    receiver.secrets = [rotated.body.secret as string];
    await ts.admin('POST', `/webhooks/${id}/test`);
    await until(() => receiver.ofType('webhook.test').length >= 1, 'webhook.test with the new secret');
    const message = receiver.ofType('webhook.test').at(-1)!;
    assert.deepEqual(message.verifiedWith, [0]);
    assert.equal(message.signature.split(' ').length, 1);
  });

  test('410 disables the endpoint and records webhook.disabled, which other endpoints hear', async () => {
    const o = await makeOrg(ts);
    const hub = await ts.admin('POST', `/orgs/${o.id}/hubs`, { name: 'hub' });
    const watcher = await endpoint(o.id, { events: ['webhook.disabled'] });
    const gone = await endpoint(o.id);
    gone.receiver.answer = () => 410;
    await ts.admin('POST', `/hubs/${hub.body.id as string}/events`, { type: 'test.ping' });
    await until(() => watcher.receiver.ofType('webhook.disabled').length === 1, 'webhook.disabled');
    const [disabled] = watcher.receiver.ofType('webhook.disabled');
    assert.equal(disabled!.body.data.endpoint_id, gone.id);
    assert.equal(disabled!.body.data.reason, 'gone');
    const state = await ts.admin('GET', `/webhooks/${gone.id}`);
    assert.equal(state.body.enabled, false);
    assert.equal(state.body.disabled_reason, 'gone');
    assert.equal(disabled!.body.data.failing_since, state.body.failing_since, 'the event and the endpoint name the same instant');
    assert.equal(gone.receiver.received.length, 1);
    const test410 = await ts.admin('POST', `/webhooks/${gone.id}/test`);
    assert.equal(test410.status, 409, 'a disabled endpoint takes no test');
    // Enabled again, it receives again.
    gone.receiver.answer = () => 200;
    assert.equal((await ts.admin('PATCH', `/webhooks/${gone.id}`, { enabled: true })).body.enabled, true);
    await ts.admin('POST', `/hubs/${hub.body.id as string}/events`, { type: 'test.ping' });
    await until(() => gone.receiver.received.length === 2, 'the next event after re-enabling');
  });

  test('list, patch, metrics', async () => {
    const o = await makeOrg(ts);
    const a = await endpoint(o.id, { description: 'first' });
    const listed = await ts.admin('GET', `/orgs/${o.id}/webhooks`);
    assert.deepEqual((listed.body.data as Body[]).map((e) => e.id), [a.id]);
    assert.equal((listed.body.data as Body[])[0]!.events, null, 'no filter: every event');
    const patched = await ts.admin('PATCH', `/webhooks/${a.id}`, { events: ['document.completed', 'document.failed'], description: null });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.events, ['document.completed', 'document.failed']);
    assert.equal(patched.body.description, null);
    const types = await ts.admin('GET', '/webhook-event-types');
    for (const t of ['document.status', 'document.completed', 'document.failed', 'video.ready', 'organizer.job_complete', 'community.broadcast.published', 'webhook.test', 'webhook.disabled']) {
      assert.ok((types.body.data as string[]).includes(t), t);
    }
    assert.ok(!(types.body.data as string[]).some((t) => t.startsWith('access.')), 'internal types are not offered');
    const metrics = await (await fetch(`${ts.url}/metrics`)).text();
    assert.match(metrics, /capstan_webhook_attempts_total\{outcome="success"\} \d+/);
    assert.match(metrics, /capstan_webhook_attempts_total\{outcome="http_error"\} \d+/);
    assert.match(metrics, /capstan_webhook_attempt_duration_seconds_bucket/);
    assert.match(metrics, /capstan_webhook_delivery_latency_seconds_count \d+/);
    assert.equal((await ts.admin('GET', '/orgs/org_nope/webhooks')).status, 404);
    assert.equal((await ts.admin('GET', '/webhooks/wh_nope')).status, 404);
  });
});
