// Transcripts of developer videos as their readers get them: the app through the REST API (its own
// live videos only), and anyone with a video's link through the pages' captions track.
import { AppError } from '../http/errors.js';
import type { TranscriptSegment } from '../pipelines/videos/index.js';
import type { App, Storage, VideoRow } from '../storage/index.js';
import { toWebVtt } from './formats.js';

export interface StoredTranscript {
  readonly videoId: string;
  readonly text: string;
  readonly segments: readonly TranscriptSegment[];
}

const ERROR_REASON_CHARS = 300;

/** Why there is no transcript to give, in the words of transcriptionStatus. */
function unavailable(video: VideoRow, failure: string | null): AppError {
  const status = video.transcription_status;
  const why: Record<NonNullable<VideoRow['transcription_status']>, string> = {
    PROCESSING: 'the transcript is being made',
    SKIPPED: 'no transcription engine is configured',
    NO_AUDIO: 'the video has no audio track',
    ERROR: failure === null ? 'the transcription failed' : failure.slice(0, ERROR_REASON_CHARS),
    COMPLETE: 'transcribed before transcripts were stored',
  };
  if (status === null && video.state === 'failed') return new AppError('transcript_unavailable', `No transcript: the video could not be processed (${video.failure_reason ?? 'failed'})`);
  if (status === null) return new AppError('transcript_unavailable', 'No transcript: the video has not been processed yet');
  return new AppError('transcript_unavailable', `No transcript: transcriptionStatus is ${status} (${why[status]})`);
}

export class TranscriptService {
  constructor(private readonly storage: Storage) {}

  /** The app's own live video's transcript; 404 for any other id, transcript_unavailable until it is COMPLETE. */
  async forApp(app: App, videoId: string): Promise<StoredTranscript> {
    const video = await this.storage.videos.get(app.id, videoId);
    if (!video) throw new AppError('not_found', 'Video not found');
    const row = await this.storage.transcripts.get(video.id);
    if (video.transcription_status !== 'COMPLETE' || !row || row.text === null) throw unavailable(video, row?.error ?? null);
    return { videoId: video.id, text: row.text, segments: JSON.parse(row.segments ?? '[]') as TranscriptSegment[] };
  }

  /** The captions of a live video for its pages, as WebVTT; 404 while it has no transcript. */
  async captions(videoId: string): Promise<string> {
    const video = await this.storage.videos.getById(videoId);
    if (!video || video.deleted_at !== null || video.transcription_status !== 'COMPLETE') throw new AppError('not_found', 'No captions for this video');
    const row = await this.storage.transcripts.get(video.id);
    if (!row || row.text === null) throw new AppError('not_found', 'No captions for this video');
    return toWebVtt(JSON.parse(row.segments ?? '[]') as TranscriptSegment[]);
  }
}
