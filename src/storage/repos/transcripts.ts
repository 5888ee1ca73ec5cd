// Transcripts of developer videos, one row per video (the latest transcription's outcome).
import type { Kysely, Selectable } from 'kysely';
import type { Database, VideoTranscriptTable } from '../schema.js';

export type VideoTranscriptRow = Selectable<VideoTranscriptTable>;

export interface TranscriptRepo {
  /** Inserts the video's transcript, or replaces the one it had. */
  save(row: VideoTranscriptRow): Promise<void>;
  get(videoId: string): Promise<VideoTranscriptRow | undefined>;
}

export function transcriptRepo(db: Kysely<Database>): TranscriptRepo {
  return {
    async save(row) {
      const { video_id: _, ...rest } = row;
      await db.insertInto('video_transcripts').values(row).onConflict((oc) => oc.column('video_id').doUpdateSet(rest)).execute();
    },
    get: (videoId) => db.selectFrom('video_transcripts').selectAll().where('video_id', '=', videoId).executeTakeFirst(),
  };
}
