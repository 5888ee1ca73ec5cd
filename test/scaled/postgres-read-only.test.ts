// A PostgreSQL that answers but takes no writes — a standby after a failover, a primary set read-only
// — as this test's own database set `default_transaction_read_only` and its sessions ended so new ones
// pick it up: writes answer 503 `unavailable` with Retry-After (not 500), nothing of them applies,
// /readyz says storage cannot take writes, and once writes are back everything works without a
// restart, the same Idempotency-Key applying the write once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';

describe('PostgreSQL that takes no writes', () => {
  let db: TestDatabase;
  let ts: TestServer;
  let admin: pg.Client;
  const name = () => new URL(db.url).pathname.slice(1);

  /** Sets the database read-only (or back) and ends its sessions, so the server's next ones see it. */
  const readOnly = async (on: boolean) => {
    await admin.query(`ALTER DATABASE ${name()} ${on ? 'SET default_transaction_read_only = on' : 'RESET default_transaction_read_only'}`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name()]);
  };

  before(async () => {
    db = await createTestDatabase();
    const maintenance = new URL(db.url);
    maintenance.pathname = '/postgres';
    admin = new pg.Client({ connectionString: maintenance.toString() });
    await admin.connect();
    ts = await startServer({ databaseUrl: db.url });
  });
  after(async () => {
    await ts?.close();
    await admin?.end();
    await db?.drop();
  });

  test('writes answer 503 with Retry-After, /readyz is 503, and all recovers once writes are back', async () => {
    const org = (await ts.admin('POST', '/orgs', { name: 'o' })).body.id as string;
    const hub = (await ts.admin('POST', `/orgs/${org}/hubs`, { name: 'h' })).body.id as string;
    const publish = async (key: string) => {
      const res = await fetch(`${ts.url}/admin/v1/hubs/${hub}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ type: 'test.ping', data: { n: 1 } }),
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
    };
    const events = async () => {
      const direct = new pg.Client({ connectionString: db.url });
      await direct.connect();
      try {
        return Number((await direct.query<{ n: string }>("SELECT count(*) AS n FROM events WHERE type = 'test.ping'")).rows[0]?.n);
      } finally {
        await direct.end();
      }
    };
    assert.equal((await publish('before')).status, 202);
    const before = await events();

    await readOnly(true);
    try {
      // The first request may meet a session ended under it (503 too); every one is 503, none 500.
      for (const [key, what] of [['during-1', 'a publish'], ['during-2', 'another']] as const) {
        const r = await publish(key);
        assert.equal(r.status, 503, `${what}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.code, 'unavailable');
        assert.ok(Number(r.headers.get('retry-after')) >= 1, 'the 503 says when to retry');
      }
      const grant = await ts.admin('POST', `/orgs/${org}/credits`, { amount_micro: 1000, reason: 'read-only' });
      assert.equal(grant.status, 503, JSON.stringify(grant.body));
      const ready = await fetch(`${ts.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), { error: 'Storage is not reachable or cannot take writes', code: 'unavailable' });
    } finally {
      await readOnly(false);
    }

    let ready = 0;
    for (let i = 0; i < 50 && ready !== 200; i++) {
      ready = (await fetch(`${ts.url}/readyz`)).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(ready, 200, '/readyz is ready again');
    assert.equal((await publish('during-1')).status, 202, 'the refused publish, retried with its key, goes through');
    assert.equal((await publish('during-1')).headers.get('idempotent-replayed'), 'true');
    assert.equal(await events(), before + 1, 'nothing of the refused writes applied; the retry applied once');
  });
});
