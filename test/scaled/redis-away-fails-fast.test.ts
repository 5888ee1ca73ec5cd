// A Redis that answers nothing (a proxy that drops every byte, closing nothing) costs a request at most
// one command timeout: once one command has waited in vain, later ones fail at once (requests go
// through uncounted) until Redis answers again, and then counting resumes by itself.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFreezableProxy, type FreezableProxy } from '../helpers/freezable-proxy.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** Rate-limit checks sent to Redis (the counter is a Lua script, sent as EVALSHA or EVAL). */
const scriptCalls = (sent: string) => sent.match(/\r\neval(sha)?\r\n/gi)?.length ?? 0;

describe('scaled mode: requests while Redis answers nothing', () => {
  let redis: RedisServer;
  let proxy: FreezableProxy;
  let s: TestServer;

  before(async () => {
    redis = await startRedisServer();
    proxy = await startFreezableProxy({ host: '127.0.0.1', port: redis.port });
    s = await startServer({ redisUrl: `redis://127.0.0.1:${proxy.port}`, redisKeyPrefix: 'away:', rateLimitPerMinute: 3 });
  });
  after(async () => {
    await s?.close();
    await proxy?.close();
    await redis?.stop();
  });

  const status = (path = '/openapi.json') => fetch(s.url + path).then(async (r) => (await r.arrayBuffer(), r.status));

  test('one command waits for it, the rest fail at once, and counting resumes once it answers', { timeout: 60_000 }, async () => {
    proxy.drop();
    const during = [];
    for (let i = 0; i < 5; i++) during.push(await status());
    assert.deepEqual(during, [200, 200, 200, 200, 200], 'requests go through');
    // Before, each of them sent its count and waited the full timeout for an answer that never came.
    assert.equal(scriptCalls(proxy.dropped()), 1, 'only the first request waited on Redis');
    assert.equal(await status('/readyz'), 503);

    proxy.thaw();
    let ready = 503;
    for (let i = 0; i < 100 && ready !== 200; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      ready = await status('/readyz');
    }
    assert.equal(ready, 200, 'ready again once Redis answers');
    assert.deepEqual([await status(), await status(), await status(), await status()], [200, 200, 200, 429], 'and requests are counted again');
  });
});
