// Assembles the Fastify app: the conventions every response shares (X-API-Version, X-Request-ID,
// CORS, errors, metrics, rate limits), the operational routes, then each surface as a plugin.
import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import { hashKey } from '../auth/index.js';
import { VERSION } from '../util/version.js';
import { renderDocsPage } from './docs-page.js';
import { errorHandler, sendError } from './error-handler.js';
import { AppError } from './errors.js';
import { redactUrl, type Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { RateLimiter } from './rate-limit.js';
import type { IdempotencyRepo } from '../storage/index.js';
import { recordIdempotentAnswer } from './idempotency.js';

export type HttpApp = FastifyInstance;
export type Surface = (app: FastifyInstance) => Promise<void>;

export interface HttpDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly rateLimiter: RateLimiter;
  /** True when storage answers; drives /readyz. */
  readonly ready: () => Promise<boolean>;
  /** Where the answers of requests made with an Idempotency-Key are recorded. */
  readonly idempotency?: IdempotencyRepo;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const UNLIMITED = new Set(['/healthz', '/readyz', '/metrics', '/version']);

/** Who a request counts against: its credential when it carries one, else its address. */
function rateKey(req: FastifyRequest): string {
  const credential = req.headers['capout-api-key'] ?? req.headers.authorization;
  if (typeof credential === 'string' && credential.length > 0) return `k:${hashKey(credential)}`;
  return `ip:${req.ip}`;
}

export async function buildHttpApp(deps: HttpDeps, surfaces: readonly Surface[]): Promise<HttpApp> {
  const { config, metrics } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One line per request is written by the onResponse hook below, with the URL's secrets masked.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    forceCloseConnections: 'idle',
    // Requests that still arrive while closing are refused by the hook below, in the catalogue's shape.
    return503OnClosing: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Outermost layer: present on every response, preflight and errors included.
  app.addHook('onRequest', async (req, reply) => {
    reply.header('X-API-Version', VERSION);
    reply.header('X-Request-ID', req.id);
    if (closing) return sendError(reply, new AppError('draining'));
  });
  await app.register(cors, {
    origin: config.corsOrigins.includes('*') ? true : [...config.corsOrigins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    exposedHeaders: ['ETag', 'X-Request-ID', 'X-API-Version', 'Retry-After', 'Location'],
    maxAge: 600,
  });
  if (config.rateLimitPerMinute > 0) {
    app.addHook('onRequest', async (req, reply) => {
      if (req.method === 'OPTIONS' || UNLIMITED.has(req.url.split('?')[0] ?? '')) return;
      const decision = await deps.rateLimiter.hit(rateKey(req));
      if (!decision.allowed) return sendError(reply, new AppError('rate_limited', undefined, { 'Retry-After': String(decision.retryAfterSeconds) }));
    });
  }
  const idempotency = deps.idempotency;
  if (idempotency) {
    app.addHook('onSend', async (req, reply, payload) => {
      if (req.idempotency) await recordIdempotentAnswer(idempotency, req, reply, payload);
      return payload;
    });
  }
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: req.method, route }, seconds);
    req.log.info({ method: req.method, url: redactUrl(req.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
  });

  // Bodies are JSON (or a surface's own parser); a text/plain body is a wrong content type, not a string.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((_req, reply) => sendError(reply, new AppError('route_not_found')));

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Capstan API', version: VERSION, description: 'Upload → process → realtime status. Errors are {"error": message, "code": code}.' },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'capout-api-key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    if (await deps.ready()) return { status: 'ok' };
    return sendError(reply, new AppError('unavailable', 'Storage is not reachable'));
  });
  app.get('/version', { schema: { summary: 'The running build version (same value as X-API-Version)', tags: ['meta'] } }, async () => ({ version: VERSION }));
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/docs', { schema: { hide: true } }, async (_req, reply) => {
    reply.type('text/html; charset=utf-8');
    return renderDocsPage(app.swagger() as unknown as OpenApiDoc);
  });

  for (const surface of surfaces) await app.register(surface);
  await app.ready();
  return app;
}

export interface OpenApiDoc {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, { summary?: string; description?: string; tags?: string[]; parameters?: { name: string; in: string; required?: boolean; description?: string }[] }>>;
}
