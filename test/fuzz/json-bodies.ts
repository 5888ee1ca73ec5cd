// JSON request bodies for the fuzzer: a valid value drawn from a route's JSON schema (as
// /openapi.json publishes it), with ids drawn from the tenants' pools, then mutated the ways clients
// get bodies wrong: wrong types, missing and unknown fields, deep nesting, huge strings, and text
// that is not JSON at all.
import fc from 'fast-check';
import { ID_KIND_OF, type IdKind } from './tenants.js';

export interface JsonSchema {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly pattern?: string;
}

export type IdsOf = (kind: IdKind) => fc.Arbitrary<string>;

const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, '', ' ', '\u0000', '\u202e', 'null', '__proto__', [], {}, [null], { $ne: 1 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.jsonValue({ maxDepth: 3 }),
);

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = Math.min(schema.maxLength ?? 64, 64);
  if (schema.pattern) {
    try {
      return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= min && s.length <= (schema.maxLength ?? Infinity));
    } catch {
      // Patterns fast-check cannot generate from (lookaheads) fall back to plain strings.
    }
  }
  return fc.string({ minLength: min, maxLength: Math.max(min, max) });
}

/** A value the schema accepts (near enough: patterns are honoured where fast-check can). */
export function valueOf(schema: JsonSchema, ids: IdsOf, field?: string): fc.Arbitrary<unknown> {
  const kind = field === undefined ? undefined : ID_KIND_OF[field];
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => valueOf(s, ids, field)));
  switch (schema.type) {
    case 'object': {
      const properties = schema.properties ?? {};
      if (Object.keys(properties).length === 0) return fc.dictionary(fc.string({ maxLength: 8 }), junkValue, { maxKeys: 4 });
      const required = new Set(schema.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, sub] of Object.entries(properties)) record[name] = valueOf(sub, ids, name);
      return fc.record(record, { requiredKeys: [...required].filter((k) => k in record) });
    }
    case 'array': {
      const item = schema.items ? valueOf(schema.items, ids, field) : junkValue;
      return fc.array(item, { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 5, 5) });
    }
    case 'string':
      return kind ? fc.oneof(ids(kind), stringFor(schema)) : stringFor(schema);
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? -1e6, Number.MIN_SAFE_INTEGER), max: Math.min(schema.maximum ?? 1e6, Number.MAX_SAFE_INTEGER) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return junkValue;
  }
}

/** Nests `value` `depth` levels deep in arrays or objects. */
const nest = (value: unknown, depth: number, asArray: boolean): unknown => {
  let v = value;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
};

/** One mutation of a valid object body; the result may or may not still be valid. */
function mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const onObject = (f: (o: Record<string, unknown>, key: string | undefined) => fc.Arbitrary<unknown>) =>
    valid.chain((v) => {
      const o = typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...(v as Record<string, unknown>) } : {};
      const keys = Object.keys(o);
      return (keys.length === 0 ? fc.constant(undefined) : fc.constantFrom(...keys)).chain((key) => f(o, key));
    });
  return fc.oneof(
    onObject((o, key) => junkValue.map((junk) => (key === undefined ? o : { ...o, [key]: junk }))),
    onObject((o, key) => {
      if (key !== undefined) delete o[key];
      return fc.constant(o);
    }),
    onObject((o) => fc.tuple(fc.string({ maxLength: 12 }), junkValue).map(([k, v]) => ({ ...o, [k]: v }))),
    onObject((o, key) => fc.tuple(fc.integer({ min: 20, max: 80 }), fc.boolean()).map(([depth, asArray]) => (key === undefined ? nest(o, depth, asArray) : { ...o, [key]: nest(o[key], depth, asArray) }))),
    onObject((o, key) => fc.constantFrom(20_001, 70_000, 1_100_000).map((n) => ({ ...o, [key ?? 'name']: 'x'.repeat(n) }))),
    onObject((o) => fc.constant(JSON.parse(`{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}, "keep": ${JSON.stringify(o)}}`) as unknown)),
    junkValue,
  );
}

/** Body bytes that are not a JSON document of the schema: broken, binary, or another format. */
export const notJson: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom('', '{', '}', '{"a":', '[1,2', 'null', 'true', '"str"', '1e999', '{"a":1}{"b":2}', '{"a":1,}', "{'a':1}", 'NaN', '\ufeff{}', '{"a":"\\ud800"}', '[' .repeat(100_000), '{"a":'.repeat(5000), 'a=1&b=2').map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 256 }).map((a) => Buffer.from(a)),
  fc.constant(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])),
  fc.string({ unit: 'binary', maxLength: 100 }).map((s) => Buffer.from(s)),
);

/** A JSON body for `schema`: valid, mutated, or serialized and then broken. */
export function jsonBody(schema: JsonSchema | undefined, ids: IdsOf): fc.Arbitrary<Buffer> {
  const valid = schema ? valueOf(schema, ids) : fc.constant({});
  const text = (v: fc.Arbitrary<unknown>) => v.map((x) => Buffer.from(JSON.stringify(x) ?? 'null'));
  return fc.oneof(
    { weight: 4, arbitrary: text(valid) },
    { weight: 4, arbitrary: text(mutated(valid)) },
    { weight: 1, arbitrary: text(valid).chain((b) => fc.nat({ max: Math.max(0, b.length - 1) }).map((n) => b.subarray(0, n))) },
    { weight: 2, arbitrary: notJson },
  );
}
