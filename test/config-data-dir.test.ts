// `capstan config` checks the data directory as `serve` does before it serves, making nothing: a file
// standing where the data directory, its blobs folder or the SQLite file's folder must be, and a
// database file that is no SQLite database, stop it with exit 2 and the very line serve stops with.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, type CliResult } from './helpers/cli.js';
import { tempDirsRemovedAfter } from './helpers/temp-dirs.js';

const dataDir = tempDirsRemovedAfter();

/** A configuration error: exit code 2 and exactly one line on stderr, naming the option. */
function assertConfigError(res: CliResult, message: RegExp): void {
  assert.equal(res.code, 2, `exit 2 expected; stderr: ${res.stderr}`);
  const lines = res.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `exactly one stderr line, got: ${JSON.stringify(res.stderr)}`);
  assert.match(lines[0]!, message);
}

test('config stops where serve would on the data directory, with the same line, and makes nothing', async () => {
  const dir = dataDir();
  const file = join(dir, 'a-file');
  writeFileSync(file, '');
  const withBlobsFile = dataDir();
  writeFileSync(join(withBlobsFile, 'blobs'), '');
  const withGarbage = dataDir();
  writeFileSync(join(withGarbage, 'capstan.db'), Buffer.alloc(8192, 7));
  const cases: [Record<string, string>, RegExp][] = [
    [{ CAPSTAN_DATA_DIR: file }, /^capstan: invalid CAPSTAN_DATA_DIR ".*a-file": a file stands where a directory must be \(.*a-file\)$/],
    [{ CAPSTAN_DATA_DIR: join(file, 'data') }, /^capstan: invalid CAPSTAN_DATA_DIR ".*a-file\/data": a file stands where a directory must be \(.*a-file\)$/],
    [{ CAPSTAN_DATA_DIR: withBlobsFile }, /^capstan: invalid CAPSTAN_DATA_DIR ".*": a file stands where a directory must be \(.*blobs\)$/],
    [{ CAPSTAN_DATA_DIR: withGarbage }, /^capstan: invalid CAPSTAN_DATA_DIR ".*": .*capstan\.db is not an SQLite database/],
    [{ CAPSTAN_DATA_DIR: dataDir(), CAPSTAN_DATABASE_URL: `sqlite:${join(file, 'capstan.db')}` }, /^capstan: invalid CAPSTAN_DATABASE_URL: a file stands where a directory must be \(.*a-file\)$/],
  ];
  const checked = await Promise.all(cases.map(([env]) => runCli(['config'], env)));
  for (const [i, [, message]] of cases.entries()) {
    assertConfigError(checked[i]!, message);
    assert.equal(checked[i]!.stdout, '');
  }
  assert.deepEqual(readdirSync(withBlobsFile), ['blobs'], 'config made nothing');
  assert.deepEqual(readdirSync(withGarbage), ['capstan.db'], 'config made nothing');
  // The very line serve stops with.
  const served = await Promise.all(cases.map(([env]) => runCli(['serve'], { ...env, PORT: '0', CAPSTAN_HOST: '127.0.0.1', CAPSTAN_LOG_LEVEL: 'error' })));
  for (const [i, res] of served.entries()) assert.equal(res.stderr, checked[i]!.stderr, `serve and config agree for ${JSON.stringify(cases[i]![0])}`);
});

test('a data directory still to be made passes, and config does not make it', async () => {
  const unmade = join(dataDir(), 'not', 'yet');
  const res = await runCli(['config'], { CAPSTAN_DATA_DIR: unmade });
  assert.equal(res.code, 0, res.stderr);
  assert.equal((JSON.parse(res.stdout) as { dataDir: string }).dataDir, unmade);
  assert.equal(existsSync(join(unmade, '..')), false, 'no folder was made');
});
