// The seed's shapes of a video: the full object (list, get), the status, and the event payload.
import type { VideoRow } from '../storage/index.js';

export interface VideoObject {
  readonly id: string;
  readonly appId: string;
  readonly externalUserId: string | null;
  readonly name: string;
  readonly duration: number | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly fps: number | null;
  readonly s3Key: string | null;
  readonly transcriptionStatus: VideoRow['transcription_status'];
  readonly metadata: Record<string, unknown> | null;
  readonly deletedAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface VideoStatus {
  readonly id: string;
  readonly duration: number | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly transcriptionStatus: VideoRow['transcription_status'];
  readonly ready: boolean;
  /** Only when processing failed: a stable reason (not_a_video, truncated, insufficient_credits, …). */
  readonly error?: string;
  /** Beyond the seed, only while processing runs: the stage in progress and how it goes. */
  readonly processing?: StageProgress;
}

export interface StageProgress {
  readonly stage: string;
  readonly status: NonNullable<VideoRow['processing_status']>;
}

export function videoObject(v: VideoRow): VideoObject {
  return {
    id: v.id,
    appId: v.app_id,
    externalUserId: v.external_user_id,
    name: v.name,
    duration: v.duration,
    width: v.width,
    height: v.height,
    fps: v.fps,
    s3Key: v.s3_key,
    transcriptionStatus: v.transcription_status,
    metadata: v.metadata === null ? null : (JSON.parse(v.metadata) as Record<string, unknown>),
    deletedAt: v.deleted_at,
    createdAt: v.created_at,
    updatedAt: v.updated_at,
  };
}

export function videoStatus(v: VideoRow): VideoStatus {
  return {
    id: v.id,
    duration: v.duration,
    width: v.width,
    height: v.height,
    transcriptionStatus: v.transcription_status,
    ready: v.duration !== null && v.width !== null,
    ...(v.state === 'failed' ? { error: v.failure_reason ?? 'failed' } : {}),
    // A delete stops processing: a deleted video (its video.deleted event) shows none still running.
    ...(v.processing_stage !== null && v.processing_status !== null && v.deleted_at === null ? { processing: { stage: v.processing_stage, status: v.processing_status } } : {}),
  };
}

/** Event payloads carry the status and the owning app, which the developer event stream filters on. */
export const videoEventData = (v: VideoRow): Record<string, unknown> => ({ ...videoStatus(v), appId: v.app_id });
