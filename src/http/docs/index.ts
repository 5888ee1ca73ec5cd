// The rendered API reference: /docs (the OpenAPI document through Redoc), /docs/realtime (the AsyncAPI
// document through AsyncAPI's React component) and the files they load, all served offline by Capstan.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../errors.js';
import { sendNotModified } from '../not-modified.js';
import { docsAsset, isFresh } from './assets.js';
import { docsCsp, renderDocsPage, type DocsPageName } from './pages.js';

// Asset URLs carry a hash of their content (see assetHref), so a cached copy never goes stale.
const ASSET_CACHE = 'public, max-age=31536000, immutable';

export function registerDocs(app: FastifyInstance): void {
  // Rendered on first request: a page names its assets by content hash, which reads the bundles.
  const pages = new Map<DocsPageName, string>();
  const sendPage = (name: DocsPageName, reply: FastifyReply) => {
    let html = pages.get(name);
    if (html === undefined) pages.set(name, (html = renderDocsPage(name)));
    // no-cache: the page is tiny and names the current bundles; revalidating it picks up an upgrade.
    return reply.type('text/html; charset=utf-8').header('Content-Security-Policy', docsCsp(name)).header('Cache-Control', 'no-cache').send(html);
  };
  app.get('/docs', { schema: { hide: true } }, async (_req, reply) => sendPage('reference', reply));
  app.get('/docs/realtime', { schema: { hide: true } }, async (_req, reply) => sendPage('realtime', reply));
  app.get<{ Params: { '*': string } }>('/docs/assets/*', { schema: { hide: true } }, async (req, reply) => {
    const asset = docsAsset(req.params['*']);
    if (!asset) throw new AppError('not_found', 'No such documentation asset');
    reply.header('ETag', asset.etag).header('Cache-Control', ASSET_CACHE).header('X-Content-Type-Options', 'nosniff');
    if (isFresh(req.headers['if-none-match'], asset.etag)) return sendNotModified(req, reply);
    return reply.type(asset.type).send(asset.body);
  });
}
