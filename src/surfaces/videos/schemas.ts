// Request and response schemas of the developer video surfaces (seed 003's field names, its examples).
// Imports stay on leaf modules: the AsyncAPI document reads these schemas while src/http loads.
import { Type, type TSchema } from '@sinclair/typebox';
import { MAX_PART_NUMBER, MIN_PART_NUMBER } from '../../blobs/types.js';
import { Limit, Name, Offset } from '../../http/schemas.js';

export const VideoId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'The video id (12 lowercase letters and digits)', examples: ['abc123def456'] });
export const UploadId = Type.String({ minLength: 1, maxLength: 1024, description: 'The upload id from initiate', examples: ['multipart-upload-id'] });
export const VideoParams = Type.Object({ id: VideoId });

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Timestamp = (description: string) => Type.String({ format: 'date-time', description });

export const TRANSCRIPTION_STATUSES = ['PROCESSING', 'COMPLETE', 'ERROR', 'SKIPPED', 'NO_AUDIO'] as const;
const TranscriptionStatus = Nullable(Type.Unsafe<(typeof TRANSCRIPTION_STATUSES)[number]>({
  type: 'string',
  enum: [...TRANSCRIPTION_STATUSES],
  description: 'null until the video is processed; then PROCESSING while the engine runs, COMPLETE, ERROR, SKIPPED (no engine configured) or NO_AUDIO',
}));

/** The seed's example video, shared by the list, get and event examples. */
export const EXAMPLE_VIDEO = {
  id: 'abc123def456',
  appId: 'app_789',
  externalUserId: 'user_42',
  name: 'Product Demo',
  duration: 124.5,
  width: 1920,
  height: 1080,
  fps: 30,
  s3Key: 'developer/app_789/abc123def456/result.mp4',
  transcriptionStatus: 'COMPLETE',
  metadata: null,
  deletedAt: null,
  createdAt: '2025-06-15T10:30:00.000Z',
  updatedAt: '2025-06-15T10:32:00.000Z',
} as const;

export const VideoObject = Type.Object({
  id: Type.String({ description: 'Unique video identifier' }),
  appId: Type.String({ description: 'The developer app that owns this video' }),
  externalUserId: Nullable(Type.String({ description: 'The userId given at create' })),
  name: Type.String({ description: 'Display name ("Untitled" when none was given)' }),
  duration: Nullable(Type.Number({ description: 'Seconds, as the server measured the file; null until the video is ready' })),
  width: Nullable(Type.Number({ description: 'Displayed width in pixels; null until the video is ready' })),
  height: Nullable(Type.Number({ description: 'Displayed height in pixels; null until the video is ready' })),
  fps: Nullable(Type.Number({ description: 'Nominal frame rate; null until the video is ready' })),
  s3Key: Nullable(Type.String({ description: 'Storage key of the upload as sent (developer/<appId>/<id>/result.mp4)' })),
  transcriptionStatus: TranscriptionStatus,
  metadata: Nullable(Type.Object({}, { additionalProperties: true, description: 'The metadata given at create, as given' })),
  deletedAt: Nullable(Timestamp('Deletion time; null for live videos (deleted ones are never listed)')),
  createdAt: Timestamp('Creation time (ISO 8601)'),
  updatedAt: Timestamp('Last change (ISO 8601)'),
}, { examples: [EXAMPLE_VIDEO] });

