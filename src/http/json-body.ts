// JSON request bodies: Fastify's own parser (with its prototype-poisoning checks) behind limits on
// the body's shape. Every JSON body goes through recursive code after parsing (validation,
// serialization, the idempotency record), so a body of a million "[" would overflow a stack somewhere
// and answer 500; an object of a million keys takes V8 seconds to build, on the one thread every
// request shares. Counting brackets and commas first refuses both in one linear pass, before any
// parsing work. A body must be
// UTF-8 and its strings whole Unicode: a stray byte or a lone surrogate escape would otherwise become
// U+FFFD on its way to storage, and a name stored "verbatim" would not be what was sent. Nor may a
// string hold U+0000: PostgreSQL's text cannot store it and SQLite's C strings end at it, so it would
// fail the write on one driver and cut the text short on the other.
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { namedKey } from './error-handler.js';
import { AppError } from './errors.js';

/** Deeper than any request body of the API nests (event data included), far from any stack limit. */
export const MAX_JSON_DEPTH = 32;
/**
 * Members of one object. V8 builds an object of many keys in time that grows faster than its size
 * (100,000 keys: 0.4 s, 1.5 million: 5 s, all of it blocking every other request and stream); no
 * request of the API needs more than a few hundred.
 */
export const MAX_JSON_OBJECT_MEMBERS = 10_000;
/** Values in a whole body (a 10,000-part complete holds about 30,000). */
export const MAX_JSON_VALUES = 200_000;

export interface JsonShapeLimits {
  readonly depth: number;
  readonly objectMembers: number;
  readonly values: number;
}

const LIMITS: JsonShapeLimits = { depth: MAX_JSON_DEPTH, objectMembers: MAX_JSON_OBJECT_MEMBERS, values: MAX_JSON_VALUES };

/**
 * Why `text` is too deep or too large in its structure to parse, or undefined. One linear pass over the
 * text, before any parsing work: strings are skipped by native searches, and values are counted by the
 * commas between them (a count that errs on the high side only for text that is not JSON at all).
 */
export function jsonShapeProblem(text: string, limits: JsonShapeLimits = LIMITS): string | undefined {
  let depth = 0;
  let values = 1;
  // Per open container: its members so far (objects counted, arrays not).
  const members = new Int32Array(limits.depth + 1);
  const isObject = new Uint8Array(limits.depth + 1);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip a string in native searches: its end is the first quote not escaped by an odd run of
      // backslashes (each run is looked at once, so this stays linear).
      let end = i;
      for (;;) {
        end = text.indexOf('"', end + 1);
        if (end < 0) return undefined;
        let k = end - 1;
        while (text.charCodeAt(k) === 0x5c) k--;
        if ((end - 1 - k) % 2 === 0) break;
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limits.depth) return `The JSON body nests objects and arrays deeper than ${limits.depth} levels`;
      members[depth] = 1;
      isObject[depth] = c === 0x7b ? 1 : 0;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth > 0) depth--;
    } else if (c === 0x2c) {
      if (++values > limits.values) return `The JSON body holds more than ${limits.values} values`;
      if (isObject[depth] === 1 && ++members[depth]! > limits.objectMembers) return `A JSON object in the body has more than ${limits.objectMembers} members`;
    }
  }
  return undefined;
}

/** The body's text; a body that is not UTF-8 is refused rather than decoded with U+FFFD in it. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A `\uD800`–`\uDFFF` escape: the only way a lone surrogate gets into parsed JSON from UTF-8 text. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A `\u0000` escape: the only way U+0000 gets into parsed JSON (a raw control character is refused). */
const NUL_ESCAPE = /\\u0000/;
// eslint-disable-next-line no-control-regex -- U+0000 is what it looks for
const NUL = /\u0000/;

