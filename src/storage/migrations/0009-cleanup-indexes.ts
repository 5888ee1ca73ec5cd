// Indexes for the periodic cleanup, which runs every minute on every node: without them each of its
// bounded batches would still scan whole tables to find old rows and to check blob references.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('idempotency_keys_created').on('idempotency_keys').column('created_at').execute();
  await db.schema.createIndex('workflow_runs_kind_completed').on('workflow_runs').columns(['kind', 'completed_at']).execute();
  await db.schema.createIndex('documents_blob_key').on('documents').column('blob_key').execute();
  await db.schema.createIndex('organizer_files_blob_key').on('organizer_files').column('blob_key').execute();
  await db.schema.createIndex('videos_s3_key').on('videos').column('s3_key').execute();
}
