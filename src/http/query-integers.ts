// Integers in query strings are plain decimal digits. The validator turns a query string's text into a
// number before checking it, and JavaScript reads "1e3", "0x10", " 7" and "1.0" as integers too: what
// a client meant by those is a guess, so they are refused before validation, with the same 400 as any
// other invalid parameter. Ranges stay in the schemas (e.g. schemas.Offset).
import type { FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

const DECIMAL_INTEGER = /^-?\d+$/;
/** Enough for any bound a schema sets, short of where doubles stop holding every integer. */
const MAX_DIGITS = 16;

const integerFieldsOf = new WeakMap<object, readonly string[]>();

function integerFields(schema: object): readonly string[] {
  let fields = integerFieldsOf.get(schema);
  if (!fields) {
    const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
    fields = Object.entries(properties)
      .filter(([, p]) => p.type === 'integer' || (Array.isArray(p.type) && p.type.includes('integer')))
      .map(([name]) => name);
    integerFieldsOf.set(schema, fields);
  }
  return fields;
}

/** A preValidation hook: every integer field of the route's querystring schema is written in digits. */
export async function checkQueryIntegers(req: FastifyRequest): Promise<void> {
  const schema = req.routeOptions.schema?.querystring;
  if (typeof schema !== 'object' || schema === null) return;
  const query = req.query as Record<string, unknown> | undefined;
  if (!query) return;
  for (const name of integerFields(schema)) {
    const value = query[name];
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v !== 'string' || !DECIMAL_INTEGER.test(v)) throw new AppError('invalid_request', `querystring.${name} must be an integer written in decimal digits`);
      if (v.replace('-', '').length > MAX_DIGITS) throw new AppError('invalid_request', `querystring.${name} is out of range`);
    }
  }
}
