// Idempotency-Key on hub publishes, member actions and admin calls: a retry after a lost answer (a 502
// from a proxy whose node died) gets the first answer again and applies nothing twice; the same key
// with another body is 409; a malformed key is 400; keys of different members never collide.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hubTopic } from '../../src/events/index.js';
import { requestHashOf } from '../../src/http/index.js';
import { withIdempotencyClaim } from '../../src/storage/index.js';
import { as, expectStatus } from '../helpers/community.js';
import { makeHub, type Member, type TestHub } from '../helpers/hub.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';

describe('Idempotency-Key', () => {
  let ts: TestServer;
  let hub: TestHub;
  let alice: Member;
  let bob: Member;
  let lobby: string;

  const admin = (method: string, path: string, body: unknown, key?: string) =>
    fetch(`${ts.url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
      body: JSON.stringify(body),
    });

  before(async () => {
    ts = await startServer();
    hub = await makeHub(ts);
    alice = await hub.member('alice');
    bob = await hub.member('bob');
    lobby = (await ts.admin('POST', `/hubs/${hub.hubId}/spaces`, { name: 'lobby' })).body.id as string;
    for (const who of [alice, bob]) expectStatus(await as(ts, hub, who, 'POST', `/spaces/${lobby}/join`), 200);
  });
  after(() => ts.close());

  test('a retried publish returns the first event id and appends nothing more', async () => {
    const first = await admin('POST', `/hubs/${hub.hubId}/events`, { type: 'test.ping', data: { n: 1 } }, 'pub-1');
    assert.equal(first.status, 202);
    const { id } = (await first.json()) as { id: string };
    const retry = await admin('POST', `/hubs/${hub.hubId}/events`, { type: 'test.ping', data: { n: 1 } }, 'pub-1');
    assert.equal(retry.status, 202);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(await retry.json(), { id });
    const log = await ts.server.ctx.storage.events.readAfter(hubTopic(hub.hubId), undefined, 100);
    assert.equal(log.filter((e) => e.type === 'test.ping').length, 1);

    // The same fields in another order (a client serializing a map) are the same request.
    const reordered = await admin('POST', `/hubs/${hub.hubId}/events`, { data: { n: 1 }, type: 'test.ping' }, 'pub-1');
    assert.equal(reordered.status, 202);
    assert.deepEqual(await reordered.json(), { id });

    const other = await admin('POST', `/hubs/${hub.hubId}/events`, { type: 'test.ping', data: { n: 2 } }, 'pub-1');
    assert.equal(other.status, 409);
    assert.equal(((await other.json()) as { code: string }).code, 'idempotency_conflict');
    assert.equal(other.headers.get('retry-after'), null, 'a key reused for another request does not pass: no Retry-After');
  });

  test('a key still held by a request in progress: 409 with Retry-After, then the first answer', async () => {
    // A request claimed the key and committed its change; its answer is not recorded yet (it is
    // still being sent, or its client gave up and asks again).
    const body = { type: 'test.ping', data: { n: 'held' } };
    const requestHash = requestHashOf('POST', '/admin/v1/hubs/:hub_id/events', { hub_id: hub.hubId }, body);
    const { result: event } = await withIdempotencyClaim({ scope: 'admin', key: 'held-1', requestHash }, () => ts.server.ctx.hubs.publish(hub.hubId, { type: body.type, data: body.data }));
    const held = await admin('POST', `/hubs/${hub.hubId}/events`, body, 'held-1');
    assert.equal(held.status, 409);
    assert.equal(((await held.json()) as { code: string }).code, 'idempotency_conflict');
    assert.equal(held.headers.get('retry-after'), '1');
    await ts.server.ctx.storage.idempotency.complete('admin', 'held-1', 202, JSON.stringify({ id: event.id }));
    const retry = await admin('POST', `/hubs/${hub.hubId}/events`, body, 'held-1');
    assert.equal(retry.status, 202);
    assert.deepEqual(await retry.json(), { id: event.id });
    const log = await ts.server.ctx.storage.events.readAfter(hubTopic(hub.hubId), undefined, 100);
    assert.equal(log.filter((e) => e.data.includes('held')).length, 1, 'applied once');
  });

  test('a publish whose node died right after its commit: the retry gets the answer committed with the event', async () => {
    // The node commits the publish with its answer under the key, then dies before the answer leaves.
    const body = { type: 'test.ping', data: { n: 'orphan' } };
    const requestHash = requestHashOf('POST', '/admin/v1/hubs/:hub_id/events', { hub_id: hub.hubId }, body);
    const { result: event } = await withIdempotencyClaim({ scope: 'admin', key: 'died-1', requestHash }, async (state) => {
      const published = await ts.server.ctx.hubs.publish(hub.hubId, { type: body.type, data: body.data });
      assert.ok(state.commitWith, 'the publish waits for its answer to commit with it');
      await state.commitWith({ status: 202, body: JSON.stringify({ id: published.id }) });
      return published;
    }, { holdForAnswer: true });
    const retry = await admin('POST', `/hubs/${hub.hubId}/events`, body, 'died-1');
    assert.equal(retry.status, 202);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(await retry.json(), { id: event.id });
    const log = await ts.server.ctx.storage.events.readAfter(hubTopic(hub.hubId), undefined, 100);
    assert.equal(log.filter((e) => e.data.includes('orphan')).length, 1, 'applied once');
  });

  test('a malformed key is 400 and applies nothing', async () => {
    for (const key of ['', 'has space', 'x'.repeat(256), 'tab\there']) {
      const res = await admin('POST', `/hubs/${hub.hubId}/events`, { type: 'test.ping', data: { bad: key.length } }, key);
      assert.equal(res.status, 400, `key ${JSON.stringify(key.slice(0, 20))}`);
      assert.equal(((await res.json()) as { code: string }).code, 'invalid_request');
    }
    const log = await ts.server.ctx.storage.events.readAfter(hubTopic(hub.hubId), undefined, 100);
    assert.equal(log.filter((e) => e.data.includes('"bad"')).length, 0);
  });

  test("a member's retried post creates one discussion; another member's same key is their own", async () => {
    const body = { title: 'Hello', body: 'First post' };
    const headers = { 'idempotency-key': 'post-1' };
    const first = expectStatus(await as(ts, hub, alice, 'POST', `/spaces/${lobby}/discussions`, body, headers), 201);
    const again = expectStatus(await as(ts, hub, alice, 'POST', `/spaces/${lobby}/discussions`, body, headers), 201);
    assert.equal(again.id, first.id);
    const bobs = expectStatus(await as(ts, hub, bob, 'POST', `/spaces/${lobby}/discussions`, body, headers), 201);
    assert.notEqual(bobs.id, first.id, 'keys are scoped to the member');
    const list = expectStatus(await as(ts, hub, alice, 'GET', `/spaces/${lobby}/discussions`), 200).data as { id: string }[];
    assert.equal(list.length, 2);
  });

  test('a retried admin credit grant is applied once', async () => {
    const org = (await ts.admin('POST', '/orgs', { name: 'grants' })).body.id as string;
    for (let i = 0; i < 3; i++) assert.equal((await admin('POST', `/orgs/${org}/credits`, { amount_micro: 500 }, 'grant-1')).status < 300, true);
    assert.equal((await ts.admin('GET', `/orgs/${org}`)).body.credits_micro, 500);
  });
});
