// Turns every failure into the catalogue's shape: {"error": "...", "code": "..."} with the code's
// status. Framework errors (validation, body parsing, limits) are mapped onto catalogue codes; anything
// unexpected is a 500 whose body reveals nothing about the internals.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isStorageUnavailable, storageUnavailableMessage } from '../storage/index.js';
import { isDependencyUnavailable } from '../util/dependency-unavailable.js';
import { VERSION } from '../util/version.js';
import type { CorsPolicy } from './cors.js';
import { AppError, type ErrorCode } from './errors.js';

const FRAMEWORK_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
};

export function toAppError(error: FastifyError | Error, bodyLimit?: number): AppError | undefined {
  if (error instanceof AppError) return error;
  const fe = error as FastifyError;
  // The file store (an S3 bucket) out of reach, or the database restarting: retry (with an
  // Idempotency-Key where a change must not apply twice).
  if (isDependencyUnavailable(error)) return new AppError('unavailable', `${capitalised(error.message)}; retry shortly`, { 'Retry-After': '2' });
  // An error Fastify gave a 4xx status is the client's (a body cut short is an ECONNRESET too).
  if (isStorageUnavailable(error) && !(fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500)) return new AppError('unavailable', `${storageUnavailableMessage(error)}; retry shortly`, { 'Retry-After': '2' });
  if (fe.validation) return new AppError('invalid_request', validationMessage(fe));
  const mapped = fe.code ? FRAMEWORK_CODES[fe.code] : undefined;
  if (mapped === 'malformed_json') return new AppError('malformed_json');
  if (mapped === 'payload_too_large' || fe.statusCode === 413) return tooLarge(bodyLimit);
  if (mapped) return new AppError(mapped, mapped === 'invalid_request' ? fe.message : undefined);
  if (error instanceof SyntaxError && fe.statusCode === 400) return new AppError('malformed_json');
  if (fe.statusCode === 404) return new AppError('not_found');
  if (fe.statusCode === 415) return new AppError('unsupported_media_type');
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) return new AppError('invalid_request', fe.message);
  return undefined;
}

const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** A body past the limit names the limit, so a client knows what to split or shrink to. */
function tooLarge(limit: number | undefined): AppError {
  if (limit === undefined) return new AppError('payload_too_large');
  return new AppError('payload_too_large', `The request body is larger than this route's limit of ${limit} bytes`, {}, { limit_bytes: limit });
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (clientLeft(error, request)) {
    // Nobody is left to read an answer, and nothing failed here: not a server error.
    request.log.debug({ code: error.code }, 'the client closed the connection before its request was read');
    void sendError(reply, new AppError('invalid_request', 'The connection closed before the request body arrived'));
    return;
  }
  const known = toAppError(error, request.routeOptions.bodyLimit);
  if (!known) {
    request.log.error({ err: error }, 'unhandled error');
    void reply.code(500).send(new AppError('internal').toBody());
    return;
  }
  logServerError(request, error, known);
  void reply.code(known.status).headers(known.headers).send(known.toBody());
}

/**
 * A 5xx is a server error, logged with its stack; but a documented refusal the code answers on purpose
 * (503 unavailable while Redis is away, 503 draining) is no failure of its own: a warning, no stack,
 * so an outage the docs call normal does not flood the error log.
 */
function logServerError(request: FastifyRequest, error: unknown, known: AppError): void {
  if (known.status < 500) return;
  if (isDependencyRefusal(known)) request.log.warn({ code: known.code, reason: known.message, ...causeOf(error, known) }, 'refused while a dependency is away');
  else request.log.error({ err: error }, 'server error');
}

/** 503 unavailable (the database or Redis away) and 503 draining: answers given on purpose, not failures. */
export const isDependencyRefusal = (known: AppError): boolean => known.code === 'unavailable' || known.code === 'draining';

/** What the driver said, in a word, when the refusal came from its error (no stack: thousands of these in an outage say nothing more). */
export function causeOf(error: unknown, known: AppError): { cause?: string } {
  if (error === known || !(error instanceof Error)) return {};
  // A dependency's own words are under its refusal.
  const said = isDependencyUnavailable(error) && error.cause instanceof Error ? error.cause : error;
  const code = (said as { code?: unknown }).code;
  return { cause: typeof code === 'string' ? `${code}: ${said.message}` : said.message };
}

