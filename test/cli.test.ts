// The real `capstan` CLI in child processes: migrate, and the offline admin commands printing JSON (a
// JSON error: exit 2 for bad usage, 1 for a refused operation). Config and its errors: cli-config.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { runCli } from './helpers/cli.js';
import { assertAdminError, assertConfigError, dataDir, json } from './helpers/cli-results.js';

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
