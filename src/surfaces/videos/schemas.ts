// Request and response schemas of the developer video surfaces (seed 003's field names).
import { Type } from '@sinclair/typebox';
import { MAX_PART_NUMBER, MIN_PART_NUMBER } from '../../blobs/index.js';
import { schemas } from '../../http/index.js';

export const VideoId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'The video id (12 lowercase letters and digits)' });
export const UploadId = Type.String({ minLength: 1, maxLength: 1024, description: 'The upload id from initiate' });
export const VideoParams = Type.Object({ id: VideoId });

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const VideoObject = Type.Object({
  id: Type.String(),
  appId: Type.String(),
  externalUserId: Nullable(Type.String()),
  name: Type.String(),
  duration: Nullable(Type.Number()),
  width: Nullable(Type.Number()),
  height: Nullable(Type.Number()),
  fps: Nullable(Type.Number()),
  s3Key: Nullable(Type.String()),
  transcriptionStatus: Nullable(Type.String({ enum: ['PROCESSING', 'COMPLETE', 'ERROR', 'SKIPPED', 'NO_AUDIO'] })),
  metadata: Nullable(Type.Object({}, { additionalProperties: true })),
  deletedAt: Nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const VideoStatus = Type.Object({
  id: Type.String(),
  duration: Nullable(Type.Number()),
  width: Nullable(Type.Number()),
  height: Nullable(Type.Number()),
  transcriptionStatus: Nullable(Type.String()),
  ready: Type.Boolean({ description: 'true once the video is measured, playable (its rendition is stored) and billed' }),
  error: Type.Optional(Type.String({ description: 'Only when processing failed: not_a_video, unsupported, truncated, undecodable, insufficient_credits, processing_timeout, render_failed, no_h264_encoder, object_missing…' })),
  processing: Type.Optional(Type.Object({
    stage: Type.String({ description: 'probe, render, poster or transcribe' }),
    status: Type.String({ enum: ['running', 'retrying', 'complete'] }),
  }, { description: 'Beyond seed 003, only while processing runs: the stage in progress and how it goes' })),
});

export const Success = Type.Object({ success: Type.Literal(true) });

export const ListQuery = Type.Object({
  userId: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Only videos created with this external user id' })),
  limit: schemas.Limit(50, 100),
  offset: schemas.Offset,
});

export const CreateBody = Type.Object({
  name: Type.Optional(schemas.Name),
  userId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  metadata: Type.Optional(Nullable(Type.Object({}, { additionalProperties: true }))),
}, { additionalProperties: false });

export const CreateResponse = Type.Object({ videoId: Type.String(), s3Key: Type.String(), shareUrl: Type.String(), embedUrl: Type.String() });

export const InitiateBody = Type.Object({
  videoId: VideoId,
  contentType: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'A video/* or audio/* media type, parameters allowed as a recorder sends them (video/webm;codecs=vp9,opus); default video/mp4. Anything else is 400 invalid_request.' })),
}, { additionalProperties: false });

export const PresignBody = Type.Object({
  videoId: VideoId,
  uploadId: UploadId,
  partNumber: Type.Integer({ minimum: MIN_PART_NUMBER, maximum: MAX_PART_NUMBER }),
}, { additionalProperties: false });

export const CompleteBody = Type.Object({
  videoId: VideoId,
  uploadId: UploadId,
  parts: Type.Array(Type.Object({
    partNumber: Type.Integer({ minimum: MIN_PART_NUMBER, maximum: MAX_PART_NUMBER }),
    etag: Type.String({ minLength: 1, maxLength: 128 }),
    size: Type.Integer({ minimum: 0, description: 'Informational: the stored part sizes are what count' }),
  }, { additionalProperties: false }), { minItems: 1, maxItems: MAX_PART_NUMBER }),
  durationInSecs: Type.Optional(Type.Number({ minimum: 0, maximum: 31_536_000, description: 'Kept for the record only: the server measures the file and bills its measured duration' })),
  width: Type.Optional(Type.Number({ minimum: 1, maximum: 100_000 })),
  height: Type.Optional(Type.Number({ minimum: 1, maximum: 100_000 })),
  fps: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
}, { additionalProperties: false });

export const AbortBody = Type.Object({ videoId: VideoId, uploadId: UploadId }, { additionalProperties: false });
