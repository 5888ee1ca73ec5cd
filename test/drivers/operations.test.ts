// The reads and writes behind the operator's admin routes, on both drivers: runs listed and counted
// with their stages, a failed run requeued (its unfinished stages forgotten) by the engine's retry
// with the domain hook in the same transaction, a permanent failure remembered, apps patched and
// their keys listed, ledger totals and active key counts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TokenService } from '../../src/auth/index.js';
import { EventPublisher } from '../../src/events/index.js';
import { createLogger } from '../../src/http/index.js';
import { eventTypeRegistry } from '../../src/server/event-types.js';
import type { Storage } from '../../src/storage/index.js';
import { TenancyService } from '../../src/tenancy/index.js';
import { PermanentStageError, WorkflowEngine, type Stage } from '../../src/workflows/index.js';
import { DRIVERS } from '../helpers/drivers.js';

async function waitFor<T>(fn: () => Promise<T | undefined>, what: string, tries = 500): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

for (const driver of DRIVERS) {
  describe(`operator reads and retries on ${driver.name}`, () => {
    let storage: Storage;
    let cleanup: () => Promise<void>;
    let tenancy: TenancyService;
    const engines: WorkflowEngine[] = [];

    before(async () => {
      ({ storage, cleanup } = await driver.open());
      await storage.migrate();
      tenancy = new TenancyService(storage, new TokenService('x'.repeat(40)), new EventPublisher(eventTypeRegistry(), storage, 16_384), 60);
    });
    after(async () => {
      for (const e of engines) await e.stop();
      await storage.close();
      await cleanup();
    });

    const finished = (id: string) => waitFor(async () => {
      const r = await storage.workflows.get(id);
      return r && ['completed', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
    }, `run ${id} to finish`);

    test('a failed run is listed with its stages, counted, and retried at its first unfinished stage with the hook in the same transaction', async () => {
      const { org } = await tenancy.createOrg('ops', 10_000);
      let broken = true;
      const retried: string[] = [];
      const stages: Stage[] = [
        { name: 'first', run: async () => 1 },
        { name: 'second', run: async () => { if (broken) throw new Error('disk unplugged'); return 2; } },
        { name: 'third', run: async () => 3 },
      ];
      const engine = new WorkflowEngine(storage, { concurrency: 1, leaseMs: 300, pollMs: 20, maxAttempts: 2, backoffBaseMs: 5, backoffMaxMs: 10 }, createLogger('silent'));
      engine.define({
        kind: 'ops_test', stages, hooks: {
          async onRetry(tx, run) {
            // Money moves with the requeue: a debit the balance cannot cover rolls the requeue back.
            await tx.ledger.apply({ id: `led_${retried.length}_${run.id}`, orgId: run.org_id, amountMicro: -4000, reason: 'retry', ref: run.id, at: new Date().toISOString(), allowNegative: false }).then((b) => {
              if (b === undefined) throw new Error('short');
            });
            retried.push(run.id);
          },
        },
      });
      engines.push(engine);
      engine.start();
      const run = await storage.transaction((tx) => engine.enqueue(tx, { kind: 'ops_test', orgId: org.id, resourceId: 'res_1', input: {} }));
      engine.wake();
      const failed = await finished(run.id);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.error, 'attempts_exhausted', 'the run says why in a stable word; the stage keeps what was thrown');
      assert.equal(failed.failed_permanently, 0);
      assert.equal(engine.retryRefusal(failed), undefined);

      const listed = await storage.workflows.list({ kinds: ['ops_test'], statuses: ['failed'], orgId: org.id, limit: 10, offset: 0 });
      assert.deepEqual(listed.map((r) => r.id), [run.id]);
      assert.deepEqual(await storage.workflows.list({ kinds: ['ops_test'], statuses: ['queued', 'running'], orgId: org.id, limit: 10, offset: 0 }), []);
      assert.deepEqual(await storage.workflows.list({ kinds: [], statuses: ['failed'], limit: 10, offset: 0 }), []);
      const summaries = await storage.workflows.stageSummaries([run.id]);
      assert.deepEqual(summaries.map((s) => [s.stage, s.status]).sort(), [['first', 'complete'], ['second', 'failed']]);
      assert.ok(!('output' in (summaries[0] ?? {})), 'outputs are left out');
      assert.equal(summaries.find((s) => s.stage === 'second')?.error, 'disk unplugged');
      assert.deepEqual(await storage.workflows.countByStatus(org.id, ['ops_test', 'other']), [{ kind: 'ops_test', status: 'failed', count: 1 }]);

      broken = false;
      // The retry's answer is the requeued run, whatever the workers do next; they are stopped here so
      // that the stages can be read as the retry left them.
      await engine.stop();
      const outcome = await engine.retry(run.id);
      assert.ok(outcome && 'run' in outcome, JSON.stringify(outcome));
      assert.equal(outcome.run.status, 'queued');
      assert.equal(outcome.run.error, null);
      assert.equal(outcome.run.attempts, 0);
      assert.deepEqual(retried, [run.id]);
      assert.deepEqual((await storage.workflows.stageSummaries([run.id])).map((s) => s.stage), ['first'], 'only completed stages are kept');
      engine.start();
      const done = await finished(run.id);
      assert.equal(done.status, 'completed');
      assert.equal(done.completed_at !== null, true);
      assert.equal((await storage.orgs.get(org.id))?.credits_micro, 6000);

      const again = await engine.retry(run.id);
      assert.ok(again && 'refused' in again);
      assert.match(again.refused, /completed/);
      assert.equal(await engine.retry('wf_nothere'), undefined);

      // A retry the domain cannot pay for changes nothing.
      broken = true;
      const second = await storage.transaction((tx) => engine.enqueue(tx, { kind: 'ops_test', orgId: org.id, resourceId: 'res_2', input: {} }));
      engine.wake();
      assert.equal((await finished(second.id)).status, 'failed');
      await tenancy.addCredits(org.id, -4000, 'correction');
      await assert.rejects(engine.retry(second.id), /short/);
      assert.equal((await storage.workflows.get(second.id))?.status, 'failed');
      assert.equal((await storage.workflows.stageSummaries([second.id])).some((s) => s.status === 'failed'), true, 'the failed stage is still recorded');
      assert.equal((await storage.orgs.get(org.id))?.credits_micro, 2000);
      assert.deepEqual(
        (await storage.workflows.countByStatus(org.id, ['ops_test'])).sort((a, b) => a.status.localeCompare(b.status)),
        [{ kind: 'ops_test', status: 'completed', count: 1 }, { kind: 'ops_test', status: 'failed', count: 1 }],
      );
      await engine.stop();
    });

    test('a permanent failure is remembered and refused a retry; a kind without onRetry says why', async () => {
      const engine = new WorkflowEngine(storage, { concurrency: 1, leaseMs: 300, pollMs: 20, maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 10 }, createLogger('silent'));
      engine.define({ kind: 'ops_perm', stages: [{ name: 'only', run: async () => { throw new PermanentStageError('pdf_encrypted'); } }], hooks: { onRetry: async () => undefined } });
      engine.define({ kind: 'ops_final', stages: [{ name: 'only', run: async () => { throw new Error('x'); } }], maxAttempts: 1, retryRefusal: 'final in its API' });
      engines.push(engine);
      engine.start();
      const perm = await storage.transaction((tx) => engine.enqueue(tx, { kind: 'ops_perm', orgId: 'org_x', resourceId: 'r', input: {} }));
      const fin = await storage.transaction((tx) => engine.enqueue(tx, { kind: 'ops_final', orgId: 'org_x', resourceId: 'r', input: {} }));
      engine.wake();
      const p = await finished(perm.id);
      assert.equal(p.failed_permanently, 1);
      const refusedPerm = await engine.retry(perm.id);
      assert.ok(refusedPerm && 'refused' in refusedPerm);
      assert.match(refusedPerm.refused, /pdf_encrypted/);
      const f = await finished(fin.id);
      assert.equal(f.failed_permanently, 0);
      assert.deepEqual(await engine.retry(fin.id), { refused: 'final in its API' });
      assert.equal(await storage.workflows.requeue(p.id, new Date().toISOString(), Date.now()), true, 'the repo itself requeues any failed run');
      assert.equal((await storage.workflows.get(p.id))?.failed_permanently, 0);
      assert.equal(await storage.workflows.requeue(p.id, new Date().toISOString(), Date.now()), false, 'only a failed run');
      await engine.stop();
    });

    test('apps are patched and their keys listed; ledger totals and active keys are counted', async () => {
      const { org, key } = await tenancy.createOrg('apps', 5000);
      const { app } = await tenancy.createApp(org.id, { name: 'A', environment: 'production', allowedOrigins: ['https://a.example'] });
      const other = await tenancy.createApp(org.id, { name: 'B', environment: 'development', allowedOrigins: [] });
      await tenancy.regenerateAppKeys(app.id);
      assert.equal(await storage.apps.update(app.id, { name: 'A2', allowed_origins: '["*"]', updated_at: new Date().toISOString() }), true);
      assert.equal(await storage.apps.update('app_nothere', { name: 'x' }), false);
      const stored = await storage.apps.get(app.id);
      assert.equal(stored?.name, 'A2');
      assert.equal(stored?.allowed_origins, '["*"]');
      const keys = await storage.apps.listKeys([app.id, other.app.id]);
      assert.equal(keys.filter((k) => k.app_id === app.id).length, 4);
      assert.equal(keys.filter((k) => k.app_id === other.app.id).length, 2);
      assert.deepEqual(await storage.apps.listKeys([]), []);
      const listed = await tenancy.listApps(org.id);
      assert.deepEqual(listed.map((a) => [a.app.name, a.keys.length]), [['A2', 4], ['B', 2]]);

      await tenancy.addCredits(org.id, 2000);
      await tenancy.addCredits(org.id, -1000, 'correction');
      await storage.transaction(async (tx) => {
        await tx.ledger.apply({ id: 'led_ops_debit', orgId: org.id, amountMicro: -3000, reason: 'document', ref: 'doc_1', at: new Date().toISOString(), allowNegative: false });
        await tx.ledger.apply({ id: 'led_ops_refund', orgId: org.id, amountMicro: 3000, reason: 'refund', ref: 'doc_1', at: new Date().toISOString(), allowNegative: true });
        await tx.ledger.apply({ id: 'led_ops_debit2', orgId: org.id, amountMicro: -500, reason: 'document', ref: 'doc_2', at: new Date().toISOString(), allowNegative: false });
      });
      assert.deepEqual(await storage.ledger.totals(org.id), { grantedMicro: 7000, spentMicro: 1500 });
      assert.deepEqual(await storage.ledger.totals('org_nothere'), { grantedMicro: 0, spentMicro: 0 });

      assert.equal(await storage.orgs.countActiveKeys(org.id), 1);
      const rotated = await tenancy.rotateOrgKey(org.id, key.id);
      assert.equal(rotated.key.mode, key.mode);
      assert.equal(await storage.orgs.countActiveKeys(org.id), 1);
      assert.equal((await storage.orgs.listKeys(org.id)).find((k) => k.id === key.id)?.revoked_at !== null, true);
      await assert.rejects(tenancy.rotateOrgKey(org.id, key.id), /Key not found/);
      assert.equal(await storage.orgs.countActiveKeys('org_nothere'), 0);
    });

    test('concurrent debits list as a chain of balances, newest first, whatever instant their transactions started', async () => {
      const { org } = await tenancy.createOrg('chain', 1_000_000);
      const started = Date.now();
      // Each debit says it started earlier than the one before it: the order they apply in is the lock's.
      await Promise.all(Array.from({ length: 12 }, (_, i) => storage.transaction((tx) =>
        tx.ledger.apply({ id: `led_chain_${i}`, orgId: org.id, amountMicro: -1000, reason: 'document', ref: `doc_${i}`, at: new Date(started - i * 7).toISOString(), allowNegative: false }),
      )));
      const entries = await storage.ledger.entries(org.id, 100, 0);
      assert.equal(entries[0]?.balance_after_micro, (await storage.orgs.get(org.id))?.credits_micro, 'the newest entry holds the balance');
      for (let i = 0; i + 1 < entries.length; i++) {
        const [newer, older] = [entries[i]!, entries[i + 1]!];
        assert.equal(newer.balance_after_micro - newer.amount_micro, older.balance_after_micro, `entry ${i} follows entry ${i + 1}`);
        assert.ok(newer.created_at > older.created_at);
      }
    });
  });
}