export const VideoStatus = Type.Object({
  id: Type.String(),
  duration: Nullable(Type.Number({ description: 'Measured seconds; null until ready' })),
  width: Nullable(Type.Number()),
  height: Nullable(Type.Number()),
  transcriptionStatus: TranscriptionStatus,
  ready: Type.Boolean({ description: 'true once the video is measured, playable (its rendition is stored) and billed' }),
  error: Type.Optional(Type.String({ description: 'Only when processing failed: not_a_video, unsupported, truncated, undecodable, insufficient_credits, processing_timeout, render_failed, no_h264_encoder, object_missing, attempts_exhausted, video_deleted…' })),
  processing: Type.Optional(Type.Object({
    stage: Type.String({ description: 'probe, render, poster or transcribe' }),
    status: Type.Unsafe<'running' | 'retrying' | 'complete'>({ type: 'string', enum: ['running', 'retrying', 'complete'], description: 'retrying: an attempt failed and another follows' }),
  }, { description: 'Beyond seed 003, only while processing runs: the stage in progress and how it goes' })),
});

const EXAMPLE_STATUS = { id: 'abc123def456', duration: 124.5, width: 1920, height: 1080, transcriptionStatus: 'COMPLETE', ready: true } as const;

export const VideoList = Type.Object({ data: Type.Array(VideoObject) }, { description: 'A page of the app\'s videos, newest first (no pagination metadata)', examples: [{ data: [EXAMPLE_VIDEO] }] });
export const VideoEnvelope = Type.Object({ data: VideoObject }, { description: 'The video', examples: [{ data: EXAMPLE_VIDEO }] });
export const StatusEnvelope = Type.Object({ data: VideoStatus }, { description: 'The video\'s processing status', examples: [{ data: EXAMPLE_STATUS }] });

export const Usage = Type.Object({
  data: Type.Object({
    balanceMicroCredits: Type.Integer({ description: "The organization's balance (shared by its apps); 100,000 micro-credits are one dollar" }),
    balanceDollars: Type.String({ pattern: '^-?\\d+\\.\\d{2}$', description: 'The same balance in dollars, two decimals, rounded down to the cent' }),
    totalVideos: Type.Integer({ minimum: 0, description: "The app's live (not deleted) videos" }),
    totalDurationMinutes: Type.Number({ minimum: 0, description: 'Sum of their measured durations in minutes, rounded to two decimals' }),
  }),
}, { description: 'The balance and the app\'s totals', examples: [{ data: { balanceMicroCredits: 500000, balanceDollars: '5.00', totalVideos: 23, totalDurationMinutes: 87.5 } }] });

export const Success = Type.Object({ success: Type.Literal(true) }, { description: 'Done', examples: [{ success: true }] });

export const ListQuery = Type.Object({
  userId: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Only videos created with this external user id' })),
  limit: { ...Limit(50, 100), description: 'Items per page, 1-100 (default 50); outside that range is 400, never clamped' },
  offset: { ...Offset, description: 'Items to skip (default 0)' },
});

export const CreateBody = Type.Object({
  name: Type.Optional({ ...Name, description: 'Video name (default "Untitled")' }),
  userId: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Your external user id, to filter the list by' })),
  metadata: Type.Optional(Nullable(Type.Object({}, { additionalProperties: true, description: 'Any JSON object (at most 16 KiB), stored and returned as given' }))),
}, { additionalProperties: false, examples: [{ name: 'User Recording', userId: 'user_42' }] });

export const CreateHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ description: '1-255 visible ASCII characters, kept 24 h per app. The same key with the same body returns the first video instead of making another (a create retried after a lost answer); with another body, 409 idempotency_conflict.' })),
});

export const CreateResponse = Type.Object({
  videoId: Type.String(),
  s3Key: Type.String({ description: 'Where the upload will be stored' }),
  shareUrl: Type.String({ format: 'uri', description: '<CAPSTAN_PUBLIC_URL>/dev/<id>' }),
  embedUrl: Type.String({ format: 'uri', description: '<CAPSTAN_PUBLIC_URL>/embed/<id>?sdk=1' }),
}, { description: 'The video record, with its share and embed URLs', examples: [{ videoId: 'abc123def456', s3Key: 'developer/app_789/abc123def456/result.mp4', shareUrl: 'https://cap.so/dev/abc123def456', embedUrl: 'https://cap.so/embed/abc123def456?sdk=1' }] });

