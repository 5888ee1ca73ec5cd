// PostgreSQL losing a connection in the middle of a transaction (a restart, a failover, a killed
// backend): the request fails whole with 503 `unavailable` and Retry-After, nothing of it is applied,
// and a retry with the same Idempotency-Key applies it exactly once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { hubTopic } from '../../src/events/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { startServer, type TestServer } from '../helpers/server.js';

describe('PostgreSQL connection lost mid-transaction', () => {
  let db: TestDatabase;
  let ts: TestServer;
  let blocker: pg.Client;

  before(async () => {
    db = await createTestDatabase();
    ts = await startServer({ databaseUrl: db.url });
    blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
  });
  after(async () => {
    await blocker?.end().catch(() => undefined);
    await ts?.close();
    await db?.drop();
  });

  test('a publish whose transaction loses its connection is 503, applies nothing, and its idempotent retry applies once', async () => {
    const org = (await ts.admin('POST', '/orgs', { name: 'o' })).body.id as string;
    const hub = (await ts.admin('POST', `/orgs/${org}/hubs`, { name: 'h' })).body.id as string;
    const publish = () => fetch(`${ts.url}/admin/v1/hubs/${hub}/events`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'application/json', 'idempotency-key': 'publish-1' },
      body: JSON.stringify({ type: 'test.ping', data: { n: 1 } }),
    });

    // Hold the topics table so the publish's transaction stops half-way, then kill its backend.
    await blocker.query('begin');
    await blocker.query('lock table event_topics in exclusive mode');
    const pending = publish();
    let killed = 0;
    for (let i = 0; i < 200 && killed === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const r = await blocker.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'`,
      );
      killed = r.rowCount ?? 0;
    }
    assert.equal(killed, 1, 'the publish was waiting inside its transaction');
    const res = await pending;
    await blocker.query('rollback');
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { code: string }).code, 'unavailable');
    assert.ok(res.headers.get('retry-after'));
    assert.equal((await ts.server.ctx.storage.events.heads([hubTopic(hub)])).get(hubTopic(hub)), undefined, 'no event was committed');

    const retried = await publish();
    assert.equal(retried.status, 202);
    const id = ((await retried.json()) as { id: string }).id;
    const again = await publish();
    assert.equal(again.status, 202);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(((await again.json()) as { id: string }).id, id);
    const log = await ts.server.ctx.storage.events.readAfter(hubTopic(hub), undefined, 10);
    assert.deepEqual(log.map((e) => e.id), [id], 'applied exactly once');
  });
});
