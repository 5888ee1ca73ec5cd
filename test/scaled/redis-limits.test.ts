// Cluster-wide limits counted in the machine's Redis (a fresh key prefix per run): two limiter
// instances stand for two nodes. Connection leases of a node that dies lapse instead of leaking.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger, redisRateLimiter } from '../../src/http/index.js';
import { RedisConnectionLimiter } from '../../src/realtime/index.js';
import { connectRedis, type RedisConnections } from '../../src/redis/connect.js';
import { randomToken } from '../../src/util/ids.js';

describe('limits in Redis', () => {
  const prefix = `capstan_test_${randomToken(8)}:`;
  let nodeA: RedisConnections;
  let nodeB: RedisConnections;

  before(async () => {
    const logger = createLogger('silent');
    nodeA = await connectRedis('redis://127.0.0.1:6379', prefix, logger);
    nodeB = await connectRedis('redis://127.0.0.1:6379', prefix, logger);
  });
  after(async () => {
    const keys = await nodeA.commands.keys(`${prefix}*`);
    if (keys.length > 0) await nodeA.commands.del(...keys);
    await nodeA.close();
    await nodeB.close();
  });

  test('the request rate limit is shared by every node', async () => {
    const a = redisRateLimiter(nodeA, 5);
    const b = redisRateLimiter(nodeB, 5);
    let decisions: Awaited<ReturnType<typeof a.hit>>[] = [];
    // The window is a fixed minute; if the run straddles a minute boundary, count again in the next.
    for (let attempt = 0; attempt < 2; attempt++) {
      const minute = Math.floor(Date.now() / 60_000);
      const caller = `k:caller-${attempt}`;
      decisions = [];
      for (let i = 0; i < 6; i++) {
        decisions.push(await (i % 2 === 0 ? a : b).hit(caller));
        const counters = await nodeA.commands.keys(`${prefix}rate:*:${caller}`);
        assert.ok(counters.length > 0);
        for (const counter of counters) {
          const ttl = await nodeA.commands.pttl(counter);
          assert.ok(ttl > 0 && ttl <= 61_000, `every hit leaves the window's counter with an expiry (pttl ${ttl} ms)`);
        }
      }
      if (Math.floor(Date.now() / 60_000) === minute) break;
    }
    assert.deepEqual(decisions.map((d) => d.allowed), [true, true, true, true, true, false], 'three hits on each node make six against one limit of five');
    assert.ok((decisions[5]?.retryAfterSeconds ?? 0) >= 1);
    assert.equal((await b.hit('k:other')).allowed, true, 'callers are counted apart');
  });

  test('connection slots are counted across nodes, and a dead node\'s leases lapse', async () => {
    const a = new RedisConnectionLimiter(nodeA, 300);
    const b = new RedisConnectionLimiter(nodeB, 300);
    try {
      const leases = [await a.acquire('contact:x', 3), await b.acquire('contact:x', 3), await a.acquire('contact:x', 3)];
      assert.ok(leases.every(Boolean));
      assert.equal(await b.acquire('contact:x', 3), undefined, 'the fourth slot is refused on either node');
      leases[1]?.release();
      const again = await b.acquire('contact:x', 3);
      assert.ok(again, 'a released slot is free at once');
      // Node A dies: it stops renewing and never releases.
      a.close();
      let count = await b.count('contact:x');
      for (let i = 0; i < 100 && count > 1; i++) {
        await new Promise((r) => setTimeout(r, 20));
        count = await b.count('contact:x');
      }
      assert.equal(count, 1, "only node B's live lease remains");
      again?.release();
    } finally {
      a.close();
      b.close();
    }
  });
});
