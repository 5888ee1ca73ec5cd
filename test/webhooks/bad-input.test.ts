// Bad webhook input and bad receivers. URLs to the server's own network are refused with stable codes
// when an endpoint is saved and again at connect time; unknown event types are refused; a receiver
// that redirects, hangs, answers a gigabyte or cuts the connection costs one bounded attempt; deleting
// an endpoint cancels its open deliveries and nothing more is sent.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sendWebhook } from '../../src/webhooks/index.js';
import { makeOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import { startReceiver, type Receiver } from './receiver.js';

type Body = Record<string, unknown>;

/** Polls an async check (the delivery log) until it holds. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('webhook URLs without an allow-list', () => {
  let ts: TestServer;
  let orgId: string;
  before(async () => {
    ts = await startServer();
    orgId = (await makeOrg(ts)).id;
  });
  after(() => ts.close());

  const cases: [string, string, string][] = [
    ['loopback', 'https://127.0.0.1/hook', 'url_not_allowed'],
    ['cloud metadata', 'https://169.254.169.254/latest/meta-data/', 'url_not_allowed'],
    ['IPv6 loopback', 'https://[::1]/hook', 'url_not_allowed'],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/hook', 'url_not_allowed'],
    ['a name resolving to loopback', 'https://localhost/hook', 'url_not_allowed'],
    ['private network', 'https://10.1.2.3/hook', 'url_not_allowed'],
    ['ftp', 'ftp://example.com/hook', 'invalid_webhook_url'],
    ['http while CAPSTAN_WEBHOOK_ALLOW_HTTP is off', 'http://example.com/hook', 'invalid_webhook_url'],
    ['credentials in the URL', 'https://user:pass@example.com/hook', 'invalid_webhook_url'],
    ['port 0', 'https://8.8.8.8:0/hook', 'invalid_webhook_url'],
    ['port 0, written long', 'https://[2606:4700:4700::1111]:00000/hook', 'invalid_webhook_url'],
    ['not a URL', 'not a url', 'invalid_webhook_url'],
    ['a 10 KB URL', `https://example.com/${'a'.repeat(10 * 1024)}`, 'invalid_webhook_url'],
  ];
  for (const [what, url, code] of cases) {
    test(`${what}: 400 ${code}`, async () => {
      const res = await ts.admin('POST', `/orgs/${orgId}/webhooks`, { url });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.code, code);
      assert.deepEqual(Object.keys(res.body).sort(), ['code', 'error']);
    });
  }

  test('a receiver that sends its status and then trickles its body past the timeout has answered: its status stands', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('accepted, ');
      const drip = setInterval(() => res.write('.'), 50);
      res.on('close', () => clearInterval(drip));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const result = await sendWebhook(`http://127.0.0.1:${port}/`, {}, '{}', { allow: ['127.0.0.1'], allowHttp: true, timeoutMs: 300, maxResponseBytes: 1024 });
      assert.equal(result.outcome, 'success', JSON.stringify(result));
      assert.equal(result.statusCode, 200);
      assert.match(result.responseBody ?? '', /^accepted, \.*/);
      // One that sends nothing at all within the timeout has not.
      const silent = http.createServer(() => undefined);
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const none = await sendWebhook(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, {}, '{}', { allow: ['127.0.0.1'], allowHttp: true, timeoutMs: 300, maxResponseBytes: 1024 });
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
      assert.deepEqual([none.outcome, none.statusCode], ['timeout', null]);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  test('connect time: a name that resolves to loopback is refused before any connection', async () => {
    let hits = 0;
    const server = http.createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const result = await sendWebhook(`http://localhost:${port}/`, {}, '{}', { allow: [], allowHttp: true, timeoutMs: 1000, maxResponseBytes: 1024 });
      assert.equal(result.outcome, 'blocked');
      assert.equal(hits, 0);
      const allowed = await sendWebhook(`http://127.0.0.1:${port}/`, {}, '{}', { allow: ['127.0.0.1'], allowHttp: true, timeoutMs: 1000, maxResponseBytes: 1024 });
      assert.equal(allowed.outcome, 'success');
      assert.equal(hits, 1);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('bad receivers and bad filters (127.0.0.1 allow-listed)', () => {
  let ts: TestServer;
  let orgId: string;
  let hubId: string;
  const receivers: Receiver[] = [];

  before(async () => {
    ts = await startServer({ webhookAllowHttp: true, fetchAllowHosts: ['127.0.0.1'], webhookRetryScheduleMs: ['100', '100'], webhookPollMs: 50, webhookTimeoutMs: 400 });
    orgId = (await makeOrg(ts)).id;
    hubId = (await ts.admin('POST', `/orgs/${orgId}/hubs`, { name: 'hub' })).body.id as string;
  });
  after(async () => {
    await ts.close();
    for (const r of receivers) await r.close();
  });

  async function receiverWithEndpoint(answer: Receiver['answer']): Promise<{ receiver: Receiver; id: string }> {
    const receiver = await startReceiver();
    receivers.push(receiver);
    receiver.answer = answer;
    const created = await ts.admin('POST', `/orgs/${orgId}/webhooks`, { url: receiver.url });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    receiver.secrets = [created.body.secret as string];
    return { receiver, id: created.body.id as string };
  }

  const publish = async () => (await ts.admin('POST', `/hubs/${hubId}/events`, { type: 'test.ping' })).body.id as string;

  async function deliveries(id: string, status?: string): Promise<Body[]> {
    const res = await ts.admin('GET', `/webhooks/${id}/deliveries${status ? `?status=${status}` : ''}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.data as Body[];
  }

  test('unknown event types in the filter: 400 unknown_event_type; known types and prefixes pass', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    for (const events of [['nope.thing'], ['document.*', 'nope.*'], ['document'], ['access.key_revoked']]) {
      const res = await ts.admin('POST', `/orgs/${orgId}/webhooks`, { url: receiver.url, events });
      assert.equal(res.status, 400, JSON.stringify(events));
      assert.equal(res.body.code, 'unknown_event_type', JSON.stringify(res.body));
    }
    for (const events of [['*'], ['Document.status'], []]) {
      const res = await ts.admin('POST', `/orgs/${orgId}/webhooks`, { url: receiver.url, events });
      assert.equal(res.status, 400, JSON.stringify(events));
      assert.equal(res.body.code, 'invalid_request');
    }
    const ok = await ts.admin('POST', `/orgs/${orgId}/webhooks`, { url: receiver.url, events: ['document.*', 'video.ready', 'community.*', 'organizer.job_complete'] });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const patched = await ts.admin('PATCH', `/webhooks/${ok.body.id as string}`, { url: 'https://169.254.169.254/' });
    assert.equal(patched.body.code, 'url_not_allowed');
    assert.equal((await ts.admin('DELETE', `/webhooks/${ok.body.id as string}`)).status, 200);
  });

  test('a description with a control character (C0, DEL or C1) is 400 invalid_request, made or changed', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    for (const description of ['a\u0001b', 'line\nbreak', 'tab\there', 'del\u007f', '\u001b[31mred', 'next\u0085line', 'csi\u009b31m']) {
      const res = await ts.admin('POST', `/orgs/${orgId}/webhooks`, { url: receiver.url, description });
      assert.deepEqual([res.status, res.body.code], [400, 'invalid_request'], JSON.stringify(description));
      assert.match(res.body.error as string, /^body\.description /);
    }
    const ok = await ts.admin('POST', `/orgs/${orgId}/webhooks`, { url: receiver.url, description: 'Billing sync — «ledger» \u05E9\u05DC\u05D5\u05DD' });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const id = ok.body.id as string;
    const patched = await ts.admin('PATCH', `/webhooks/${id}`, { description: 'a\u0001b' });
    assert.deepEqual([patched.status, patched.body.code], [400, 'invalid_request'], JSON.stringify(patched.body));
    assert.equal((await ts.admin('GET', `/webhooks/${id}`)).body.description, 'Billing sync — «ledger» \u05E9\u05DC\u05D5\u05DD');
    assert.equal((await ts.admin('DELETE', `/webhooks/${id}`)).status, 200);
  });

  test('a redirect (to a private address) is not followed: a failed attempt, retried', async () => {
    const target = await startReceiver();
    receivers.push(target);
    const { receiver, id } = await receiverWithEndpoint(() => ({ redirect: 'http://169.254.169.254/latest/meta-data/' }));
    const second = await receiverWithEndpoint(() => ({ redirect: target.url }));
    await publish();
    await until(() => receiver.received.length === 3 && second.receiver.received.length === 3, 'every attempt');
    await eventually(async () => (await deliveries(id, 'failed')).length === 1, 'failed after the schedule');
    const [d] = await deliveries(id, 'failed');
    const attempts = d!.attempts as Body[];
    assert.deepEqual(attempts.map((a) => a.status_code), [302, 302, 302]);
    assert.deepEqual(attempts.map((a) => a.outcome), ['redirect', 'redirect', 'redirect']);
    assert.match(attempts[0]!.error as string, /redirects are not followed/);
    assert.equal(target.received.length, 0, 'the redirect target heard nothing');
    await ts.admin('DELETE', `/webhooks/${id}`);
    await ts.admin('DELETE', `/webhooks/${second.id}`);
  });

  test('a receiver that hangs: each attempt ends at the timeout, then the delivery fails', async () => {
    const { receiver, id } = await receiverWithEndpoint(() => 'hang');
    await publish();
    await eventually(async () => (await deliveries(id, 'failed')).length === 1, 'failed', 10_000);
    const attempts = (await deliveries(id, 'failed'))[0]!.attempts as Body[];
    assert.deepEqual(attempts.map((a) => a.outcome), ['timeout', 'timeout', 'timeout']);
    for (const a of attempts) assert.ok((a.duration_ms as number) >= 350 && (a.duration_ms as number) < 2000, `bounded by the timeout: ${String(a.duration_ms)}`);
    assert.equal(receiver.received.length, 3);
    await ts.admin('DELETE', `/webhooks/${id}`);
  });

  test('a receiver answering 1 GB: delivered, only the first 4 KiB read', async () => {
    const { receiver, id } = await receiverWithEndpoint(() => 'huge');
    const started = Date.now();
    await publish();
    await eventually(async () => (await deliveries(id, 'succeeded')).length === 1, 'delivered');
    assert.ok(Date.now() - started < 5000);
    const [a] = (await deliveries(id, 'succeeded'))[0]!.attempts as Body[];
    assert.equal(a!.status_code, 200);
    assert.ok((a!.response_body as string).length <= 4096);
    assert.equal(receiver.received.length, 1);
    await ts.admin('DELETE', `/webhooks/${id}`);
  });

  test('a receiver that closes mid-response: a network failure, retried with the same id', async () => {
    const { receiver, id } = await receiverWithEndpoint((_r, nth) => (nth === 1 ? 'cut' : 200));
    const eventId = await publish();
    await eventually(async () => (await deliveries(id, 'succeeded')).length === 1, 'delivered on the retry');
    const attempts = (await deliveries(id, 'succeeded'))[0]!.attempts as Body[];
    assert.deepEqual(attempts.map((a) => a.outcome), ['network', 'success']);
    assert.deepEqual(receiver.received.map((r) => r.id), [eventId, eventId]);
    await ts.admin('DELETE', `/webhooks/${id}`);
  });

  test('first attempts go out in event order, one request in flight per endpoint', async () => {
    // Slow answers: requests made concurrently would overlap at the receiver.
    const { receiver, id } = await receiverWithEndpoint(() => ({ status: 200, delayMs: 40 }));
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await publish());
    await until(() => receiver.received.length === 8, 'all eight');
    assert.deepEqual(receiver.received.map((r) => r.id), ids);
    assert.equal(receiver.maxInFlight, 1);
    await ts.admin('DELETE', `/webhooks/${id}`);
  });

  test('deleting an endpoint with deliveries pending cancels them; nothing is sent afterwards', async () => {
    const { receiver, id } = await receiverWithEndpoint(() => 500);
    for (let i = 0; i < 3; i++) await publish();
    await until(() => receiver.received.length >= 1, 'a first attempt');
    const removed = await ts.admin('DELETE', `/webhooks/${id}`);
    assert.deepEqual(removed.body, { success: true });
    const atDelete = receiver.received.length;
    await new Promise((r) => setTimeout(r, 800));
    // At most the one request that was already in flight.
    assert.ok(receiver.received.length <= atDelete + 1, `${receiver.received.length - atDelete} sent after the delete`);
    const rows = await ts.server.ctx.storage.webhooks.listDeliveries(id, undefined, 100, 0);
    assert.equal(rows.length, 3);
    assert.ok(rows.every((r) => r.status === 'cancelled'), JSON.stringify(rows.map((r) => r.status)));
    assert.equal((await ts.admin('GET', `/webhooks/${id}`)).status, 404);
    assert.equal((await ts.admin('GET', `/webhooks/${id}/deliveries`)).status, 404);
    assert.equal((await ts.admin('DELETE', `/webhooks/${id}`)).status, 404);
  });

  test('a bad delivery status filter is 400 with a message that reads: once, one of the statuses', async () => {
    const { id } = await receiverWithEndpoint(() => 200);
    const twice = await ts.admin('GET', `/webhooks/${id}/deliveries?status=failed&status=pending`);
    assert.deepEqual([twice.status, twice.body.code], [400, 'invalid_request']);
    assert.equal(twice.body.error, 'querystring.status must be "pending" or "delivering" or "succeeded" or "failed" or "cancelled"');
    const unknown = await ts.admin('GET', `/webhooks/${id}/deliveries?status=lost`);
    assert.deepEqual([unknown.status, unknown.body.code], [400, 'invalid_request']);
    assert.match(unknown.body.error as string, /^querystring\.status must be "pending" or /);
  });
});
