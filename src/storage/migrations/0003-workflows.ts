// Durable workflows: runs claimed by workers under a lease, and each stage's state and output.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('workflow_runs')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('org_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('resource_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'varchar(64)')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('run_after', 'bigint', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('input', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('completed_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('workflow_runs_due').on('workflow_runs').columns(['status', 'run_after']).execute();
  await db.schema.createIndex('workflow_runs_resource').on('workflow_runs').columns(['resource_id']).execute();

  await db.schema
    .createTable('workflow_stages')
    .addColumn('run_id', 'varchar(64)', (c) => c.notNull().references('workflow_runs.id').onDelete('cascade'))
    .addColumn('stage', 'varchar(32)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('output', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('finished_at', 'varchar(32)')
    .addPrimaryKeyConstraint('workflow_stages_pk', ['run_id', 'stage'])
    .execute();
}
