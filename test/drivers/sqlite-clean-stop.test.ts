// A real server stopped with SIGTERM leaves its embedded database in the one file: no -wal or -shm
// beside capstan.db, which is out of WAL mode and holds what was written through the API. A server
// reads through a second, read-only connection (status and hub reads); that connection must let go
// of the file at the stop, or the file cannot leave WAL mode.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'libsql';
import { ServeProcess } from '../helpers/serve-process.js';
import { tempDir } from '../helpers/server.js';

const ADMIN_TOKEN = 'probe-admin-token-0123456789';
const dir = tempDir('capstan-clean-stop-');
after(() => rmSync(dir, { recursive: true, force: true }));

/** SQLite's header byte 18 is the file format's write version: 2 while the file is in WAL mode. */
const inWalMode = (path: string): boolean => readFileSync(path).subarray(18, 19)[0] === 2;

test('after SIGTERM only capstan.db remains, out of WAL mode, and it holds the data written', { timeout: 120_000 }, async () => {
  const server = ServeProcess.start(dir, ADMIN_TOKEN);
  let orgId: string;
  try {
    const url = await server.url();
    const created = await fetch(`${url}/admin/v1/orgs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Clean stop' }),
    });
    assert.equal(created.status, 201);
    const org = (await created.json()) as { id: string; api_key: string };
    orgId = org.id;
    // A status read runs on the read-only connection, as every status poll of a busy server does.
    const status = await fetch(`${url}/status/doc_missing`, { headers: { 'capout-api-key': org.api_key } });
    assert.equal(status.status, 404);
  } finally {
    assert.equal(await server.stop(), 0, server.stderr);
  }
  const path = join(dir, 'capstan.db');
  assert.equal(existsSync(`${path}-wal`), false, 'no WAL is left beside the database');
  assert.equal(existsSync(`${path}-shm`), false, 'no shared-memory file is left beside the database');
  assert.equal(inWalMode(path), false, 'the file is out of WAL mode');
  const copy = join(dir, 'copy.db');
  copyFileSync(path, copy);
  const alone = new Database(copy, { readonly: true });
  try {
    const row = alone.prepare('select name from orgs where id = ?').get([orgId]) as { name: string } | undefined;
    assert.equal(row?.name, 'Clean stop', 'the file alone holds the organization');
  } finally {
    alone.close();
  }
});
