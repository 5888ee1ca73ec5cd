// A node that dies between its commit and its wake-up loses nothing. The test process plays that
// node: it commits a hub event straight into the cluster's PostgreSQL and wakes no one. Clients on
// every node still get it within seconds, a client resuming from just before it gets it too (they
// agree), and nothing blocks the topic: the next publish goes through at once, in order after it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EventPublisher, hubTopic } from '../../src/events/index.js';
import { eventTypeRegistry } from '../../src/server/event-types.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { startCluster, type Cluster, type Node } from '../helpers/cluster.js';
import { tempDir } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';

describe('scaled mode: a node dies between commit and wake-up', () => {
  let cluster: Cluster;
  let deadNode: Storage;

  before(async () => {
    cluster = await startCluster(2, { env: { CAPSTAN_EVENTS_CHECK_MS: '250' } });
    deadNode = openStorage(cluster.db.url, tempDir());
  });
  after(async () => {
    await deadNode?.close();
    await cluster?.close();
  });

  test('every node delivers what the dead node committed; live and resuming clients agree', async () => {
    const [a, b] = cluster.nodes as [Node, Node];
    const org = (await cluster.admin(a, 'POST', '/orgs', { name: 'o' })).body.id as string;
    const hub = (await cluster.admin(a, 'POST', `/orgs/${org}/hubs`, { name: 'h' })).body.id as string;
    const contact = (await cluster.admin(a, 'POST', `/hubs/${hub}/contacts`, { name: 'c' })).body.id as string;
    const token = (await cluster.admin(a, 'POST', `/hubs/${hub}/contacts/${contact}/tokens`, {})).body.access_token as string;
    const onA = await openSse(`${a.url}/realtime/events?hub_id=${hub}`, { token });
    const onB = await openSse(`${b.url}/realtime/events?hub_id=${hub}`, { token });
    const before = (await cluster.admin(a, 'POST', `/hubs/${hub}/events`, { type: 'test.ping', data: { n: 1 } })).body.id as string;
    for (const s of [onA, onB]) assert.equal((await s.next((f) => f.id !== undefined, 5_000)).id, before);

    // Commit, then die before waking anyone.
    const orphan = await new EventPublisher(eventTypeRegistry(), deadNode, 16_384).publish({ topic: hubTopic(hub), orgId: org, type: 'test.ping', data: { n: 2 } });

    for (const s of [onA, onB]) {
      const f = await s.next((x) => x.id !== undefined, 10_000);
      assert.equal(f.id, orphan.id, 'the committed event reaches clients on every node');
    }
    const resumed = await openSse(`${b.url}/realtime/events?hub_id=${hub}`, { token, lastEventId: before });
    assert.equal((await resumed.next((f) => f.id !== undefined, 5_000)).id, orphan.id, 'a resuming client sees the same event');

    const next = await cluster.admin(b, 'POST', `/hubs/${hub}/events`, { type: 'test.ping', data: { n: 3 } });
    assert.equal(next.status, 202, 'the topic is not blocked');
    for (const s of [onA, onB, resumed]) {
      const f = await s.next((x) => x.id !== undefined, 5_000);
      assert.equal(f.id, next.body.id);
      assert.ok((f.id as string) > orphan.id);
    }
    for (const s of [onA, onB, resumed]) s.close();
  });
});
