// The developer SDK API (seed 003, /api/developer/sdk/v1): create a video and run its multipart
// upload, with the app's public (cpk_) key from an allowed Origin. Thin: it maps HTTP to the service.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { bodylessAsEmpty, idempotently, replies, schemas, type ErrorCode } from '../../http/index.js';
import type { AppContext } from '../../server/context.js';
import { appOf, PUBLIC_KEY_SECURITY, requireAppKey } from './auth.js';
import { publicStreamKey, videoWatchStream } from './events.js';
import { AbortBody, CompleteBody, CreateBody, CreateHeaders, CreateResponse, InitiateBody, InitiateResponse, PresignBody, PresignResponse, StatusEnvelope, Success, VideoParams, withErrorFields } from './schemas.js';

export const SDK_PREFIX = '/api/developer/sdk/v1';
const tags = ['developer SDK'];
const security = PUBLIC_KEY_SECURITY;
/** Every SDK call is refused from an origin a production app does not list (checked with the key). */
const sdkReplies = (success: Parameters<typeof replies>[0], errors: readonly ErrorCode[] = []) => replies(success, ['origin_not_allowed', ...errors]);
const completeReplies = withErrorFields(sdkReplies({ 200: Success }, ['not_found', 'conflict', 'payment_required']), 402, {
  required_micro: Type.Integer({ minimum: 0, description: 'Always sent with payment_required here: what durationInSecs costs at the price per minute, in micro-credits' }),
  balance_micro: Type.Integer({ description: 'Always sent with payment_required here: what the app\'s organization holds, in micro-credits' }),
}, { error: 'Insufficient credits: a video of 90 s costs 7500 micro-credits', code: 'payment_required', required_micro: 7500, balance_micro: 5000 });
const ORIGIN = 'For a production app the Origin header must be one of its allowed origins (403 origin_not_allowed); development apps skip the check.';
const UPLOAD_NOT_FOUND = 'An unknown, deleted or other app\'s video is 404 not_found; an uploadId that is not the video\'s current upload is 404 (NoSuchUpload: …).';

const createReplies = withErrorFields(sdkReplies({ 200: { ...CreateResponse, headers: schemas.replayHeaders } }, ['payment_required', 'idempotency_conflict']), 402, {
  required_micro: Type.Integer({ minimum: 0, description: 'Always sent with payment_required here: the least balance a video needs (one minute\'s price), in micro-credits' }),
  balance_micro: Type.Integer({ description: 'Always sent with payment_required here: what the app\'s organization holds, in micro-credits' }),
}, { error: 'Insufficient credits: creating a video needs at least 5000 micro-credits', code: 'payment_required', required_micro: 5000, balance_micro: 1200 });

