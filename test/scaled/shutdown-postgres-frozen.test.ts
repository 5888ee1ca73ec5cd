// SIGTERM while PostgreSQL has stopped answering without closing anything (a stopped server, a
// partition that drops packets; simulated by a proxy that stops forwarding): the real `capstan serve`
// process still exits, once the shutdown grace and then the bound on closing its connections have
// passed, instead of waiting for the database to come back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFreezableProxy, type FreezableProxy } from '../helpers/freezable-proxy.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { ServeProcess } from '../helpers/serve-process.js';
import { ADMIN_TOKEN, tempDir } from '../helpers/server.js';

/** Far past the bounds configured here (a 1-s grace, then 2 s for the connections): firing means it hung. */
const HANG_MS = 30_000;

describe('SIGTERM while PostgreSQL does not answer', () => {
  let db: TestDatabase;
  let proxy: FreezableProxy;
  let node: ServeProcess | undefined;

  before(async () => {
    db = await createTestDatabase();
    const direct = new URL(db.url);
    proxy = await startFreezableProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  });
  after(async () => {
    node?.child.kill('SIGKILL');
    proxy?.thaw();
    await proxy?.close();
    await db?.drop();
  });

  test('the node exits 0 within its bounds, saying what it left unclosed', async () => {
    const proxied = new URL(db.url);
    proxied.host = `127.0.0.1:${proxy.port}`;
    node = ServeProcess.start(tempDir('frozen-pg-'), ADMIN_TOKEN, {
      CAPSTAN_DATABASE_URL: proxied.toString(),
      CAPSTAN_SHARED_DATA_DIR: 'true',
      CAPSTAN_SHUTDOWN_GRACE_MS: '1000',
      CAPSTAN_DATABASE_QUERY_TIMEOUT_MS: '1500',
    });
    const url = await node.url();
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    proxy.freeze();
    node.child.kill('SIGTERM');
    const code = await Promise.race([node.exited, new Promise<'hung'>((resolve) => setTimeout(resolve, HANG_MS, 'hung').unref())]);
    assert.equal(code, 0, `exit: ${String(code)}; last log lines: ${node.stdout.split('\n').slice(-5).join('\n')}`);
    assert.ok(node.logs().some((l) => l.msg === 'storage or Redis did not close in time (not answering?): exiting without them'));
  });
});
