// Assembles the Fastify app: the conventions every response shares (X-API-Version, X-Request-ID,
// CORS, errors, metrics, rate limits), the operational routes, then each surface as a plugin.
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import { presentedCredentials } from '../auth/index.js';
import { addressMatcher } from '../util/address-range.js';
import { VERSION } from '../util/version.js';
import { asyncApiDocument } from './asyncapi/index.js';
import { registerDocs } from './docs/index.js';
import { AnswerBatch } from './answer-batch.js';
import { ArrivingBodies, timedBody } from './body-deadline.js';
import { CorsPolicy, routePreflights } from './cors.js';
import { capConnectionsPerAddress, closeWithoutReading, declaresBody, destroyLingering, isOnClosingConnection, continueWhenRead, handleExpectations, onClientError, refuseConnectMethod, closingConnections } from './connections.js';
import { errorHandler, frameworkErrorHandler, sendError } from './error-handler.js';
import { AppError, isAppError } from './errors.js';
import { redactUrl, requestLogger, type Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { clientAddress } from './client-address.js';
import { registerRateLimits, type RateCounters } from './rate-limits.js';
import { closeTakenWithAll } from './take-socket.js';
import { unsupportedType } from './unsupported-type.js';
import type { UpgradeRouter } from './upgrade.js';
import type { IdempotencyRepo } from '../storage/index.js';
import { recordIdempotentAnswer } from './idempotency.js';
import { refuseUnexpectedBody, useDepthLimitedJson } from './json-body.js';
import { limitPipelining, requestAnswered } from './pipelining.js';
import { malformedQuery } from './query-encoding.js';
import { malformedHeaders } from './single-headers.js';
import { refuseUnsupportedTransferCodings } from './transfer-coding.js';
import { requestIdOf } from './request-id.js';
import { requestValidators } from './validators.js';
import { checkQueryIntegers } from './query-integers.js';
import { installContract, replies } from './contract.js';
import { Type } from '@sinclair/typebox';
import { trackAllowedMethods } from './methods.js';
import { openApiRoot, optionalDefaults } from './openapi-root.js';

export type HttpApp = FastifyInstance;
export type Surface = (app: FastifyInstance) => Promise<void>;

export interface HttpDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Where rate-limit counters live and who a credential belongs to; without them nothing is rate limited. */
  readonly rateLimits?: { readonly counters: RateCounters; readonly identify: (credentials: readonly string[]) => Promise<string | null>; readonly recall?: (credentials: readonly string[]) => string | undefined };
  /** WebSocket upgrades, which count against the same rate limits as requests. */
  readonly upgrades?: UpgradeRouter;
  /** True when storage (and Redis, in scaled mode) answers; drives /readyz. May throw a 503 AppError naming what does not answer. */
  readonly ready: () => Promise<boolean>;
  /** Where the answers of requests made with an Idempotency-Key are recorded. */
  readonly idempotency?: IdempotencyRepo;
}

/** How long a closing server, its grace over, waits for the refusals of the bodies still arriving to be written. */
const REFUSAL_WRITE_MS = 1000;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * For a closing server whose grace is over: refuses the requests whose bodies are still arriving
     * (503 draining, Connection: close), then drops every other connection still open.
     */
    endShutdownGrace?: () => Promise<void>;
  }
}

const UNLIMITED = new Set(['/healthz', '/readyz', '/metrics', '/version']);

