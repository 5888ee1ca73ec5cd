// The public pages of a developer video: the share page (/dev/:id), the embeddable player
// (/embed/:id), the rendition they play (/dev/:id/video) and its poster (/dev/:id/poster.jpg), the
// last two served with HTTP Range support, and its captions (/dev/:id/captions.vtt, from
// transcript-routes.ts). Anyone with the link may watch, as with the seed's shareUrl; a deleted
// video is gone from all five.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { media, replies, sendStoredObject, storedObjectReplies, StoredObjectHeaders } from '../../http/index.js';
import type { AppContext } from '../../server/context.js';
import type { PublicMedia } from '../../videos/index.js';
import type { VideoRow } from '../../storage/index.js';
import { embedOptions, renderVideoPage, videoPageCsp, type EmbedOptions, type VideoPageState } from '../../web/video-page.js';
import { VideoParams } from './schemas.js';
import { publicHeaders } from './public-headers.js';
import { captionsPath, captionsRoute } from './transcript-routes.js';

const tags = ['developer video pages'];
/** Anyone with the link may watch: no credentials. */
const PUBLIC: [] = [];
// Every option is ignored unless it is exactly what it should be: given twice, or too long, it is
// ignored like any other wrong value, and the player still plays (the schema only documents them).
const Option = (description: string) => Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description }));
const PageQuery = Type.Object({
  sdk: Option('1 when made by an SDK; no effect'),
  pk: Option("The embedder's public key, as Cap's embed SDK sends it; no effect"),
  autoplay: Option('1: start playing at once, muted (as browsers require)'),
  accent: Option('A hex color (#6366f1) for the player\'s accent; anything else is ignored'),
  logo: Option('An http(s) URL of a logo shown over the player; anything else is ignored'),
});

const HTML = { type: 'string', description: 'An HTML page with a <video> element (poster, captions track, Open Graph tags)' };
const PAGE_HEADERS = {
  'Content-Security-Policy': { type: 'string', description: 'Media and images from this server only; no scripts' },
  'X-Frame-Options': { type: 'string', description: 'DENY: the share page is not framed (the embed page is the one for iframes)' },
  'X-Content-Type-Options': { type: 'string', description: 'nosniff' },
  'Referrer-Policy': { type: 'string', description: 'no-referrer: the link is not passed on to the logo\'s host or anywhere else' },
  'Cache-Control': { type: 'string', description: 'no-cache: the page follows the video as it is processed' },
};

const RANGE_RULES = 'Public. HTTP Range (one byte range): 206 with Content-Range, 416 range_not_satisfiable (with Content-Range: bytes */size) for a range that starts past the end, the whole file (200) otherwise; If-Range, If-None-Match / If-Modified-Since (304) and If-Match / If-Unmodified-Since (412 precondition_failed) as RFC 9110 says. HEAD gives the same headers without the bytes.';
const OBJECT_HEADERS = {
  'Accept-Ranges': { type: 'string', description: 'bytes' },
  'Content-Length': { type: 'integer', description: 'Bytes in this answer' },
  ETag: { type: 'string', description: 'The stored object\'s entity tag' },
  'Last-Modified': { type: 'string', description: 'When the object was stored (HTTP date)' },
  'Cache-Control': { type: 'string', description: 'no-cache: revalidate, since a deleted video disappears' },
};
const BYTES = { type: 'string', format: 'binary' };

/** The answers of a Range-served object: whole (200), one range (206), not modified (304), 412, 416. */
function objectReplies(what: string, types: readonly string[]): Record<number, unknown> {
  return storedObjectReplies(
    media(`${what}, whole`, types, BYTES, OBJECT_HEADERS),
    media(`${what}: the requested byte range`, types, BYTES, { ...OBJECT_HEADERS, 'Content-Range': { type: 'string', description: 'bytes start-end/size' } }),
    ['not_found'],
  );
}

function pageState(video: VideoRow): VideoPageState {
  switch (video.state) {
    case 'ready':
      return 'ready';
    case 'processing':
      return 'processing';
    case 'failed':
      return 'failed';
    default:
      return 'uploading';
  }
}

/** One object with Range and the conditional headers; HEAD gets the same headers without the bytes. */
function sendMedia(req: FastifyRequest, reply: FastifyReply, media: PublicMedia) {
  reply.header('Cache-Control', 'no-cache');
  publicHeaders(reply);
  return sendStoredObject(req, reply, { ...media.stat, contentType: media.contentType, open: (range) => media.open(range) });
}

