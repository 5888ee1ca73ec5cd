// The public pages of a developer video: the share page (/dev/:id), the embeddable player
// (/embed/:id), the rendition they play (/dev/:id/video) and its poster (/dev/:id/poster.jpg), the
// last two served with HTTP Range support, and its captions (/dev/:id/captions.vtt, from
// transcript-routes.ts). Anyone with the link may watch, as with the seed's shareUrl; a deleted
// video is gone from all five.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError, decideRange, media, replies } from '../../http/index.js';
import type { AppContext } from '../../server/context.js';
import type { PublicMedia } from '../../videos/index.js';
import type { VideoRow } from '../../storage/index.js';
import { embedOptions, renderVideoPage, videoPageCsp, type EmbedOptions, type VideoPageState } from '../../web/video-page.js';
import { VideoParams } from './schemas.js';
import { captionsPath, captionsRoute } from './transcript-routes.js';

const tags = ['developer video pages'];
/** Anyone with the link may watch: no credentials. */
const PUBLIC: [] = [];
const Option = (description: string) => Type.Optional(Type.String({ maxLength: 2048, description }));
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
};

const RangeHeaders = Type.Object({
  range: Type.Optional(Type.String({ description: 'One byte range (bytes=0-1023, bytes=1024-, bytes=-500). Several ranges, or one that does not parse, get the whole file' })),
});
const RANGE_RULES = 'Public. HTTP Range (one byte range): 206 with Content-Range, 416 range_not_satisfiable (with Content-Range: bytes */size) for a range that starts past the end, the whole file (200) otherwise. HEAD gives the same headers without the bytes.';
const OBJECT_HEADERS = {
  'Accept-Ranges': { type: 'string', description: 'bytes' },
  'Content-Length': { type: 'integer', description: 'Bytes in this answer' },
  ETag: { type: 'string', description: 'The stored object\'s entity tag' },
  'Last-Modified': { type: 'string', description: 'When the object was stored (HTTP date)' },
  'Cache-Control': { type: 'string', description: 'no-cache: revalidate, since a deleted video disappears' },
};
const BYTES = { type: 'string', format: 'binary' };

/** The answers of a Range-served object: whole (200), one range (206), or a range past the end (416). */
function objectReplies(what: string, types: readonly string[]): Record<number, unknown> {
  const out = replies({
    200: media(`${what}, whole`, types, BYTES, OBJECT_HEADERS),
    206: media(`${what}: the requested byte range`, types, BYTES, { ...OBJECT_HEADERS, 'Content-Range': { type: 'string', description: 'bytes start-end/size' } }),
  }, ['not_found', 'range_not_satisfiable']);
  // The 416 names the object's size, so a client can ask again within it.
  return { ...out, 416: { ...(out[416] as object), headers: { 'Content-Range': { type: 'string', description: 'bytes */size' }, 'Accept-Ranges': { type: 'string', description: 'bytes' } } } };
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

/** One object with Range (206, 416); HEAD gets the same headers without the bytes. */
async function sendObject(reply: FastifyReply, rangeHeader: string | undefined, media: PublicMedia) {
  const { stat } = media;
  const range = decideRange(rangeHeader, stat.size);
  reply.header('Accept-Ranges', 'bytes').header('ETag', stat.etag).header('Last-Modified', stat.lastModified.toUTCString()).header('Cache-Control', 'no-cache');
  if (range.kind === 'unsatisfiable') throw new AppError('range_not_satisfiable', undefined, { 'Content-Range': `bytes */${stat.size}`, 'Accept-Ranges': 'bytes' });
  reply.type(media.contentType);
  if (range.kind === 'full') return reply.header('Content-Length', stat.size).send(await media.open());
  return reply
    .code(206)
    .header('Content-Range', `bytes ${range.start}-${range.end}/${stat.size}`)
    .header('Content-Length', range.end - range.start + 1)
    .send(await media.open({ start: range.start, end: range.end }));
}

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
      return reply.type('text/html; charset=utf-8').header('Content-Security-Policy', videoPageCsp()).header('X-Frame-Options', 'DENY').send(await page(req.params.id));
    });

    // Meant for iframes on other sites, so it carries no frame restriction.
    app.get('/embed/:id', {
      schema: {
        operationId: 'getVideoEmbedPage', tags, security: PUBLIC, summary: 'Minimal embeddable player; autoplay, accent and logo as Cap\'s embed SDK sets them', params: VideoParams, querystring: PageQuery,
        description: 'The seed\'s embedUrl, meant for an iframe on any site (no frame restriction). 404 not_found for a deleted or unknown video.',
        response: replies({ 200: media('The embeddable player page', ['text/html'], HTML, { 'Content-Security-Policy': PAGE_HEADERS['Content-Security-Policy'] }) }, ['not_found']),
      },
    }, async (req, reply) => {
      const options = embedOptions(req.query);
      return reply.type('text/html; charset=utf-8').header('Content-Security-Policy', videoPageCsp(options.logo?.origin)).send(await page(req.params.id, options));
    });

    app.get('/dev/:id/video', {
      schema: {
        operationId: 'getVideoFile', tags, security: PUBLIC, summary: 'The playable MP4 (H.264/AAC, index first), with HTTP Range (206, 416)', params: VideoParams, headers: RangeHeaders,
        description: `${RANGE_RULES} A video made ready before renditions existed plays its upload as it is, under its own video/* type. 404 not_found until the video is ready, and for a deleted or unknown one.`,
        response: objectReplies('The rendition', ['video/mp4', 'video/webm', 'video/quicktime']),
      },
    }, async (req, reply) => {
      return sendObject(reply, req.headers.range, await videos.media(req.params.id));
    });

    app.get('/dev/:id/poster.jpg', {
      schema: {
        operationId: 'getVideoPoster', tags, security: PUBLIC, summary: 'The poster image (JPEG) of a ready video', params: VideoParams, headers: RangeHeaders,
        description: `${RANGE_RULES} 404 not_found until the video is ready (or when it has no poster), and for a deleted or unknown one.`,
        response: objectReplies('The poster', ['image/jpeg']),
      },
    }, async (req, reply) => {
      return sendObject(reply, req.headers.range, await videos.poster(req.params.id));
    });

    captionsRoute(root, ctx);
  };
}
