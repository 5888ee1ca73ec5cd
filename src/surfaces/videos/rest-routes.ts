// The developer REST API (seed 003, /api/developer/v1): list, get, status, soft delete and usage
// (and, beyond the seed, the transcript and the event stream), with the app's secret (csk_) key.
// Thin: it maps HTTP to the video service.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { replies } from '../../http/index.js';
import type { AppContext } from '../../server/context.js';
import { appOf, requireAppKey, SECRET_KEY_SECURITY } from './auth.js';
import { videoEventStream } from './events.js';
import { ListQuery, StatusEnvelope, Success, Usage, VideoEnvelope, VideoList, VideoParams } from './schemas.js';
import { transcriptRoutes } from './transcript-routes.js';

export const REST_PREFIX = '/api/developer/v1';
const tags = ['developer videos'];
const security = SECRET_KEY_SECURITY;
const NOT_FOUND = 'A video of another app (even of the same organization), a deleted or an unknown one is 404 not_found.';

export function developerRestRoutes(ctx: AppContext) {
  return async function developerRest(root: FastifyInstance): Promise<void> {
    await root.register(async (scope) => {
      const app = scope.withTypeProvider<TypeBoxTypeProvider>();
      requireAppKey(scope, ctx.storage, 'secret');
      const { videos } = ctx;

      app.get('/videos', {
        schema: {
          operationId: 'listVideos', tags, security, summary: "The app's videos, newest first", querystring: ListQuery,
          description: 'Deleted videos are left out. The answer carries no pagination metadata: to page, increase offset by limit until a page has fewer items than limit. limit is 1-100 (default 50), offset 0-1000000000; a limit outside 1-100 is 400 rather than clamped, since a clamped limit would end that loop early.',
          response: replies({ 200: VideoList }),
        },
      }, async (req) => ({ data: await videos.list(appOf(req), req.query) }));

      app.get('/videos/:id', {
        schema: { operationId: 'getVideo', tags, security, summary: 'One video', description: NOT_FOUND, params: VideoParams, response: replies({ 200: VideoEnvelope }, ['not_found']) },
      }, async (req) => ({ data: await videos.get(appOf(req), req.params.id) }));

      app.get('/videos/:id/status', {
        schema: {
          operationId: 'getVideoStatus', tags, security, summary: 'Whether the video is processed (ready: duration and width known)', params: VideoParams,
          description: `Poll it after complete until ready is true (or follow GET /events). error appears when processing failed, processing while it runs. ${NOT_FOUND}`,
          response: replies({ 200: StatusEnvelope }, ['not_found']),
        },
      }, async (req) => ({ data: await videos.status(appOf(req), req.params.id) }));

      app.delete('/videos/:id', {
        schema: {
          operationId: 'deleteVideo', tags, security, summary: 'Soft-delete a video: it disappears from list, get, status, usage and its pages', params: VideoParams,
          description: `deletedAt is set and the uploaded object kept; an unfinished upload of it is aborted. ${NOT_FOUND}`,
          response: replies({ 200: Success }, ['not_found']),
        },
      }, async (req) => {
        await videos.remove(appOf(req), req.params.id);
        return { success: true as const };
      });

      app.get('/usage', {
        schema: {
          operationId: 'getVideoUsage', tags, security, summary: "The organization's credit balance and the app's video totals",
          description: 'Credits are micro-credits (100,000 to the dollar); a video costs CAPSTAN_VIDEO_PRICE_PER_MINUTE_MICRO (5,000) per measured minute.',
          response: replies({ 200: Usage }),
        },
      }, async (req) => ({ data: await videos.usage(appOf(req)) }));

      videoEventStream(scope, ctx);
      transcriptRoutes(scope, ctx);
    }, { prefix: REST_PREFIX });
  };
}
