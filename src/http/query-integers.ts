// Integers in query strings are plain decimal digits. The validator turns a query string's text into a
// number before checking it, and JavaScript reads "1e3", "0x10", " 7", "1.0" and "-0" as integers too
// (a negative zero even passes a minimum of 0): what a client meant by those is a guess, so they are
// refused before validation, with the same 400 as any other invalid parameter. A minus sign stays for
// a number below zero; ranges stay in the schemas (e.g. schemas.Offset).
import type { FastifyInstance, preValidationHookHandler } from 'fastify';
import { AppError } from './errors.js';

/** Digits, or a minus sign before digits that are not all zeros: no negative zero. */
const DECIMAL_INTEGER = /^(?:\d+|-0*[1-9]\d*)$/;
/** Enough for any bound a schema sets, short of where doubles stop holding every integer. */
const MAX_DIGITS = 16;

function integerFields(schema: object): readonly string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  return Object.entries(properties)
    .filter(([, p]) => p.type === 'integer' || (Array.isArray(p.type) && p.type.includes('integer')))
    .map(([name]) => name);
}

/** Throws when a field of `names` in `query` is not an integer written in digits. */
function checkFields(names: readonly string[], query: Record<string, unknown> | undefined): void {
  if (!query) return;
  for (const name of names) {
    const value = query[name];
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v !== 'string' || !DECIMAL_INTEGER.test(v)) throw new AppError('invalid_request', `querystring.${name} must be an integer written in decimal digits`);
      if (v.replace('-', '').length > MAX_DIGITS) throw new AppError('invalid_request', `querystring.${name} is out of range`);
    }
  }
}

/**
 * Every route registered after this call whose querystring schema has integer fields checks, before
 * validation, that they are written in digits. Routes without such fields get no hook at all.
 */
export function checkQueryIntegers(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = (route.schema as { querystring?: unknown } | undefined)?.querystring;
    if (typeof schema !== 'object' || schema === null) return;
    const names = integerFields(schema);
    if (names.length === 0) return;
    const check: preValidationHookHandler = (req, _reply, done) => {
      checkFields(names, req.query as Record<string, unknown> | undefined);
      done();
    };
    const existing = route.preValidation;
    route.preValidation = existing === undefined ? [check] : [...(Array.isArray(existing) ? existing : [existing]), check];
  });
}
