// A process killed (SIGKILL) in the middle of its migrations, as a crash, an OOM kill or a power cut
// during the first start or an upgrade: the next start must bring the database forward, not fail on
// the tables the killed one made. The child runs the real migrations on a new file and kills itself
// just before one of its CREATE TABLE statements, at a few points across the list.
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

/** Migrates `file` in another process that SIGKILLs itself before its `nth` CREATE TABLE. */
function migrateUntilKilled(file: string, nth: number): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  const script = `
    const { default: Database } = await import('libsql');
    const prepare = Database.prototype.prepare;
    let seen = 0;
    Database.prototype.prepare = function (sql) {
      if (/^\\s*create table/i.test(sql) && ++seen === ${nth}) process.kill(process.pid, 'SIGKILL');
      return prepare.call(this, sql);
    };
    const { openStorage } = await import(${JSON.stringify(join(REPO_ROOT, 'src/storage/index.ts'))});
    await openStorage(${JSON.stringify(`sqlite:${file}`)}, ${JSON.stringify(dir)}).migrate();`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (_code, signal) => resolve({ signal, stderr })));
}

const tables = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("select name from sqlite_master where type = 'table' order by name").all() as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
};

test('a start after a kill in the middle of the migrations finishes them', { timeout: 90_000 }, async () => {
  const complete = join(dir, 'complete.db');
  const clean = openStorage(`sqlite:${complete}`, dir);
  const applied = (await clean.migrate()).applied;
  await clean.close();
  assert.ok(applied.length >= 20, `every migration applied on a new file (${applied.length})`);
  const expected = tables(complete);

  // Early (the first migration's second table), in the middle, and near the end of the list.
  for (const nth of [2, 12, expected.length - 3]) {
    const file = join(dir, `killed-at-${nth}.db`);
    const killed = await migrateUntilKilled(file, nth);
    assert.equal(killed.signal, 'SIGKILL', `the migrating process was killed at CREATE TABLE #${nth}: ${killed.stderr}`);
    const storage = openStorage(`sqlite:${file}`, dir);
    try {
      await storage.migrate();
    } finally {
      await storage.close();
    }
    assert.deepEqual(tables(file), expected, `after a kill at CREATE TABLE #${nth}, the next start made every table`);
  }
});