export const InitiateBody = Type.Object({
  videoId: VideoId,
  contentType: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'A video/* or audio/* media type, parameters allowed as a recorder sends them (video/webm;codecs=vp9,opus); default video/mp4. Anything else is 400 invalid_request.' })),
}, { additionalProperties: false, examples: [{ videoId: 'abc123def456', contentType: 'video/mp4' }] });

export const InitiateResponse = Type.Object({ uploadId: Type.String() }, { description: 'The multipart upload to send parts to', examples: [{ uploadId: 'multipart-upload-id' }] });

const PartNumber = Type.Integer({ minimum: MIN_PART_NUMBER, maximum: MAX_PART_NUMBER, description: `Part number, ${MIN_PART_NUMBER}-${MAX_PART_NUMBER}` });

export const PresignBody = Type.Object({
  videoId: VideoId,
  uploadId: UploadId,
  partNumber: PartNumber,
}, { additionalProperties: false, examples: [{ videoId: 'abc123def456', uploadId: 'multipart-upload-id', partNumber: 1 }] });

export const PresignResponse = Type.Object({
  presignedUrl: Type.String({ format: 'uri', description: 'PUT the part bytes here; the answer\'s ETag header goes into complete' }),
}, { description: 'Where to PUT the part', examples: [{ presignedUrl: 'https://s3.amazonaws.com/...' }] });

export const CompleteBody = Type.Object({
  videoId: VideoId,
  uploadId: UploadId,
  parts: Type.Array(Type.Object({
    partNumber: PartNumber,
    etag: Type.String({ minLength: 1, maxLength: 128, description: 'The ETag header the part upload answered with' }),
    size: Type.Integer({ minimum: 0, description: 'Informational: the stored part sizes are what count' }),
  }, { additionalProperties: false }), { minItems: 1, maxItems: MAX_PART_NUMBER, description: 'In ascending partNumber order' }),
  durationInSecs: Type.Optional(Type.Number({ minimum: 0, maximum: 31_536_000, description: 'Kept for the record only: the server measures the file and bills its measured duration' })),
  width: Type.Optional(Type.Number({ minimum: 1, maximum: 100_000, description: 'Kept for the record only' })),
  height: Type.Optional(Type.Number({ minimum: 1, maximum: 100_000, description: 'Kept for the record only' })),
  fps: Type.Optional(Type.Number({ minimum: 0, maximum: 1000, description: 'Kept for the record only' })),
}, {
  additionalProperties: false,
  examples: [{ videoId: 'abc123def456', uploadId: 'multipart-upload-id', parts: [{ partNumber: 1, etag: '"9b2cf535f27731c974343645a3985328"', size: 5242880 }, { partNumber: 2, etag: '"6f5902ac237024bdd0c176cb93063dc4"', size: 1048576 }], durationInSecs: 124.5, width: 1920, height: 1080, fps: 30 }],
});

export const AbortBody = Type.Object({ videoId: VideoId, uploadId: UploadId }, { additionalProperties: false, examples: [{ videoId: 'abc123def456', uploadId: 'multipart-upload-id' }] });

/**
 * Declares the extra body fields an error status carries (e.g. the 402's required_micro and
 * balance_micro) on the error schema `replies` built for it. They stay out of `required`: an error
 * body's required fields are `error` and `code` everywhere, and a status merges several codes.
 */
export function withErrorFields(responses: Record<number, unknown>, status: number, fields: Readonly<Record<string, TSchema>>, example?: Readonly<Record<string, unknown>>): Record<number, unknown> {
  const schema = responses[status] as { properties: Readonly<Record<string, unknown>> } | undefined;
  if (!schema) throw new Error(`no error response ${status} to add fields to`);
  return {
    ...responses,
    [status]: { ...schema, properties: { ...schema.properties, ...fields }, ...(example ? { examples: [example] } : {}) },
  };
}
