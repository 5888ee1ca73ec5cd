// Two processes on one SQLite file, as `capstan admin …` beside a running server: a transaction that
// read before another process committed must still be able to write. Transactions take the write lock
// when they begin, so the other process waits for it (busy_timeout) instead of one of them failing
// with "database is locked" when its snapshot turns out stale. Opening the file waits the same way.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'libsql';
import { openStorage } from '../../src/storage/index.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/server.js';

const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));
const url = `sqlite:${join(dir, 'shared.db')}`;
const at = new Date(0).toISOString();

/** Another process that creates an organization in the same file; resolves with its exit code. */
function otherProcessWrites(id: string, onReady: () => void): Promise<{ code: number | null; stderr: string }> {
  const script = `
    const { openStorage } = await import(${JSON.stringify(join(REPO_ROOT, 'src/storage/index.ts'))});
    const storage = openStorage(${JSON.stringify(url)}, ${JSON.stringify(dir)});
    process.stdout.write('ready\\n');
    await storage.orgs.create({ id: ${JSON.stringify(id)}, name: 'other process', credits_micro: 0, created_at: '${at}', updated_at: '${at}' });
    await storage.close();`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    if (d.toString().includes('ready')) onReady();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

test('a transaction that read first still writes after another process tried to write meanwhile; both succeed', async () => {
  const storage = openStorage(url, dir);
  try {
    await storage.migrate();
    await storage.orgs.create({ id: 'org_first', name: 'first', credits_micro: 0, created_at: at, updated_at: at });
    let other: Promise<{ code: number | null; stderr: string }> | undefined;
    await storage.transaction(async (tx) => {
      assert.equal((await tx.orgs.get('org_first'))?.name, 'first');
      // The other process writes while this transaction is open, after this one read.
      await new Promise<void>((ready) => (other = otherProcessWrites('org_other', ready)));
      await new Promise((r) => setTimeout(r, 500));
      await tx.orgs.create({ id: 'org_second', name: 'second', credits_micro: 0, created_at: at, updated_at: at });
    });
    const result = await other!;
    assert.equal(result.code, 0, result.stderr);
    const names = (await storage.orgs.list(10, 0)).map((o) => o.name).sort();
    assert.deepEqual(names, ['first', 'other process', 'second']);
  } finally {
    await storage.close();
  }
});

test('a process that opens the file while another holds it locked waits for the lock, then writes', async () => {
  const path = join(dir, 'held.db');
  const heldUrl = `sqlite:${path}`;
  const storageModule = JSON.stringify(join(REPO_ROOT, 'src/storage/index.ts'));
  /** A process of its own: this one must hold no connection to the file but the holder's. */
  const run = (script: string, onOutput: (text: string) => void = () => undefined) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `const { openStorage } = await import(${storageModule});\n${script}`], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => onOutput(d.toString()));
    return new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  };
  const setup = await run(`const s = openStorage(${JSON.stringify(heldUrl)}, ${JSON.stringify(dir)}); await s.migrate(); await s.close();`);
  assert.equal(setup.code, 0, setup.stderr);
  // Held as a command closing (its checkpoint) or a writer holds it: nobody else may even read the file.
  const holder = new Database(path);
  holder.exec('pragma locking_mode = exclusive');
  holder.exec('begin exclusive');
  holder.exec("insert into orgs (id, name, credits_micro, created_at, updated_at) values ('org_holder', 'holder', 0, '1970-01-01', '1970-01-01')");
  let opening: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (opening = resolve));
  const waiter = run(`process.stdout.write('opening\\n');
    const s = openStorage(${JSON.stringify(heldUrl)}, ${JSON.stringify(dir)});
    await s.orgs.create({ id: 'org_waited', name: 'waited', credits_micro: 0, created_at: '${at}', updated_at: '${at}' });
    await s.close();`, (text) => text.includes('opening') && opening());
  await started;
  await new Promise((r) => setTimeout(r, 700));
  // Back to normal locking: the exclusive lock goes with the next access to the file.
  holder.exec('commit');
  holder.exec('pragma locking_mode = normal');
  holder.exec('select count(*) from orgs');
  holder.close();
  const result = await waiter;
  assert.equal(result.code, 0, result.stderr);
  const check = new Database(path);
  try {
    assert.deepEqual((check.prepare('select id from orgs order by id').all() as { id: string }[]).map((o) => o.id), ['org_holder', 'org_waited']);
  } finally {
    check.close();
  }
});
