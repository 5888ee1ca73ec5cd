// A Redis outage in scaled mode (a private redis-server, so other tests are undisturbed): publishing
// answers 503 while Redis is away and nothing half-happens; the nodes reconnect by themselves; open
// streams catch up from the log, and every accepted event reaches the client once, in order.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { startCluster, type Cluster, type Node } from '../helpers/cluster.js';
import { openSse } from '../helpers/sse.js';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

function startRedis(port: number): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
}

async function waitReady(node: Node, want: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const status = await fetch(`${node.url}/readyz`).then((r) => r.status, () => 0);
    if (status === want) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${node.url}/readyz never answered ${want}`);
}

describe('scaled mode: Redis outage', () => {
  let redis: ChildProcess | undefined;
  let cluster: Cluster | undefined;
  after(async () => {
    await cluster?.close();
    redis?.kill('SIGKILL');
  });

  test('nodes reconnect after Redis restarts, and clients lose nothing that was accepted', async () => {
    const port = await freePort();
    redis = startRedis(port);
    const redisUrl = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = createServer();
        s.once('error', () => resolve(true));
        s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
      });
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    cluster = await startCluster(2, { redisUrl });
    const [a, b] = cluster.nodes as [Node, Node];
    const org = (await cluster.admin(a, 'POST', '/orgs', { name: 'outage' })).body.id as string;
    const hub = (await cluster.admin(a, 'POST', `/orgs/${org}/hubs`, { name: 'h' })).body.id as string;
    const contact = (await cluster.admin(a, 'POST', `/hubs/${hub}/contacts`, { name: 'c' })).body.id as string;
    const token = (await cluster.admin(a, 'POST', `/hubs/${hub}/contacts/${contact}/tokens`, { ttl_seconds: 3600 })).body.access_token as string;
    const s = await openSse(`${b.url}/realtime/events?hub_id=${hub}`, { token });
    const accepted: string[] = [];
    const publish = async (i: number) => {
      const r = await cluster!.admin(a, 'POST', `/hubs/${hub}/events`, { type: 'test.ping', data: { i } });
      if (r.status === 202) accepted.push(r.body.id as string);
      return r.status;
    };
    for (let i = 0; i < 3; i++) assert.equal(await publish(i), 202);

    redis.kill('SIGKILL');
    await new Promise((r) => redis!.once('exit', r));
    await waitReady(a, 503);
    assert.equal(await publish(100), 503, 'publishing is refused while Redis is away');

    redis = startRedis(port);
    await waitReady(a, 200);
    await waitReady(b, 200);
    for (let i = 3; i < 6; i++) assert.equal(await publish(i), 202);

    const got: string[] = [];
    while (got.length < accepted.length) got.push((await s.next((f) => f.id !== undefined, 20_000)).id as string);
    assert.deepEqual(got, accepted);
    s.close();
  });
});
