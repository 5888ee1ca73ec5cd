// The real `capstan` CLI in child processes: config (masked), configuration errors (exit 2, one line),
// migrate, and the offline admin commands printing JSON (a JSON error: exit 2 for bad usage, 1 for a refused operation).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openStorage } from '../src/storage/index.js';
import { runCli, type CliResult } from './helpers/cli.js';
import { tempDir } from './helpers/server.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = tempDir('capstan-cli-');
  dirs.push(d);
  return d;
}

function json(res: CliResult): Record<string, unknown> {
  assert.equal(res.code, 0, `exit 0 expected; stderr: ${res.stderr}`);
  return JSON.parse(res.stdout) as Record<string, unknown>;
}

/** A configuration error: exit code 2 and exactly one line on stderr, naming the option. */
function assertConfigError(res: CliResult, option: RegExp): void {
  assert.equal(res.code, 2, `exit 2 expected; stderr: ${res.stderr}`);
  const lines = res.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `exactly one stderr line, got: ${JSON.stringify(res.stderr)}`);
  assert.match(lines[0]!, option);
  assert.equal(res.stdout, '');
}

/** A failed admin command: a JSON error body on stderr, exit 2 for bad usage and 1 for a refused operation. */
function assertAdminError(res: CliResult, code: string, exit: 1 | 2): { error: string; code: string } {
  assert.equal(res.code, exit, `exit ${exit} expected; stderr: ${res.stderr}`);
  const lines = res.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `one stderr line, got: ${JSON.stringify(res.stderr)}`);
  const body = JSON.parse(lines[0]!) as { error: string; code: string };
  assert.equal(body.code, code);
  assert.equal(typeof body.error, 'string');
  return body;
}

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

describe('capstan migrate and capstan admin', () => {
  test('migrate prepares a fresh data directory; orgs create prints the organization with its key; orgs get shows the key by display only', async () => {
    const dir = dataDir();
    const env = { CAPSTAN_DATA_DIR: dir };
    const migrated = json(await runCli(['migrate'], env));
    assert.ok(Array.isArray(migrated.applied) && migrated.applied.length > 0, 'migrations applied');
    assert.ok(String(migrated.storage).includes(dir), `storage is under the data dir: ${String(migrated.storage)}`);

    const created = json(await runCli(['admin', 'orgs', 'create', '--name', 'acme', '--credits-micro', '5000'], env));
    assert.match(String(created.id), /^org_/);
    assert.equal(created.name, 'acme');
    assert.equal(created.credits_micro, 5000);
    const apiKey = String(created.api_key);
    assert.match(apiKey, /^capout_test_[A-Za-z0-9]{40}$/);

    const got = await runCli(['admin', 'orgs', 'get', '--org', String(created.id)], env);
    const org = json(got);
    assert.equal(org.id, created.id);
    assert.equal(org.name, 'acme');
    const keys = org.keys as Record<string, unknown>[];
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.id, created.api_key_id);
    assert.equal(keys[0]!.display, `${apiKey.slice(0, 16)}…`);
    assert.ok(!got.stdout.includes(apiKey), 'the key is shown only at creation');
  });

  test('bad usage exits 2 with a JSON error, a refused operation 1; unknown flags of serve, migrate and config are bad usage', async () => {
    // Separate data directories, so the processes can run side by side.
    const env = () => ({ CAPSTAN_DATA_DIR: dataDir() });
    const [missingName, unknown, missingOrg] = await Promise.all([
      runCli(['admin', 'orgs', 'create', '--credits-micro', '5'], env()),
      runCli(['admin', 'widgets', 'explode'], env()),
      runCli(['admin', 'orgs', 'get', '--org', 'org_doesnotexist000000'], env()),
    ]);
    assert.match(assertAdminError(missingName, 'invalid_request', 2).error, /--name/);
    assert.match(assertAdminError(unknown, 'invalid_request', 2).error, /widgets explode/);
    assertAdminError(missingOrg, 'not_found', 1);
    const [typo, migrateTypo] = await Promise.all([runCli(['config', '--prot', '9000'], env()), runCli(['migrate', '--bogus'], env())]);
    assertConfigError(typo, /unknown flag --prot/);
    assertConfigError(migrateTypo, /unknown flag --bogus/);
  });

  test('an operation refused with invalid_request failed (1): only the command\'s own flags are bad usage (2)', async () => {
    const env = { CAPSTAN_DATA_DIR: dataDir() };
    const org = json(await runCli(['admin', 'orgs', 'create', '--name', 'acme', '--credits-micro', '100'], env));
    const belowZero = await runCli(['admin', 'credits', 'add', '--org', String(org.id), '--amount-micro', '-99999999'], env);
    const notANumber = await runCli(['admin', 'credits', 'add', '--org', String(org.id), '--amount-micro', 'lots'], env);
    assert.match(assertAdminError(belowZero, 'invalid_request', 1).error, /below zero/);
    assert.match(assertAdminError(notANumber, 'invalid_request', 2).error, /--amount-micro/);
  });

  test('admin commands take the API\'s bounds, refuse flags they do not take, and a forgotten value is no token', async () => {
    const dir = dataDir();
    const env = { CAPSTAN_DATA_DIR: dir };
    const org = json(await runCli(['admin', 'orgs', 'create', '--name', 'bounds', '--credits-micro', '100'], env));
    const hub = json(await runCli(['admin', 'hubs', 'create', '--org', String(org.id), '--name', 'h'], env));
    const contact = json(await runCli(['admin', 'contacts', 'create', '--hub', String(hub.id), '--name', 'c'], env));
    const usage: [string[], RegExp][] = [
      [['admin', 'keys', 'create', '--org', String(org.id), '--mod', 'live'], /unknown flag --mod for admin keys create; it takes --org, --mode/],
      [['admin', 'orgs', 'create', '--name', 'x', '--credits-micro', '-1'], /--credits-micro must be an integer from 0 to/],
      [['admin', 'orgs', 'create', '--name', 'x', '--credits-micro', '1000000000000001'], /--credits-micro/],
      [['admin', 'contacts', 'token', '--hub', String(hub.id), '--contact', String(contact.id), '--ttl-seconds', '-5'], /--ttl-seconds must be an integer from 1 to 2592000/],
      [['admin', 'orgs', 'list', '--limit', '0'], /--limit/],
      [['admin', 'orgs', 'list', '--offset', '-1'], /--offset/],
      [['admin', 'orgs', 'list', '--offset', '1000000000001'], /--offset must be an integer from 0 to 1000000000/],
      [['admin', 'orgs', 'get', '--org', 'bad id'], /--org must be an id/],
      [['admin', 'keys', 'revoke', '--org', String(org.id), '--key', 'k'.repeat(65)], /--key must be an id/],
      [['admin', 'contacts', 'token', '--hub', String(hub.id), '--contact', 'ctc/../x'], /--contact must be an id/],
      [['admin', 'webhooks', 'get', '--webhook', 'wh_\u00e9'], /--webhook must be an id/],
    ];
    // Refused as usage before any change: each in a data directory of its own, side by side.
    const answers = await Promise.all(usage.map(([argv]) => runCli(argv, { CAPSTAN_DATA_DIR: dataDir() })));
    for (const [i, [argv, message]] of usage.entries()) assert.match(assertAdminError(answers[i]!, 'invalid_request', 2).error, message, argv.join(' '));
    const refused: [string[], RegExp][] = [
      [['admin', 'credits', 'add', '--org', String(org.id), '--amount-micro', '5', '--reason', 'Bad Reason'], /reason must be/],
      [['admin', 'credits', 'add', '--org', String(org.id), '--amount-micro', '5', '--reason', 'refund'], /Capstan writes/],
    ];
    for (const [argv, message] of refused) assert.match(assertAdminError(await runCli(argv, env), 'invalid_request', 1).error, message, argv.join(' '));
    assert.equal(json(await runCli(['admin', 'orgs', 'get', '--org', String(org.id)], env)).credits_micro, 100, 'nothing refused was stored');
    // `--admin-token $EMPTY`: the shell drops the empty value, and the next flag follows.
    assertConfigError(await runCli(['serve', '--admin-token', '--port', '0'], env), /--admin-token needs a value/);
  });
});

