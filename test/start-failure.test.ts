// A start that fails on what a setting names is told as one line naming that setting (exit 2 in the
// CLI), never with a password; a full local disk stops the start instead of being waited on.
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { explainStartFailure, listenRefusal } from '../src/cli/start-failure.js';
import { ConfigError, loadConfig } from '../src/config/index.js';
import { unreachable } from '../src/server/start-when-reachable.js';

const failure = (message: string, fields: Record<string, unknown>): Error => Object.assign(new Error(message), fields);

test('a bind refused on the port or the host names PORT and CAPSTAN_HOST', () => {
  const inUse = listenRefusal('127.0.0.1', 47610, failure('listen EADDRINUSE: address already in use 127.0.0.1:47610', { code: 'EADDRINUSE', syscall: 'listen' }));
  assert.ok(inUse instanceof ConfigError);
  assert.match(inUse.message, /^PORT 47610 on CAPSTAN_HOST 127\.0\.0\.1 is already in use/);
  assert.match(listenRefusal('0.0.0.0', 80, failure('listen EACCES', { code: 'EACCES', syscall: 'listen' }))?.message ?? '', /^PORT 80 .*below 1024/);
  assert.match(listenRefusal('fe80::1', 8000, failure('listen EINVAL', { code: 'EINVAL', syscall: 'listen' }))?.message ?? '', /^invalid CAPSTAN_HOST "fe80::1": .*fe80::1%eth0/);
  assert.equal(listenRefusal('127.0.0.1', 8000, failure('boom', { code: 'EMFILE', syscall: 'listen' })), undefined);
});

test('PostgreSQL refusing the database or the login names CAPSTAN_DATABASE_URL and its host, never the password', async () => {
  const config = loadConfig({ env: { CAPSTAN_DATABASE_URL: 'postgres://capstan:pw-never-shown@db.internal:5433/capstan' } });
  const cases: [Error, RegExp][] = [
    [failure('database "capstan" does not exist', { code: '3D000' }), /does not exist/],
    [failure('password authentication failed for user "capstan"', { code: '28P01' }), /password authentication failed/],
    [failure('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string', {}), /asks for a password and the URL gives none/],
  ];
  for (const [e, reason] of cases) {
    const explained = await explainStartFailure(config, e);
    assert.ok(explained instanceof ConfigError, e.message);
    assert.match(explained.message, /^invalid CAPSTAN_DATABASE_URL \(PostgreSQL at db\.internal:5433\/capstan\): /);
    assert.match(explained.message, reason);
    assert.ok(!explained.message.includes('pw-never-shown'));
  }
  assert.equal(await explainStartFailure(config, failure('relation "x" does not exist', { code: '42P01' })), undefined, 'a bug is shown as it is');
});

test('a data directory that is a file, read-only or not ours, and a file that is no database, name CAPSTAN_DATA_DIR and the path', async () => {
  const config = loadConfig({ env: { CAPSTAN_DATA_DIR: '/srv/capstan' } });
  const db = resolve('/srv/capstan/capstan.db');
  for (const [code, reason] of [['ENOTDIR', /a file stands where a directory must be/], ['EROFS', /read-only file system/], ['EACCES', /permission denied/]] as const) {
    const explained = await explainStartFailure(config, failure(`${code}: open '${db}'`, { code, syscall: 'open', path: db }));
    assert.ok(explained instanceof ConfigError, code);
    assert.match(explained.message, /^invalid CAPSTAN_DATA_DIR "\/srv\/capstan": /);
    assert.match(explained.message, reason);
    assert.ok(explained.message.includes(db));
  }
  const notADatabase = await explainStartFailure(config, failure('file is not a database', { code: 'SQLITE_NOTADB' }));
  assert.ok(notADatabase instanceof ConfigError);
  assert.match(notADatabase.message, new RegExp(`CAPSTAN_DATA_DIR.*${db.replaceAll('/', '\\/').replaceAll('.', '\\.')} is not an SQLite database`));
  const damaged = await explainStartFailure(config, failure('database disk image is malformed', { code: 'SQLITE_CORRUPT' }));
  assert.ok(damaged instanceof ConfigError);
  assert.match(damaged.message, new RegExp(`CAPSTAN_DATA_DIR.*${db.replaceAll('/', '\\/').replaceAll('.', '\\.')} is damaged \\(database disk image is malformed\\): .*backup`));
  const parentIsAFile = await explainStartFailure(loadConfig({ env: { CAPSTAN_DATA_DIR: '/srv/capstan/data' } }), failure('cannot create the directory /srv/capstan: EEXIST', { code: 'EEXIST', path: '/srv/capstan' }));
  assert.equal(parentIsAFile?.message, 'invalid CAPSTAN_DATA_DIR "/srv/capstan/data": a file stands where a directory must be (/srv/capstan)', 'a file in the way above the data directory is named');
  assert.equal(await explainStartFailure(config, failure(`EACCES: open '${join('/etc', 'rules.json')}'`, { code: 'EACCES', syscall: 'open', path: '/etc/rules.json' })), undefined, 'a file elsewhere is not the data directory');
});

test('a full local disk stops the start with a line saying so, instead of being retried as an outage', async () => {
  const full = failure('database or disk is full', { code: 'SQLITE_FULL' });
  assert.equal(unreachable(full), undefined);
  assert.equal(unreachable(failure('connect ECONNREFUSED', { code: 'ECONNREFUSED' })), 'storage', 'an outage is still waited for');
  const explained = await explainStartFailure(loadConfig({ env: { CAPSTAN_DATA_DIR: '/srv/capstan' } }), full);
  assert.ok(explained !== undefined && !(explained instanceof ConfigError), 'not a setting: exit 1');
  assert.match(explained.message, /disk holding .*capstan\.db is full/);
});
