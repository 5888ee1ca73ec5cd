// The developer SDK API (seed 003, /api/developer/sdk/v1): create a video and run its multipart
// upload, with the app's public (cpk_) key from an allowed Origin. Thin: it maps HTTP to the service.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../server/context.js';
import { appOf, requireAppKey } from './auth.js';
import { AbortBody, CompleteBody, CreateBody, CreateResponse, InitiateBody, PresignBody, Success } from './schemas.js';

export const SDK_PREFIX = '/api/developer/sdk/v1';
const tags = ['developer SDK'];
const security = [{ bearer: [] }];

export function developerSdkRoutes(ctx: AppContext) {
  return async function developerSdk(root: FastifyInstance): Promise<void> {
    await root.register(async (scope) => {
      const app = scope.withTypeProvider<TypeBoxTypeProvider>();
      requireAppKey(scope, ctx.storage, 'public');
      // POSTs without a body (curl -X POST) mean "no options"; only create has no required field.
      scope.addHook('preValidation', async (req) => {
        if (req.body === undefined && req.method === 'POST') req.body = {};
      });
      const { videos } = ctx;

      app.post('/videos/create', {
        schema: {
          tags, security, summary: 'Create a video record; 402 below one minute of credits', body: CreateBody, response: { 200: CreateResponse },
          description: 'name defaults to "Untitled". Needs a balance of at least CAPSTAN_VIDEO_PRICE_PER_MINUTE_MICRO (5,000) micro-credits; the debit itself happens when the uploaded file is measured.',
        },
      }, async (req) => videos.create(appOf(req), { ...req.body, metadata: req.body.metadata ?? undefined }));

      app.post('/upload/multipart/initiate', {
        schema: {
          tags, security, summary: 'Start a multipart upload of the video file', body: InitiateBody, response: { 200: Type.Object({ uploadId: Type.String() }) },
          description: 'contentType is what a recorder\'s blob.type says (video/webm;codecs=vp9,opus): its base is stored lower-cased, its parameters kept for the record. Only video/* and audio/* types are taken.',
        },
      }, async (req) => videos.initiate(appOf(req), req.body));

      app.post('/upload/multipart/presign-part', {
        schema: {
          tags, security, summary: 'A presigned URL to PUT one part to; its response carries the ETag', body: PresignBody, response: { 200: Type.Object({ presignedUrl: Type.String() }) },
          description: 'Part numbers 1-10000. The URL expires after CAPSTAN_MULTIPART_URL_TTL_SECONDS. Every part but the last must be at least CAPSTAN_MULTIPART_MIN_PART_BYTES (5 MiB).',
        },
      }, async (req) => videos.presignPart(appOf(req), req.body));

      app.post('/upload/multipart/complete', {
        schema: {
          tags, security, summary: 'Assemble the uploaded parts; processing (probe, render, poster, transcribe) starts', body: CompleteBody, response: { 200: Success },
          description: 'Parts in ascending order with the ETags their uploads returned. durationInSecs, width, height and fps are kept for the record only: the server measures the file with ffmpeg and bills its measured duration.',
        },
      }, async (req) => {
        await videos.complete(appOf(req), req.body);
        return { success: true as const };
      });

      app.post('/upload/multipart/abort', {
        schema: { tags, security, summary: 'Abort the multipart upload and discard its parts', body: AbortBody, response: { 200: Success } },
      }, async (req) => {
        await videos.abort(appOf(req), req.body);
        return { success: true as const };
      });
    }, { prefix: SDK_PREFIX });
  };
}
