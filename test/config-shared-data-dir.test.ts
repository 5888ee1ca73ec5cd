// Scaled mode keeps blobs where every node reads them: `capstan serve` refuses PostgreSQL or Redis
// with the local-disk blob store (a file uploaded to one node would be missing on the node that
// processes it) unless the operator says the data directory is shared.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkServeConfig, ConfigError, loadConfig } from '../src/config/index.js';
import { runCli } from './helpers/cli.js';
import { tempDirsRemovedAfter } from './helpers/temp-dirs.js';

// Nothing listens there: the refusal must come before any connection is tried.
const PG = 'postgres://capstan:pw@127.0.0.1:1/capstan';
const REDIS = 'redis://127.0.0.1:1';
const dataDir = tempDirsRemovedAfter();

test('`capstan serve` in scaled mode with local-disk blobs exits 2 with one line naming the options', async () => {
  const scaled: Record<string, string>[] = [{ CAPSTAN_DATABASE_URL: PG }, { CAPSTAN_REDIS_URL: REDIS }, { CAPSTAN_DATABASE_URL: PG, CAPSTAN_REDIS_URL: REDIS }];
  for (const env of scaled) {
    const res = await runCli(['serve'], { ...env, CAPSTAN_DATA_DIR: dataDir(), PORT: '0' });
    assert.equal(res.code, 2, JSON.stringify(env) + res.stderr);
    const lines = res.stderr.trim().split('\n');
    assert.equal(lines.length, 1, res.stderr);
    assert.match(lines[0]!, /^capstan: scaled mode .*CAPSTAN_S3_BUCKET.*CAPSTAN_SHARED_DATA_DIR=true/);
    assert.ok(!res.stderr.includes('pw@'), 'the database password is not printed');
  }
});

test('S3, a declared shared data directory, or the embedded mode pass the check', () => {
  const check = (env: Record<string, string>) => checkServeConfig(loadConfig({ env }));
  check({});
  check({ CAPSTAN_DATABASE_URL: 'sqlite:/tmp/other.db' });
  check({ CAPSTAN_DATABASE_URL: PG, CAPSTAN_S3_BUCKET: 'uploads' });
  check({ CAPSTAN_DATABASE_URL: PG, CAPSTAN_REDIS_URL: REDIS, CAPSTAN_SHARED_DATA_DIR: 'true' });
  assert.throws(() => check({ CAPSTAN_DATABASE_URL: PG, CAPSTAN_SHARED_DATA_DIR: 'false' }), ConfigError);
});

test('`capstan config` checks a deployment as serve would: refused the same way, shown once the shared directory is declared', async () => {
  const refused = await runCli(['config'], { CAPSTAN_DATABASE_URL: PG, CAPSTAN_DATA_DIR: dataDir() });
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /^capstan: scaled mode .*CAPSTAN_SHARED_DATA_DIR=true/);
  const res = await runCli(['config'], { CAPSTAN_DATABASE_URL: PG, CAPSTAN_SHARED_DATA_DIR: 'true', CAPSTAN_DATA_DIR: dataDir() });
  assert.equal(res.code, 0, res.stderr);
  assert.equal((JSON.parse(res.stdout) as { sharedDataDir: boolean }).sharedDataDir, true);
});
