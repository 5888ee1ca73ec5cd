// The response contract: what each route declares it answers (success shapes and the error codes it
// can give), the errors every route shares added in one place, and — when checkResponses is on, as in
// the test suite — every answer checked against that declaration, so the OpenAPI document cannot drift
// from what the server really sends.
import { Type, type TSchema } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { AppError, ERRORS, type ErrorCode } from './errors.js';

/** A response schema as Fastify and @fastify/swagger take it: a JSON body, or bodies per media type. */
export type ResponseSchema = TSchema | MediaResponse;

export interface MediaResponse {
  readonly description: string;
  readonly content: Readonly<Record<string, { readonly schema: TSchema | Readonly<Record<string, unknown>> }>>;
  readonly headers?: Readonly<Record<string, unknown>>;
}

interface ErrorSchema {
  readonly type: 'object';
  readonly description: string;
  readonly required: readonly string[];
  readonly properties: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly additionalProperties: true;
  readonly 'x-error-codes': readonly ErrorCode[];
  readonly headers?: Readonly<Record<string, unknown>>;
}

const isErrorSchema = (s: unknown): s is ErrorSchema => typeof s === 'object' && s !== null && Array.isArray((s as { 'x-error-codes'?: unknown })['x-error-codes']);

/** The schemas of the fields some errors carry beside error and code (errors.ts ERROR_FIELDS names them). */
const ERROR_FIELD_SCHEMAS: Partial<Record<ErrorCode, Readonly<Record<string, Readonly<Record<string, unknown>>>>>> = {
  payment_required: {
    required_micro: { type: 'integer', description: 'Micro-credits the operation needs' },
    balance_micro: { type: 'integer', description: 'Micro-credits the organization holds now' },
  },
  payload_too_large: { limit_bytes: { type: 'integer', description: "The route's body limit, when a body limit was passed" } },
};

/** Statuses whose answers may say when to come back. */
const RETRY_AFTER: Readonly<Record<number, Readonly<Record<string, unknown>>>> = {
  409: { 'Retry-After': { type: 'string', description: 'Sent with idempotency_conflict when the Idempotency-Key is held by a request still running: seconds to wait before sending the same request again (it then gets that request\'s answer). Absent when the key was used with another request' } },
  429: { 'Retry-After': { type: 'string', description: 'Seconds to wait before retrying' } },
  503: { 'Retry-After': { type: 'string', description: 'Seconds to wait before retrying, when known' } },
};

/** `{error, code}` with the codes one status can carry, and the extra fields those codes may add. */
export function errorSchema(codes: readonly ErrorCode[]): ErrorSchema {
  const unique = [...new Set(codes)].sort();
  const status = ERRORS[unique[0] as ErrorCode].status;
  const extra = Object.assign({}, ...unique.map((c) => ERROR_FIELD_SCHEMAS[c] ?? {})) as Record<string, Readonly<Record<string, unknown>>>;
  return {
    type: 'object',
    description: unique.map((c) => `\`${c}\`: ${ERRORS[c].message}`).join('; '),
    required: ['error', 'code'],
    properties: {
      error: { type: 'string', description: 'A message for people; it may change between versions' },
      code: { type: 'string', enum: unique, description: `Stable error code (HTTP ${status})` },
      ...extra,
    },
    additionalProperties: true,
    'x-error-codes': unique,
    ...(RETRY_AFTER[status] ? { headers: RETRY_AFTER[status] } : {}),
  };
}

/** A declared error response with more required body fields (a 402's required_micro, say). */
export function withErrorFields(responses: Record<number, unknown>, status: number, fields: Readonly<Record<string, TSchema>>): Record<number, unknown> {
  const schema = declaredError(responses, status);
  return { ...responses, [status]: { ...schema, properties: { ...schema.properties, ...fields }, required: [...new Set([...schema.required, ...Object.keys(fields)])] } };
}

/** A declared error response, documented with the headers it is sent with. */
export function withErrorHeaders(responses: Record<number, unknown>, status: number, headers: Readonly<Record<string, TSchema>>): Record<number, unknown> {
  const schema = declaredError(responses, status);
  return { ...responses, [status]: { ...schema, headers: { ...(schema.headers ?? {}), ...headers } } };
}

function declaredError(responses: Record<number, unknown>, status: number): ErrorSchema {
  const schema = responses[status];
  if (!isErrorSchema(schema)) throw new Error(`no error response is declared for ${status}`);
  return schema;
}

/**
 * A WebSocket endpoint as HTTP sees it: 101 when the upgrade is accepted, 426 (with
 * `Upgrade: websocket`) to a request that is not an upgrade, and the refusals of the upgrade.
 */
