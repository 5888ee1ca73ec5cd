// `capstan admin webhooks …` against the configured storage, offline: create (secret shown once),
// list, update, the test message queued for a running server, a stable error code, a description
// with a control character refused, delete.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/server.js';

const dataDir = tempDir();
after(() => rmSync(dataDir, { recursive: true, force: true }));
const env = { CAPSTAN_DATA_DIR: dataDir, CAPSTAN_LOG_LEVEL: 'silent', CAPSTAN_DEV_CREDENTIALS: 'false', CAPSTAN_WEBHOOK_ALLOW_HTTP: 'true', CAPSTAN_FETCH_ALLOW_HOSTS: '127.0.0.1' };

async function cli(...args: string[]): Promise<Record<string, unknown>> {
  const res = await runCli(['admin', ...args], env);
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout) as Record<string, unknown>;
}

test('capstan admin webhooks: create, list, update, test, a refused URL, delete', async () => {
  const org = await cli('orgs', 'create', '--name', 'cli hooks');
  const created = await cli('webhooks', 'create', '--org', org.id as string, '--url', 'http://127.0.0.1:9/hook', '--events', 'document.*,video.ready', '--description', 'from the CLI');
  assert.match(created.secret as string, /^whsec_/);
  assert.deepEqual(created.events, ['document.*', 'video.ready']);
  const id = created.id as string;
  // Independent commands run side by side: each is a process of its own.
  const [listed, updated, queued] = await Promise.all([
    cli('webhooks', 'list', '--org', org.id as string),
    cli('webhooks', 'update', '--webhook', id, '--description', 'renamed'),
    cli('webhooks', 'test', '--webhook', id),
  ]);
  // Afterwards, so that its stderr is the refusal alone, never a fourth writer's wait on SQLite's lock.
  const refused = await runCli(['admin', 'webhooks', 'create', '--org', org.id as string, '--url', 'https://169.254.169.254/'], env);
  assert.deepEqual((listed.data as Record<string, unknown>[]).map((e) => e.id), [id]);
  assert.equal((listed.data as Record<string, unknown>[])[0]!.secret, undefined);
  assert.equal(updated.description, 'renamed');
  assert.equal(queued.type, 'webhook.test');
  assert.equal(queued.status, 'pending');
  assert.equal(refused.code, 1);
  assert.equal((JSON.parse(refused.stderr) as { code: string }).code, 'url_not_allowed', refused.stderr);
  // A description with a control character is refused as the API refuses it.
  const controlled = await runCli(['admin', 'webhooks', 'update', '--webhook', id, '--description', 'a\u0001b'], env);
  assert.equal(controlled.code, 2, controlled.stderr);
  assert.match(controlled.stderr, /--description must be at most 500 characters without control characters/);
  assert.equal((await cli('webhooks', 'get', '--webhook', id)).description, 'renamed');
  assert.deepEqual(await cli('webhooks', 'delete', '--webhook', id), { success: true });
});
