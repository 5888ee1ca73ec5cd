// The webhook options are checked when the configuration loads, like every other option: a retry
// schedule that is not a list of whole milliseconds stops `capstan` with the usual one-line
// ConfigError naming the option and where the value came from, before any server starts.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { runCli } from '../helpers/cli.js';
import { rejectsConfig } from '../helpers/config.js';
import { tempDir } from '../helpers/server.js';

const dir = tempDir('capstan-webhook-config-');
after(() => rmSync(dir, { recursive: true, force: true }));

const rejects = rejectsConfig;

describe('CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS', () => {
  test('whole milliseconds are accepted, spaces trimmed, 0 meaning at once', () => {
    assert.deepEqual(loadConfig({ env: { CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS: '0, 5000,300000' } }).webhookRetryScheduleMs, ['0', '5000', '300000']);
    assert.equal(loadConfig({ env: {} }).webhookRetryScheduleMs.length, 11, 'the default: 11 retries, 12 attempts');
  });

  test('anything else is refused at load, naming the option and the source', () => {
    // A delay is at most what a timer waits (about 24.8 days): a far longer one put the retry past the last date JavaScript has.
    for (const bad of ['5s', '5000,5m', '-5', '1.5', '1e3', '0x10', '99999999999999999999', '2147483648', '5000,9007199254740991']) {
      const e = rejects({ env: { CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS: bad } }, /^invalid CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS \(environment\)/, /a comma-separated list of integers >= 0/);
      assert.ok(e.message.includes(JSON.stringify(bad)), `the value is shown: ${e.message}`);
    }
    const file = join(dir, 'capstan.json');
    writeFileSync(file, JSON.stringify({ webhookRetryScheduleMs: ['5000', 'soon'] }));
    rejects({ env: {}, argv: ['--config', file] }, /CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS \(config file\)/);
    writeFileSync(file, JSON.stringify({ webhookRetryScheduleMs: [5000] }));
    rejects({ env: {}, argv: ['--config', file] }, /CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS \(config file\)/);
    rejects({ env: {}, argv: ['--webhook-retry-schedule-ms', '5000,later'] }, /CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS \(flag --webhook-retry-schedule-ms\)/);
    rejects({ env: {}, overrides: { webhookRetryScheduleMs: ['150', '1.5'] } }, /CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS \(override\)/);
  });

  test('an empty entry is refused, not dropped; an empty value is the empty list (no retries)', async () => {
    for (const bad of ['5000,,5000', '5000,', ',5000', ',', ' , ']) {
      rejects({ env: { CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS: bad } }, /^invalid CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS \(environment\)/, new RegExp(`got ${JSON.stringify(bad)}$`));
    }
    rejects({ env: {}, overrides: { webhookRetryScheduleMs: ['5000', ''] } }, /CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS \(override\)/);
    rejects({ env: {}, argv: ['--webhook-retry-schedule-ms', '5000,'] }, /CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS \(flag --webhook-retry-schedule-ms\)/);
    assert.deepEqual(loadConfig({ env: { CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS: '' } }).webhookRetryScheduleMs, []);
    assert.deepEqual(loadConfig({ env: { CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS: '  ' } }).webhookRetryScheduleMs, []);
    const res = await runCli(['config'], { CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS: '5000,', CAPSTAN_DATA_DIR: dir });
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /invalid CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS \(environment\): expected a comma-separated list of integers >= 0 and <= 2147483647, got "5000,"/);
  });

  test('`capstan config`, which starts no server, stops with exit code 2 and that one line', async () => {
    const res = await runCli(['config'], { CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS: '5000,5m', CAPSTAN_DATA_DIR: dir });
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /invalid CAPSTAN_WEBHOOK_RETRY_SCHEDULE_MS \(environment\): expected a comma-separated list of integers >= 0 and <= 2147483647, got "5000,5m"/);
  });
});

describe('the retention and disabling windows', () => {
  test('defaults: deliveries kept 30 days after they end, endpoints disabled after 5 days of failures', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.webhookDeliveryRetentionSeconds, 30 * 86_400);
    assert.equal(config.webhookDisableAfterSeconds, 5 * 86_400);
    const set = loadConfig({ env: { CAPSTAN_WEBHOOK_DELIVERY_RETENTION_SECONDS: '3600', CAPSTAN_WEBHOOK_DISABLE_AFTER_SECONDS: '60' } });
    assert.deepEqual([set.webhookDeliveryRetentionSeconds, set.webhookDisableAfterSeconds], [3600, 60]);
  });

  test('bad values are refused', () => {
    rejects({ env: { CAPSTAN_WEBHOOK_DELIVERY_RETENTION_SECONDS: '30d' } }, /CAPSTAN_WEBHOOK_DELIVERY_RETENTION_SECONDS/);
    rejects({ env: { CAPSTAN_WEBHOOK_DELIVERY_RETENTION_SECONDS: '59' } }, /CAPSTAN_WEBHOOK_DELIVERY_RETENTION_SECONDS/, />= 60/);
    rejects({ env: { CAPSTAN_WEBHOOK_DISABLE_AFTER_SECONDS: '0' } }, /CAPSTAN_WEBHOOK_DISABLE_AFTER_SECONDS/);
  });
});
