// /readyz tells the truth about the file store: a data folder that can no longer take a file (a full
// or read-only disk) makes it 503 naming the file store, and it is ready again once files can be written.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';

let ts: TestServer;
before(async () => {
  ts = await startServer();
});
after(() => ts?.close());

test('/readyz is 503 while the file store cannot take a write, and ready again after', { timeout: 30_000 }, async () => {
  const ready = async () => {
    const res = await fetch(`${ts.url}/readyz`);
    return { status: res.status, body: (await res.json()) as unknown };
  };
  assert.deepEqual(await ready(), { status: 200, body: { status: 'ok' } });
  const tmp = join(ts.dataDir, 'blobs', 'tmp');
  rmSync(tmp, { recursive: true, force: true });
  writeFileSync(tmp, 'no file can be made in here');
  assert.deepEqual(await ready(), { status: 503, body: { error: 'The file store is not reachable or cannot take writes', code: 'unavailable' } });
  rmSync(tmp);
  mkdirSync(tmp);
  assert.deepEqual(await ready(), { status: 200, body: { status: 'ok' } });
});
