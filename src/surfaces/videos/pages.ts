// The public pages of a developer video: the share page (/dev/:id), the embeddable player
// (/embed/:id) and the bytes they play (/dev/:id/video), served with HTTP Range support. Anyone
// with the link may watch, as with the seed's shareUrl; a deleted video is gone from all three.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../http/index.js';
import type { AppContext } from '../../server/context.js';
import { renderVideoPage, VIDEO_PAGE_CSP } from '../../web/video-page.js';
import { decideRange } from './range.js';
import { VideoParams } from './schemas.js';

const tags = ['developer video pages'];
const PageQuery = Type.Object({ sdk: Type.Optional(Type.String({ maxLength: 8 })) });

export function videoPageRoutes(ctx: AppContext) {
  return async function videoPages(root: FastifyInstance): Promise<void> {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const { videos } = ctx;

    const page = (embed: boolean) => async (id: string) => {
      const video = await videos.publicVideo(id);
      const playable = video.state === 'processing' || video.state === 'ready';
      return renderVideoPage({
        title: video.name,
        mediaUrl: playable ? `/dev/${video.id}/video` : undefined,
        contentType: video.content_type,
        embedUrl: `${ctx.publicUrl()}/embed/${video.id}?sdk=1`,
        embed,
      });
    };
    const share = page(false);
    const embed = page(true);

    app.get('/dev/:id', { schema: { tags, summary: 'Share page: plays the video', params: VideoParams } }, async (req, reply) => {
      return reply.type('text/html; charset=utf-8').header('Content-Security-Policy', VIDEO_PAGE_CSP).header('X-Frame-Options', 'DENY').send(await share(req.params.id));
    });

    // Meant for iframes on other sites, so it carries no frame restriction.
    app.get('/embed/:id', { schema: { tags, summary: 'Minimal embeddable player', params: VideoParams, querystring: PageQuery } }, async (req, reply) => {
      return reply.type('text/html; charset=utf-8').header('Content-Security-Policy', VIDEO_PAGE_CSP).send(await embed(req.params.id));
    });

    app.get('/dev/:id/video', { schema: { tags, summary: 'The video bytes, with HTTP Range (206, 416)', params: VideoParams } }, async (req, reply) => {
      const { video, stat, open } = await videos.media(req.params.id);
      const range = decideRange(req.headers.range, stat.size);
      reply.header('Accept-Ranges', 'bytes').header('ETag', stat.etag).header('Last-Modified', stat.lastModified.toUTCString()).header('Cache-Control', 'no-cache');
      if (range.kind === 'unsatisfiable') throw new AppError('range_not_satisfiable', undefined, { 'Content-Range': `bytes */${stat.size}`, 'Accept-Ranges': 'bytes' });
      reply.type(video.content_type);
      if (range.kind === 'full') return reply.header('Content-Length', stat.size).send(await open());
      return reply
        .code(206)
        .header('Content-Range', `bytes ${range.start}-${range.end}/${stat.size}`)
        .header('Content-Length', range.end - range.start + 1)
        .send(await open({ start: range.start, end: range.end }));
    });
  };
}
