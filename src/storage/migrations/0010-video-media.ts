// Developer videos as browsers record them: the parameters of the uploaded content type (codecs),
// the playable rendition and poster image made from the upload, and the processing stage in progress.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // SQLite adds one column per ALTER TABLE.
  await db.schema.alterTable('videos').addColumn('content_type_params', 'text').execute();
  await db.schema.alterTable('videos').addColumn('rendition_key', 'text').execute();
  await db.schema.alterTable('videos').addColumn('poster_key', 'text').execute();
  await db.schema.alterTable('videos').addColumn('processing_stage', 'varchar(16)').execute();
  await db.schema.alterTable('videos').addColumn('processing_status', 'varchar(16)').execute();
  // The cleanup looks every stored object up by key: these two are a video's objects too.
  await db.schema.createIndex('videos_rendition_key').on('videos').column('rendition_key').execute();
  await db.schema.createIndex('videos_poster_key').on('videos').column('poster_key').execute();
}
