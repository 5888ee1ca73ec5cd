// The hub's 5-stream cap across a Redis restart, end to end: two real nodes on a private redis-server
// hold a contact's five streams; while Redis is away a new stream gets 503 with Retry-After, and once
// Redis is back (empty) the open streams' slots are re-registered, so a sixth stream gets 429 again.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { startCluster, waitReady, type Cluster, type Node } from '../helpers/cluster.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { openSse, type SseStream } from '../helpers/sse.js';

describe('scaled mode: stream slots across a Redis restart', () => {
  let redis: RedisServer | undefined;
  let cluster: Cluster | undefined;
  const open: SseStream[] = [];
  after(async () => {
    for (const s of open) s.close();
    await cluster?.close();
    await redis?.stop();
  });

  test("a contact's open streams keep their slots when Redis restarts empty", { timeout: 90_000 }, async () => {
    redis = await startRedisServer();
    cluster = await startCluster(2, { redisUrl: redis.url, env: { CAPSTAN_REALTIME_LEASE_MS: '3000' } });
    const [a, b] = cluster.nodes as [Node, Node];
    const org = (await cluster.admin(a, 'POST', '/orgs', { name: 'restart' })).body.id as string;
    const hub = (await cluster.admin(a, 'POST', `/orgs/${org}/hubs`, { name: 'h' })).body.id as string;
    const contact = (await cluster.admin(a, 'POST', `/hubs/${hub}/contacts`, { name: 'c' })).body.id as string;
    const token = (await cluster.admin(a, 'POST', `/hubs/${hub}/contacts/${contact}/tokens`, { ttl_seconds: 3600 })).body.access_token as string;
    const stream = (node: Node) => openSse(`${node.url}/realtime/events?hub_id=${hub}`, { token });

    for (const node of [a, b, a, b, a]) {
      const s = await stream(node);
      assert.equal(s.status, 200, s.body);
      open.push(s);
    }
    assert.equal((await stream(b)).status, 429, 'the cap holds before the restart');

    await redis.kill();
    await waitReady(a, 503);
    const refused = await stream(a);
    assert.equal(refused.status, 503, refused.body);
    assert.equal(JSON.parse(refused.body).code, 'unavailable');
    assert.ok(Number(refused.headers['retry-after']) >= 1, 'the 503 says when to retry');

    await redis.start();
    await waitReady(a, 200);
    await waitReady(b, 200);
    // The nodes re-register on reconnect; read the set directly so no stream attempt races them.
    const direct = new Redis(redis.url, { lazyConnect: true });
    await direct.connect();
    try {
      const slots = `${cluster.prefix}conn:contact:${contact}`;
      let held = 0;
      for (let i = 0; i < 200 && held < 5; i++) {
        held = await direct.zcard(slots);
        if (held < 5) await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(held, 5, "the five open streams' slots are back in Redis");
      assert.ok((await direct.pttl(slots)) > 0, 'with an expiry');
    } finally {
      direct.disconnect();
    }
    for (const node of [a, b]) {
      const sixth = await stream(node);
      assert.equal(sixth.status, 429, sixth.body);
      assert.equal(JSON.parse(sixth.body).code, 'too_many_connections');
    }

    open.shift()?.close();
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const s = await stream(b);
      status = s.status;
      if (status === 200) open.push(s);
    }
    assert.equal(status, 200, 'closing a stream frees its slot');
  });
});
