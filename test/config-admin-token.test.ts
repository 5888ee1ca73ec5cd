// The admin token opens every organization's keys and credits: a production or scaled node refuses a
// short one before it starts (exit 2, one line, the token not printed); a development node takes it
// and says so in its log.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkServeConfig, ConfigError, loadConfig } from '../src/config/index.js';
import { runCli } from './helpers/cli.js';
import { ServeProcess } from './helpers/serve-process.js';
import { tempDirsRemovedAfter } from './helpers/temp-dirs.js';

const SHORT = 'short-secret';
const dataDir = tempDirsRemovedAfter();

test('`capstan serve` with NODE_ENV=production and a short admin token exits 2 naming the rule, not the token', async () => {
  const res = await runCli(['serve'], { NODE_ENV: 'production', CAPSTAN_ADMIN_TOKEN: SHORT, CAPSTAN_DATA_DIR: dataDir(), PORT: '0' });
  assert.equal(res.code, 2, res.stderr);
  const lines = res.stderr.trim().split('\n');
  assert.equal(lines.length, 1, res.stderr);
  assert.match(lines[0]!, /^capstan: CAPSTAN_ADMIN_TOKEN is shorter than 16 characters/);
  assert.ok(!res.stderr.includes(SHORT) && !res.stdout.includes(SHORT), 'the token is not printed');
});

test('scaled mode refuses a short admin token, every mode one with spaces; 16 characters, an unset token or development pass', () => {
  const check = (env: Record<string, string>, nodeEnv?: string) => checkServeConfig(loadConfig({ env }), nodeEnv);
  const scaled = { CAPSTAN_DATABASE_URL: 'postgres://capstan@127.0.0.1:1/capstan', CAPSTAN_S3_BUCKET: 'uploads' };
  assert.throws(() => check({ ...scaled, CAPSTAN_ADMIN_TOKEN: SHORT }), ConfigError);
  assert.throws(() => check({ CAPSTAN_ADMIN_TOKEN: 'x'.repeat(15) }, 'production'), ConfigError);
  check({ ...scaled, CAPSTAN_ADMIN_TOKEN: 'x'.repeat(16) });
  check({ ...scaled });
  check({ CAPSTAN_ADMIN_TOKEN: SHORT }, 'development');
  // No Authorization header could carry these: refused in every mode.
  for (const token of ['   short-tok-12345   ', 'a-long-enough-token\t', 'a long enough token', 'a-long-enough-tökén-1234']) {
    assert.throws(() => check({ CAPSTAN_ADMIN_TOKEN: token }, 'development'), (e: Error) => e instanceof ConfigError && /spaces or characters/.test(e.message) && !e.message.includes(token.trim()), JSON.stringify(token));
  }
  check({ CAPSTAN_ADMIN_TOKEN: SHORT }, undefined);
});

test('a development node takes a short admin token and warns in its log, without the token', { timeout: 30_000 }, async () => {
  const serve = ServeProcess.start(dataDir(), SHORT, { NODE_ENV: 'development' });
  try {
    const url = await serve.url();
    const warning = await serve.line((l) => l.includes('CAPSTAN_ADMIN_TOKEN is shorter than 16 characters'));
    assert.equal((JSON.parse(warning) as { level: number }).level, 40, 'a warning');
    assert.ok(!serve.stdout.includes(SHORT), 'the token is not logged');
    const r = await fetch(`${url}/admin/v1/orgs?limit=1`, { headers: { authorization: `Bearer ${SHORT}` } });
    assert.equal(r.status, 200);
  } finally {
    await serve.stop();
  }
});