/** Where in `value` (as `body.a[0].b`) a string or a key matches `pattern`, or undefined. */
function stringMatchAt(value: unknown, pattern: RegExp, path: string): string | undefined {
  if (typeof value === 'string') return pattern.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = stringMatchAt(value[i], pattern, `${path}[${i}]`);
      if (found !== undefined) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      if (pattern.test(key)) return `a key of ${path}`;
      const found = stringMatchAt(v, pattern, `${path}.${key}`);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Where in `value` (as `body.a[0].b`) a string or a key holds a lone surrogate, or undefined. */
export function loneSurrogateAt(value: unknown, path = 'body'): string | undefined {
  return stringMatchAt(value, LONE_SURROGATE, path);
}

/** Where in `value` (as `body.a[0].b`) a string or a key holds U+0000, or undefined. */
export function nulAt(value: unknown, path = 'body'): string | undefined {
  return stringMatchAt(value, NUL, path);
}

/** Why a parsed body is refused (a lone surrogate, a U+0000), or undefined; `text` says where to look. */
function unstorableText(text: string, value: unknown): AppError | undefined {
  const surrogate = SURROGATE_ESCAPE.test(text) ? loneSurrogateAt(value) : undefined;
  if (surrogate !== undefined) return new AppError('malformed_json', `The JSON body contains a lone surrogate at ${surrogate}: a \\uD800–\\uDFFF escape that is not half of a pair`);
  const nul = NUL_ESCAPE.test(text) ? nulAt(value) : undefined;
  // Valid JSON, but text no field may hold: invalid_request, as the fields that refuse control characters say.
  if (nul !== undefined) return new AppError('invalid_request', `The JSON body contains U+0000 at ${nul}: text may not hold NUL characters`);
  return undefined;
}

/**
 * The parser's refusal of a key that could reach an object's prototype, told as what it is and where:
 * the body is valid JSON, and "not valid JSON" sent its sender looking for a syntax error.
 */
function forbiddenKey(text: string): AppError | undefined {
  // Fastify's parser keeps no reason: a refused body that may name such a key (spelled out or
  // escaped) and is JSON was refused for it.
  if (!MAY_NAME_PROTOTYPE.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const at = prototypeKeyAt(value, 'body');
  if (at === undefined) return undefined;
  return new AppError('malformed_json', `The JSON body has the key ${at}: "__proto__", and "prototype" inside "constructor", are refused wherever they are, as prototype pollution`);
}

const MAY_NAME_PROTOTYPE = /proto|\\u/;

/** Where in `value` (as `body.a[0].__proto__`) a `__proto__` key, or `prototype` inside `constructor`, is. */
function prototypeKeyAt(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = prototypeKeyAt(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    if (Object.hasOwn(value, '__proto__')) return `${path}.__proto__`;
    const constructor = Object.hasOwn(value, 'constructor') ? (value as { constructor: unknown }).constructor : undefined;
    if (typeof constructor === 'object' && constructor !== null && Object.hasOwn(constructor, 'prototype')) return `${path}.constructor.prototype`;
    for (const [key, v] of Object.entries(value)) {
      const found = prototypeKeyAt(v, `${path}.${key}`);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Requests whose body this parser read: a surface's own parser (the upload gateway's) may take JSON bytes raw. */
const parsedAsJson = new WeakSet<FastifyRequest>();

/** Fastify's JSON parser of a scope (`app.getDefaultJsonParser`). */
export type DefaultJsonParser = ReturnType<FastifyInstance['getDefaultJsonParser']>;

/** The refusal of a compressed body: it would be read as its compressed bytes. */
export function refusedEncoding(req: FastifyRequest): AppError | undefined {
  const encoding = req.headers['content-encoding'];
  if (encoding === undefined || encoding.trim().toLowerCase() === 'identity') return undefined;
  return new AppError('unsupported_media_type', `Content-Encoding ${JSON.stringify(encoding)} is not accepted: send the JSON body uncompressed`);
}

/** Parses a JSON body's bytes with every check above: UTF-8, shape, prototype keys, storable text. */
export function parseJsonBody(req: FastifyRequest, body: Buffer, parse: DefaultJsonParser, done: (err: Error | null, value: unknown) => void, limits: JsonShapeLimits = LIMITS): void {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    done(new AppError('malformed_json', 'The request body is not valid UTF-8'), undefined);
    return;
  }
  // An empty body is no body, whatever the Content-Type says: client libraries set
  // application/json by default, on a DELETE or a POST that takes no options too.
  if (text.length === 0) {
    done(null, undefined);
    return;
  }
  const shape = jsonShapeProblem(text, limits);
  if (shape !== undefined) {
    done(new AppError('invalid_request', shape), undefined);
    return;
  }
  parsedAsJson.add(req);
  parse(req, text, (err, value) => {
    const refusal = err ? forbiddenKey(text) : SURROGATE_ESCAPE.test(text) || NUL_ESCAPE.test(text) ? unstorableText(text, value) : undefined;
    if (refusal === undefined) done(err, value);
    else done(refusal, undefined);
  });
}

/** Replaces the app's application/json parser with the shape-checked one (children inherit it). */
export function useDepthLimitedJson(app: FastifyInstance, limits: JsonShapeLimits = LIMITS): void {
  // Fastify's own defaults: a body with __proto__ or constructor.prototype is refused, not parsed.
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const refusal = refusedEncoding(req);
    if (refusal) return void done(refusal, undefined);
    parseJsonBody(req, typeof body === 'string' ? Buffer.from(body) : body, parse, done, limits);
  });
}

/**
 * preValidation hook of a route that takes no body and has no body schema (a DELETE): a JSON body
 * sent to it ({"dry_run": true}) would be ignored and the action carried out anyway. Only {} is
 * taken there; any other JSON is refused, as a property a body schema lacks is.
 */
export function refuseUnexpectedBody(req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const body: unknown = req.body;
  if (body === undefined || req.routeOptions.schema?.body !== undefined || !parsedAsJson.has(req)) return done();
  const fields = body !== null && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : undefined;
  if (fields?.length === 0) return done();
  done(new AppError('invalid_request', fields ? `This route takes no body: body has an unknown property ${namedKey(fields[0] ?? '')}` : 'This route takes no body'));
}

/** preValidation hook: a POST without a body (curl -X POST) means "no options", validated as {}. */
export function bodylessAsEmpty(req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (req.body === undefined && req.method === 'POST') req.body = {};
  done();
}