/**
 * Fastify's refusals before a route is found (a path that is not valid percent-encoding, a path
 * parameter past its length limit). No hook has run for them, so the shared headers are set here,
 * CORS's included; a whole preflight gets its answer, which does not depend on the path, so that the
 * browser sends the request and can read its refusal.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply, cors: CorsPolicy): void {
  reply.header('X-API-Version', VERSION).header('X-Request-ID', request.id);
  cors.setHeaders(request.headers.origin, reply);
  if (cors.isPreflight(request)) return void cors.answerPreflight(request, reply);
  let known: AppError;
  if (error.code === 'FST_ERR_BAD_URL') known = new AppError('invalid_request', 'The URL is not valid: it has malformed percent-encoding');
  else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') known = new AppError('invalid_request', 'A path parameter is too long');
  else known = toAppError(error) ?? new AppError('internal');
  logServerError(request, error, known);
  void sendError(reply, known);
}

/** The client closed its connection while its request was still being read. */
function clientLeft(error: FastifyError, request: FastifyRequest): boolean {
  const code = error.code as string | undefined;
  const reading = code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || error.message === 'aborted';
  // A request whose whole body arrived was not cut short: an ECONNRESET then is the database's (its
  // connection reset while it restarts), and Node marks a fully read request destroyed all the same.
  return reading && !request.raw.complete && (request.raw.destroyed || request.raw.socket?.destroyed === true);
}

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  return reply.code(error.status).headers(error.headers).send(error.toBody());
}

/** A readable message for the first schema violation ("body.name has an invalid format"). */
function validationMessage(fe: FastifyError): string {
  const errors = fe.validation ?? [];
  // A union (a string or null, one of several constants) fails once per branch, then as a whole: the
  // branches' errors at the first place that failed say together what the value may be.
  const concrete = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  const at = concrete[0]?.instancePath;
  const here = concrete.filter((e) => e.instancePath === at);
  const specific = here.find((e) => e.keyword !== 'type' && e.keyword !== 'const' && e.keyword !== 'enum');
  const first = specific ?? here[0] ?? errors[0];
  if (!first) return fe.message;
  const where = `${fe.validationContext ?? 'request'}${first.instancePath}`.replace(/\//g, '.');
  if (!specific && here.length > 1) {
    const allowed = here.map((e) => (e.keyword === 'const' ? JSON.stringify(e.params.allowedValue) : e.keyword === 'type' ? String(e.params.type) : undefined));
    // A union of constants names its constants: a value of the wrong type (a query parameter given
    // twice is an array) fails some of their branches on the type instead, which says nothing more.
    const constantTypes = new Set<string>(here.filter((e) => e.keyword === 'const').map((e) => (e.params.allowedValue === null ? 'null' : typeof e.params.allowedValue)));
    const named = allowed.filter((a, i) => !(here[i]?.keyword === 'type' && constantTypes.has(String(here[i]?.params.type))));
    if (allowed.every((a) => a !== undefined)) return `${where} must be ${[...new Set(named)].join(' or ')}`;
  }
  if (first.keyword === 'const') return `${where} must be ${JSON.stringify(first.params.allowedValue)}`;
  if (first.keyword === 'enum') return `${where} must be one of ${(first.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if (first.keyword === 'pattern') return `${where} has an invalid format`;
  if (first.keyword === 'required') return `${where}.${String(first.params.missingProperty)} is required`;
  if (first.keyword === 'additionalProperties') return `${where} has an unknown property ${namedKey(String(first.params.additionalProperty))}`;
  return `${where} ${first.message ?? 'is invalid'}`;
}

/** A key as a message names it: quoted, and cut short when it is long (a key may be megabytes). */
export function namedKey(key: string): string {
  return key.length <= 100 ? `"${key}"` : `"${key.slice(0, 100)}…" (${key.length} characters)`;
}
