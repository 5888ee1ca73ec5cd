// Migration 0018 on both drivers: runs that had stages before it get their stored stage statuses from
// them, so a status read after an upgrade shows the progress it showed before; runs without stages
// keep none.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Migrator, type Kysely } from 'kysely';
import { DOCUMENT_STAGES } from '../../src/documents/event-types.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import type { Storage } from '../../src/storage/index.js';
import { DRIVERS } from '../helpers/drivers.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

for (const driver of DRIVERS) {
  describe(`stored stage statuses on ${driver.name}`, () => {
    let storage: Storage;
    let cleanup: () => Promise<void>;

    before(async () => {
      ({ storage, cleanup } = await driver.open());
    });
    after(async () => {
      await storage.close();
      await cleanup();
    });

    test('an upgrade fills them in from the stages already there', async () => {
      const migrator = new Migrator({ db: storage.db as unknown as Kysely<unknown>, provider: { getMigrations: async () => MIGRATIONS } });
      const to = await migrator.migrateTo('0017-workflow-operations');
      assert.equal(to.error, undefined);
      const db = storage.db;
      await db.insertInto('orgs').values({ id: 'org_m', name: 'm', credits_micro: 0, created_at: at(0), updated_at: at(0) }).execute();
      for (const n of [1, 2]) {
        await db.insertInto('workflow_runs').values({
          id: `run_m${n}`, kind: 'document', org_id: 'org_m', resource_id: `doc_m${n}`, status: 'running', attempts: 1, lease_owner: null, lease_expires_at: null,
          run_after: 0, error: null, input: '{}', created_at: at(1), updated_at: at(1), completed_at: null,
        }).execute();
        await db.insertInto('documents').values({
          id: `doc_m${n}`, org_id: 'org_m', workflow_id: `run_m${n}`, file_name: 'a.pdf', xn_address: null, source: 'base64', source_url: null, mime: 'application/pdf',
          size_bytes: 10, pages: 1, blob_key: null, cost_micro: 0, failure_reason: null, created_at: at(1), updated_at: at(1), reported_status: null,
        }).execute();
      }
      await db.insertInto('workflow_stages').values([
        { run_id: 'run_m1', stage: 'intake', status: 'complete', output: '{}', attempts: 1, error: null, started_at: at(2), finished_at: at(3) },
        { run_id: 'run_m1', stage: 'ocr', status: 'in_progress', output: null, attempts: 1, error: null, started_at: at(3), finished_at: null },
      ]).execute();

      const report = await storage.migrate();
      assert.ok(report.applied.includes('0018-run-stage-statuses'));
      assert.deepEqual(JSON.parse((await storage.workflows.get('run_m1'))?.stage_statuses ?? 'null'), { intake: 'complete', ocr: 'in_progress' });
      assert.equal((await storage.workflows.get('run_m2'))?.stage_statuses, null);
      assert.deepEqual((await storage.documents.statusRead('org_m', 'doc_m1', DOCUMENT_STAGES))?.stages, [{ stage: 'ocr', status: 'in_progress' }]);
      assert.deepEqual((await storage.documents.statusRead('org_m', 'doc_m2', DOCUMENT_STAGES))?.stages, []);
      // And from then on they follow the stages.
      await storage.workflows.startStage('run_m2', 'intake', at(4));
      assert.deepEqual(JSON.parse((await storage.workflows.get('run_m2'))?.stage_statuses ?? 'null'), { intake: 'in_progress' });
    });
  });
}
