// A node whose event loop is held up longer than the Redis command bound, while Redis answers at once:
// the replies that arrived meanwhile count. Before, the bound's timer ran first, so the node took a
// healthy Redis for away, dropped both connections and refused streams with 503 for a second or two.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { createLogger, type Logger } from '../../src/http/index.js';
import { connectRedis } from '../../src/redis/connect.js';

/** Holds the event loop, as a busy node's long pass does. */
function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // spinning
  }
}

test('a reply that arrived while the event loop was busy past the bound is taken, and Redis is not counted away', { timeout: 30_000 }, async () => {
  const warnings: string[] = [];
  const logger = createLogger('silent');
  const watched = new Proxy(logger, {
    get(target, key, receiver) {
      if (key === 'warn') return (_fields: unknown, msg: string) => warnings.push(msg);
      return Reflect.get(target, key, receiver) as unknown;
    },
  }) as Logger;
  const redis = await connectRedis('redis://127.0.0.1:6379', `busy-${randomUUID()}:`, watched);
  try {
    for (let round = 0; round < 3; round++) {
      const key = `${redis.prefix}k${round}`;
      const replies = Promise.all([redis.commands.set(key, 'v', 'EX', 60), redis.commands.get(key), redis.commands.ping()]);
      // Well past the 500-ms bound; Redis on loopback answers within it.
      busy(1_200);
      assert.deepEqual(await replies, ['OK', 'v', 'PONG']);
      assert.equal(redis.commands.status, 'ready');
    }
    assert.deepEqual(warnings, [], 'no outage was reported');
    assert.equal(await redis.commands.del(`${redis.prefix}k0`, `${redis.prefix}k1`, `${redis.prefix}k2`), 3);
  } finally {
    await redis.close();
  }
});
