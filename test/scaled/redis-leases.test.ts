// Connection leases in Redis over time: two limiter instances on their own connections stand for two
// nodes. Slot sets keep their expiry while connections stay open for many lease periods, a dead node's
// slots free up within one period, and after a Redis restart (a private redis-server) the live leases
// are back in Redis as soon as the nodes reconnect, and no slot is handed out before they are (nor
// after Redis lost them with no restart, until every node has renewed).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger, isAppError } from '../../src/http/index.js';
import { RedisConnectionLimiter, type ConnectionLease } from '../../src/realtime/index.js';
import { connectRedis, type RedisConnections } from '../../src/redis/connect.js';
import { randomToken } from '../../src/util/ids.js';
import { admitted, redisRequestLimiter } from '../helpers/rate-limits.js';
import { startFreezableProxy } from '../helpers/freezable-proxy.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

const logger = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` until `done` holds or `timeoutMs` passes; returns the last value read. */
async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(20);
    value = await read();
  }
  return value;
}

async function acquireAll(limiter: RedisConnectionLimiter, key: string, max: number, n: number): Promise<ConnectionLease[]> {
  const leases: ConnectionLease[] = [];
  for (let i = 0; i < n; i++) {
    const lease = await limiter.acquire(key, max);
    assert.ok(lease, `slot ${i + 1} of ${max} is free`);
    leases.push(lease);
  }
  return leases;
}

describe('connection leases in Redis', () => {
  const prefix = `capstan_test_${randomToken(8)}:`;
  let nodeA: RedisConnections;
  let nodeB: RedisConnections;

  before(async () => {
    nodeA = await connectRedis('redis://127.0.0.1:6379', prefix, logger);
    nodeB = await connectRedis('redis://127.0.0.1:6379', prefix, logger);
  });
  after(async () => {
    const keys = await nodeB.commands.keys(`${prefix}*`);
    if (keys.length > 0) await nodeB.commands.del(...keys);
    await nodeA.close();
    await nodeB.close();
  });

  test('the cap holds while connections stay open for many lease periods', { timeout: 30_000 }, async () => {
    const leaseMs = 1200;
    const a = new RedisConnectionLimiter(nodeA, leaseMs);
    const b = new RedisConnectionLimiter(nodeB, leaseMs);
    const slots = `${prefix}conn:contact:hold`;
    try {
      const leases = [...(await acquireAll(a, 'contact:hold', 5, 3)), ...(await acquireAll(b, 'contact:hold', 5, 2))];
      const started = Date.now();
      for (let checks = 0; checks < 8 || Date.now() - started < 4.5 * leaseMs; checks++) {
        await sleep(leaseMs / 3);
        assert.equal(await (checks % 2 === 0 ? a : b).acquire('contact:hold', 5), undefined, `a 6th slot is refused after ${Date.now() - started} ms`);
        assert.equal(await a.count('contact:hold'), 5);
        const ttl = await nodeB.commands.pttl(slots);
        assert.ok(ttl > 0 && ttl <= leaseMs, `the slot set expires with its latest lease (pttl ${ttl} ms)`);
      }
      // The nodes started on a new cluster: its store counts as warm from the start.
      const [seconds, micros] = await nodeB.commands.time();
      const since = Number(await nodeB.commands.get(`${prefix}conn:up-since`));
      assert.ok(Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - since >= 2000, 'the up-since mark is set back by the warm-up');
      const lifetime = await nodeB.commands.pttl(`${prefix}conn:up-since`);
      assert.ok(lifetime > 0 && lifetime <= 10 * leaseMs, `the mark lapses once no node renews it (pttl ${lifetime} ms)`);
      for (const lease of leases) lease.release();
      // A release is sent without waiting for its answer, on its own node's connection; Redis runs
      // each connection's commands in order, so a PING answered on both means every release has run.
      await Promise.all([nodeA.commands.ping(), nodeB.commands.ping()]);
      assert.equal(await b.count('contact:hold'), 0, 'released slots are free at once');
      assert.equal(await nodeB.commands.exists(slots), 0, 'the emptied set is gone');
    } finally {
      a.close();
      b.close();
    }
  });

  test("a node that dies without releasing frees its slots within one lease period", { timeout: 30_000 }, async () => {
    const leaseMs = 1000;
    const doomed = await connectRedis('redis://127.0.0.1:6379', prefix, logger);
    const a = new RedisConnectionLimiter(doomed, leaseMs);
    const b = new RedisConnectionLimiter(nodeB, leaseMs);
    try {
      await acquireAll(a, 'contact:dies', 4, 3);
      const [survivor] = await acquireAll(b, 'contact:dies', 4, 1);
      assert.equal(await b.acquire('contact:dies', 4), undefined);
      // Keep the leases alive past a renewal, so what lapses below is a renewed lease.
      await sleep(leaseMs);
      assert.equal(await b.count('contact:dies'), 4);

      // Node A dies: its renewer stops and its connection drops, without releasing anything.
      a.close();
      await doomed.close();
      const died = Date.now();
      const count = await waitFor(() => b.count('contact:dies'), (n) => n === 1, 5 * leaseMs);
      const took = Date.now() - died;
      assert.equal(count, 1, "only node B's live lease remains");
      // One lease period, plus room for polling on a busy machine.
      assert.ok(took <= leaseMs + 500, `the dead node's slots were free ${took} ms after it died (lease ${leaseMs} ms)`);
      assert.ok(await b.acquire('contact:dies', 4), 'a freed slot can be taken');
      // Node B's renewals keep its own lease, and never revive the dead node's.
      await sleep(leaseMs);
      assert.equal(await b.count('contact:dies'), 2);
      survivor?.release();
    } finally {
      a.close();
      b.close();
    }
  });

  // Last in this group: it takes away the group's keys, the up-since mark included.
  test('Redis losing every set under open connections (FLUSHALL): no slot is handed out until every node has renewed', { timeout: 60_000 }, async () => {
    // Renewals every 5 s, longer than the 2-s warm-up a restart gets: nobody reconnects to notice.
    const a = new RedisConnectionLimiter(nodeA, 15_000);
    const b = new RedisConnectionLimiter(nodeB, 15_000);
    try {
      const leases = [...(await acquireAll(a, 'contact:flushed', 5, 3)), ...(await acquireAll(b, 'contact:flushed', 5, 2))];
      // This cluster's keys only: the test Redis is shared.
      await nodeA.commands.del(...(await nodeA.commands.keys(`${prefix}*`)));
      const tries: string[] = [];
      for (let i = 0; i < 3; i++) {
        try {
          const lease = await a.acquire('contact:flushed', 5);
          tries.push(lease ? 'taken' : 'full');
          lease?.release();
        } catch (e) {
          assert.ok(isAppError(e) && e.code === 'unavailable', String(e));
          tries.push('unavailable');
        }
      }
      assert.ok(!tries.includes('taken'), `no slot past the cap while the sets are counted again: ${tries.join(', ')}`);
      assert.equal(await waitFor(() => a.count('contact:flushed'), (n) => n === 5, 10_000), 5, 'every live lease is back');
      assert.equal(await b.acquire('contact:flushed', 5), undefined, 'the cap holds');
      for (const lease of leases) lease.release();
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('connection leases across a Redis restart', () => {
  const prefix = `capstan_test_${randomToken(8)}:`;
  let redis: RedisServer;
  let nodeA: RedisConnections;
  let nodeB: RedisConnections;

  before(async () => {
    redis = await startRedisServer();
    nodeA = await connectRedis(redis.url, prefix, logger);
    nodeB = await connectRedis(redis.url, prefix, logger);
  });
  after(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await redis?.stop();
  });

  test('live leases re-register when Redis is back, so the cap holds again', { timeout: 60_000 }, async () => {
    // A long lease: its periodic renewal (every 5 s) is not what brings the slots back.
    const leaseMs = 15_000;
    const a = new RedisConnectionLimiter(nodeA, leaseMs);
    const b = new RedisConnectionLimiter(nodeB, leaseMs);
    try {
      const leases = [...(await acquireAll(a, 'contact:r', 5, 3)), ...(await acquireAll(b, 'contact:r', 5, 2))];
      assert.equal(await a.acquire('contact:r', 5), undefined);

      await redis.kill();
      const down = await waitFor(async () => [nodeA.commands.status, nodeB.commands.status], (s) => s.every((x) => x !== 'ready'), 5000);
      assert.ok(down.every((x) => x !== 'ready'), 'both nodes see Redis go away');
      for (const limiter of [a, b]) {
        await assert.rejects(limiter.acquire('contact:r', 5), (e: unknown) => {
          assert.ok(isAppError(e));
          assert.equal(e.code, 'unavailable');
          assert.equal(e.status, 503);
          assert.ok(Number(e.headers['Retry-After']) >= 1, 'a 503 says when to retry');
          return true;
        });
      }
      const rate = await redisRequestLimiter(nodeA, 1, 1);
      const through = [await admitted(rate, '10.9.9.9'), await admitted(rate, '10.9.9.9'), await admitted(rate, '10.9.9.9', ['bad-key']), await admitted(rate, '10.9.9.9', ['bad-key'])];
      assert.deepEqual(through, [true, true, true, true], 'rate limits (the auth-failure one too) let requests through while Redis is away');
      await rate.close();

      await redis.start();
      const statuses = await waitFor(async () => [nodeA.commands.status, nodeB.commands.status], (s) => s.every((x) => x === 'ready'), 15_000);
      assert.deepEqual(statuses, ['ready', 'ready'], 'both nodes reconnect');
      const count = await waitFor(() => a.count('contact:r'), (n) => n === 5, 4000);
      assert.equal(count, 5, 'all five live leases are back in Redis');
      assert.equal(await a.acquire('contact:r', 5), undefined, 'a 6th slot is refused on node A');
      assert.equal(await b.acquire('contact:r', 5), undefined, 'and on node B');
      assert.ok((await nodeA.commands.pttl(`${prefix}conn:contact:r`)) > 0, 'the re-registered set has an expiry');

      leases[0]?.release();
      const again = await b.acquire('contact:r', 5);
      assert.ok(again, 'a re-registered lease frees its slot when released');
      again?.release();
      for (const lease of leases) lease.release();
      // release() does not wait for Redis; the slots must be gone soon after, not at once.
      assert.equal(await waitFor(() => a.count('contact:r'), (n) => n === 0, 4000), 0);
    } finally {
      a.close();
      b.close();
    }
  });

  test("no slot is handed out before every node's live leases are back", { timeout: 60_000 }, async () => {
    // Node B reaches Redis through a proxy held frozen across the restart, so it comes back late.
    const proxy = await startFreezableProxy({ host: '127.0.0.1', port: redis.port });
    const lateB = await connectRedis(`redis://127.0.0.1:${proxy.port}`, prefix, logger);
    const a = new RedisConnectionLimiter(nodeA, 15_000, 3000);
    const b = new RedisConnectionLimiter(lateB, 15_000, 3000);
    try {
      const leases = [...(await acquireAll(a, 'contact:late', 5, 3)), ...(await acquireAll(b, 'contact:late', 5, 2))];
      proxy.freeze();
      await redis.kill();
      await redis.start();
      const count = await waitFor(() => a.count('contact:late').catch(() => -1), (n) => n === 3, 15_000);
      assert.equal(count, 3, "node A is back and has re-registered its three leases; node B's two are missing");
      // Node B's connection gets through half a second later.
      const thawed = setTimeout(() => proxy.thaw(), 500);
      try {
        assert.equal(await a.acquire('contact:late', 5), undefined, 'a 6th slot is refused: it waited for node B');
      } finally {
        clearTimeout(thawed);
        proxy.thaw();
      }
      assert.equal(await a.count('contact:late'), 5, "node B's leases are back");
      leases[0]?.release();
      assert.ok(await waitFor(() => a.acquire('contact:late', 5), (got) => got !== undefined, 4000), 'a released slot can be taken once more');
    } finally {
      a.close();
      b.close();
      await lateB.close();
      await proxy.close();
    }
  });
});