export async function buildHttpApp(deps: HttpDeps, surfaces: readonly Surface[]): Promise<HttpApp> {
  const { config, metrics } = deps;
  // Behind trusted proxies req.ip is the client X-Forwarded-For names; upgrades use the same rule.
  const trusted = config.trustProxy.length > 0 ? addressMatcher(config.trustProxy) : undefined;
  // What every answer to a request from an Origin carries (cors.ts): set before anything
  // here can answer, and on the answers given below Fastify (connections.ts).
  const cors = new CorsPolicy({
    origins: config.corsOrigins.includes('*') ? true : config.corsOrigins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    exposedHeaders: ['ETag', 'X-Request-ID', 'X-API-Version', 'Retry-After', 'Location', 'Content-Range', 'Accept-Ranges', 'Idempotent-Replayed', 'Allow', 'Content-Disposition'],
    maxAgeSeconds: 600,
  });
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    childLoggerFactory: requestLogger,
    // One line per request is written by the onResponse hook below, with the URL's secrets masked.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: trusted ?? false,
    requestIdHeader: false,
    genReqId: (req) => requestIdOf(req, config.adminToken),
    forceCloseConnections: 'idle',
    // Requests that still arrive while closing are refused by the hook below, in the catalogue's shape.
    return503OnClosing: false,
    http: {
      maxHeaderSize: config.httpMaxHeaderBytes,
      headersTimeout: config.httpHeadersTimeoutMs,
      // Node's own request timeout would cut a big upload that is still arriving at a good rate; bodies
      // get the rate-aware deadline of the preParsing hook below instead. Streams are never in progress
      // requests: their requests (GET, no body) were complete when they opened.
      requestTimeout: 0,
      // How often Node looks for connections past headersTimeout (its default, 30 s, would triple it).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(config.httpHeadersTimeoutMs / 5))),
      // Answered by the onRequest hook below, in the catalogue's shape, instead of Node's empty 400.
      requireHostHeader: false,
    },
    requestTimeout: 0,
    keepAliveTimeout: config.httpKeepAliveTimeoutMs,
    // The longest path parameter any route takes (an organizer socket's client_id, 128 characters):
    // Fastify's default of 100 refused a valid one as too long over HTTP while its upgrade opened.
    routerOptions: { maxParamLength: 128 },
    clientErrorHandler: onClientError(deps.logger, cors),
    // Refusals before a route is found run no hook: their answer is counted here, as onResponse counts
    // the others (uncounted, they held the connection's pipelining bound until it reset).
    frameworkErrors: (error, req, reply) => {
      reply.raw.once('close', () => answered(req, reply));
      frameworkErrorHandler(error, req, reply, cors);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  let closing = false;
  const connections = closingConnections(app.server);
  const arriving = new ArrivingBodies();
  app.addHook('preClose', async () => {
    closing = true;
    destroyLingering();
    connections.dropSilent();
  });
  app.decorate('endShutdownGrace', async () => {
    await arriving.refuseAll(new AppError('draining', 'The server is shutting down and stopped reading this request\'s body; send it again (to another node) after a short delay'), REFUSAL_WRITE_MS);
    connections.dropAllButLingering();
  });
  capConnectionsPerAddress(app.server, config.httpMaxConnectionsPerAddress, config.httpHeadersTimeoutMs, cors);
  closeTakenWithAll(app.server);
  limitPipelining(app.server);
  refuseUnsupportedTransferCodings(app.server, config.adminToken);
  app.server.on('connect', refuseConnectMethod(cors));
  handleExpectations(app.server);
  // Outermost layer: present on every response, preflight and errors included. The hooks every
  // request runs take a callback instead of returning a promise: no promise and no extra microtask each.
  app.addHook('onRequest', (req, reply, done) => {
    let badHeaders: string | undefined;
    reply.header('X-API-Version', VERSION);
    reply.header('X-Request-ID', req.id);
    cors.setHeaders(req.headers.origin, reply);
    // A hook that answers does not call done(): the answer ends the request's hooks.
    // A request pipelined behind one answered with `Connection: close` must not run: its client has
    // been told the connection ends, and would send it again on another.
    if (isOnClosingConnection(req.raw)) {
      req.raw.socket.destroy();
      reply.hijack();
    } else if ((badHeaders = malformedHeaders(req.raw)) !== undefined) {
      sendError(reply, new AppError('invalid_request', badHeaders));
    } else if (req.method === 'OPTIONS') {
      // Every OPTIONS is a CORS preflight here. A whole one is answered whatever its path or query and
      // even while draining: refused, the browser would not send the request, whose error it can read.
      if (cors.isPreflight(req)) cors.answerPreflight(req, reply);
      else sendError(reply, new AppError('invalid_request', 'An OPTIONS request is a CORS preflight: it needs Origin and Access-Control-Request-Method'));
    } else if (closing) {
      sendError(reply, new AppError('draining'));
    } else {
      const refusal = malformedRequest(req);
      if (refusal === undefined) done();
      else sendError(reply, refusal);
    }
  });
  // A body is read only by routes that got this far (credentials checked in onRequest hooks), and it
  // must keep arriving; an answer sent before it was read closes the connection instead of draining it.
  // A client waiting for `100 Continue` gets it when the body is first read, not before.
  const bodyDeadline = { baseMs: config.httpRequestTimeoutMs, minBytesPerSecond: config.httpBodyMinBytesPerSecond };
  const allowed = trackAllowedMethods(app);
  // 404, or 405 with the path's methods. A request no route takes gets this before its body is read:
  // its body's size or type says nothing about a route that is not there.
  const answerUnrouted = (req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const path = req.url.split('?')[0] ?? '/';
    // With the admin API off its routes (and the console) answer as if they did not exist, wrong methods included.
    const adminPath = path.startsWith('/admin/') || path === '/console' || path.startsWith('/console/');
    const methods = config.adminToken === null && adminPath ? [] : allowed.of(path);
    if (methods.length === 0) return sendError(reply, new AppError('route_not_found'));
    return sendError(reply, new AppError('method_not_allowed', `${req.method} is not a method of this path; it takes ${methods.join(', ')}`, { Allow: methods.join(', ') }));
  };
  app.addHook('preParsing', (req, reply, payload, done) => {
    if (req.method === 'GET' || req.method === 'HEAD' || !declaresBody(req.raw)) return done(null, payload);
    // Answered here, the hook does not call done(): the answer ends the request's hooks.
    if (req.is404) return void answerUnrouted(req, reply);
    const body = timedBody(payload, bodyDeadline);
    arriving.add(body, payload, reply.raw);
    if (req.headers.expect !== undefined) continueWhenRead(body, req.raw, reply.raw);
    done(null, body);
  });
  const idempotency = deps.idempotency;
  const answers = new AnswerBatch(deps.logger);
  app.addHook('onSend', (req, reply, payload, done) => {
    const unread = closeWithoutReading(req.raw);
    // While draining, an answer ends its connection: kept alive, an idle connection would hold the
    // shutdown until its keep-alive timeout, and a client reusing it would race the close.
    if (unread || closing) reply.header('Connection', 'close');
    if (idempotency && req.idempotency) return void recordIdempotentAnswer(idempotency, req, reply, payload).then(() => done(null, payload), done);
    // An answer that closes its connection unread goes out at once; the others with their pass's (answer-batch.ts).
    if (unread) return done(null, payload);
    answers.defer(() => done(null, payload));
  });
  checkQueryIntegers(app);
  routePreflights(app);
  if (config.rateLimitPerMinute > 0 && deps.rateLimits) {
    const limiter = await registerRateLimits(app, { ...deps.rateLimits, perMinute: config.rateLimitPerMinute, authFailuresPerMinute: config.authFailuresPerMinute, logger: deps.logger });
    app.decorate('requestLimiter', limiter);
    app.addHook('onRequest', async (req) => {
      if (req.method === 'OPTIONS' || UNLIMITED.has(req.url.split('?')[0] ?? '')) return;
      const query = req.query as Record<string, unknown> | undefined;
      await limiter.admit(req.ip, presentedCredentials(req.headers, query?.token, query?.key));
    });
    deps.upgrades?.setCheck((req, target) => limiter.admit(clientAddress(req, trusted), presentedCredentials(req.headers, target.query.get('token'))));
  }
  const recordRequest = (req: FastifyRequest, reply: FastifyReply): void => {
    const route = req.routeOptions.url ?? 'unmatched';
    const elapsed = reply.elapsedTime;
    metrics.requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: req.method, route }, elapsed / 1000);
    // Written through the app's logger with the request id, the line the request's child logger would
    // write, so that no child is made for it; its fields are built only when the level is on.
    const logger = deps.logger;
    if (logger.isLevelEnabled('info')) logger.info({ reqId: req.id, method: req.method, url: redactUrl(req.url, config.adminToken), status: reply.statusCode, ms: Math.round(elapsed * 10) / 10 }, 'request');
  };
  function answered(req: FastifyRequest, reply: FastifyReply): void {
    requestAnswered(req.raw.socket);
    recordRequest(req, reply);
  }
  app.addHook('onResponse', (req, reply, done) => {
    answered(req, reply);
    done();
  });
  // A stream whose socket is taken from the HTTP server never finishes its response: it is recorded then.
  app.decorate('recordRequest', recordRequest);

  // Bodies are JSON (or a surface's own parser); a text/plain body is a wrong content type, not a string.
  // An empty body is no body whatever its type (curl -d '' sends a form type): only a body that is
  // there is refused for its type.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', (req, _payload, done) => {
    if (declaresBody(req.raw)) done(unsupportedType(req), undefined);
    else done(null, undefined);
  });
  useDepthLimitedJson(app);
  // A DELETE takes no body (the POSTs that take none say so with an empty body schema). Attached to
  // those routes alone: GET /status pays nothing for it.
  app.addHook('onRoute', (route) => {
    if (route.schema?.body !== undefined || ![route.method].flat().includes('DELETE')) return;
    route.preValidation = [...[route.preValidation ?? []].flat(), refuseUnexpectedBody];
  });
  app.setErrorHandler(errorHandler);
  app.setValidatorCompiler(requestValidators());
  installContract(app, { check: config.checkResponses });
  app.setNotFoundHandler(answerUnrouted);

  await app.register(swagger, { openapi: openApiRoot(config), transformObject: (document) => optionalDefaults('openapiObject' in document ? document.openapiObject : document.swaggerObject) });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      if (await deps.ready()) return { status: 'ok' };
    } catch (e) {
      // A dependency that names itself (storage, Redis): the operator is pointed at the right one.
      if (isAppError(e)) return sendError(reply, e);
      throw e;
    }
    return sendError(reply, new AppError('unavailable', 'Storage is not reachable or cannot take writes'));
  });
  app.get('/version', { schema: { operationId: 'getVersion', summary: 'The running build version (same value as X-API-Version)', tags: ['meta'], security: [], response: replies({ 200: Type.Object({ version: Type.String({ examples: ['0.3.1'] }) }) }) } }, async () => ({ version: VERSION }));
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/asyncapi.json', { schema: { hide: true } }, async () => asyncApiDocument(VERSION));
  registerDocs(app);

  for (const surface of surfaces) await app.register(surface);
  await app.ready();
  return app;
}

/** What makes a request unservable before any route runs (an empty path segment, its query), or undefined. */
function malformedRequest(req: FastifyRequest): AppError | undefined {
  // `/videos/` is not the video "": a path parameter matched an empty segment, so no route was meant.
  if (hasEmptySegment(req.params)) return new AppError('route_not_found');
  const badQuery = malformedQuery(req.url);
  return badQuery === undefined ? undefined : new AppError('invalid_request', badQuery);
}

/** Whether a named path parameter (not a `*` wildcard, which may be empty) matched nothing. */
function hasEmptySegment(params: unknown): boolean {
  if (typeof params !== 'object' || params === null) return false;
  // No allocation: this runs on every request.
  for (const name in params) if (name !== '*' && (params as Record<string, unknown>)[name] === '') return true;
  return false;
}
