// The workflow engine on both drivers: ordered stages with outputs, retries with backoff, permanent
// failure, takeover of a run whose worker died (finished stages are not redone), attempts counted by
// the claim (a run whose workers keep dying fails), leases handed back on stop, cancellation, and
// (PostgreSQL) idle workers on another node woken by NOTIFY; claims fair between organizations and
// kinds, and a reserved slot another organization's long stages cannot fill.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { createLogger } from '../../src/http/index.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { ATTEMPTS_EXHAUSTED, PermanentStageError, RetryableStageError, WorkflowEngine, type Stage, type Transition, type WorkflowOptions } from '../../src/workflows/index.js';
import { DRIVERS } from '../helpers/drivers.js';
import { tempDir } from '../helpers/server.js';

const OPTIONS: WorkflowOptions = { concurrency: 2, leaseMs: 300, pollMs: 20, maxAttempts: 3, backoffBaseMs: 10, backoffMaxMs: 50 };

async function waitFor<T>(fn: () => Promise<T | undefined>, what: string, tries = 500): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

for (const driver of DRIVERS) {
  describe(`workflows on ${driver.name}`, () => {
    let storage: Storage;
    let cleanup: () => Promise<void>;
    let url: string;
    const logger = createLogger('silent');
    const engines: WorkflowEngine[] = [];

    function engine(stages: Stage[], log: Transition[] = [], maxAttempts?: number, options: Partial<WorkflowOptions> = {}): WorkflowEngine {
      const e = new WorkflowEngine(storage, { ...OPTIONS, ...options }, logger);
      e.define({ kind: 'test', stages, maxAttempts, hooks: { onTransitions: async (_tx, _run, ts) => void log.push(...ts) } });
      engines.push(e);
      return e;
    }

    async function enqueue(e: WorkflowEngine, input: unknown = { n: 1 }) {
      const run = await storage.transaction((tx) => e.enqueue(tx, { kind: 'test', orgId: 'org_x', resourceId: `res_${Math.random()}`, input }));
      e.wake();
      return run;
    }

    const finished = (id: string) => waitFor(async () => {
      const r = await storage.workflows.get(id);
      return r && ['completed', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
    }, `run ${id} to finish`);

    before(async () => {
      ({ storage, cleanup, url } = await driver.open());
      await storage.migrate();
    });
    after(async () => {
      for (const e of engines) await e.stop();
      await storage.close();
      await cleanup();
    });

    test('stages run in order, each sees the outputs before it, and every transition is reported', async () => {
      const log: Transition[] = [];
      const e = engine([
        { name: 'a', run: async (ctx) => ({ doubled: (ctx.input as { n: number }).n * 2 }) },
        { name: 'b', run: async (ctx) => ({ plusOne: (ctx.outputs.get('a') as { doubled: number }).doubled + 1 }) },
      ], log);
      e.start();
      const run = await enqueue(e, { n: 20 });
      assert.equal((await finished(run.id)).status, 'completed');
      const stages = await storage.workflows.stages(run.id);
      assert.deepEqual(JSON.parse(stages.find((s) => s.stage === 'b')?.output ?? ''), { plusOne: 41 });
      assert.deepEqual(log.map((t) => t.kind), ['stage_started', 'stage_completed', 'stage_started', 'stage_completed', 'completed']);
      await e.stop();
    });

    test('a failing stage is retried with backoff and then succeeds', async () => {
      let calls = 0;
      const log: Transition[] = [];
      const e = engine([{ name: 'flaky', run: async () => (++calls < 3 ? Promise.reject(new Error('transient')) : 'ok') }], log);
      e.start();
      const run = await enqueue(e);
      assert.equal((await finished(run.id)).status, 'completed');
      assert.equal(calls, 3);
      assert.equal(log.filter((t) => t.kind === 'stage_retry').length, 2);
      await e.stop();
    });

    test('after the last attempt, or on a permanent error, the run fails with the reason', async () => {
      const e = engine([{ name: 'broken', run: async () => Promise.reject(new Error('always')) }], [], 2);
      e.start();
      const failed = await finished((await enqueue(e)).id);
      assert.equal(failed.status, 'failed');
      // The run's error is a stable reason a client may be shown; what was thrown stays on the stage.
      assert.equal(failed.error, 'attempts_exhausted');
      assert.equal((await storage.workflows.stages(failed.id)).find((s) => s.stage === 'broken')?.error, 'always');
      await e.stop();
      const r = engine([{ name: 'ocr', run: async () => Promise.reject(new RetryableStageError('ocr_failed', 'the engine crashed')) }], [], 2);
      r.start();
      const retried = await finished((await enqueue(r)).id);
      assert.equal(retried.error, 'ocr_failed', 'a failure with a reason of its own fails the run with it');
      assert.equal((await storage.workflows.stages(retried.id)).find((s) => s.stage === 'ocr')?.error, 'ocr_failed: the engine crashed');
      await r.stop();
      let calls = 0;
      const p = engine([{ name: 'perm', run: async () => { calls++; throw new PermanentStageError('pdf_encrypted'); } }]);
      p.start();
      const perm = await finished((await enqueue(p)).id);
      assert.equal(perm.error, 'pdf_encrypted');
      assert.equal(calls, 1);
      await p.stop();
    });

    test('a run whose worker died is taken over after the lease expires; finished stages are not redone', async () => {
      let firstCalls = 0;
      let hang = true;
      const stages: Stage[] = [
        { name: 'first', run: async () => ++firstCalls },
        { name: 'second', run: async (ctx) => {
          if (hang) await new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))));
          return 'done';
        } },
      ];
      const dying = engine(stages);
      dying.start();
      const run = await enqueue(dying);
      await waitFor(async () => (await storage.workflows.stages(run.id)).find((s) => s.stage === 'second' && s.status === 'in_progress'), 'second stage to start');
      // Simulate a crash: this worker stops renewing and never records anything again.
      await dying.stop();
      hang = false;
      const rescuer = engine(stages);
      rescuer.start();
      assert.equal((await finished(run.id)).status, 'completed');
      assert.equal(firstCalls, 1, 'the completed first stage was not run again');
      await rescuer.stop();
    });

    test('the claim counts the attempt: a run whose workers die on every attempt fails with attempts_exhausted', async () => {
      const log: Transition[] = [];
      const e = engine([{ name: 'deadly', run: async () => 'never reached' }], log, 3);
      const run = await enqueue(e);
      // Three workers claim the run and die without recording anything (their leases lapse).
      let now = Date.now();
      for (let i = 1; i <= 3; i++) {
        const claimed = await storage.workflows.claim(['test'], `dead-${i}`, now, 10);
        assert.equal(claimed?.id, run.id);
        assert.equal(claimed?.attempts, i, 'each claim counts one attempt');
        now += 20;
      }
      e.start();
      const failed = await finished(run.id);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.error, ATTEMPTS_EXHAUSTED);
      assert.equal(failed.failed_permanently, 0, 'not a permanent failure: an operator may retry it where its kind allows');
      assert.deepEqual(log.map((t) => t.kind), ['failed'], 'the fourth claim fails the run without running the stage again');
      await e.stop();
    });

    test('a graceful stop hands leases back at once, without counting the interrupted attempt', async () => {
      let started = 0;
      const slow: Stage = { name: 'slow', run: async (ctx) => {
        started++;
        if (started === 1) await new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))));
        return 'done';
      } };
      // A long lease: without the hand-back the next worker would wait a minute.
      const log: Transition[] = [];
      const first = engine([slow], log, undefined, { leaseMs: 60_000 });
      first.start();
      const run = await enqueue(first);
      await waitFor(async () => (started === 1 ? true : undefined), 'the stage to start');
      await first.stop();
      const handed = await storage.workflows.get(run.id);
      assert.equal(handed?.lease_owner, null);
      assert.equal(handed?.attempts, 0, 'the interrupted attempt is not counted');
      const next = engine([slow], log, undefined, { leaseMs: 60_000 });
      next.start();
      assert.equal((await finished(run.id)).status, 'completed');
      assert.equal(started, 2);
      // Both starts are attempt 1; only the first is the stage's first start (a domain reports it once).
      assert.deepEqual(log.filter((t) => t.kind === 'stage_started'), [
        { kind: 'stage_started', stage: 'slow', attempt: 1, first: true },
        { kind: 'stage_started', stage: 'slow', attempt: 1, first: false },
      ]);
      await next.stop();
    });

    test('a stage whose result cannot be recorded while the database is away is logged as a warning, and the run is taken again', async () => {
      const lines: { level: number; msg: string }[] = [];
      const captured = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
      const e = new WorkflowEngine(storage, OPTIONS, captured);
      e.define({ kind: 'test', stages: [{ name: 'only', run: async () => 'done' }] });
      engines.push(e);
      const transaction = storage.transaction.bind(storage);
      let calls = 0;
      // The stage's start commits; the transaction recording its result meets the database gone.
      storage.transaction = (async (fn: Parameters<typeof transaction>[0]) => {
        if (++calls === 2) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
        return transaction(fn);
      }) as typeof storage.transaction;
      try {
        e.start();
        const run = await enqueue(e);
        assert.equal((await finished(run.id)).status, 'completed', 'taken again once its lease lapsed');
      } finally {
        storage.transaction = transaction;
        await e.stop();
      }
      assert.ok(lines.some((l) => l.level === 40 && /database is unavailable/.test(l.msg)), JSON.stringify(lines));
      assert.deepEqual(lines.filter((l) => l.level >= 50), [], 'an outage is not logged as an error');
    });

    /** A due run written straight to the table, `age` ms old, for the claim tests (each uses kinds of its own). */
    async function dueRun(kind: string, orgId: string, age: number): Promise<string> {
      const at = new Date().toISOString();
      const id = `wf_${kind}_${orgId}_${age}`;
      await storage.workflows.create({
        id, kind, org_id: orgId, resource_id: `res_${id}`, status: 'queued', attempts: 0, lease_owner: null, lease_expires_at: null,
        run_after: Date.now() - age, error: null, input: '{}', created_at: at, updated_at: at, completed_at: null, failed_permanently: 0, stage_statuses: null,
      });
      return id;
    }

    test('a claim takes the organization with the fewest stages running first, then the kind with the fewest, then the oldest run', async () => {
      const a1 = await dueRun('fair', 'org_a', 3000);
      const a2 = await dueRun('fair', 'org_a', 2000);
      const b1 = await dueRun('fair', 'org_b', 1000);
      const now = Date.now();
      const claim = () => storage.workflows.claim(['fair'], 'node-1', now, 60_000).then((r) => r?.id);
      assert.equal(await claim(), a1, 'with nothing running, the oldest run goes first');
      assert.equal(await claim(), b1, 'org_a has a stage running and org_b none: org_b goes before org_a’s older run');
      assert.equal(await claim(), a2);
      // The same organization's kinds: its documents running do not keep its video waiting behind its other documents.
      const doc1 = await dueRun('fair_doc', 'org_c', 3000);
      const doc2 = await dueRun('fair_doc', 'org_c', 2000);
      const vid = await dueRun('fair_vid', 'org_c', 1000);
      const claimKinds = () => storage.workflows.claim(['fair_doc', 'fair_vid'], 'node-1', now, 60_000).then((r) => r?.id);
      assert.equal(await claimKinds(), doc1);
      assert.equal(await claimKinds(), vid);
      assert.equal(await claimKinds(), doc2);
      // Leases that lapsed count for nobody: a run of org_a and one of org_d, org_a's older, after every lease above expired.
      const a3 = await dueRun('fair_lapsed', 'org_a', 2000);
      await dueRun('fair_lapsed', 'org_d', 1000);
      assert.equal((await storage.workflows.claim(['fair_lapsed'], 'node-1', now + 120_000, 60_000))?.id, a3);
    });

    test('a reserved slot takes only organizations with no stage running on its node', async () => {
      const held = await dueRun('fair_res', 'org_e', 3000);
      const waiting = await dueRun('fair_res', 'org_e', 2000);
      const newcomer = await dueRun('fair_res', 'org_f', 1000);
      const now = Date.now();
      assert.equal((await storage.workflows.claim(['fair_res'], 'node-1', now, 60_000))?.id, held);
      const reserved = (owner: string) => storage.workflows.claim(['fair_res'], owner, now, 60_000, { idleOrgsOnly: true }).then((r) => r?.id);
      assert.equal(await reserved('node-1'), newcomer);
      assert.equal(await reserved('node-1'), undefined, 'org_e and org_f each hold a stage on node-1: its reserved slot stays free');
      assert.equal(await reserved('node-2'), waiting, 'on another node org_e runs nothing');
    });

    test('one organization’s stages filling every slot do not hold back another organization’s run', async () => {
      const hogStarted: string[] = [];
      const e = new WorkflowEngine(storage, { ...OPTIONS, concurrency: 2, reservedSlots: 1 }, logger);
      engines.push(e);
      e.define({ kind: 'fair_engine', stages: [{ name: 'only', run: async (ctx) => {
        if (ctx.run.org_id !== 'org_hog') return 'quick';
        hogStarted.push(ctx.run.id);
        // A scan that OCRs for minutes: it lets go only when the engine stops.
        return new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))));
      } }] });
      const enqueueFor = (orgId: string) => storage.transaction((tx) => e.enqueue(tx, { kind: 'fair_engine', orgId, resourceId: `res_${Math.random()}`, input: {} }));
      const hogs = [await enqueueFor('org_hog'), await enqueueFor('org_hog'), await enqueueFor('org_hog')];
      e.start();
      try {
        await waitFor(async () => (hogStarted.length >= 2 ? true : undefined), 'the hog’s stages to fill both slots');
        const other = await enqueueFor('org_other');
        e.wake();
        assert.equal((await finished(other.id)).status, 'completed');
        assert.equal(hogStarted.length, 2, 'the reserved slot did not take the hog’s third run');
      } finally {
        await e.stop();
        for (const run of hogs) await storage.workflows.cancel(run.id, new Date().toISOString());
      }
    });

    if (driver.name === 'postgres') {
      test('work enqueued on one node wakes idle workers on another (LISTEN/NOTIFY), long before their poll', async () => {
        const remoteStorage = openStorage(url, tempDir());
        const done: string[] = [];
        // The other node polls once every two minutes: only the notification can wake it in time.
        const remote = new WorkflowEngine(remoteStorage, { ...OPTIONS, pollMs: 120_000 }, logger);
        remote.define({ kind: 'test', stages: [{ name: 'only', run: async (ctx) => void done.push(ctx.run.id) }] });
        // This node enqueues but runs no workers.
        const local = engine([{ name: 'only', run: async () => undefined }], [], undefined, { concurrency: 0 });
        try {
          remote.start();
          // Let the remote worker finish its first (empty) claim and go idle.
          await new Promise((r) => setTimeout(r, 300));
          const run = await storage.transaction((tx) => local.enqueue(tx, { kind: 'test', orgId: 'org_x', resourceId: 'res_notify', input: {} }));
          assert.equal((await finished(run.id)).status, 'completed');
          assert.deepEqual(done, [run.id]);
        } finally {
          await remote.stop();
          await remoteStorage.close();
        }
      });
    }

    test('cancel stops a queued or running run; cancelling a finished run is refused', async () => {
      const e = engine([{ name: 'slow', run: async (ctx) => new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))) }]);
      e.start();
      const run = await enqueue(e);
      await waitFor(async () => (await storage.workflows.stages(run.id)).find((s) => s.status === 'in_progress'), 'stage to start');
      assert.equal(await e.cancel(run.id), true);
      assert.equal((await finished(run.id)).status, 'cancelled');
      assert.equal(await e.cancel(run.id), false);
      await e.stop();
    });
  });
}
