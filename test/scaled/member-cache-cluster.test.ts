// Scaled mode: two nodes remember a hub member for stream connects; a ban or a segment change made on
// one node reaches the other's cache through the bus, without waiting for the cache's time limit. The
// log check is slowed to a minute here, so only the bus (Redis) can carry the change in time.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { startCluster, type Cluster, type Node } from '../helpers/cluster.js';
import { openSse, type SseStream } from '../helpers/sse.js';

describe('scaled mode: a hub member banned on one node is refused by every node', () => {
  let cluster: Cluster;
  let a: Node;
  let b: Node;
  let hubId: string;
  const streams: SseStream[] = [];

  before(async () => {
    cluster = await startCluster(2, { env: { CAPSTAN_EVENTS_CHECK_MS: '60000' } });
    [a, b] = cluster.nodes as [Node, Node];
    const orgId = (await cluster.admin(a, 'POST', '/orgs', { name: 'members' })).body.id as string;
    hubId = (await cluster.admin(a, 'POST', `/orgs/${orgId}/hubs`, { name: 'hub' })).body.id as string;
  });
  after(async () => {
    for (const s of streams) s.close();
    await cluster.close();
  });

  const member = async () => {
    const contact = await cluster.admin(a, 'POST', `/hubs/${hubId}/contacts`, { name: 'm' });
    const token = await cluster.admin(a, 'POST', `/hubs/${hubId}/contacts/${contact.body.id as string}/tokens`, { ttl_seconds: 3600 });
    return { id: contact.body.id as string, token: token.body.access_token as string };
  };
  const stream = async (node: Node, token: string): Promise<SseStream> => {
    const s = await openSse(`${node.url}/realtime/events?hub_id=${hubId}`, { token });
    streams.push(s);
    return s;
  };
  const status = async (node: Node, token: string): Promise<number> => {
    const s = await stream(node, token);
    s.close();
    return s.status;
  };
  const warm = async (node: Node, token: string): Promise<void> => {
    for (let i = 0; i < 3; i++) assert.equal(await status(node, token), 200);
  };

  test('both nodes remember a member: a row changed behind their backs is not seen', async () => {
    const m = await member();
    await warm(a, m.token);
    await warm(b, m.token);
    const db = new pg.Client({ connectionString: cluster.db.url });
    await db.connect();
    try {
      await db.query("update contacts set status = 'banned' where id = $1", [m.id]);
    } finally {
      await db.end();
    }
    assert.equal(await status(a, m.token), 200);
    assert.equal(await status(b, m.token), 200);
  });

  test('banned on node A: 404 on A at once; on B well before the time limit, and a stream B opened meanwhile ends', async () => {
    const m = await member();
    const kept = await member();
    for (const node of [a, b]) {
      await warm(node, m.token);
      await warm(node, kept.token);
    }
    const open = await stream(b, m.token);
    assert.equal(open.status, 200);
    assert.equal((await cluster.admin(a, 'POST', `/hubs/${hubId}/contacts/${m.id}/ban`)).status, 200);
    const refused = await stream(a, m.token);
    assert.equal(refused.status, 404);
    assert.equal(JSON.parse(refused.body).code, 'not_found');
    const end = Date.now() + 10_000;
    for (let got = await status(b, m.token); got !== 404; got = await status(b, m.token)) {
      if (Date.now() > end) assert.fail(`node B still answers ${got}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal((await open.next((f) => f.event === 'stream.unauthorized')).event, 'stream.unauthorized');
    assert.equal(await status(a, kept.token), 200);
    assert.equal(await status(b, kept.token), 200);
  });
});
