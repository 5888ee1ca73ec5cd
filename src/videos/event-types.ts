// Event types of developer videos, on the organization's topic with scope {video_id}. Every payload
// is the GET /videos/:id/status shape plus appId (error when processing failed, processing while it runs).
import type { EventTypeSpec } from '../events/index.js';

export const VIDEO_EVENT_TYPES: readonly EventTypeSpec[] = [
  { type: 'video.created', scope: 'org', description: 'A video record was created (SDK create)' },
  { type: 'video.upload_started', scope: 'org', description: 'A multipart upload of the video was initiated' },
  { type: 'video.upload_aborted', scope: 'org', description: 'The multipart upload was aborted; its parts are gone' },
  { type: 'video.uploaded', scope: 'org', description: 'The upload was completed; processing (probe, render, poster, transcribe) starts' },
  { type: 'video.processing', scope: 'org', description: 'A processing stage started (running), failed an attempt and will retry (retrying) or finished (complete); processing holds {stage, status}' },
  { type: 'video.ready', scope: 'org', description: 'The video was measured, made playable and billed: duration and width are known, ready is true' },
  { type: 'video.transcription', scope: 'org', description: 'transcriptionStatus changed (PROCESSING, then COMPLETE, ERROR or NO_AUDIO)' },
  { type: 'video.failed', scope: 'org', description: 'Processing failed; error holds the reason (not_a_video, truncated, insufficient_credits, …)' },
  { type: 'video.deleted', scope: 'org', description: 'The video was soft-deleted' },
];

export type VideoEventType =
  | 'video.created'
  | 'video.upload_started'
  | 'video.upload_aborted'
  | 'video.uploaded'
  | 'video.processing'
  | 'video.ready'
  | 'video.transcription'
  | 'video.failed'
  | 'video.deleted';

export const isVideoEvent = (type: string): boolean => type.startsWith('video.');
