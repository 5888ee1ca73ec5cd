// The outcome of a developer video's transcription: its text and timed segments when it succeeded,
// the reason when it failed. One row per video, replaced when the video is transcribed again.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('video_transcripts')
    .addColumn('video_id', 'varchar(64)', (c) => c.primaryKey().references('videos.id').onDelete('cascade'))
    .addColumn('engine', 'varchar(16)', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('segments', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
}
