// A node killed with kill -9 while it holds a contact's five stream slots: its leases are not renewed,
// so within one lease period the contact can open streams on the surviving node again. Real processes,
// the machine's Redis (a fresh key prefix) and PostgreSQL (a fresh database).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startCluster, type Cluster, type Node } from '../helpers/cluster.js';
import { openSse, type SseStream } from '../helpers/sse.js';

const LEASE_MS = 3000;

describe('scaled mode: the slots of a node that dies', () => {
  let cluster: Cluster | undefined;
  const open: SseStream[] = [];
  after(async () => {
    for (const s of open) s.close();
    await cluster?.close();
  });

  test('are released within one lease period, so the contact reconnects on another node', { timeout: 60_000 }, async () => {
    cluster = await startCluster(2, { env: { CAPSTAN_REALTIME_LEASE_MS: String(LEASE_MS) } });
    const [a, b] = cluster.nodes as [Node, Node];
    const org = (await cluster.admin(a, 'POST', '/orgs', { name: 'death' })).body.id as string;
    const hub = (await cluster.admin(a, 'POST', `/orgs/${org}/hubs`, { name: 'h' })).body.id as string;
    const contact = (await cluster.admin(a, 'POST', `/hubs/${hub}/contacts`, { name: 'c' })).body.id as string;
    const token = (await cluster.admin(a, 'POST', `/hubs/${hub}/contacts/${contact}/tokens`, { ttl_seconds: 3600 })).body.access_token as string;
    const stream = (node: Node) => openSse(`${node.url}/realtime/events?hub_id=${hub}`, { token });

    for (let i = 0; i < 5; i++) {
      const s = await stream(a);
      assert.equal(s.status, 200, s.body);
      open.push(s);
    }
    const full = await stream(b);
    assert.equal(full.status, 429, 'the cap holds across nodes');

    a.proc.child.kill('SIGKILL');
    await a.proc.exited;
    const killedAt = Date.now();
    let admitted: SseStream | undefined;
    while (!admitted && Date.now() - killedAt < LEASE_MS * 3) {
      const s = await stream(b);
      if (s.status === 200) admitted = s;
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(admitted, 'a stream was admitted on the surviving node');
    open.push(admitted);
    // One lease period after the last renewal, plus the renewal interval and polling slack.
    assert.ok(Date.now() - killedAt <= LEASE_MS + LEASE_MS / 3 + 2000, `slots freed ${Date.now() - killedAt} ms after the kill`);
    // Each slot's lease was renewed on its own, so the other four may expire a moment later: each
    // must be free within the same bound.
    const bound = killedAt + LEASE_MS + LEASE_MS / 3 + 2000;
    for (let i = 0; i < 4; i++) {
      let s = await stream(b);
      while (s.status === 429 && Date.now() < bound) {
        await new Promise((r) => setTimeout(r, 100));
        s = await stream(b);
      }
      assert.equal(s.status, 200, `all five slots are free again (${Date.now() - killedAt} ms after the kill)`);
      open.push(s);
    }
    assert.equal((await stream(b)).status, 429, 'and the cap holds again');
  });
});
