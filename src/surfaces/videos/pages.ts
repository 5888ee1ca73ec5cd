// The public pages of a developer video: the share page (/dev/:id), the embeddable player
// (/embed/:id), the rendition they play (/dev/:id/video) and its poster (/dev/:id/poster.jpg), the
// last two served with HTTP Range support, and its captions (/dev/:id/captions.vtt, from
// transcript-routes.ts). Anyone with the link may watch, as with the seed's shareUrl; a deleted
// video is gone from all five.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError, decideRange } from '../../http/index.js';
import type { AppContext } from '../../server/context.js';
import type { PublicMedia } from '../../videos/index.js';
import type { VideoRow } from '../../storage/index.js';
import { embedOptions, renderVideoPage, videoPageCsp, type EmbedOptions, type VideoPageState } from '../../web/video-page.js';
import { VideoParams } from './schemas.js';
import { captionsPath, captionsRoute } from './transcript-routes.js';

const tags = ['developer video pages'];
const Option = (description: string) => Type.Optional(Type.String({ maxLength: 2048, description }));
const PageQuery = Type.Object({
  sdk: Option('1 when made by an SDK; no effect'),
  pk: Option("The embedder's public key, as Cap's embed SDK sends it; no effect"),
  autoplay: Option('1: start playing at once, muted (as browsers require)'),
  accent: Option('A hex color (#6366f1) for the player\'s accent; anything else is ignored'),
  logo: Option('An http(s) URL of a logo shown over the player; anything else is ignored'),
});

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

    app.get('/dev/:id', { schema: { tags, summary: 'Share page: plays the video, or says why it cannot', params: VideoParams } }, async (req, reply) => {
      return reply.type('text/html; charset=utf-8').header('Content-Security-Policy', videoPageCsp()).header('X-Frame-Options', 'DENY').send(await page(req.params.id));
    });

    // Meant for iframes on other sites, so it carries no frame restriction.
    app.get('/embed/:id', {
      schema: { tags, summary: 'Minimal embeddable player; autoplay, accent and logo as Cap\'s embed SDK sets them', params: VideoParams, querystring: PageQuery },
    }, async (req, reply) => {
      const options = embedOptions(req.query);
      return reply.type('text/html; charset=utf-8').header('Content-Security-Policy', videoPageCsp(options.logo?.origin)).send(await page(req.params.id, options));
    });

    app.get('/dev/:id/video', { schema: { tags, summary: 'The playable MP4 (H.264/AAC, index first), with HTTP Range (206, 416)', params: VideoParams } }, async (req, reply) => {
      return sendObject(reply, req.headers.range, await videos.media(req.params.id));
    });

    app.get('/dev/:id/poster.jpg', { schema: { tags, summary: 'The poster image (JPEG) of a ready video', params: VideoParams } }, async (req, reply) => {
      return sendObject(reply, req.headers.range, await videos.poster(req.params.id));
    });

    captionsRoute(root, ctx);
  };
}
