// Idempotency-Key through the HTTP API, on SQLite and PostgreSQL: the answer of an admin write is
// committed with its change (a node that dies right after the commit leaves it for the retry); a key
// past CAPSTAN_IDEMPOTENCY_RETENTION_SECONDS is a new request; and a concurrent request with the same
// key and another body is refused at once, without Retry-After.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { requestHashOf } from '../../src/http/index.js';
import { withIdempotencyClaim } from '../../src/storage/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';

const grant = async (ts: TestServer, orgId: string, body: Record<string, unknown>, key: string) => {
  const res = await fetch(`${ts.url}/admin/v1/orgs/${orgId}/credits`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  return { status: res.status, replayed: res.headers.get('idempotent-replayed'), retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
};

const ledgerReasons = async (ts: TestServer, orgId: string, reason: string) =>
  ((await ts.admin('GET', `/orgs/${orgId}/ledger?limit=100`)).body.data as { reason: string }[]).filter((e) => e.reason === reason).length;

for (const driver of ['sqlite', 'postgres'] as const) {
  describe(`Idempotency-Key on admin writes (${driver})`, () => {
    let ts: TestServer;
    let db: TestDatabase | undefined;
    let orgId: string;

    before(async () => {
      db = driver === 'postgres' ? await createTestDatabase() : undefined;
      ts = await startServer(db ? { databaseUrl: db.url } : {});
      orgId = (await ts.admin('POST', '/orgs', { name: 'idem' })).body.id as string;
    });
    after(async () => {
      await ts.close();
      await db?.drop();
    });

    test('a grant whose node died right after its commit: the retry gets the first answer, applied once', async () => {
      const body = { amount_micro: 777, reason: 'died' };
      const requestHash = requestHashOf('POST', '/admin/v1/orgs/:org_id/credits', { org_id: orgId }, body);
      // What the route does for a request with the key, up to its commit; then the node dies: nothing
      // after the commit runs (the answer never leaves, nothing more is written).
      const { result: first } = await withIdempotencyClaim({ scope: 'admin', key: 'died-1', requestHash }, async (state) => {
        const balance = await ts.server.ctx.tenancy.addCredits(orgId, body.amount_micro, body.reason);
        const answer = { org_id: orgId, credits_micro: balance };
        assert.ok(state.commitWith, 'the grant waits for its answer to commit with it');
        await state.commitWith({ status: 200, body: JSON.stringify(answer) });
        return answer;
      }, { holdForAnswer: true });
      const retry = await grant(ts, orgId, { reason: 'died', amount_micro: 777 }, 'died-1');
      assert.equal(retry.status, 200, JSON.stringify(retry.body));
      assert.equal(retry.replayed, 'true');
      assert.deepEqual(retry.body, first);
      assert.equal(await ledgerReasons(ts, orgId, 'died'), 1, 'applied once');
    });

    test('a key past the retention is a new request: applied again, not replayed, whatever its body', async () => {
      const body = { amount_micro: 100, reason: 'expiry' };
      const first = await grant(ts, orgId, body, 'expiry-1');
      assert.equal(first.status, 200);
      assert.equal((await grant(ts, orgId, body, 'expiry-1')).replayed, 'true', 'within the retention: replayed');
      const age = async () => {
        const old = new Date(Date.now() - ts.config.idempotencyRetentionSeconds * 1000 - 1000).toISOString();
        await ts.server.ctx.storage.db.updateTable('idempotency_keys').set({ created_at: old }).where('scope', '=', 'admin').where('key', '=', 'expiry-1').execute();
      };
      await age();
      const again = await grant(ts, orgId, body, 'expiry-1');
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal(again.replayed, null, 'past the retention: a new request');
      assert.equal(again.body.credits_micro, Number(first.body.credits_micro) + 100);
      assert.equal((await grant(ts, orgId, body, 'expiry-1')).replayed, 'true', 'the key now holds the new answer');
      await age();
      const other = await grant(ts, orgId, { amount_micro: 5, reason: 'expiry' }, 'expiry-1');
      assert.equal(other.status, 200, 'another body with an expired key is a new request too');
      assert.equal(await ledgerReasons(ts, orgId, 'expiry'), 3);
    });
  });
}

describe('Idempotency-Key: a concurrent request with another body (postgres)', () => {
  let ts: TestServer;
  let db: TestDatabase;
  let orgId: string;

  before(async () => {
    db = await createTestDatabase();
    ts = await startServer({ databaseUrl: db.url });
    orgId = (await ts.admin('POST', '/orgs', { name: 'race' })).body.id as string;
  });
  after(async () => {
    await ts.close();
    await db.drop();
  });

  let lock: pg.Client;
  /** Until `n` sessions of the test database wait for a lock. */
  const waitingForLocks = async (n: number) => {
    const sessions = async () => Number((await lock.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rows[0]?.n);
    while ((await sessions()) < n) await new Promise((r) => setTimeout(r, 10));
  };

  test('that finds the key taken as it tries to take it is refused with 409 and no Retry-After', async () => {
    // Another node's request holds the key in its transaction: the grant misses the key, tries to take
    // it and waits; the other commits its claim (its answer still on its way).
    lock = new pg.Client({ connectionString: db.url });
    await lock.connect();
    try {
      const claim = (key: string, hash: string) => lock.query("INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response, created_at) VALUES ('admin', $1, $2, 0, '', $3)", [key, hash, new Date().toISOString()]);
      await lock.query('BEGIN');
      await claim('held-1', 'another request');
      const other = grant(ts, orgId, { amount_micro: 3000, reason: 'held' }, 'held-1');
      await waitingForLocks(1);
      await lock.query('COMMIT');
      const refused = await other;
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'idempotency_conflict');
      assert.equal(refused.retryAfter, null, 'another body: do not send it again');

      const body = { amount_micro: 3000, reason: 'held' };
      await lock.query('BEGIN');
      await claim('held-2', requestHashOf('POST', '/admin/v1/orgs/:org_id/credits', { org_id: orgId }, body));
      const same = grant(ts, orgId, body, 'held-2');
      await waitingForLocks(1);
      await lock.query('COMMIT');
      const busy = await same;
      assert.equal(busy.status, 409, JSON.stringify(busy.body));
      assert.equal(busy.retryAfter, '1', 'the same request, still running: come back for its answer');
      assert.equal(await ledgerReasons(ts, orgId, 'held'), 0);
    } finally {
      await lock.end();
    }
  });

  test('racing the first through the HTTP API is refused with 409 and no Retry-After; only the first is applied', async () => {
    // Another session holds the organization's row: the first grant takes the key, then waits for the
    // row; the second (another body) misses the uncommitted key, then waits for it.
    lock = new pg.Client({ connectionString: db.url });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('SELECT id FROM orgs WHERE id = $1 FOR UPDATE', [orgId]);
      const first = grant(ts, orgId, { amount_micro: 1000, reason: 'race' }, 'race-1');
      await waitingForLocks(1);
      const second = grant(ts, orgId, { amount_micro: 2000, reason: 'race' }, 'race-1');
      await waitingForLocks(2);
      await lock.query('COMMIT');
      const [a, b] = await Promise.all([first, second]);
      assert.equal(a.status, 200, JSON.stringify(a.body));
      assert.equal(b.status, 409, JSON.stringify(b.body));
      assert.equal(b.body.code, 'idempotency_conflict');
      assert.equal(b.retryAfter, null, 'another body: do not send it again');
      assert.equal(await ledgerReasons(ts, orgId, 'race'), 1);
    } finally {
      await lock.end();
    }
  });
});
