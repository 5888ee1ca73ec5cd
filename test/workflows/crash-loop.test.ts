// A stage that kills its process on every attempt (an out-of-memory PDF) must not be claimed forever:
// the claim counts each attempt, so after the configured maximum the next worker fails the run with
// attempts_exhausted and refunds it in the same transaction. Real processes, really killed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { debitCredits, grantCredits } from '../../src/billing/index.js';
import { createLogger } from '../../src/http/index.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { ATTEMPTS_EXHAUSTED, WorkflowEngine } from '../../src/workflows/index.js';
import { CRASH_KIND, CRASH_OPTIONS } from '../fixtures/crash-loop-worker.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/server.js';

const WORKER = fileURLToPath(new URL('../fixtures/crash-loop-worker.ts', import.meta.url));

function runWorker(dbPath: string, runId: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', WORKER, dbPath, runId], { cwd: REPO_ROOT, timeout: 30_000 });
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

describe('a stage that crashes its process on every attempt', () => {
  let storage: Storage;
  let dbPath: string;

  before(async () => {
    const dir = tempDir();
    dbPath = join(dir, 'crash.db');
    storage = openStorage(`sqlite:${dbPath}`, dir);
    await storage.migrate();
  });
  after(() => storage.close());

  test('fails with attempts_exhausted after the maximum, refunded in the same transaction, and is never claimed again', async () => {
    const org = { id: 'org_crash', name: 'crash', credits_micro: 0, created_at: new Date().toISOString(), updated_at: new Date().toISOString() };
    await storage.orgs.create(org);
    await storage.transaction((tx) => grantCredits(tx, { orgId: org.id, amountMicro: 10_000, reason: 'grant' }));
    const enqueuer = new WorkflowEngine(storage, { ...CRASH_OPTIONS, concurrency: 0 }, createLogger('silent'));
    enqueuer.define({ kind: CRASH_KIND, stages: [{ name: 'boom', run: async () => undefined }] });
    const run = await storage.transaction(async (tx) => {
      await debitCredits(tx, { orgId: org.id, amountMicro: 1000, reason: 'document', ref: 'res_crash' });
      return enqueuer.enqueue(tx, { kind: CRASH_KIND, orgId: org.id, resourceId: 'res_crash', input: {} });
    });

    const exits = [];
    for (let i = 0; i < 6; i++) {
      exits.push(await runWorker(dbPath, run.id));
      if ((await storage.workflows.get(run.id))?.status === 'failed') break;
    }
    assert.deepEqual(exits.map((e) => e.signal), ['SIGKILL', 'SIGKILL', 'SIGKILL', null], 'three attempts die, the fourth claim fails the run');
    const failed = await storage.workflows.get(run.id);
    assert.equal(failed?.status, 'failed');
    assert.equal(failed?.error, ATTEMPTS_EXHAUSTED);
    assert.equal(failed?.lease_owner, null);
    const entries = await storage.ledger.entries(org.id, 10, 0);
    assert.deepEqual(entries.map((e) => e.reason).sort(), ['document', 'grant', 'refund']);
    assert.equal((await storage.orgs.get(org.id))?.credits_micro, 10_000, 'the debit was refunded');
  });
});
