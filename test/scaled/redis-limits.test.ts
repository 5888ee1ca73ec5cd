// Cluster-wide limits counted in the machine's Redis (a fresh key prefix per run): two limiter
// instances stand for two nodes. Rate-limit counters expire with their window; connection leases of
// a node that dies lapse instead of leaking.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../src/http/index.js';
import { RedisConnectionLimiter } from '../../src/realtime/index.js';
import { connectRedis, type RedisConnections } from '../../src/redis/connect.js';
import { randomToken } from '../../src/util/ids.js';
import { admitted, redisRequestLimiter } from '../helpers/rate-limits.js';

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

  test('request rate limits are shared by every node, and every counter expires with its window', async () => {
    const a = await redisRequestLimiter(nodeA, 5, 3);
    const b = await redisRequestLimiter(nodeB, 5, 3);
    try {
      const decisions: boolean[] = [];
      for (let i = 0; i < 6; i++) decisions.push(await admitted(i % 2 === 0 ? a : b, '10.0.0.1', ['caller-1']));
      assert.deepEqual(decisions, [true, true, true, true, true, false], 'three requests on each node make six against one limit of five');
      assert.equal(await admitted(b, '10.0.0.1', ['caller-2']), true, 'callers are counted apart, whatever their address');
      assert.equal(await admitted(b, '10.0.0.1'), true, 'so is the address itself');

      const failures = [];
      for (let i = 0; i < 4; i++) failures.push(await admitted(i % 2 === 0 ? a : b, '10.0.0.2', [`bad-${i}`]));
      assert.deepEqual(failures, [true, true, true, false], 'failed authentications from one address add up across nodes');
      assert.equal(await admitted(a, '10.0.0.2', ['caller-3']), false, 'once spent, even a good credential from that address waits');
      assert.equal(await admitted(a, '10.0.0.3', ['bad-x']), true, 'another address has its own failure budget');

      const counters = await nodeA.commands.keys(`${prefix}rate:*`);
      assert.ok(counters.length >= 5, counters.join(' '));
      for (const counter of counters) {
        const ttl = await nodeA.commands.pttl(counter);
        assert.ok(ttl > 0 && ttl <= 60_000, `${counter} expires with its window (pttl ${ttl} ms)`);
      }
      assert.ok(!counters.some((k) => k.includes('bad-')), 'no counter is named after a credential that failed');
    } finally {
      await a.close();
      await b.close();
    }
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