describe('capstan usage', () => {
  test('a flag given twice, or a word no command takes, is bad usage (exit 2), not last-wins or ignored; nothing is created', async () => {
    const dir = dataDir();
    const env = { CAPSTAN_DATA_DIR: dir };
    const [port, portEq, name, extra, adminExtra, empty] = await Promise.all([
      runCli(['config', '--port', '1', '--port', '2'], env),
      runCli(['config', '--port=1', '--port', '2'], env),
      runCli(['admin', 'orgs', 'create', '--name', 'First', '--name', 'Second'], env),
      runCli(['config', 'extra'], env),
      runCli(['admin', 'orgs', 'create', '--name', 'X', 'extra'], env),
      runCli([''], env),
    ]);
    assertConfigError(port, /^capstan: flag --port is given more than once/);
    assertConfigError(portEq, /^capstan: flag --port is given more than once/);
    assert.match(assertAdminError(name, 'invalid_request', 2).error, /flag --name is given more than once/);
    assertConfigError(extra, /^capstan: unexpected argument "extra" after capstan config/);
    assert.match(assertAdminError(adminExtra, 'invalid_request', 2).error, /unexpected argument "extra" after capstan admin orgs create/);
    assertConfigError(empty, /^capstan: unknown command ""/);
    assert.deepEqual(json(await runCli(['admin', 'orgs', 'list'], env)).data, [], 'no organization was created');
  });

  test('-h, --help and help print the usage; --version and version print the version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const env = { CAPSTAN_DATA_DIR: dataDir() };
    const answers = await Promise.all([['-h'], ['--help'], ['help'], ['config', '-h'], ['--version'], ['version']].map((argv) => runCli(argv, env)));
    for (const res of answers.slice(0, 4)) {
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /^usage: capstan /);
    }
    for (const res of answers.slice(4)) {
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, `capstan ${version}\n`);
    }
  });

  test('a contact token for a hub that does not exist says the hub is not found', async () => {
    const res = await runCli(['admin', 'contacts', 'token', '--hub', 'hub_missing', '--contact', 'ctc_missing'], { CAPSTAN_DATA_DIR: dataDir() });
    assert.equal(assertAdminError(res, 'not_found', 1).error, 'Hub not found');
  });
});
