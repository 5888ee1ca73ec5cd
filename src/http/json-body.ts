// JSON request bodies: Fastify's own parser (with its prototype-poisoning checks) behind a nesting
// limit. Every JSON body goes through recursive code after parsing (validation, serialization, the
// idempotency record), so a body of a million "[" would overflow a stack somewhere and answer 500;
// counting brackets first refuses it in one linear pass, before any parsing work.
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AppError } from './errors.js';

/** Deeper than any request body of the API nests (event data included), far from any stack limit. */
export const MAX_JSON_DEPTH = 32;

/** True when objects and arrays in `text` nest deeper than `limit`. Linear in the length of `text`. */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip a string in native searches: its end is the first quote not escaped by an odd run of
      // backslashes (each run is looked at once, so this stays linear).
      let end = i;
      for (;;) {
        end = text.indexOf('"', end + 1);
        if (end < 0) return false;
        let k = end - 1;
        while (text.charCodeAt(k) === 0x5c) k--;
        if ((end - 1 - k) % 2 === 0) break;
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** Replaces the app's application/json parser with the depth-checked one (children inherit it). */
export function useDepthLimitedJson(app: FastifyInstance, maxDepth = MAX_JSON_DEPTH): void {
  // Fastify's own defaults: a body with __proto__ or constructor.prototype is refused, not parsed.
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body.toString();
    // An empty body is no body, whatever the Content-Type says: client libraries set
    // application/json by default, on a DELETE or a POST that takes no options too.
    if (text.length === 0) {
      done(null, undefined);
      return;
    }
    if (jsonNestsDeeperThan(text, maxDepth)) {
      done(new AppError('invalid_request', `The JSON body nests objects and arrays deeper than ${maxDepth} levels`), undefined);
      return;
    }
    parse(req, text, done);
  });
}

/** preValidation hook: a POST without a body (curl -X POST) means "no options", validated as {}. */
export function bodylessAsEmpty(req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (req.body === undefined && req.method === 'POST') req.body = {};
  done();
}
