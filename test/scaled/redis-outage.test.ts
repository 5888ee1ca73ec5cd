// A Redis outage in scaled mode (a private redis-server, so other tests are undisturbed). Redis only
// wakes nodes: writes never fail because of it, and what they commit still reaches every open stream
// (the nodes read the log), in order and exactly once — during the outage and after it. Uploads are
// accepted and billed once, bans end the banned member's stream, publishes are delivered; only new
// streams that need a cluster-wide connection slot wait (503 with Retry-After).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildLetterPdf } from '../fixtures/documents.js';
import { startCluster, waitReady, type Cluster, type Node } from '../helpers/cluster.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { openSse, type SseStream } from '../helpers/sse.js';

/** The next `n` frames with an id, in arrival order. */
async function nextEvents(s: SseStream, n: number, timeoutMs = 20_000): Promise<{ id: string; event?: string; data: Record<string, unknown> }[]> {
  const out = [];
  while (out.length < n) {
    const f = await s.next((x) => x.id !== undefined, timeoutMs);
    out.push({ id: f.id as string, ...(f.event === undefined ? {} : { event: f.event }), data: JSON.parse(f.data ?? '{}') as Record<string, unknown> });
  }
  return out;
}

describe('scaled mode: a Redis outage delays wake-ups, never a write', () => {
  let redis: RedisServer;
  let cluster: Cluster;
  let a: Node;
  let b: Node;
  let hub: string;
  let orgId: string;
  let apiKey: string;
  const tokens = new Map<string, string>();

  before(async () => {
    redis = await startRedisServer();
    cluster = await startCluster(2, { redisUrl: redis.url, env: { CAPSTAN_EVENTS_CHECK_MS: '200' } });
    [a, b] = cluster.nodes as [Node, Node];
    const org = (await cluster.admin(a, 'POST', '/orgs', { name: 'outage', credits_micro: 1_000_000 })).body;
    orgId = org.id as string;
    apiKey = org.api_key as string;
    hub = (await cluster.admin(a, 'POST', `/orgs/${orgId}/hubs`, { name: 'h' })).body.id as string;
    for (const name of ['ada', 'bob', 'cy']) {
      const contact = (await cluster.admin(a, 'POST', `/hubs/${hub}/contacts`, { name })).body.id as string;
      tokens.set(name, (await cluster.admin(a, 'POST', `/hubs/${hub}/contacts/${contact}/tokens`, { ttl_seconds: 3600 })).body.access_token as string);
      tokens.set(`${name}:id`, contact);
    }
  });
  after(async () => {
    await cluster?.close();
    await redis?.stop();
  });

  test('publishes, a ban and an upload made while Redis is down all apply once and reach the open streams in order', async () => {
    const ada = await openSse(`${b.url}/realtime/events?hub_id=${hub}`, { token: tokens.get('ada') });
    const bob = await openSse(`${b.url}/realtime/events?hub_id=${hub}`, { token: tokens.get('bob') });
    assert.equal(ada.status, 200);
    const rt = await fetch(`${a.url}/ws/token`, { method: 'POST', headers: { 'capout-api-key': apiKey } }).then((r) => r.json() as Promise<{ token: string }>);
    const docs = await openSse(`${b.url}/sse/status?token=${encodeURIComponent(rt.token)}&recent=5`);
    assert.equal(docs.status, 200);

    const publish = async (n: number) => cluster.admin(a, 'POST', `/hubs/${hub}/events`, { type: 'test.ping', data: { n } });
    assert.equal((await publish(0)).status, 202);
    assert.deepEqual((await nextEvents(ada, 1)).map((e) => e.data.n), [0]);

    await redis.kill();
    await waitReady(a, 503);

    // Writes succeed whole while the bus is away.
    const accepted = [];
    for (let n = 1; n <= 3; n++) {
      const r = await publish(n);
      assert.equal(r.status, 202, 'a publish is accepted while Redis is away');
      accepted.push(r.body.id as string);
    }
    const ban = await cluster.admin(a, 'POST', `/hubs/${hub}/contacts/${tokens.get('bob:id')}/ban`);
    assert.ok(ban.status >= 200 && ban.status < 300, `the ban is applied while Redis is away (${ban.status})`);
    const afterBan = await publish(4);
    assert.equal(afterBan.status, 202);
    const pdf = Buffer.from(await buildLetterPdf()).toString('base64');
    const upload = await fetch(`${a.url}/upload`, {
      method: 'POST',
      headers: { 'capout-api-key': apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ file_base64: pdf, file_name: 'during-outage.pdf' }),
    });
    assert.equal(upload.status, 201, 'an upload without an Idempotency-Key succeeds on its first try: no retry, no second charge');
    const documentId = ((await upload.json()) as { document_id: string }).document_id;

    // A new stream needs a cluster-wide slot, which cannot be counted without Redis.
    const refused = await openSse(`${b.url}/realtime/events?hub_id=${hub}`, { token: tokens.get('cy') });
    assert.equal(refused.status, 503);
    assert.ok(refused.headers['retry-after'], 'the 503 says when to retry');

    // Delivered from the log while Redis is still down: in order, once each.
    const got = await nextEvents(ada, 4);
    assert.deepEqual(got.map((e) => e.data.n), [1, 2, 3, 4]);
    assert.deepEqual(got.slice(0, 3).map((e) => e.id), accepted);
    // The banned member's stream ends. Its node caught up after missed wake-ups, so the stream
    // re-checked its access before delivering what it missed: it may end before the events that
    // preceded the ban, never after one that followed it.
    const end = await bob.next((f) => f.event === 'stream.unauthorized', 10_000);
    assert.deepEqual(JSON.parse(end.data ?? '{}'), { reason: 'access_revoked' });
    await bob.ended;
    const bobGot = bob.frames.filter((f) => f.id !== undefined).map((f) => JSON.parse(f.data ?? '{}').n as number);
    assert.deepEqual(bobGot, [0, 1, 2, 3].slice(0, bobGot.length), 'what it got before the end is in order, from before the ban');

    await redis.start();
    await waitReady(a, 200);
    await waitReady(b, 200);
    assert.equal((await publish(5)).status, 202);
    assert.deepEqual((await nextEvents(ada, 1)).map((e) => e.data.n), [5]);

    // The document completed; each of its status changes arrived exactly once.
    const statuses: Record<string, unknown>[] = [];
    while (statuses.at(-1)?.status !== 'completed' && statuses.at(-1)?.status !== 'failed') {
      const f = await docs.next((x) => x.id !== undefined, 60_000);
      const s = JSON.parse(f.data ?? '{}') as Record<string, unknown>;
      if (s.document_id === documentId) statuses.push(s);
    }
    assert.equal(statuses.at(-1)?.status, 'completed');
    const shapes = statuses.map(({ updated_at: _u, ...rest }) => JSON.stringify(rest));
    assert.equal(new Set(shapes).size, shapes.length, 'no status change is reported twice');
    const ledger = (await cluster.admin(a, 'GET', `/orgs/${orgId}`)).body;
    assert.equal(ledger.credits_micro, 1_000_000 - 1000, 'the one-page document was billed exactly once');

    ada.close();
    docs.close();
    // The contact left over from the outage can connect now.
    const cy = await openSse(`${b.url}/realtime/events?hub_id=${hub}`, { token: tokens.get('cy') });
    assert.equal(cy.status, 200);
    cy.close();
  });
});