export function upgradeReplies(switched: string, errors: readonly ErrorCode[]): Record<number, unknown> {
  const responses = replies({ 101: Type.Null({ description: switched }) }, ['upgrade_required', ...errors]);
  return withErrorHeaders(responses, 426, { Upgrade: Type.Literal('websocket', { description: 'The protocol to upgrade to' }) });
}

/**
 * The 426 a WebSocket endpoint gives a request that is not an upgrade. RFC 9110 §7.8: a sender of
 * Upgrade also sends the "upgrade" connection option; the connection then closes, as the client opens
 * a new one for its WebSocket anyway.
 */
export function upgradeRequired(): AppError {
  return new AppError('upgrade_required', undefined, { Upgrade: 'websocket', Connection: 'Upgrade, close' });
}

/** A non-JSON answer (a stream, bytes, text) under one or more media types. */
export function media(description: string, types: readonly string[], schema: Readonly<Record<string, unknown>> = { type: 'string' }, headers?: Readonly<Record<string, unknown>>): MediaResponse {
  return { description, content: Object.fromEntries(types.map((t) => [t, { schema }])), ...(headers ? { headers } : {}) };
}

/**
 * A route's responses: its success answers by status, and the error codes only it gives (the ones
 * every route shares — bad parameters, rate limits, draining, bodies, credentials — are added by
 * `installContract`).
 */
export function replies(success: Readonly<Record<number, ResponseSchema>>, errors: readonly ErrorCode[] = []): Record<number, unknown> {
  const out: Record<number, unknown> = { ...success };
  for (const [status, codes] of byStatus(errors)) out[status] = errorSchema(codes);
  return out;
}

function byStatus(codes: readonly ErrorCode[]): Map<number, ErrorCode[]> {
  const map = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERRORS[code].status;
    map.set(status, [...(map.get(status) ?? []), code]);
  }
  return map;
}

/**
 * What any request can get before its route runs, besides a rate limit and a drain: headers too large
 * or too slow to arrive, a transfer coding Capstan does not implement, its address's connection limit.
 */
const EVERY_ROUTE: readonly ErrorCode[] = ['invalid_request', 'rate_limited', 'too_many_connections', 'request_timeout', 'headers_too_large', 'not_implemented', 'internal', 'unavailable', 'draining'];
const WITH_CREDENTIALS: readonly ErrorCode[] = ['unauthorized'];
/** What a request body can fail on before the route runs (any method that may carry one). */
const WITH_BODY: readonly ErrorCode[] = ['malformed_json', 'payload_too_large', 'unsupported_media_type'];

/** What a path with parameters can fail on: one left empty (`/videos/`) names no route. */
const WITH_PATH_PARAMETERS: readonly ErrorCode[] = ['route_not_found'];

/** What a console session (the consoleSession scheme) can fail on: its expiry, and on writes the CSRF checks. */
const WITH_SESSION: readonly ErrorCode[] = ['session_expired'];
const WITH_SESSION_WRITE: readonly ErrorCode[] = ['csrf_failed'];

/** The error codes a route shares with every other route of its kind. */
function sharedErrors(route: RouteOptions, security: readonly Record<string, readonly string[]>[]): ErrorCode[] {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const takesBody = methods.some((m) => m !== 'GET' && m !== 'HEAD');
  const secured = security.length > 0;
  const session = security.some((s) => 'consoleSession' in s);
  const templated = /\/:[^/]/.test(route.url);
  return [
    ...EVERY_ROUTE,
    ...(templated ? WITH_PATH_PARAMETERS : []),
    ...(secured ? WITH_CREDENTIALS : []),
    ...(session ? WITH_SESSION : []),
    ...(session && takesBody ? WITH_SESSION_WRITE : []),
    ...(takesBody ? WITH_BODY : []),
  ];
}

interface RouteSchema {
  hide?: boolean;
  security?: readonly Record<string, readonly string[]>[];
  response?: Record<string, unknown>;
}

/** Adds the shared errors to a documented route's responses, merging codes that share a status. */
function completeResponses(route: RouteOptions): void {
  const declared = route.schema as RouteSchema | undefined;
  if (!declared || declared.hide) return;
  // Route options and their response maps are often module constants shared by every server in the
  // process: the completed map is a copy on a copy of the schema, never an edit of the declaration.
  const response: Record<string, unknown> = { ...(declared.response ?? {}) };
  for (const [status, codes] of byStatus(sharedErrors(route, declared.security ?? []))) {
    const existing = response[status];
    if (existing !== undefined && !isErrorSchema(existing)) continue;
    const merged = errorSchema([...(existing ? existing['x-error-codes'] : []), ...codes]);
    const headers = { ...(existing?.headers ?? {}), ...(merged.headers ?? {}) };
    // What the route added to its own declaration (required fields, headers) stays.
    response[status] = existing
      ? { ...existing, ...merged, properties: { ...existing.properties, ...merged.properties }, required: existing.required, ...(Object.keys(headers).length > 0 ? { headers } : {}) }
      : merged;
  }
  route.schema = { ...declared, response } as RouteOptions['schema'];
}

