// Rate limits counted in Redis (a private redis-server) while Redis goes away and comes back: the
// counts hold while it answers, requests go through (not refused, not failed) while it cannot be
// reached, and counting resumes by itself once it is back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startServer, type TestServer } from '../helpers/server.js';

describe('scaled mode: rate limits through a Redis outage', () => {
  let redis: RedisServer;
  let s: TestServer;

  before(async () => {
    redis = await startRedisServer();
    s = await startServer({ redisUrl: redis.url, redisKeyPrefix: 'outage:', rateLimitPerMinute: 2, authFailuresPerMinute: 1 });
  });
  after(async () => {
    await s?.close();
    await redis?.stop();
  });

  const status = (headers: Record<string, string> = {}) => fetch(`${s.url}/openapi.json`, { headers }).then((r) => r.status);
  const guess = () => fetch(`${s.url}/credits`, { headers: { 'capout-api-key': 'capout_test_madeup' } }).then((r) => r.status);

  test('counted in Redis, let through while it is away, counted again once it is back', async () => {
    assert.deepEqual([await status(), await status(), await status()], [200, 200, 429]);
    assert.deepEqual([await guess(), await guess()], [401, 429]);
    const probe = new Redis(redis.url);
    const counters = await probe.keys('outage:rate:*');
    probe.disconnect();
    assert.equal(counters.length, 2, counters.join(' '));

    await redis.stop();
    assert.deepEqual([await status(), await status(), await status()], [200, 200, 200], 'requests go through');
    assert.deepEqual([await guess(), await guess()], [401, 401], 'and credentials are checked, not refused');

    await redis.start();
    let back = 0;
    for (let i = 0; i < 200 && back !== 429; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 25));
      back = await status();
    }
    assert.equal(back, 429, 'the empty Redis counts again from zero, and the limit holds');
  });

  test('a frozen Redis (connections open, nothing answered) holds no request: they go through, and /readyz names Redis', async () => {
    redis.freeze();
    try {
      // Before commands timed out, every counted request waited for as long as Redis stayed frozen.
      const answered = await fetch(`${s.url}/openapi.json`, { signal: AbortSignal.timeout(10_000) });
      assert.equal(answered.status, 200);
      await answered.arrayBuffer();
      const ready = await fetch(`${s.url}/readyz`, { signal: AbortSignal.timeout(10_000) });
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), { error: 'Redis is not reachable', code: 'unavailable' });
    } finally {
      redis.thaw();
    }
  });
});
