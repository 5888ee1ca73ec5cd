// A developer video's transcript: GET /api/developer/v1/videos/:id/transcript?format=json|vtt|text
// with the app's secret key, and the public captions track the share and embed pages point their
// <track> at (GET /dev/:id/captions.vtt). Thin: it maps HTTP to the transcript service.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../server/context.js';
import { toPlainText, toWebVtt, TRANSCRIPT_FORMATS, type TranscriptFormat } from '../../transcripts/index.js';
import { appOf } from './auth.js';
import { VideoParams } from './schemas.js';

const TranscriptQuery = Type.Object({
  format: Type.Optional(Type.Unsafe<TranscriptFormat>({ type: 'string', enum: [...TRANSCRIPT_FORMATS], description: 'json (default), vtt (WebVTT captions) or text' })),
});

const Segment = Type.Object({
  start: Type.Number({ description: 'Seconds from the start of the video' }),
  end: Type.Number(),
  text: Type.String(),
});

const TranscriptJson = Type.Object({
  data: Type.Object({
    videoId: Type.String(),
    text: Type.String(),
    segments: Type.Array(Segment, { description: 'Timed cues, in order; empty when the engine gave no timings' }),
  }),
});

export const captionsPath = (videoId: string): string => `/dev/${videoId}/captions.vtt`;
const VTT = 'text/vtt; charset=utf-8';

/** Registered inside the REST API's scope, which authenticates the secret key. */
export function transcriptRoutes(scope: FastifyInstance, ctx: AppContext): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/videos/:id/transcript', {
    schema: {
      tags: ['developer videos'],
      security: [{ bearer: [] }],
      summary: "The video's transcript as JSON, WebVTT or plain text",
      description: 'Beyond the seed. 409 transcript_unavailable while transcriptionStatus is not COMPLETE (the message names the status, and the reason of an ERROR); 404 for a video of another app, a deleted or unknown one.',
      params: VideoParams,
      querystring: TranscriptQuery,
      response: { 200: { content: { 'application/json': { schema: TranscriptJson }, 'text/vtt': { schema: Type.String() }, 'text/plain': { schema: Type.String() } } } },
    },
  }, async (req, reply) => {
    const transcript = await ctx.transcripts.forApp(appOf(req), req.params.id);
    reply.header('Cache-Control', 'no-cache');
    switch (req.query.format ?? 'json') {
      case 'vtt':
        return reply.type(VTT).send(toWebVtt(transcript.segments));
      case 'text':
        return reply.type('text/plain; charset=utf-8').send(toPlainText(transcript.text));
      case 'json':
        return reply.type('application/json; charset=utf-8').send({ data: { ...transcript, segments: [...transcript.segments] } });
    }
  });
}

/** Public like the pages it serves: anyone with the video's link. */
export function captionsRoute(root: FastifyInstance, ctx: AppContext): void {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/dev/:id/captions.vtt', {
    schema: { tags: ['developer video pages'], summary: "The video's captions (WebVTT) for the pages' <track>; 404 while it has no transcript", params: VideoParams },
  }, async (req, reply) => {
    return reply.type(VTT).header('Cache-Control', 'no-cache').send(await ctx.transcripts.captions(req.params.id));
  });
}