/** A page follows its video through processing: always asked again. */
const pageHeaders = (reply: FastifyReply): FastifyReply => publicHeaders(reply).header('Cache-Control', 'no-cache').type('text/html; charset=utf-8');

export function videoPageRoutes(ctx: AppContext) {
  return async function videoPages(root: FastifyInstance): Promise<void> {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const { videos } = ctx;

    const page = async (id: string, embed?: EmbedOptions) => {
      const video = await videos.publicVideo(id);
      const state = pageState(video);
      const base = ctx.publicUrl();
      const ready = state === 'ready';
      return renderVideoPage({
        title: video.name,
        state,
        ...(video.failure_reason === null ? {} : { failure: video.failure_reason }),
        ...(ready ? { mediaPath: `/dev/${video.id}/video`, mediaType: video.rendition_key === null ? video.content_type : 'video/mp4' } : {}),
        ...(ready && video.poster_key !== null ? { posterPath: `/dev/${video.id}/poster.jpg` } : {}),
        ...(ready && video.transcription_status === 'COMPLETE' ? { captionsPath: captionsPath(video.id) } : {}),
        ...(video.width === null || video.height === null ? {} : { width: video.width, height: video.height }),
        publicUrl: base,
        shareUrl: `${base}/dev/${video.id}`,
        embedUrl: `${base}/embed/${video.id}?sdk=1`,
        ...(embed ? { embed } : {}),
      });
    };

    app.get('/dev/:id', {
      schema: {
        operationId: 'getVideoSharePage', tags, security: PUBLIC, summary: 'Share page: plays the video, or says why it cannot', params: VideoParams,
        description: 'The seed\'s shareUrl. Public: anyone with the link may watch. While the video is uploading or processing the page says so; a failed video says why. 404 not_found for a deleted or unknown video.',
        response: replies({ 200: media('The share page', ['text/html'], HTML, PAGE_HEADERS) }, ['not_found']),
      },
    }, async (req, reply) => {
      return pageHeaders(reply).header('Content-Security-Policy', videoPageCsp()).header('X-Frame-Options', 'DENY').send(await page(req.params.id));
    });

    // Meant for iframes on other sites, so it carries no frame restriction.
    app.get('/embed/:id', {
      schema: {
        operationId: 'getVideoEmbedPage', tags, security: PUBLIC, summary: 'Minimal embeddable player; autoplay, accent and logo as Cap\'s embed SDK sets them', params: VideoParams, querystring: PageQuery,
        description: 'The seed\'s embedUrl, meant for an iframe on any site (no frame restriction). 404 not_found for a deleted or unknown video.',
        response: replies({ 200: media('The embeddable player page', ['text/html'], HTML, { 'Content-Security-Policy': PAGE_HEADERS['Content-Security-Policy'], 'X-Content-Type-Options': PAGE_HEADERS['X-Content-Type-Options'], 'Referrer-Policy': PAGE_HEADERS['Referrer-Policy'], 'Cache-Control': PAGE_HEADERS['Cache-Control'] }) }, ['not_found']),
      },
    }, async (req, reply) => {
      const options = embedOptions(req.query);
      return pageHeaders(reply).header('Content-Security-Policy', videoPageCsp(options.logo?.origin)).send(await page(req.params.id, options));
    });

    app.get('/dev/:id/video', {
      schema: {
        operationId: 'getVideoFile', tags, security: PUBLIC, summary: 'The playable MP4 (H.264/AAC, index first), with HTTP Range (206, 416)', params: VideoParams, headers: StoredObjectHeaders,
        description: `${RANGE_RULES} A video made ready before renditions existed plays its upload as it is, under its own video/* type. 404 not_found until the video is ready, and for a deleted or unknown one.`,
        response: objectReplies('The rendition', ['video/mp4', 'video/webm', 'video/quicktime']),
      },
    }, async (req, reply) => {
      return sendMedia(req, reply, await videos.media(req.params.id));
    });

    app.get('/dev/:id/poster.jpg', {
      schema: {
        operationId: 'getVideoPoster', tags, security: PUBLIC, summary: 'The poster image (JPEG) of a ready video', params: VideoParams, headers: StoredObjectHeaders,
        description: `${RANGE_RULES} 404 not_found until the video is ready (or when it has no poster), and for a deleted or unknown one.`,
        response: objectReplies('The poster', ['image/jpeg']),
      },
    }, async (req, reply) => {
      return sendMedia(req, reply, await videos.poster(req.params.id));
    });

    captionsRoute(root, ctx);
  };
}
