// PostgreSQL that stops answering without closing anything (a stopped server, a partition that drops
// packets), simulated by a proxy that stops forwarding: /readyz answers 503 naming storage within a
// second or so, a request that needs the database answers 503 `unavailable` with Retry-After once its
// query's bound passes, what it had begun is rolled back, and after the thaw everything works again
// without a restart.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hubTopic } from '../../src/events/index.js';
import { startFreezableProxy, type FreezableProxy } from '../helpers/freezable-proxy.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';

/** Far past every bound this test configures: firing means the request hung. */
const HANG_MS = 20_000;

async function answer(url: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const signal = AbortSignal.timeout(HANG_MS);
  try {
    const res = await fetch(url, { ...init, signal });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
  } catch (e) {
    assert.ok(!signal.aborted, `${init.method ?? 'GET'} ${url} hung for ${HANG_MS} ms`);
    throw e;
  }
}

describe('PostgreSQL that stops answering', () => {
  let db: TestDatabase;
  let proxy: FreezableProxy;
  let ts: TestServer;

  before(async () => {
    db = await createTestDatabase();
    const direct = new URL(db.url);
    proxy = await startFreezableProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const proxied = new URL(db.url);
    proxied.host = `127.0.0.1:${proxy.port}`;
    ts = await startServer({ databaseUrl: proxied.toString(), databaseConnectTimeoutMs: 1000, databaseQueryTimeoutMs: 1500 });
  });
  after(async () => {
    proxy?.thaw();
    await ts?.close();
    await proxy?.close();
    await db?.drop();
  });

  test('/readyz and requests answer 503 during the freeze, a begun transaction rolls back, and all recovers after it', async () => {
    const org = (await ts.admin('POST', '/orgs', { name: 'o' })).body.id as string;
    const hub = (await ts.admin('POST', `/orgs/${org}/hubs`, { name: 'h' })).body.id as string;
    // With an Idempotency-Key the publish is one transaction: the key's claim, then the event.
    const publish = (key: string) => answer(`${ts.url}/admin/v1/hubs/${hub}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ type: 'test.ping', data: { n: 1 } }),
    });
    assert.equal((await answer(`${ts.url}/readyz`)).status, 200);

    proxy.freeze();
    const ready = await answer(`${ts.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(ready.body.code, 'unavailable');
    assert.equal(ready.body.error, 'Storage is not reachable or cannot take writes');

    const frozenPublish = await publish('during-freeze');
    assert.equal(frozenPublish.status, 503);
    assert.equal(frozenPublish.body.code, 'unavailable');
    assert.ok(frozenPublish.headers.get('retry-after'), 'Retry-After tells the client when to try again');
    const read = await answer(`${ts.url}/admin/v1/orgs/${org}/hubs`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(read.status, 503);
    assert.equal(read.body.code, 'unavailable');

    proxy.thaw();
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = (await answer(`${ts.url}/readyz`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 200, '/readyz answers 200 again after the thaw');
    assert.equal((await answer(`${ts.url}/admin/v1/orgs/${org}/hubs`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status, 200);
    const after = await publish('after-thaw');
    assert.equal(after.status, 202);
    const retried = await publish('during-freeze');
    assert.equal(retried.status, 202, 'the key of the publish that failed was not kept: its transaction rolled back');
    assert.notEqual(retried.headers.get('idempotent-replayed'), 'true');
    const log = await ts.server.ctx.storage.events.readAfter(hubTopic(hub), undefined, 10);
    assert.deepEqual(log.map((e) => e.id), [after.body.id, retried.body.id], 'only the publishes made after the thaw are in the log');
  });
});
