// `capstan serve` started while Redis or PostgreSQL cannot be reached (restarting, failing over, not up
// yet beside it): the real process waits for them within CAPSTAN_STARTUP_WAIT_MS, saying which one it
// waits for, and serves once they answer; past the wait it exits 1 naming the one it could not reach.
import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { freePort, startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { ServeProcess } from '../helpers/serve-process.js';
import { ADMIN_TOKEN, tempDir } from '../helpers/server.js';

/** A plain TCP forwarder on `port` to PostgreSQL: PostgreSQL "comes up" on that port when it starts. */
async function forwardTo(port: number, target: URL): Promise<Server> {
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    client.pipe(upstream).pipe(client);
    for (const s of [client, upstream]) s.on('error', () => { client.destroy(); upstream.destroy(); });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

describe('serve started while its database or Redis cannot be reached', () => {
  let db: TestDatabase;
  let redis: RedisServer;
  const nodes: ServeProcess[] = [];
  const forwarders: Server[] = [];
  const start = (env: Record<string, string>) => {
    const node = ServeProcess.start(tempDir('unreachable-'), ADMIN_TOKEN, { CAPSTAN_SHARED_DATA_DIR: 'true', CAPSTAN_DATABASE_CONNECT_TIMEOUT_MS: '1000', ...env });
    nodes.push(node);
    return node;
  };

  before(async () => {
    db = await createTestDatabase();
    redis = await startRedisServer();
  });
  after(async () => {
    for (const node of nodes) node.child.kill('SIGKILL');
    for (const f of forwarders) f.close();
    await redis?.stop();
    await db?.drop();
  });

  test('Redis down at start: the node waits, names Redis, and serves once Redis is up', async () => {
    await redis.stop();
    const node = start({ CAPSTAN_DATABASE_URL: db.url, CAPSTAN_REDIS_URL: redis.url, CAPSTAN_STARTUP_WAIT_MS: '60000' });
    const waiting = await node.log('a dependency cannot be reached yet: the start is tried again');
    assert.equal(waiting.dependency, 'redis');
    assert.match(String(waiting.err), new RegExp(`Redis at redis://127\\.0\\.0\\.1:${redis.port} is not reachable`));
    await redis.start();
    const url = await node.url();
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
  });

  test('PostgreSQL down at start: the node waits, names storage, and serves once it answers', async () => {
    const port = await freePort();
    const proxied = new URL(db.url);
    proxied.host = `127.0.0.1:${port}`;
    const node = start({ CAPSTAN_DATABASE_URL: proxied.toString(), CAPSTAN_REDIS_URL: redis.url, CAPSTAN_STARTUP_WAIT_MS: '60000' });
    assert.equal((await node.log('a dependency cannot be reached yet: the start is tried again')).dependency, 'storage');
    forwarders.push(await forwardTo(port, new URL(db.url)));
    const url = await node.url();
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
  });

  test('past CAPSTAN_STARTUP_WAIT_MS the node exits 1 with one line naming what it could not reach; 0 does not wait', async () => {
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    for (const wait of ['6000', '0']) {
      const node = start({ CAPSTAN_DATABASE_URL: db.url, CAPSTAN_REDIS_URL: deadRedis, CAPSTAN_STARTUP_WAIT_MS: wait });
      assert.equal(await node.exited, 1);
      assert.match(node.stderr, new RegExp(`^capstan: Redis at ${deadRedis.replace(/[.]/g, '\\.')} is not reachable`, 'm'));
      const retries = node.logs().filter((l) => l.msg === 'a dependency cannot be reached yet: the start is tried again').length;
      if (wait === '0') assert.equal(retries, 0);
      else assert.ok(retries >= 1);
    }
    // PostgreSQL too: the line names the database and where it is, never its password.
    const deadDb = new URL(db.url);
    deadDb.host = `127.0.0.1:${await freePort()}`;
    const node = start({ CAPSTAN_DATABASE_URL: deadDb.toString(), CAPSTAN_REDIS_URL: redis.url, CAPSTAN_STARTUP_WAIT_MS: '0' });
    assert.equal(await node.exited, 1);
    assert.match(node.stderr, new RegExp(`^capstan: the database \\(PostgreSQL at ${deadDb.host.replace(/[.]/g, '\\.')}${deadDb.pathname}\\) cannot be reached: `, 'm'));
    if (deadDb.password) assert.ok(!node.stderr.includes(deadDb.password));
  });
});
