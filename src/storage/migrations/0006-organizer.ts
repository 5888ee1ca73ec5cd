// Organizer (seed 002): uploaded files with their virtual folder, organize jobs, and one row per
// file of a job so a job's progress is durable and each file is filed exactly once.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('organizer_files')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('org_id', 'varchar(64)', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('content_type', 'varchar(255)')
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('content_date', 'varchar(10)')
    .addColumn('blob_key', 'text', (c) => c.notNull())
    .addColumn('folder', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('locked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('organizer_files_org_created').on('organizer_files').columns(['org_id', 'created_at']).execute();
  await db.schema.createIndex('organizer_files_org_folder').on('organizer_files').columns(['org_id', 'folder']).execute();

  await db.schema
    .createTable('organizer_jobs')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('org_id', 'varchar(64)', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('workflow_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('source_folder', 'text')
    .addColumn('total_count', 'integer', (c) => c.notNull())
    .addColumn('processed_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('organized', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('current_file', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('completed_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('organizer_jobs_org_status').on('organizer_jobs').columns(['org_id', 'status']).execute();

  await db.schema
    .createTable('organizer_job_files')
    .addColumn('job_id', 'varchar(64)', (c) => c.notNull().references('organizer_jobs.id').onDelete('cascade'))
    .addColumn('file_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('folder', 'text')
    .addColumn('error_code', 'varchar(32)')
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('organizer_job_files_pk', ['job_id', 'file_id'])
    .execute();
  await db.schema.createIndex('organizer_job_files_pending').on('organizer_job_files').columns(['job_id', 'state', 'position']).execute();
}
