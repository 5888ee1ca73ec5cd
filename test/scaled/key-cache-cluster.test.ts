// Scaled mode: two nodes remember a key; revoking it on one makes both answer 401 without waiting for
// the cache's time limit. The log check is slowed to a minute here, so only the bus (Redis) can carry
// the revocation to the other node in time.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { startCluster, type Cluster, type Node } from '../helpers/cluster.js';
import { call } from '../helpers/videos.js';

const status = (node: Node, key: string) => fetch(`${node.url}/documents`, { headers: { 'capout-api-key': key } }).then(async (r) => (await r.arrayBuffer(), r.status));

async function warm(node: Node, key: string): Promise<void> {
  for (let i = 0; i < 3; i++) assert.equal(await status(node, key), 200);
}

/** Well below the cache's 30 s time limit and the one-minute log check: only the bus gets there first. */
async function refusedSoon(check: () => Promise<number>, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  for (;;) {
    const got = await check();
    if (got === 401) return;
    if (Date.now() > end) assert.fail(`${what} still answers ${got}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('scaled mode: a key revoked on one node is refused by every node at once', () => {
  let cluster: Cluster;
  let a: Node;
  let b: Node;
  let orgId: string;

  before(async () => {
    cluster = await startCluster(2, { env: { CAPSTAN_EVENTS_CHECK_MS: '60000' } });
    [a, b] = cluster.nodes as [Node, Node];
    orgId = (await cluster.admin(a, 'POST', '/orgs', { name: 'keys' })).body.id as string;
  });
  after(async () => cluster.close());

  const newKey = async () => {
    const created = await cluster.admin(a, 'POST', `/orgs/${orgId}/keys`, {});
    assert.equal(created.status, 201);
    return { id: created.body.id as string, key: created.body.api_key as string };
  };

  test('both nodes remember a key: a row changed behind their backs is not seen', async () => {
    const k = await newKey();
    await warm(a, k.key);
    await warm(b, k.key);
    const db = new pg.Client({ connectionString: cluster.db.url });
    await db.connect();
    try {
      await db.query('update org_keys set revoked_at = $1 where id = $2', [new Date().toISOString(), k.id]);
    } finally {
      await db.end();
    }
    assert.equal(await status(a, k.key), 200);
    assert.equal(await status(b, k.key), 200);
  });

  test('revoked on node A: 401 on A at once and on B without waiting for the time limit', async () => {
    const k = await newKey();
    const kept = await newKey();
    for (const node of [a, b]) {
      await warm(node, k.key);
      await warm(node, kept.key);
    }
    assert.equal((await cluster.admin(a, 'DELETE', `/orgs/${orgId}/keys/${k.id}`)).status, 200);
    assert.equal(await status(a, k.key), 401);
    await refusedSoon(() => status(b, k.key), 'the revoked key on node B');
    assert.equal(await status(a, kept.key), 200);
    assert.equal(await status(b, kept.key), 200);
  });

  test('app keys regenerated on node B: the old secret key is refused on both nodes', async () => {
    const app = await cluster.admin(a, 'POST', `/orgs/${orgId}/apps`, { name: 'app', environment: 'development' });
    assert.equal(app.status, 201);
    const secret = app.body.secret_key as string;
    const videos = (node: Node) => call(`${node.url}/api/developer/v1/videos`, 'GET', secret).then((r) => r.status);
    for (const node of [a, b]) for (let i = 0; i < 3; i++) assert.equal(await videos(node), 200);
    assert.equal((await cluster.admin(b, 'POST', `/apps/${app.body.id as string}/regenerate-keys`)).status, 200);
    assert.equal(await videos(b), 401);
    await refusedSoon(() => videos(a), 'the old secret key on node A');
  });
});
