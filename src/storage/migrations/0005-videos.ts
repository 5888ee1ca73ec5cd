// Developer videos (seed 003): one row per video of an app, its multipart upload, the server's
// measurements and the client's fallback values, its billing and its soft deletion.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('videos')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('org_id', 'varchar(64)', (c) => c.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('app_id', 'varchar(64)', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('external_user_id', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text')
    .addColumn('s3_key', 'text', (c) => c.notNull())
    .addColumn('content_type', 'varchar(128)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('upload_id', 'text')
    .addColumn('size_bytes', 'bigint')
    .addColumn('duration', 'double precision')
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('fps', 'double precision')
    .addColumn('client_values', 'text')
    .addColumn('transcription_status', 'varchar(16)')
    .addColumn('workflow_id', 'varchar(64)')
    .addColumn('cost_micro', 'bigint')
    .addColumn('failure_reason', 'text')
    .addColumn('deleted_at', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('videos_app_created').on('videos').columns(['app_id', 'created_at']).execute();
}