/** One answer that does not match its route's declaration. */
export interface ContractViolation {
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly problem: string;
}

export interface ContractOptions {
  /** Check every answer against its route's declaration (development and tests). */
  readonly check: boolean;
  readonly onViolation?: (v: ContractViolation) => void;
}

/** Every violation seen in this process, for test suites to assert on. */
export const contractViolations: ContractViolation[] = [];

export function installContract(app: FastifyInstance, options: ContractOptions): void {
  app.addHook('onRoute', completeResponses);
  // Answers are written as they are: a response schema documents and checks them, it never strips or
  // coerces fields (fast-json-stringify would drop an undeclared one silently).
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  if (!options.check) return;
  const checker = new ResponseChecker();
  app.addHook('onSend', async (req, reply, payload) => {
    const problem = checker.check(req, reply, payload);
    if (problem === undefined) return payload;
    const violation = { method: req.method, route: req.routeOptions.url ?? req.url, status: reply.statusCode, problem };
    contractViolations.push(violation);
    options.onViolation?.(violation);
    req.log.error(violation, 'response contract violation');
    reply.code(500).type('application/json; charset=utf-8');
    return JSON.stringify({ error: `Response contract: ${violation.method} ${violation.route} answered ${violation.status}: ${problem}`, code: 'internal' });
  });
}

/** Validates answers against the declared schemas, compiled once each (closed objects unless a schema opens them). */
class ResponseChecker {
  private readonly ajv = new Ajv({ strict: false, allErrors: false, validateFormats: true });
  private readonly compiled = new WeakMap<object, ValidateFunction>();

  constructor() {
    addFormats.default(this.ajv);
  }

  check(req: FastifyRequest, reply: FastifyReply, payload: unknown): string | undefined {
    const schema = req.routeOptions.schema as RouteSchema | undefined;
    if (!schema || schema.hide || !req.routeOptions.url) return undefined;
    const status = reply.statusCode;
    const responses = schema.response ?? {};
    const declared = responses[status] ?? responses[`${String(status)[0]}xx`] ?? responses.default;
    if (declared === undefined) return `status ${status} is not declared (declared: ${Object.keys(responses).join(', ') || 'none'})`;
    if (status === 204 || status === 304 || req.method === 'HEAD' || reply.request.raw.method === 'HEAD') return undefined;
    const type = String(reply.getHeader('content-type') ?? '').split(';')[0]?.trim() ?? '';
    const bodySchema = bodySchemaFor(declared, type);
    if (bodySchema === undefined) return `content type "${type}" is not declared for status ${status}`;
    if (type !== 'application/json' || typeof payload !== 'string') return undefined;
    let body: unknown;
    try {
      body = JSON.parse(payload);
    } catch {
      return 'the body is not JSON although its content type says so';
    }
    const validate = this.validator(bodySchema);
    if (validate(body)) return undefined;
    const first = validate.errors?.[0];
    return first ? `body${first.instancePath} ${first.message ?? 'is invalid'}${first.params && 'additionalProperty' in first.params ? ` ("${String(first.params.additionalProperty)}")` : ''}` : 'the body does not match';
  }

  private validator(schema: object): ValidateFunction {
    let fn = this.compiled.get(schema);
    if (!fn) {
      fn = this.ajv.compile(closeObjects(schema));
      this.compiled.set(schema, fn);
    }
    return fn;
  }
}

/** The body schema declared for a media type: a plain schema is JSON; a `content` map names each type. */
function bodySchemaFor(declared: unknown, type: string): object | undefined {
  if (typeof declared !== 'object' || declared === null) return undefined;
  const content = (declared as { content?: Record<string, { schema?: object }> }).content;
  if (content) return (content[type] ?? content[`${type.split('/')[0]}/*`] ?? content['*/*'])?.schema ?? (type === '' ? {} : undefined);
  return type === 'application/json' || type === '' ? declared : undefined;
}

/** A copy in which every object schema that does not say otherwise refuses undeclared properties. */
function closeObjects(schema: unknown): object {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node !== 'object' || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = k === 'properties' || k === 'patternProperties' || k === '$defs' || k === 'definitions' ? mapValues(v, walk) : walk(v);
    if (out.type === 'object' && out.properties !== undefined && out.additionalProperties === undefined && out.patternProperties === undefined) out.additionalProperties = false;
    return out;
  };
  return walk(schema) as object;
}

const mapValues = (v: unknown, fn: (x: unknown) => unknown): unknown =>
  typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fn(x)])) : v;
