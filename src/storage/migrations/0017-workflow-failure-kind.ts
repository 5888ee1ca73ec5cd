// Whether a failed run failed for good (a PermanentStageError: an encrypted PDF, a file that is not a
// video) or because its attempts ran out, so an operator's retry is offered only where it can help.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('workflow_runs').addColumn('failed_permanently', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