export function developerSdkRoutes(ctx: AppContext) {
  return async function developerSdk(root: FastifyInstance): Promise<void> {
    await root.register(async (scope) => {
      const app = scope.withTypeProvider<TypeBoxTypeProvider>();
      requireAppKey(scope, ctx.storage, 'public');
      // Only create has no required field.
      scope.addHook('preValidation', bodylessAsEmpty);
      const { videos } = ctx;

      app.post('/videos/create', {
        schema: {
          operationId: 'createVideo', tags, security, summary: 'Create a video record; 402 below one minute of credits', headers: CreateHeaders, body: CreateBody, response: createReplies,
          description: `name defaults to "Untitled"; the body may be left out. Needs a balance of at least CAPSTAN_VIDEO_PRICE_PER_MINUTE_MICRO (5,000) micro-credits, else 402 payment_required with required_micro and balance_micro; the debit itself happens when the uploaded file is measured. With an Idempotency-Key, a create retried after a lost answer returns the first video (Idempotent-Replayed: true) instead of making a second. ${ORIGIN}`,
        },
      }, async (req, reply) => {
        const app = appOf(req);
        return idempotently(ctx.storage.idempotency, req, reply, `app:${app.id}`, () => videos.create(app, { ...req.body, metadata: req.body.metadata ?? undefined }));
      });

      app.post('/upload/multipart/initiate', {
        schema: {
          operationId: 'initiateVideoUpload', tags, security, summary: 'Start a multipart upload of the video file', body: InitiateBody, response: sdkReplies({ 200: InitiateResponse }, ['not_found', 'conflict']),
          description: `contentType is what a recorder's blob.type says (video/webm;codecs=vp9,opus): its base is stored lower-cased, its parameters kept for the record. Only video/* and audio/* types are taken (else 400). A new initiate replaces an unfinished upload; after complete it is 409 conflict. ${ORIGIN}`,
        },
      }, async (req) => videos.initiate(appOf(req), req.body));

      app.post('/upload/multipart/presign-part', {
        schema: {
          operationId: 'presignVideoUploadPart', tags, security, summary: 'A presigned URL to PUT one part to; its response carries the ETag', body: PresignBody, response: sdkReplies({ 200: PresignResponse }, ['not_found']),
          description: `Part numbers 1-10000. The URL expires after CAPSTAN_MULTIPART_URL_TTL_SECONDS. Every part but the last must be at least CAPSTAN_MULTIPART_MIN_PART_BYTES (5 MiB). On the local store the URL is Capstan's own PUT /uploads/parts; on S3 a presigned URL of the bucket. ${UPLOAD_NOT_FOUND} ${ORIGIN}`,
        },
      }, async (req) => videos.presignPart(appOf(req), req.body));

      app.post('/upload/multipart/complete', {
        schema: {
          operationId: 'completeVideoUpload', tags, security, summary: 'Assemble the uploaded parts; processing (probe, render, poster, transcribe) starts', body: CompleteBody, response: completeReplies,
          description: `Parts in ascending order with the ETags their uploads returned; failures are 400 with S3's code leading the message (InvalidPartOrder, InvalidPart, EntityTooSmall) and change nothing. durationInSecs, width, height and fps are kept for the record: the server measures the file with ffmpeg and bills its measured duration; but when durationInSecs costs more than the organization holds, complete is 402 payment_required at once (nothing changes: top up and complete again), as the seed debits the stated duration. A complete of an upload already completed is 409 conflict without Retry-After; while another complete of it is in flight, 409 conflict ("being completed") with Retry-After: ask again then. ${UPLOAD_NOT_FOUND} ${ORIGIN}`,
        },
      }, async (req) => {
        await videos.complete(appOf(req), req.body);
        return { success: true as const };
      });

      app.post('/upload/multipart/abort', {
        schema: {
          operationId: 'abortVideoUpload', tags, security, summary: 'Abort the multipart upload and discard its parts', body: AbortBody, response: sdkReplies({ 200: Success }, ['not_found', 'conflict']),
          description: `The video goes back to waiting for an upload. An upload already completed is 409 conflict. ${UPLOAD_NOT_FOUND} ${ORIGIN}`,
        },
      }, async (req) => {
        await videos.abort(appOf(req), req.body);
        return { success: true as const };
      });

      app.get('/videos/:id/status', {
        schema: {
          operationId: 'getVideoStatusPublic', tags, security, summary: 'Whether the video is processed, for the page that uploaded it', params: VideoParams,
          response: sdkReplies({ 200: StatusEnvelope }, ['not_found']),
          description: `The same answer as GET /api/developer/v1/videos/{id}/status, with the public key: a page polls it after complete until ready is true (or watches GET /videos/{id}/events). It tells what the video's share page shows already to anyone with its id: no more. An unknown, deleted or other app's video is 404 not_found. ${ORIGIN}`,
        },
      }, async (req) => ({ data: await videos.status(appOf(req), req.params.id) }));
    }, { prefix: SDK_PREFIX });

    // The watch stream takes its key from ?key= too: a browser's EventSource cannot send a header.
    await root.register(async (scope) => {
      requireAppKey(scope, ctx.storage, 'public', publicStreamKey);
      videoWatchStream(scope, ctx);
    }, { prefix: SDK_PREFIX });
  };
}
