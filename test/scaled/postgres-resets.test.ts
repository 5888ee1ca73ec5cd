// PostgreSQL connections reset under Capstan (a restart, a failover, a proxy in between that drops
// its sockets), through a TCP proxy the test controls in front of the machine's PostgreSQL. A request
// whose whole body arrived and whose transaction's connection is reset answers 503 `unavailable`,
// not 400 (the reset is the database's, not the client's), and a WebSocket upgrade while the database
// is away is 503 like every other route, not 500.
import assert from 'node:assert/strict';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { WebSocket } from 'ws';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';

/** Forwards to PostgreSQL; `reset()` drops every connection with an RST, `refuse` resets new ones at once. */
class ResettingProxy {
  readonly server: Server;
  private readonly sockets = new Set<Socket>();
  refuse = false;

  constructor(target: URL) {
    this.server = createServer((client) => {
      if (this.refuse) return void client.resetAndDestroy();
      const upstream = connect({ host: target.hostname, port: Number(target.port || 5432) });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as AddressInfo).port;
  }

  reset(): void {
    for (const s of this.sockets) s.resetAndDestroy();
  }

  close(): Promise<void> {
    this.reset();
    return new Promise((r) => this.server.close(() => r()));
  }
}

describe('PostgreSQL connections reset', () => {
  let db: TestDatabase;
  let proxy: ResettingProxy;
  let ts: TestServer;
  let org: TestOrg;
  let blocker: pg.Client;

  before(async () => {
    db = await createTestDatabase();
    proxy = new ResettingProxy(new URL(db.url));
    const port = await proxy.listen();
    const viaProxy = new URL(db.url);
    viaProxy.port = String(port);
    viaProxy.hostname = '127.0.0.1';
    ts = await startServer({ databaseUrl: viaProxy.toString() });
    org = await makeOrg(ts);
    blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
  });
  after(async () => {
    await blocker?.end().catch(() => undefined);
    await ts?.close();
    await proxy?.close();
    await db?.drop();
  });

  test('a request whose body arrived and whose transaction is reset answers 503 unavailable, not 400', async () => {
    const grant = () => fetch(`${ts.url}/admin/v1/orgs/${org.id}/credits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': 'grant-1' },
      body: JSON.stringify({ amount_micro: 500, reason: 'grant' }),
    });
    // Hold the organization's row so the grant waits inside its transaction, then reset its connection.
    await blocker.query('begin');
    await blocker.query('select 1 from orgs where id = $1 for update', [org.id]);
    const pending = grant();
    let waiting = 0;
    for (let i = 0; i < 200 && waiting === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const r = await blocker.query(`select 1 from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'`);
      waiting = r.rowCount ?? 0;
    }
    assert.equal(waiting, 1, 'the grant was waiting inside its transaction');
    proxy.reset();
    const res = await pending;
    await blocker.query('rollback');
    const body = (await res.json()) as { code: string; error: string };
    assert.equal(res.status, 503, JSON.stringify(body));
    assert.equal(body.code, 'unavailable');
    assert.ok(res.headers.get('retry-after'));

    // Nothing was applied; the same key applies it once now.
    const retried = await grant();
    assert.equal(retried.status, 200, await retried.clone().text());
    const ledger = await ts.admin('GET', `/orgs/${org.id}/ledger`);
    assert.equal((ledger.body.data as { reason: string }[]).filter((e) => e.reason === 'grant').length, 2, 'the first grant and this one');
  });

  test('a WebSocket upgrade while the database is away is 503 unavailable, not 500', async () => {
    const minted = await org.call('POST', '/ws/token');
    assert.equal(minted.status, 200, JSON.stringify(minted.body));
    const token = encodeURIComponent(minted.body.token as string);
    proxy.refuse = true;
    proxy.reset();
    try {
      for (const path of [`/ws/status?token=${token}`, `/api/v1/ws/refused-client?token=${encodeURIComponent(org.apiKey)}`]) {
        const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const ws = new WebSocket(`${ts.url.replace('http', 'ws')}${path}`);
          ws.on('unexpected-response', (_req, res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          });
          ws.on('open', () => reject(new Error(`${path} opened while the database was away`)));
          ws.on('error', () => undefined);
        });
        assert.equal(refused.status, 503, `${path}: ${refused.body}`);
        assert.equal((JSON.parse(refused.body) as { code: string }).code, 'unavailable');
      }
    } finally {
      proxy.refuse = false;
    }
  });
});
