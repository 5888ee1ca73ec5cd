// Two processes on one SQLite file, as `capstan admin …` beside a running server: a transaction that
// read before another process committed must still be able to write. Transactions take the write lock
// when they begin, so the other process waits for it (busy_timeout) instead of one of them failing
// with "database is locked" when its snapshot turns out stale.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
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
