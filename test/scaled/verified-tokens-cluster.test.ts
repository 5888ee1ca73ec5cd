// Scaled mode: a contact token remembered by two nodes is refused by both once the contact is banned
// on one of them — the ban is read on every connect, not remembered with the token.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCluster, type Cluster, type Node } from '../helpers/cluster.js';
import { openSse, type SseStream } from '../helpers/sse.js';

describe('scaled mode: a ban on one node refuses a remembered token on another', () => {
  let cluster: Cluster;
  let a: Node;
  let b: Node;
  let hubId: string;
  const streams: SseStream[] = [];
  const connect = async (node: Node, token: string) => {
    const s = await openSse(`${node.url}/realtime/events?hub_id=${hubId}`, { token });
    streams.push(s);
    return s;
  };

  before(async () => {
    cluster = await startCluster(2);
    [a, b] = cluster.nodes as [Node, Node];
    const orgId = (await cluster.admin(a, 'POST', '/orgs', { name: 'tokens' })).body.id as string;
    hubId = (await cluster.admin(a, 'POST', `/orgs/${orgId}/hubs`, { name: 'hub' })).body.id as string;
  });
  after(async () => {
    for (const s of streams) s.close();
    await cluster.close();
  });

  test('banned on node A, refused on node B at the next connect', async () => {
    const contact = await cluster.admin(a, 'POST', `/hubs/${hubId}/contacts`, { name: 'm' });
    const contactId = contact.body.id as string;
    const token = (await cluster.admin(a, 'POST', `/hubs/${hubId}/contacts/${contactId}/tokens`, { ttl_seconds: 3600 })).body.access_token as string;
    const onB = await connect(b, token);
    assert.equal(onB.status, 200, onB.body);
    assert.equal((await connect(a, token)).status, 200);
    assert.equal((await cluster.admin(a, 'POST', `/hubs/${hubId}/contacts/${contactId}/ban`)).status, 200);
    assert.equal((await connect(b, token)).status, 404);
    assert.equal((await connect(a, token)).status, 404);
    await onB.next((f) => f.event === 'stream.unauthorized', 20_000);
  });
});
