// A developer video's transcript: GET /api/developer/v1/videos/:id/transcript as JSON, WebVTT or plain
// text (by ?format=, else by Accept) with the app's secret key, and the public captions track the share
// and embed pages point their <track> at (GET /dev/:id/captions.vtt). Thin: it maps HTTP to the
// transcript service.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { media, replies } from '../../http/index.js';
import type { AppContext } from '../../server/context.js';
import { toPlainText, toWebVtt, TRANSCRIPT_FORMATS, type TranscriptFormat } from '../../transcripts/index.js';
import { appOf, SECRET_KEY_SECURITY } from './auth.js';
import { publicHeaders } from './public-headers.js';
import { VideoParams } from './schemas.js';

const TranscriptQuery = Type.Object({
  format: Type.Optional(Type.Unsafe<TranscriptFormat>({ type: 'string', enum: [...TRANSCRIPT_FORMATS], description: 'json, vtt (WebVTT captions) or text; without it the Accept header chooses, and JSON is the default' })),
});

const Segment = Type.Object({
  start: Type.Number({ description: 'Seconds from the start of the video' }),
  end: Type.Number({ description: 'Seconds from the start of the video' }),
  text: Type.String(),
});

const TranscriptJson = Type.Object({
  data: Type.Object({
    videoId: Type.String(),
    text: Type.String({ description: 'The whole transcript' }),
    segments: Type.Array(Segment, { description: 'Timed cues, in order; empty when the engine gave no timings' }),
  }),
}, { description: 'The transcript with its timed segments', examples: [{ data: { videoId: 'abc123def456', text: 'Welcome to the product demo.\nLet us start with the dashboard.', segments: [{ start: 0, end: 2.4, text: 'Welcome to the product demo.' }, { start: 2.9, end: 5.1, text: 'Let us start with the dashboard.' }] } }] });

const VTT_EXAMPLE = 'WEBVTT\n\n00:00:00.000 --> 00:00:02.400\nWelcome to the product demo.\n\n00:00:02.900 --> 00:00:05.100\nLet us start with the dashboard.\n';
const VttText = { type: 'string', description: 'WebVTT: one cue per segment; just WEBVTT when there are no timings', examples: [VTT_EXAMPLE] };

export const captionsPath = (videoId: string): string => `/dev/${videoId}/captions.vtt`;
const VTT = 'text/vtt; charset=utf-8';
const BY_MEDIA_TYPE: Readonly<Record<string, TranscriptFormat>> = { 'application/json': 'json', 'text/vtt': 'vtt', 'text/plain': 'text' };

/** The format an Accept header prefers among the three (highest q, then first listed); JSON otherwise. */
export function formatFromAccept(accept: string | undefined): TranscriptFormat {
  let best: { format: TranscriptFormat; q: number } | undefined;
  for (const range of (accept ?? '').split(',')) {
    const [type = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const format = BY_MEDIA_TYPE[type];
    if (format === undefined) continue;
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q) || q <= 0) continue;
    if (best === undefined || q > best.q) best = { format, q };
  }
  return best?.format ?? 'json';
}

/** Registered inside the REST API's scope, which authenticates the secret key. */
export function transcriptRoutes(scope: FastifyInstance, ctx: AppContext): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/videos/:id/transcript', {
    schema: {
      operationId: 'getVideoTranscript',
      tags: ['developer videos'],
      security: SECRET_KEY_SECURITY,
      summary: "The video's transcript as JSON, WebVTT or plain text",
      description: 'Beyond the seed. The format is ?format= when given, else the Accept header\'s preference among application/json, text/vtt and text/plain (JSON by default). 409 transcript_unavailable while transcriptionStatus is not COMPLETE (the message names the status, and the reason of an ERROR): wait for the video.transcription event and ask again. 404 for a video of another app, a deleted or unknown one.',
      params: VideoParams,
      querystring: TranscriptQuery,
      response: replies({
        200: {
          description: 'The transcript in the chosen format',
          content: {
            'application/json': { schema: TranscriptJson },
            'text/vtt': { schema: VttText },
            'text/plain': { schema: { type: 'string', description: 'The text (the built-in engine writes one line per utterance)' } },
          },
          headers: { Vary: { type: 'string', description: 'Accept' } },
        },
      }, ['not_found', 'transcript_unavailable']),
    },
  }, async (req, reply) => {
    const transcript = await ctx.transcripts.forApp(appOf(req), req.params.id);
    reply.header('Cache-Control', 'no-cache').header('Vary', 'Accept');
    switch (req.query.format ?? formatFromAccept(req.headers.accept)) {
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
    schema: {
      operationId: 'getVideoCaptions',
      tags: ['developer video pages'],
      security: [],
      summary: "The video's captions (WebVTT) for the pages' <track>",
      description: 'Public, like the pages. 404 not_found while the video has no transcript (transcriptionStatus not COMPLETE), and for a deleted or unknown video.',
      params: VideoParams,
      response: replies({ 200: media('WebVTT captions', ['text/vtt'], VttText, { 'Cache-Control': { type: 'string', description: 'no-cache' } }) }, ['not_found']),
    },
  }, async (req, reply) => {
    return publicHeaders(reply).type(VTT).header('Cache-Control', 'no-cache').send(await ctx.transcripts.captions(req.params.id));
  });
}
