// The admin commands' list flags (--allowed-origins, --events) through the real CLI: split as the
// configuration splits lists, and an empty entry (`a,,b`, a trailing comma) refused as bad usage (exit
// 2, a JSON error naming the flag) as the API refuses an empty string in the array, never dropped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli, type CliResult } from './helpers/cli.js';
import { tempDirsRemovedAfter } from './helpers/temp-dirs.js';

const tempDir = tempDirsRemovedAfter();

function json(res: CliResult): Record<string, unknown> {
  assert.equal(res.code, 0, `exit 0 expected; stderr: ${res.stderr}`);
  return JSON.parse(res.stdout) as Record<string, unknown>;
}

test('a list flag with an empty entry, too many entries or no event type is bad usage, naming the flag; nothing is made', async () => {
  const env = { CAPSTAN_DATA_DIR: tempDir() };
  const org = String(json(await runCli(['admin', 'orgs', 'create', '--name', 'lists'], env)).id);
  const app = ['admin', 'apps', 'create', '--org', org, '--name', 'a', '--environment', 'production', '--allowed-origins'];
  const webhook = ['admin', 'webhooks', 'create', '--org', org, '--url', 'https://hooks.example.com/x', '--events'];
  const usage: [string[], RegExp][] = [
    [[...app, ','], /^--allowed-origins has an empty entry/],
    [[...app, 'http://x.com,,http://y.com'], /^--allowed-origins has an empty entry/],
    [[...app, 'http://x.com,'], /^--allowed-origins has an empty entry/],
    [[...app, Array.from({ length: 101 }, (_, i) => `https://a${i}.com`).join(',')], /^--allowed-origins takes at most 100 entries/],
    [[...webhook, 'document.*,,'], /^--events has an empty entry/],
    [[...webhook, ' '], /^--events needs at least one event type/],
    [['admin', 'webhooks', 'update', '--webhook', 'wh_x', '--events', 'document.*, ,video.ready'], /^--events has an empty entry/],
  ];
  // One after the other on one data directory: each would change it, were it not refused.
  for (const [argv, message] of usage) {
    const res = await runCli(argv, env);
    assert.equal(res.code, 2, `exit 2 expected for ${argv.join(' ')}; stderr: ${res.stderr}`);
    const body = JSON.parse(res.stderr) as { error: string; code: string };
    assert.equal(body.code, 'invalid_request');
    assert.match(body.error, message, argv.join(' '));
  }
  const got = json(await runCli(['admin', 'webhooks', 'list', '--org', org], env));
  assert.deepEqual(got.data, [], 'no webhook was made');

  // Spaces around entries are ignored, and an empty value is the empty list, as in the configuration.
  assert.deepEqual(json(await runCli([...app, ' https://a.com , https://b.com '], env)).allowed_origins, ['https://a.com', 'https://b.com']);
  assert.deepEqual(json(await runCli([...app, ''], env)).allowed_origins, []);
});
