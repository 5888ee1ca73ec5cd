// Deliveries survive kill -9. A real `capstan serve` is killed while its webhook request hangs at the
// receiver: on SQLite a restarted node, on PostgreSQL another node sharing the database, sends the
// same message (same webhook-id, still verifiable) once the dead node's lease on the endpoint lapses.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { ServeProcess } from '../helpers/serve-process.js';
import { tempDir } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import { startReceiver, type Receiver } from './receiver.js';

const ADMIN = 'webhook-durability-admin-7d21';
const ENV = {
  CAPSTAN_LOG_LEVEL: 'warn',
  CAPSTAN_DEV_CREDENTIALS: 'false',
  CAPSTAN_WEBHOOK_ALLOW_HTTP: 'true',
  CAPSTAN_FETCH_ALLOW_HOSTS: '127.0.0.1',
  CAPSTAN_WEBHOOK_TIMEOUT_MS: '1000',
  CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS: '300,300,300',
  CAPSTAN_WEBHOOK_POLL_MS: '100',
};

async function admin(url: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

/**
 * On the node at `url`: an endpoint to a receiver that hangs on its first request, and a hub event.
 * Resolves once that request is hanging; afterwards the receiver answers 200.
 */
async function hangingDelivery(url: string, receiver: Receiver): Promise<{ eventId: string; endpointId: string }> {
  const org = await admin(url, 'POST', '/orgs', { name: 'durable hooks' });
  const hub = await admin(url, 'POST', `/orgs/${org.id as string}/hubs`, { name: 'hub' });
  const endpoint = await admin(url, 'POST', `/orgs/${org.id as string}/webhooks`, { url: receiver.url });
  assert.ok(endpoint.secret, JSON.stringify(endpoint));
  receiver.secrets = [endpoint.secret as string];
  receiver.answer = (_r, nth) => (nth === 1 ? 'hang' : 200);
  const published = await admin(url, 'POST', `/hubs/${hub.id as string}/events`, { type: 'test.ping', data: { n: 1 } });
  await until(() => receiver.received.length === 1, 'the first attempt reaching the receiver');
  return { eventId: published.id as string, endpointId: endpoint.id as string };
}

async function checkDelivered(url: string, receiver: Receiver, eventId: string, endpointId: string): Promise<void> {
  await until(() => receiver.received.length === 2, 'the delivery after the kill', 30_000);
  assert.deepEqual(receiver.received.map((r) => r.id), [eventId, eventId], 'the same webhook-id');
  assert.deepEqual(receiver.received[1]!.verifiedWith, [0]);
  let log: Record<string, unknown>[] = [];
  for (let i = 0; i < 200 && log[0]?.status !== 'succeeded'; i++) {
    log = (await admin(url, 'GET', `/webhooks/${endpointId}/deliveries`)).data as Record<string, unknown>[];
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(log[0]?.status, 'succeeded', JSON.stringify(log));
  const attempts = log[0]!.attempts as Record<string, unknown>[];
  assert.equal(attempts[0]!.outcome, 'network');
  assert.match(attempts[0]!.error as string, /interrupted/);
  assert.equal(attempts.at(-1)!.outcome, 'success');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(receiver.received.length, 2, 'delivered once after the kill');
}

describe('webhook deliveries survive kill -9', () => {
  const procs: ServeProcess[] = [];
  const dirs: string[] = [];
  const receivers: Receiver[] = [];
  let db: TestDatabase | undefined;
  after(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    for (const r of receivers) await r.close();
    await db?.drop();
  });

  test('embedded: killed mid-attempt, the restarted node delivers', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const receiver = await startReceiver();
    receivers.push(receiver);
    const first = ServeProcess.start(dataDir, ADMIN, { ...ENV, CAPSTAN_LOG_LEVEL: 'info' });
    procs.push(first);
    const { eventId, endpointId } = await hangingDelivery(await first.url(), receiver);
    first.child.kill('SIGKILL');
    await first.exited;
    const second = ServeProcess.start(dataDir, ADMIN, { ...ENV, CAPSTAN_LOG_LEVEL: 'info' });
    procs.push(second);
    const url = await second.url();
    await checkDelivered(url, receiver, eventId, endpointId);
    await second.stop();
  });

  test('scaled: killed mid-attempt, another node sharing PostgreSQL delivers', async () => {
    db = await createTestDatabase();
    const dataDir = tempDir();
    dirs.push(dataDir);
    const receiver = await startReceiver();
    receivers.push(receiver);
    const env = { ...ENV, CAPSTAN_LOG_LEVEL: 'info', CAPSTAN_DATABASE_URL: db.url, CAPSTAN_SHARED_DATA_DIR: 'true' };
    const a = ServeProcess.start(dataDir, ADMIN, env);
    const b = ServeProcess.start(dataDir, ADMIN, env);
    procs.push(a, b);
    const [urlA, urlB] = await Promise.all([a.url(), b.url()]);
    const owners = new Map<string, ServeProcess>();
    for (const p of [a, b]) owners.set(String((await p.log('webhook workers started')).owner), p);
    const { eventId, endpointId } = await hangingDelivery(urlA, receiver);
    // Kill the node whose worker holds the endpoint (its request is hanging); the other one takes over.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const held = await client.query<{ lease_owner: string }>('select lease_owner from webhook_endpoints where id = $1', [endpointId]);
    await client.end();
    const holder = owners.get(held.rows[0]!.lease_owner);
    assert.ok(holder, 'one of the two nodes holds the endpoint');
    holder.child.kill('SIGKILL');
    await holder.exited;
    const survivor = holder === a ? urlB : urlA;
    await checkDelivered(survivor, receiver, eventId, endpointId);
    await (holder === a ? b : a).stop();
  });
});
