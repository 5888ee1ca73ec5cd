// Scaled mode: the node registry and the list of open connections span the cluster, and ending a
// connection on one node reaches the node that holds it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCluster, type Cluster, type Node } from '../helpers/cluster.js';
import { openSse } from '../helpers/sse.js';

type Msg = Record<string, unknown>;

describe('scaled mode: nodes and connections across the cluster', () => {
  let cluster: Cluster;
  let a: Node;
  let b: Node;

  before(async () => {
    cluster = await startCluster(2);
    [a, b] = cluster.nodes as [Node, Node];
  });
  after(async () => cluster.close());

  test('each node lists both, alive, in scaled mode with Redis up', async () => {
    const fromA = (await cluster.admin(a, 'GET', '/nodes')).body.data as Msg[];
    const fromB = (await cluster.admin(b, 'GET', '/nodes')).body.data as Msg[];
    assert.equal(fromA.length, 2);
    assert.deepEqual(fromA.map((n) => n.id).sort(), fromB.map((n) => n.id).sort());
    assert.notEqual(fromA[0]!.id, fromB[0]!.id, 'each node answers itself first');
    for (const n of fromA) {
      assert.equal(n.alive, true);
      assert.equal(n.mode, 'scaled');
      assert.equal((n.stats as Msg).redis, 'ok');
    }
  });

  test('a DELETE on node A ends a connection held by node B', async () => {
    const org = await cluster.admin(a, 'POST', '/orgs', { name: 'live' });
    const apiKey = org.body.api_key as string;
    const token = ((await (await fetch(`${b.url}/ws/token`, { method: 'POST', headers: { 'capout-api-key': apiKey } })).json()) as Msg).token as string;
    const stream = await openSse(`${b.url}/sse/status?token=${encodeURIComponent(token)}&recent=1`);
    try {
      assert.equal(stream.status, 200);
      const nodeB = ((await cluster.admin(b, 'GET', '/nodes')).body.data as Msg[])[0]!.id as string;
      // Node B reports its connections every 5 s.
      let listed: Msg | undefined;
      for (let i = 0; i < 300 && !listed; i++) {
        listed = ((await cluster.admin(a, 'GET', `/connections?node_id=${nodeB}&surface=documents`)).body.data as Msg[])[0];
        if (!listed) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(listed, 'node A lists the connection node B holds');
      assert.equal(listed.node_id, nodeB);
      assert.equal(listed.org_id, org.body.id);
      const d = await cluster.admin(a, 'DELETE', `/connections/${listed.id as string}`);
      assert.equal(d.status, 200);
      const last = await stream.next((f) => f.data !== undefined && (JSON.parse(f.data) as Msg).type === 'stream.unauthorized', 15_000);
      assert.deepEqual(JSON.parse(last.data!), { type: 'stream.unauthorized', reason: 'disconnected_by_operator' });
      await stream.ended;
    } finally {
      stream.close();
    }
    const unknown = await cluster.admin(a, 'DELETE', '/connections/nope');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'not_found');
  });

  test('a node stopped cleanly (SIGTERM) leaves the registry at once, with its connections', async () => {
    const extra = await cluster.start();
    const id = ((await cluster.admin(extra, 'GET', '/nodes')).body.data as Msg[])[0]!.id as string;
    assert.ok(((await cluster.admin(a, 'GET', '/nodes')).body.data as Msg[]).some((n) => n.id === id));
    extra.proc.child.kill('SIGTERM');
    await extra.proc.exited;
    const listed = ((await cluster.admin(a, 'GET', '/nodes')).body.data as Msg[]).map((n) => n.id);
    assert.ok(!listed.includes(id), 'the stopped node is no longer listed');
    assert.deepEqual((await cluster.admin(a, 'GET', `/connections?node_id=${id}`)).body.data, []);
  });
});
