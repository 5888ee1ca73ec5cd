// The compiled queries of the request path (storage/prepared.ts) on both drivers: the status read and
// the hub read answer what the query builder would, see a commit at once (no status is remembered;
// only hubs, which never change), never see a transaction in progress from outside it, and see its
// own writes from inside it; the append numbers a topic's events without a gap.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DOCUMENT_STAGES } from '../../src/documents/event-types.js';
import { documentStatus } from '../../src/documents/status.js';
import { storedStageStatuses, type DocumentRow, type StageStatus, type Storage, type WorkflowRun } from '../../src/storage/index.js';
import { DRIVERS } from '../helpers/drivers.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

for (const driver of DRIVERS) {
  describe(`compiled queries on ${driver.name}`, () => {
    let storage: Storage;
    let cleanup: () => Promise<void>;
    let n = 0;

    before(async () => {
      ({ storage, cleanup } = await driver.open());
      await storage.migrate();
      await storage.orgs.create({ id: 'org_cq', name: 'compiled', credits_micro: 0, created_at: at(0), updated_at: at(0) });
      await storage.orgs.create({ id: 'org_other', name: 'other', credits_micro: 0, created_at: at(0), updated_at: at(0) });
    });
    after(async () => {
      await storage.close();
      await cleanup();
    });

    /** A document with a running workflow, as an upload leaves it. */
    async function makeDocument(): Promise<{ doc: DocumentRow; run: WorkflowRun }> {
      n++;
      const run: WorkflowRun = {
        id: `run_cq${n}`, kind: 'document', org_id: 'org_cq', resource_id: `doc_cq${n}`, status: 'running', attempts: 1, lease_owner: null, lease_expires_at: null,
        run_after: 0, error: null, input: '{}', created_at: at(1), updated_at: at(2), completed_at: null, failed_permanently: 0, stage_statuses: null,
      };
      const doc: DocumentRow = {
        id: `doc_cq${n}`, org_id: 'org_cq', workflow_id: run.id, file_name: 'a.pdf', xn_address: null, source: 'base64', source_url: null, mime: 'application/pdf',
        size_bytes: 10, pages: 2, blob_key: null, cost_micro: 0, failure_reason: null, created_at: at(1), updated_at: at(1), reported_status: null, ocr_pages_done: null, ocr_pages_total: null,
      };
      await storage.workflows.create(run);
      await storage.documents.create(doc);
      return { doc, run };
    }

    async function statusOf(id: string, orgId = 'org_cq') {
      const read = await storage.documents.statusRead(orgId, id, DOCUMENT_STAGES);
      return read && documentStatus(read.doc, read.run, read.stages);
    }

    test('the status read gives what the whole rows give', async () => {
      const { doc } = await makeDocument();
      await storage.workflows.startStage(doc.workflow_id, 'ocr', at(3));
      await storage.workflows.finishStage(doc.workflow_id, 'ocr', { status: 'complete', output: '[]', error: null, finished_at: at(4) });
      await storage.workflows.startStage(doc.workflow_id, 'structure', at(5));
      await storage.documents.update(doc.id, { ocr_pages_done: 1, ocr_pages_total: 2 });
      const whole = documentStatus((await storage.documents.get('org_cq', doc.id))!, await storage.workflows.get(doc.workflow_id), await storage.workflows.stageStatuses(doc.workflow_id));
      assert.deepEqual(await statusOf(doc.id), whole);
      assert.deepEqual(whole.progress, { ocr: 'complete', structure: 'in_progress', actions: null, trades: null, categories: null });
    });

    test('the stages the status read shows follow every change to them: retry, requeue, roll back, removal', async () => {
      const { doc, run } = await makeDocument();
      const progress = async () => (await statusOf(doc.id))?.progress;
      const none = { ocr: null, structure: null, actions: null, trades: null, categories: null };
      assert.deepEqual(await progress(), none);
      await storage.workflows.startStage(run.id, 'ocr', at(3));
      assert.deepEqual(await progress(), { ...none, ocr: 'in_progress' });
      await storage.workflows.finishStage(run.id, 'ocr', { status: 'failed', output: null, error: 'boom', finished_at: at(4) });
      assert.deepEqual(await progress(), { ...none, ocr: 'failed' });
      // Started again after a failure: the upsert's update path.
      await storage.workflows.startStage(run.id, 'ocr', at(5));
      await storage.workflows.finishStage(run.id, 'ocr', { status: 'complete', output: '[]', error: null, finished_at: at(6) });
      await storage.workflows.startStage(run.id, 'structure', at(7));
      await storage.workflows.finishStage(run.id, 'structure', { status: 'failed', output: null, error: 'boom', finished_at: at(8) });
      await storage.workflows.update(run.id, null, { status: 'failed', completed_at: at(8), updated_at: at(8) });
      assert.deepEqual(await progress(), { ...none, ocr: 'complete', structure: 'failed' });
      // A requeue forgets the stages that did not complete.
      assert.equal(await storage.workflows.requeue(run.id, at(9), 0), true);
      assert.deepEqual(await progress(), { ...none, ocr: 'complete' });
      // A change that rolls back leaves what was committed.
      await assert.rejects(storage.transaction(async (tx) => {
        await tx.workflows.startStage(run.id, 'structure', at(10));
        assert.deepEqual((await tx.documents.statusRead('org_cq', doc.id, DOCUMENT_STAGES))?.stages, [{ stage: 'ocr', status: 'complete' }, { stage: 'structure', status: 'in_progress' }]);
        throw new Error('roll back');
      }), /roll back/);
      assert.deepEqual(await progress(), { ...none, ocr: 'complete' });
      // Written by hand, as an operator might: still followed.
      await storage.db.updateTable('workflow_stages').set({ status: 'in_progress' }).where('run_id', '=', run.id).where('stage', '=', 'ocr').execute();
      assert.deepEqual(await progress(), { ...none, ocr: 'in_progress' });
      await storage.db.deleteFrom('workflow_stages').where('run_id', '=', run.id).execute();
      assert.deepEqual(await progress(), none);
      // Removing a run removes its stages with it (the cascade runs the triggers on a run that is going).
      await storage.workflows.startStage(run.id, 'ocr', at(11));
      await storage.db.deleteFrom('documents').where('id', '=', doc.id).execute();
      await storage.db.deleteFrom('workflow_runs').where('id', '=', run.id).execute();
      assert.equal(await storage.workflows.get(run.id), undefined);
      assert.deepEqual(await storage.workflows.stageStatuses(run.id), []);
    });

    test('each run keeps its own stages', async () => {
      const a = await makeDocument();
      const b = await makeDocument();
      await storage.workflows.startStage(a.run.id, 'ocr', at(3));
      await storage.workflows.startStage(b.run.id, 'ocr', at(3));
      await storage.workflows.finishStage(b.run.id, 'ocr', { status: 'complete', output: '[]', error: null, finished_at: at(4) });
      assert.equal((await statusOf(a.doc.id))?.progress.ocr, 'in_progress');
      assert.equal((await statusOf(b.doc.id))?.progress.ocr, 'complete');
      // The stored statuses are what aggregating the stages gives, name for name.
      for (const { run } of [a, b]) {
        const stored = (await storage.workflows.get(run.id))?.stage_statuses;
        const statuses = await storage.workflows.stageStatuses(run.id);
        assert.deepEqual(JSON.parse(stored ?? 'null'), Object.fromEntries(statuses.map((s) => [s.stage, s.status])));
        const byName = (x: StageStatus, y: StageStatus) => x.stage.localeCompare(y.stage);
        assert.deepEqual(storedStageStatuses(await storage.workflows.get(run.id)).sort(byName), [...statuses].sort(byName));
      }
      assert.deepEqual(storedStageStatuses(undefined), []);
    });

    test("another organization's document, and an unknown one, are not found", async () => {
      const { doc } = await makeDocument();
      assert.equal(await statusOf(doc.id, 'org_other'), undefined);
      assert.equal(await statusOf('doc_nope'), undefined);
    });

    test('a committed change is read at once, and a failed document says why', async () => {
      const { doc } = await makeDocument();
      assert.equal((await statusOf(doc.id))?.status, 'processing');
      await storage.transaction(async (tx) => {
        await tx.documents.update(doc.id, { failure_reason: 'pdf_encrypted', updated_at: at(9) });
        await tx.workflows.update(doc.workflow_id, null, { status: 'failed', completed_at: at(9), updated_at: at(9) });
      });
      const failed = await statusOf(doc.id);
      assert.equal(failed?.status, 'failed');
      assert.equal(failed?.error, 'pdf_encrypted');
      assert.equal(failed?.completed_at, at(9));
      assert.equal(failed?.updated_at, at(9));
    });

    test('a transaction in progress is invisible outside it and visible inside it', async () => {
      const { doc } = await makeDocument();
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      let inside: string | undefined;
      const tx = storage.transaction(async (t) => {
        await t.workflows.update(doc.workflow_id, null, { status: 'completed', completed_at: at(20), updated_at: at(20) });
        await t.hubs.create({ id: `hub_cq${n}`, org_id: 'org_cq', name: 'held', created_at: at(20) });
        inside = (await t.hubs.get(`hub_cq${n}`))?.name;
        await held;
      });
      // Outside, while it is open: the last committed state. (On SQLite these reads must not wait for
      // the transaction, which holds the writing connection until `held` settles.)
      assert.equal((await statusOf(doc.id))?.status, 'processing');
      assert.equal(await storage.hubs.get(`hub_cq${n}`), undefined);
      release();
      await tx;
      assert.equal(inside, 'held');
      assert.equal((await statusOf(doc.id))?.status, 'completed');
      assert.equal((await storage.hubs.get(`hub_cq${n}`))?.name, 'held');
    });

    test('the hub read gives the whole row', async () => {
      const hub = { id: 'hub_cq_row', org_id: 'org_cq', name: "O'Brien % _ 🚀", created_at: at(30) };
      await storage.hubs.create(hub);
      assert.deepEqual(await storage.hubs.get(hub.id), hub);
      assert.equal(await storage.hubs.get('hub_nope'), undefined);
    });

    test('hubs are remembered once read, but never a missing hub or one read in a transaction that rolls back', async () => {
      assert.equal(await storage.hubs.get('hub_cq_later'), undefined);
      await storage.hubs.create({ id: 'hub_cq_later', org_id: 'org_cq', name: 'later', created_at: at(31) });
      assert.equal((await storage.hubs.get('hub_cq_later'))?.name, 'later');
      await assert.rejects(storage.transaction(async (tx) => {
        await tx.hubs.create({ id: 'hub_cq_undone', org_id: 'org_cq', name: 'undone', created_at: at(32) });
        assert.equal((await tx.hubs.get('hub_cq_undone'))?.name, 'undone');
        throw new Error('roll back');
      }), /roll back/);
      assert.equal(await storage.hubs.get('hub_cq_undone'), undefined);
      // What a caller does to the row it got does not change what the next read gets.
      const got = await storage.hubs.get('hub_cq_later');
      if (got) got.name = 'changed by a caller';
      assert.equal((await storage.hubs.get('hub_cq_later'))?.name, 'later');
    });

    test("appends number a topic's events 1, 2, 3 in id order, alone and in transactions", async () => {
      const row = (i: number) => ({ topic: 'hub:cq', org_id: 'org_cq', type: 'test.ping', scope: '{}', data: JSON.stringify({ i }), created_at: at(40) });
      const alone = [await storage.events.append(row(1)), await storage.events.append(row(2))];
      const together = await storage.transaction(async (tx) => [await tx.events.append(row(3)), await tx.events.append(row(4))]);
      const all = [...alone, ...together];
      assert.deepEqual(all.map((e) => e.seq), [1, 2, 3, 4]);
      assert.deepEqual([...all.map((e) => e.id)].sort(), all.map((e) => e.id));
      const read = await storage.events.readAfterSeq('hub:cq', 0, 10);
      assert.deepEqual(read.map((e) => [e.id, e.seq, e.data]), all.map((e) => [e.id, e.seq, e.data]));
    });
  });
}
