// The real `capstan` CLI in child processes: config (masked) and configuration errors (exit 2, one line).
// (Apart from cli.test.ts: each file has the runner's two-minute bound, and together they take longer
// on a busy machine.)
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { openStorage } from '../src/storage/index.js';
import { runCli } from './helpers/cli.js';
import { assertConfigError, dataDir, json } from './helpers/cli-results.js';

describe('capstan config and configuration errors', () => {
  test('prints the resolved configuration as JSON with secrets masked', async () => {
    const dir = dataDir();
    const res = await runCli(['config', '--port', '9100'], {
      CAPSTAN_DATA_DIR: dir,
      CAPSTAN_ADMIN_TOKEN: 'cli-admin-secret',
      CAPSTAN_TOKEN_SECRET: 'cli-token-secret-0123456789-0123456789',
      CAPSTAN_DATABASE_URL: 'postgres://capstan:cli-db-password@db.internal:5432/capstan',
      CAPSTAN_REDIS_URL: 'redis://:cli-redis-password@cache.internal:6379',
      CAPSTAN_SHARED_DATA_DIR: 'true',
    });
    const config = json(res);
    assert.equal(config.port, 9100, 'flags apply');
    assert.equal(config.dataDir, dir);
    assert.equal(config.adminToken, '***');
    assert.equal(config.tokenSecret, '***');
    assert.equal(config.databaseUrl, 'postgres://capstan:***@db.internal:5432/capstan');
    for (const secret of ['cli-admin-secret', 'cli-token-secret', 'cli-db-password', 'cli-redis-password']) {
      assert.ok(!res.stdout.includes(secret), `${secret} is masked`);
    }
  });

  test('an invalid PORT exits 2 with one line naming PORT, before anything starts', async () => {
    const dir = dataDir();
    assertConfigError(await runCli(['serve'], { CAPSTAN_DATA_DIR: dir, PORT: 'not-a-port' }), /PORT/);
    assert.deepEqual(readdirSync(dir), [], 'nothing was created');
  });

  test('config refuses what serve refuses, so that it checks a deployment: an admin token a header cannot carry, scaled mode without a shared store', async () => {
    const dir = dataDir();
    assertConfigError(await runCli(['config'], { CAPSTAN_DATA_DIR: dir, CAPSTAN_ADMIN_TOKEN: 'a b c d e f g h i j' }), /CAPSTAN_ADMIN_TOKEN/);
    assertConfigError(await runCli(['config'], { CAPSTAN_DATA_DIR: dir, CAPSTAN_DATABASE_URL: 'postgres://db.internal/capstan' }), /CAPSTAN_S3_BUCKET/);
    // And what the settings point at: a host to bind, the programs and files they name. Nothing is made.
    assertConfigError(await runCli(['config'], { CAPSTAN_DATA_DIR: dir, CAPSTAN_HOST: 'no-such-host.invalid' }), /CAPSTAN_HOST/);
    assertConfigError(await runCli(['config'], { CAPSTAN_DATA_DIR: dir, CAPSTAN_FFMPEG_PATH: join(dir, 'no-ffmpeg') }), /CAPSTAN_FFMPEG_PATH/);
    assert.deepEqual(readdirSync(dir), [], 'nothing was created');
  });

  test('a host that does not resolve, or an address this machine does not have, exits 2 naming CAPSTAN_HOST', { timeout: 120_000 }, async () => {
    for (const [host, reason] of [['no-such-host.invalid', /does not resolve/], ['192.0.2.1', /no interface/]] as const) {
      const dir = dataDir();
      const result = await runCli(['serve'], { CAPSTAN_DATA_DIR: dir, PORT: '0', CAPSTAN_HOST: host });
      assertConfigError(result, /CAPSTAN_HOST/);
      assert.match(result.stderr, reason);
      assert.deepEqual(readdirSync(dir), [], 'nothing was created: no database, no demo credentials');
    }
  });

  test('a config file with a wrong type exits 2 naming the option', async () => {
    const dir = dataDir();
    const file = join(dir, 'capstan.json');
    writeFileSync(file, JSON.stringify({ port: 8080, rateLimitPerMinute: 'lots' }));
    assertConfigError(await runCli(['config', '--config', file], { CAPSTAN_DATA_DIR: dir }), /CAPSTAN_RATE_LIMIT_PER_MINUTE/);
  });

  test('a bad rules file, transcriber setting or ffmpeg exits 2 with one line naming it, before a database is made', async () => {
    const files = dataDir();
    const write = (name: string, text: string) => {
      writeFileSync(join(files, name), text);
      return join(files, name);
    };
    const cases: [Record<string, string>, RegExp][] = [
      [{ CAPSTAN_DOCUMENT_RULES_FILE: join(files, 'missing.json') }, /^capstan: invalid CAPSTAN_DOCUMENT_RULES_FILE: .*missing\.json.*cannot read/],
      [{ CAPSTAN_DOCUMENT_RULES_FILE: write('doc-bad.json', '{"trades": 3, "colour": "blue"}') }, /^capstan: invalid CAPSTAN_DOCUMENT_RULES_FILE: .*colour.*; .*trades/],
      [{ CAPSTAN_ORGANIZER_RULES_FILE: join(files, 'missing.json') }, /^capstan: invalid CAPSTAN_ORGANIZER_RULES_FILE: /],
      [{ CAPSTAN_ORGANIZER_RULES_FILE: write('org-bad.json', '{"rules": [{"folder": "../up"}]}') }, /^capstan: invalid CAPSTAN_ORGANIZER_RULES_FILE: .*folder/],
      [{ CAPSTAN_TRANSCRIBER: 'command', CAPSTAN_TRANSCRIBER_COMMAND: '/bin/true', CAPSTAN_TRANSCRIBER_ARGS: '--model base' }, /^capstan: invalid CAPSTAN_TRANSCRIBER_ARGS/],
      [{ CAPSTAN_TRANSCRIBER: 'command' }, /CAPSTAN_TRANSCRIBER_COMMAND/],
      [{ CAPSTAN_TRANSCRIBER: 'command', CAPSTAN_TRANSCRIBER_COMMAND: join(files, 'whisper') }, /^capstan: invalid CAPSTAN_TRANSCRIBER_COMMAND: .*whisper is not an executable file/],
      [{ CAPSTAN_FFMPEG_PATH: join(files, 'ffmpeg') }, /^capstan: invalid CAPSTAN_FFMPEG_PATH: .*ffmpeg is not an executable file$/m],
      [{ CAPSTAN_FFMPEG_PATH: 'no-such-ffmpeg' }, /^capstan: invalid CAPSTAN_FFMPEG_PATH: no-such-ffmpeg is not an executable file on PATH/],
      [{ CAPSTAN_FFMPEG_PATH: files }, /^capstan: invalid CAPSTAN_FFMPEG_PATH: .* is not an executable file/],
      [{ CAPSTAN_FFMPEG_PATH: write('not-a-program', 'text') }, /^capstan: invalid CAPSTAN_FFMPEG_PATH: .*not-a-program is not an executable file/],
    ];
    await Promise.all(cases.map(async ([env, message]) => {
      const dir = dataDir();
      assertConfigError(await runCli(['serve'], { CAPSTAN_DATA_DIR: dir, PORT: '0', ...env }), message);
      assert.deepEqual(readdirSync(dir), [], `nothing was created for ${JSON.stringify(env)}`);
    }));
  });

  test('a port already taken: serve exits 2 naming PORT and CAPSTAN_HOST, having made nothing: no database (so no node listed), no demo credentials', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const dir = dataDir();
      const port = String((taken.address() as AddressInfo).port);
      const result = await runCli(['serve'], { CAPSTAN_DATA_DIR: dir, PORT: port, CAPSTAN_HOST: '127.0.0.1', CAPSTAN_LOG_LEVEL: 'info' });
      assertConfigError({ ...result, stdout: '' }, new RegExp(`^capstan: PORT ${port} on CAPSTAN_HOST 127\\.0\\.0\\.1 is already in use`));
      assert.doesNotMatch(result.stdout + result.stderr, /workflow workers started|capstan listening/);
      // The port is tried first: no database (so no node row) and no demo credentials were made.
      assert.deepEqual(readdirSync(dir), [], 'nothing was created in the data directory');
      const unmade = join(dir, 'not-yet');
      assertConfigError(await runCli(['serve'], { CAPSTAN_DATA_DIR: unmade, PORT: port, CAPSTAN_HOST: '127.0.0.1' }), /is already in use/);
      assert.equal(existsSync(unmade), false, 'a data directory that did not exist is not made');
    } finally {
      taken.close();
    }
  });

  test('a start that fails on what a setting names exits 2 with one line naming it: a host the system will not bind, a data directory that is a file, a file that is no database', async () => {
    const dir = dataDir();
    assertConfigError(await runCli(['config'], { CAPSTAN_DATA_DIR: dir, CAPSTAN_HOST: 'fe80::1' }), /^capstan: invalid CAPSTAN_HOST "fe80::1": the system refuses to bind it/);
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    assertConfigError(await runCli(['serve'], { CAPSTAN_DATA_DIR: file, PORT: '0', CAPSTAN_HOST: '127.0.0.1', CAPSTAN_LOG_LEVEL: 'error' }), /^capstan: invalid CAPSTAN_DATA_DIR ".*a-file": a file stands where a directory must be \(.*a-file\)$/);
    const garbage = dataDir();
    writeFileSync(join(garbage, 'capstan.db'), Buffer.alloc(8192, 7));
    assertConfigError(await runCli(['migrate'], { CAPSTAN_DATA_DIR: garbage }), /^capstan: invalid CAPSTAN_DATA_DIR .*capstan\.db is not an SQLite database/);
  });

  test('a file standing where a directory must be is named itself: a parent of the data directory, or its blobs folder', async () => {
    const dir = dataDir();
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const serve = (dataDirectory: string) => runCli(['serve'], { CAPSTAN_DATA_DIR: dataDirectory, PORT: '0', CAPSTAN_HOST: '127.0.0.1', CAPSTAN_LOG_LEVEL: 'error' });
    const escaped = (path: string) => path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const withBlobsFile = dataDir();
    writeFileSync(join(withBlobsFile, 'blobs'), '');
    const [underAFile, blobsAFile] = await Promise.all([serve(join(file, 'data')), serve(withBlobsFile)]);
    assertConfigError(underAFile, new RegExp(`^capstan: invalid CAPSTAN_DATA_DIR ".*a-file/data": a file stands where a directory must be \\(${escaped(file)}\\)$`));
    assertConfigError(blobsAFile, new RegExp(`^capstan: invalid CAPSTAN_DATA_DIR ".*": a file stands where a directory must be \\(${escaped(join(withBlobsFile, 'blobs'))}\\)$`));
    assert.deepEqual(readdirSync(withBlobsFile), ['blobs'], 'the start stopped before making the database');
  });

  test('a damaged database file (pages overwritten, or cut short) exits 2 naming it and what to do, and is left as it was', async () => {
    const source = dataDir();
    json(await runCli(['migrate'], { CAPSTAN_DATA_DIR: source }));
    const whole = readFileSync(join(source, 'capstan.db'));
    const pageSize = whole.readUInt16BE(16);
    const overwritten = Buffer.from(whole);
    overwritten.fill(0x5a, pageSize * 2);
    const damaged: [string, Buffer, string][] = [
      ['pages overwritten', overwritten, 'serve'],
      ['pages overwritten', overwritten, 'migrate'],
      ['cut short', whole.subarray(0, Math.floor(whole.length / 3)), 'serve'],
      ['cut inside the header', whole.subarray(0, 50), 'serve'],
    ];
    await Promise.all(damaged.map(async ([how, bytes, command]) => {
      const dir = dataDir();
      const db = join(dir, 'capstan.db');
      writeFileSync(db, bytes);
      const result = await runCli([command], { CAPSTAN_DATA_DIR: dir, PORT: '0', CAPSTAN_HOST: '127.0.0.1', CAPSTAN_LOG_LEVEL: 'error' });
      assertConfigError({ ...result, stdout: '' }, new RegExp(`^capstan: invalid CAPSTAN_DATA_DIR ".*": .*capstan\\.db is damaged \\(database disk image is malformed\\): .*backup \\(see "Backups and restore" in docs/reliability\\.md\\).*move it away`));
      assert.ok(readFileSync(db).equals(bytes), `${how}, ${command}: the damaged file is unchanged`);
    }));
    // A copy put back beside the log of the file it replaced: the message names the log.
    const restored = dataDir();
    writeFileSync(join(restored, 'capstan.db'), overwritten);
    writeFileSync(join(restored, 'capstan.db-wal'), '');
    const result = await runCli(['migrate'], { CAPSTAN_DATA_DIR: restored });
    assertConfigError({ ...result, stdout: '' }, /capstan\.db is damaged .*; if it was just put back from a backup, capstan\.db-wal beside it belongs to the file it replaced: stop every Capstan, move it away/);
  });

  test('a database migrated by a newer Capstan says so, exit 1', async () => {
    const dir = dataDir();
    json(await runCli(['migrate'], { CAPSTAN_DATA_DIR: dir }));
    const storage = openStorage(null, dir);
    try {
      await sql`insert into kysely_migration (name, timestamp) values ('9999-future', '2030-01-01T00:00:00.000Z')`.execute(storage.db);
    } finally {
      await storage.close();
    }
    const result = await runCli(['migrate'], { CAPSTAN_DATA_DIR: dir });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^capstan: the database was migrated by a newer version of Capstan \(its migration 9999-future is unknown to this one\)/);
    assert.match(result.stderr, /restore a backup taken before the upgrade \(see "Backups and restore" in docs\/reliability\.md\)$/m);
  });

  test('a PostgreSQL database that does not exist names CAPSTAN_DATABASE_URL and its host, not the password', async () => {
    const url = new URL(process.env.CAPSTAN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
    url.password = 'pw-never-shown';
    url.pathname = '/capstan_no_such_database';
    const result = await runCli(['migrate'], { CAPSTAN_DATA_DIR: dataDir(), CAPSTAN_DATABASE_URL: url.toString(), CAPSTAN_STARTUP_WAIT_MS: '0' });
    assertConfigError(result, new RegExp(`^capstan: invalid CAPSTAN_DATABASE_URL \\(PostgreSQL at ${url.host.replaceAll('.', '\\.')}/capstan_no_such_database\\): database "capstan_no_such_database" does not exist$`));
    assert.ok(!result.stderr.includes('pw-never-shown'));
  });

  test('an unknown flag exits 2 naming it', async () => {
    assertConfigError(await runCli(['serve', '--prot', '80'], { CAPSTAN_DATA_DIR: dataDir() }), /--prot/);
  });
});
