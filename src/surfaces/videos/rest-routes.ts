// The developer REST API (seed 003, /api/developer/v1): list, get, status, soft delete and usage
// (and, beyond the seed, the transcript), with the app's secret (csk_) key. Thin: it maps HTTP to
// the video service.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../server/context.js';
import { appOf, requireAppKey } from './auth.js';
import { videoEventStream } from './events.js';
import { ListQuery, Success, VideoObject, VideoParams, VideoStatus } from './schemas.js';
import { transcriptRoutes } from './transcript-routes.js';

export const REST_PREFIX = '/api/developer/v1';
const tags = ['developer videos'];
const security = [{ bearer: [] }];

export function developerRestRoutes(ctx: AppContext) {
  return async function developerRest(root: FastifyInstance): Promise<void> {
    await root.register(async (scope) => {
      const app = scope.withTypeProvider<TypeBoxTypeProvider>();
      requireAppKey(scope, ctx.storage, 'secret');
      const { videos } = ctx;

      app.get('/videos', {
        schema: {
          tags, security, summary: "The app's videos, newest first", querystring: ListQuery,
          description: 'limit 1-100 (default 50), offset 0-1000000000. A limit outside 1-100 is 400 rather than clamped: a clamped limit would end a client\'s "fewer items than limit" pagination early.',
          response: { 200: Type.Object({ data: Type.Array(VideoObject) }) },
        },
      }, async (req) => ({ data: await videos.list(appOf(req), req.query) }));

      app.get('/videos/:id', {
        schema: { tags, security, summary: 'One video', params: VideoParams, response: { 200: Type.Object({ data: VideoObject }) } },
      }, async (req) => ({ data: await videos.get(appOf(req), req.params.id) }));

      app.get('/videos/:id/status', {
        schema: { tags, security, summary: 'Whether the video is processed (ready: duration and width known)', params: VideoParams, response: { 200: Type.Object({ data: VideoStatus }) } },
      }, async (req) => ({ data: await videos.status(appOf(req), req.params.id) }));

      app.delete('/videos/:id', {
        schema: { tags, security, summary: 'Soft-delete a video: it disappears from list, get, status and its pages', params: VideoParams, response: { 200: Success } },
      }, async (req) => {
        await videos.remove(appOf(req), req.params.id);
        return { success: true as const };
      });

      app.get('/usage', {
        schema: {
          tags, security, summary: "The organization's credit balance and the app's video totals",
          response: { 200: Type.Object({ data: Type.Object({ balanceMicroCredits: Type.Integer(), balanceDollars: Type.String(), totalVideos: Type.Integer(), totalDurationMinutes: Type.Number() }) }) },
        },
      }, async (req) => ({ data: await videos.usage(appOf(req)) }));

      videoEventStream(scope, ctx);
      transcriptRoutes(scope, ctx);
    }, { prefix: REST_PREFIX });
  };
}
