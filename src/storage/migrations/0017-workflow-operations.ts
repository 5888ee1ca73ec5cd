// What the operator's view of work needs from workflow runs: whether a failed run failed for good (a
// PermanentStageError: an encrypted PDF, a file that is not a video) or because its attempts ran out,
// so a retry is offered only where it can help; and indexes for listing runs newest first, by status
// or by organization, and counting an organization's runs.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('workflow_runs').addColumn('failed_permanently', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('workflow_runs_status_created').on('workflow_runs').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('workflow_runs_org_created').on('workflow_runs').columns(['org_id', 'created_at']).execute();
}
