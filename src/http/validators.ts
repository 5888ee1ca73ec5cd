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

/**
 * A validator compiled on its first use. A node serves a few of its routes most of the time, and
 * compiling every route's schemas up front was a fifth of its start. Fastify passes Ajv's data
 * context (so a coerced root value can be replaced) to a function that has `schemaEnv`; this one
 * says it has, and hands the context on.
 */
type LazyValidator = ((data: unknown, context?: object) => boolean) & { errors: ValidateFunction['errors']; schemaEnv: true };

function compiledOnFirstUse(compile: () => ValidateFunction): LazyValidator {
  let validate: ValidateFunction | undefined;
  const lazy: LazyValidator = Object.assign(
    (data: unknown, context?: object): boolean => {
      validate ??= compile();
      const valid = validate(data, context as Parameters<ValidateFunction>[1]) as boolean;
      lazy.errors = validate.errors;
      return valid;
    },
    { errors: null, schemaEnv: true as const },
  );
  return lazy;
}

/** Fastify's validator compiler: text parts coerced, the body strict. */
export function requestValidators(): FastifySchemaCompiler<FastifySchema> {
  const text = ajv('array');
  const body = ajv(false);
  return ({ schema, httpPart }) => {
    const instance = httpPart === 'body' ? body : text;
    const id = (schema as { $id?: unknown }).$id;
    // One Ajv compiles a schema with an $id once; a second compile of it would throw.
    return compiledOnFirstUse(() => (typeof id === 'string' ? (instance.getSchema(id) as ValidateFunction | undefined) : undefined) ?? instance.compile(schema as object));
  };
}
