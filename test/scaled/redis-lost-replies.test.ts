// Redis replies lost on the way (a proxy that drops every byte for a while, closing nothing, as a
// partition that loses packets does): once bytes flow again the node answers again by itself, its
// commands and its subscriptions both, without a restart.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/http/index.js';
import { connectRedis } from '../../src/redis/connect.js';
import { startFreezableProxy, type FreezableProxy } from '../helpers/freezable-proxy.js';
import { makeHub } from '../helpers/hub.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Calls `read` every 100 ms until it returns `want` or `timeoutMs` passes; returns the last value. */
async function poll<T>(read: () => Promise<T>, want: T, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  let value = await read();
  while (value !== want && Date.now() < end) {
    await sleep(100);
    value = await read();
  }
  return value;
}

describe('scaled mode: Redis replies lost, then bytes flow again', () => {
  let redis: RedisServer;
  let proxy: FreezableProxy;

  before(async () => {
    redis = await startRedisServer();
    proxy = await startFreezableProxy({ host: '127.0.0.1', port: redis.port });
  });
  after(async () => {
    await proxy?.close();
    await redis?.stop();
  });

  test('the node is ready again and opens streams within seconds, not only after a restart', { timeout: 60_000 }, async () => {
    const s: TestServer = await startServer({ redisUrl: `redis://127.0.0.1:${proxy.port}`, redisKeyPrefix: 'lost:' });
    try {
      const ready = () => fetch(`${s.url}/readyz`).then((r) => r.status);
      const hub = await makeHub(s);
      const member = await hub.member();
      assert.equal(await ready(), 200);

      proxy.drop();
      assert.equal(await ready(), 503, 'its PING goes unanswered');
      assert.equal(await ready(), 503);
      proxy.thaw();

      // Before, every later reply was matched to an earlier command: /readyz answered 503 for good.
      assert.equal(await poll(ready, 200, 10_000), 200, '/readyz is 200 again');
      // Within seconds too: on a loaded machine one slot command may still pass its 500-ms bound (a 503).
      let body = '';
      const opened = await poll(async () => {
        const stream = await openSse(hub.streamUrl(), { token: member.token });
        body = stream.body;
        stream.close();
        return stream.status;
      }, 200, 10_000);
      assert.equal(opened, 200, body);
    } finally {
      await s.close();
    }
  });

  test('a subscription asked for while replies were lost is made once they flow again', { timeout: 60_000 }, async () => {
    const node = await connectRedis(`redis://127.0.0.1:${proxy.port}`, 'lost:', createLogger('silent'));
    const publisher = new Redis(redis.url);
    try {
      const received: string[] = [];
      node.subscriber.on('message', (channel: string) => received.push(channel));
      await node.subscriber.subscribe('lost:before');

      proxy.drop();
      // Lost on the way: before, ioredis waited for its answer forever and never subscribed.
      const during = node.subscriber.subscribe('lost:during').catch(() => undefined);
      await assert.rejects(node.commands.ping(), 'the commands connection notices');
      proxy.thaw();

      const subscribers = () => publisher.publish('lost:during', 'x');
      assert.equal(await poll(subscribers, 1, 10_000), 1, 'the channel asked for during the loss is subscribed');
      await poll(async () => received.includes('lost:during'), true, 5_000);
      assert.ok(received.includes('lost:during'), 'and its messages arrive');
      assert.equal(await publisher.publish('lost:before', 'x'), 1, 'the channel subscribed before is still subscribed');
      await during;
    } finally {
      publisher.disconnect();
      await node.close();
    }
  });
});
