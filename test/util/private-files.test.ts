// The data directory and the SQLite files (which hold the generated token-signing secret) are this
// user's only after a first start, whatever the umask; and neither `capstan config` nor the logs ever
// show that secret.
import assert from 'node:assert/strict';
import { chmodSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { createServer } from '../../src/server/index.js';
import { ensurePrivateDir } from '../../src/util/private-files.js';
import { runCli } from '../helpers/cli.js';
import { ADMIN_TOKEN, tempDir } from '../helpers/server.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;
const cleanups: (() => Promise<void>)[] = [];
const dirs: string[] = [];
after(async () => {
  for (const c of cleanups) await c();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const scratch = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};

test('a first start under a permissive umask makes the data directory 0700 and the database, WAL and dev credentials 0600', async () => {
  const previous = process.umask(0o002);
  const dataDir = join(scratch(), 'fresh', 'data');
  try {
    const server = await createServer(loadConfig({ env: {}, overrides: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', devCredentials: true, adminToken: ADMIN_TOKEN } }));
    cleanups.push(() => server.close());
    const url = await server.listen();
    // A write, so the WAL and shared-memory files exist.
    assert.equal((await fetch(`${url}/admin/v1/orgs`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{"name":"modes"}' })).status, 201);
    assert.equal(modeOf(dataDir), 0o700, 'data directory');
    for (const file of ['capstan.db', 'capstan.db-wal', 'capstan.db-shm', 'dev-credentials.json']) assert.equal(modeOf(join(dataDir, file)), 0o600, file);
  } finally {
    process.umask(previous);
  }
});

test('an existing database file readable by others is made private on start', async () => {
  const dataDir = scratch();
  writeFileSync(join(dataDir, 'capstan.db'), '');
  chmodSync(join(dataDir, 'capstan.db'), 0o644);
  const server = await createServer(loadConfig({ env: {}, overrides: { port: 0, dataDir, logLevel: 'silent', devCredentials: false } }));
  cleanups.push(() => server.close());
  assert.equal(modeOf(join(dataDir, 'capstan.db')), 0o600);
});

test('the generated signing secret appears neither in the logs (at trace level) nor in `capstan config`', async () => {
  const dataDir = scratch();
  let logged = '';
  const logger = pino({ level: 'trace' }, new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged += chunk.toString();
      done();
    },
  }));
  const config = loadConfig({ env: {}, overrides: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'trace', devCredentials: true, adminToken: ADMIN_TOKEN } });
  const server = await createServer(config, { logger });
  const url = await server.listen();
  const secret = await server.ctx.storage.settings.get('token_secret');
  assert.ok(secret && secret.length >= 32);
  await fetch(`${url}/admin/v1/orgs`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{"name":"logs"}' });
  await fetch(`${url}/status/nope`);
  await server.close();
  assert.ok(logged.length > 0, 'something was logged');
  assert.ok(!logged.includes(secret), 'the secret is not in the logs');
  const printed = await runCli(['config'], { CAPSTAN_DATA_DIR: dataDir });
  assert.equal(printed.code, 0, printed.stderr);
  assert.ok(!printed.stdout.includes(secret) && !printed.stderr.includes(secret), 'the secret is not in capstan config');
});

test('a data directory that cannot be made is an error naming it, at once: never a hang', () => {
  // Node's recursive mkdir retries for ever under /proc (each level answers ENOENT); a file in the way answers ENOTDIR.
  const dir = tempDir('capstan-private-');
  writeFileSync(join(dir, 'a-file'), '');
  for (const path of ['/proc/capstan-nope/data', join(dir, 'a-file', 'data')]) {
    assert.throws(() => ensurePrivateDir(path), (e: unknown) => e instanceof Error && e.message.startsWith('cannot create the directory '), path);
  }
  // The error's path is the one at fault, for the start's message: the file in the way, not the folder asked for.
  assert.throws(() => ensurePrivateDir(join(dir, 'a-file', 'data')), (e: unknown) => (e as NodeJS.ErrnoException).path === join(dir, 'a-file'));
  ensurePrivateDir(join(dir, 'new', 'nested'));
  assert.equal(statSync(join(dir, 'new', 'nested')).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, 'new')).mode & 0o777, 0o700);
  rmSync(dir, { recursive: true, force: true });
});
