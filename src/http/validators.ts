// Request validation. Query strings, path parameters and headers arrive as text, so their schemas
// coerce ("10" is 10, one value is a list of one); a JSON body arrives typed, so a value of the wrong
// type is refused, never converted: {"name": 123} is not the name "123", nor true one credit.
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';

// Fastify's own defaults (@fastify/ajv-compiler) but for coercion; allErrors stays off (a schema with
// every error collected is a denial-of-service lever) and nothing is removed silently.
const SHARED: Options = { useDefaults: true, removeAdditional: false, addUsedSchema: false, allErrors: false };

function ajv(coerceTypes: Options['coerceTypes']): Ajv {
  const instance = new Ajv({ ...SHARED, coerceTypes });
  addFormats.default(instance);
  return instance;
}

/** Fastify's validator compiler: text parts coerced, the body strict. */
export function requestValidators(): FastifySchemaCompiler<FastifySchema> {
  const text = ajv('array');
  const body = ajv(false);
  return ({ schema, httpPart }) => {
    const instance = httpPart === 'body' ? body : text;
    const id = (schema as { $id?: unknown }).$id;
    // One Ajv compiles a schema with an $id once; a second compile of it would throw.
    const known = typeof id === 'string' ? (instance.getSchema(id) as ValidateFunction | undefined) : undefined;
    return known ?? instance.compile(schema as object);
  };
}
