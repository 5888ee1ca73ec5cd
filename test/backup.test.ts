// `capstan backup <file>` through the real CLI: a snapshot taken while a server takes writes, restored
// into a fresh data directory with the stored files copied after it, serves the same data through the
// API; a target that exists, has no folder or lies in the stored files' folder, a data directory
// without a database and PostgreSQL storage are refused with one line, exit 2, writing nothing.
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli, type CliResult } from './helpers/cli.js';
import { ServeProcess } from './helpers/serve-process.js';
import { tempDirsRemovedAfter } from './helpers/temp-dirs.js';

const ADMIN_TOKEN = 'backup-admin-token-0123456789';
const tempDir = tempDirsRemovedAfter();
const servers: ServeProcess[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

function start(dataDir: string): ServeProcess {
  const server = ServeProcess.start(dataDir, ADMIN_TOKEN, { CAPSTAN_DEV_CREDENTIALS: 'false' });
  servers.push(server);
  return server;
}

async function call(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` }): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url + path, { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Every organization's name, page by page. */
async function orgNames(url: string): Promise<Set<string>> {
  const names = new Set<string>();
  for (let offset = 0; ; offset += 100) {
    const page = await call(url, 'GET', `/admin/v1/orgs?limit=100&offset=${offset}`);
    assert.equal(page.status, 200);
    const data = page.body.data as { name: string }[];
    for (const org of data) names.add(org.name);
    if (data.length < 100) return names;
  }
}

/** A refusal of the command line: exit 2, one line on stderr, nothing on stdout. */
function assertRefused(res: CliResult, message: RegExp): void {
  assert.equal(res.code, 2, `exit 2 expected; stderr: ${res.stderr}`);
  const lines = res.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `one stderr line, got: ${JSON.stringify(res.stderr)}`);
  assert.match(lines[0]!, message);
  assert.equal(res.stdout, '');
}

describe('capstan backup', () => {
  test('a backup taken while a server takes writes, restored into a fresh data directory, serves the same data', { timeout: 180_000 }, async () => {
    const live = tempDir();
    const source = start(live);
    const url = await source.url();

    // Data of every kind a restore must bring back: an organization and its key, a hub contact's
    // token (signed with the secret kept in the database) and a stored file.
    const org = await call(url, 'POST', '/admin/v1/orgs', { name: 'kept', credits_micro: 777 });
    assert.equal(org.status, 201);
    const apiKey = String(org.body.api_key);
    const hub = await call(url, 'POST', `/admin/v1/orgs/${String(org.body.id)}/hubs`, { name: 'h' });
    const contact = await call(url, 'POST', `/admin/v1/hubs/${String(hub.body.id)}/contacts`, { name: 'c' });
    const token = await call(url, 'POST', `/admin/v1/hubs/${String(hub.body.id)}/contacts/${String(contact.body.id)}/tokens`);
    const content = 'a stored file that must come back\n';
    const upload = await call(url, 'POST', '/api/v1/files', { name: 'kept.txt', content_base64: Buffer.from(content).toString('base64') }, { 'capout-api-key': apiKey });
    assert.equal(upload.status, 201, JSON.stringify(upload.body));
    const fileId = String((upload.body.files as { fileId: string }[])[0]!.fileId);

    // Writes go on, one after the other, through the backup.
    const acknowledged: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing; n++) {
        const res = await call(url, 'POST', '/admin/v1/orgs', { name: `w${n}` });
        assert.equal(res.status, 201);
        acknowledged.push(`w${n}`);
      }
    })();
    while (acknowledged.length < 20) await new Promise((r) => setTimeout(r, 10));
    const before = [...acknowledged];
    const target = join(tempDir(), 'capstan-backup.db');
    const backup = await runCli(['backup', target], { CAPSTAN_DATA_DIR: live });
    assert.equal(backup.code, 0, backup.stderr);
    const report = JSON.parse(backup.stdout) as Record<string, unknown>;
    assert.equal(report.backup, target);
    assert.equal(report.blobs, join(live, 'blobs'));
    assert.equal(report.bytes, statSync(target).size);
    assert.match(String(report.note), /copy the folder .*blobs/);
    assert.equal(statSync(target).mode & 0o777, 0o600, 'the backup holds the token secret: this user only');
    // The stored files, copied after the snapshot, as the note says.
    const restored = tempDir();
    cpSync(join(live, 'blobs'), join(restored, 'blobs'), { recursive: true });
    const atBackupEnd = acknowledged.length;
    while (acknowledged.length < atBackupEnd + 20) await new Promise((r) => setTimeout(r, 10));
    writing = false;
    await writer;
    const latest = acknowledged.at(-1)!;
    assert.equal(await source.stop(), 0, source.stderr);
    assert.deepEqual(readdirSync(join(target, '..')), ['capstan-backup.db'], 'no partial file is left beside the backup');

    copyFileSync(target, join(restored, 'capstan.db'));
    const copy = start(restored);
    const restoredUrl = await copy.url();
    const names = await orgNames(restoredUrl);
    for (const name of ['kept', ...before]) assert.ok(names.has(name), `${name}, acknowledged before the backup began, is restored`);
    assert.ok(!names.has(latest), 'what was written after the backup is not in it: it is a snapshot, not the file as it is now');
    const kept = await call(restoredUrl, 'GET', `/admin/v1/orgs/${String(org.body.id)}`);
    assert.equal(kept.body.credits_micro, 777);
    const file = await fetch(`${restoredUrl}/api/v1/files/${fileId}/content`, { headers: { 'capout-api-key': apiKey } });
    assert.equal(file.status, 200);
    assert.equal(await file.text(), content, 'the stored file comes back through the API, with the key made before the backup');
    const stream = new AbortController();
    const hubStream = await fetch(`${restoredUrl}/realtime/events?hub_id=${String(hub.body.id)}`, { headers: { authorization: `Bearer ${String(token.body.access_token)}` }, signal: stream.signal });
    assert.equal(hubStream.status, 200, 'a token signed before the backup is still valid: the secret came with the database');
    stream.abort();
    assert.equal(await copy.stop(), 0, copy.stderr);
  });

  test('bad targets, a data directory without a database and PostgreSQL storage are refused with one line, exit 2, writing nothing', async () => {
    const dir = tempDir();
    assert.equal((await runCli(['migrate'], { CAPSTAN_DATA_DIR: dir })).code, 0);
    const out = tempDir();
    const existing = join(out, 'exists.db');
    writeFileSync(existing, 'keep me');
    const env = { CAPSTAN_DATA_DIR: dir };
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['backup'], env, /^capstan: backup needs the file to write: capstan backup <file>$/],
      [['backup', ''], env, /^capstan: backup needs the file to write/],
      [['backup', existing], env, /^capstan: cannot back up to ".*exists\.db": it exists \(a backup never replaces a file/],
      [['backup', out], env, /^capstan: cannot back up to ".*": it exists/],
      [['backup', join(out, 'missing', 'b.db')], env, /^capstan: cannot back up to ".*missing\/b\.db": its folder .*missing does not exist$/],
      [['backup', join(existing, 'b.db')], env, /^capstan: cannot back up to ".*": .*exists\.db is a file, not a folder$/],
      [['backup', join(dir, 'blobs', 'b.db')], env, /^capstan: cannot back up to ".*": it is inside the stored files' folder .*blobs: write it elsewhere$/],
      [['backup', join(out, 'b.db'), 'extra'], env, /^capstan: unexpected argument "extra" after capstan backup/],
      [['backup', join(out, 'b.db'), '--force'], env, /^capstan: unknown flag --force/],
      [['backup', join(out, 'b.db')], { CAPSTAN_DATA_DIR: join(out, 'empty') }, /^capstan: invalid CAPSTAN_DATA_DIR ".*empty": there is no database at .*empty\/capstan\.db to back up$/],
      [['backup', join(out, 'b.db')], { CAPSTAN_DATA_DIR: dir, CAPSTAN_DATABASE_URL: 'postgres://db.internal/capstan' }, /^capstan: capstan backup copies the embedded SQLite database, and CAPSTAN_DATABASE_URL is PostgreSQL: back it up with pg_dump .*copy .*blobs after the dump; see "Backups and restore" in docs\/reliability\.md$/],
      [['backup', join(out, 'b.db')], { CAPSTAN_DATA_DIR: dir, CAPSTAN_DATABASE_URL: 'postgres://db.internal/capstan', CAPSTAN_S3_BUCKET: 'media' }, /pg_dump .*keep the stored files in s3:\/\/media\/ with the bucket's own versioning or replication/],
    ];
    const answers = await Promise.all(cases.map(([argv, e]) => runCli(argv, e)));
    for (const [i, [, , message]] of cases.entries()) assertRefused(answers[i]!, message);
    assert.deepEqual(readdirSync(out).sort(), ['exists.db'], 'nothing was written beside the targets, and the existing file is kept');
    assert.equal(existsSync(join(out, 'empty')), false, 'no data directory was made');
  });
});
