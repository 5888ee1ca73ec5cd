// Request/response schema pieces shared by surfaces (TypeBox: validation and OpenAPI from one source).
import { Type, type TString } from '@sinclair/typebox';

/** Unicode's control characters (C0, DEL and C1), as the inside of a schema pattern's character class. */
export const CONTROL_CHARACTERS = '\\u0000-\\u001f\\u007f-\\u009f';

/** The same as a regular expression, for checks made outside a schema. */
export const CONTROL_CHARACTER = /[\p{Cc}]/u;

/** A display name: 1–200 characters, no control characters, not only whitespace. */
export const Name = Type.String({ minLength: 1, maxLength: 200, pattern: `^(?=.*\\S)[^${CONTROL_CHARACTERS}]+$`, description: 'Display name: 1–200 characters, no control characters' });

export const ErrorResponse = Type.Object({ error: Type.String(), code: Type.String() }, { description: 'Error' });

const ID_PATTERN = '^[A-Za-z0-9_-]+$';
export const Id = (description: string): TString => Type.String({ minLength: 1, maxLength: 64, pattern: ID_PATTERN, description });
const ID_FORMAT = new RegExp(`^(?=.{1,64}$)${ID_PATTERN.slice(1)}`);
/** Whether a path id has the form every Id takes, for hooks that read one before the schema is checked. */
export const isId = (value: string): boolean => ID_FORMAT.test(value);

/** Query integers are also refused unless written in decimal digits (query-integers.ts). */
export const Limit = (def: number, max: number) => Type.Integer({ minimum: 1, maximum: max, default: def });

/**
 * The largest list offset: far past any real page, and well inside what SQLite and PostgreSQL take
 * as an OFFSET (an unbounded one, 1e20, reached the driver and failed there with a 500).
 */
export const MAX_OFFSET = 1_000_000_000;
export const Offset = Type.Integer({ minimum: 0, maximum: MAX_OFFSET, default: 0 });

/** A body with nothing in it: none (see `bodylessAsEmpty`), or {}. */
export const EmptyBody = Type.Object({}, { additionalProperties: false, description: 'No fields: send no body, or {}' });

/** The header a replayed answer carries (an Idempotency-Key seen before). */
export const replayHeaders = { 'idempotent-replayed': { type: 'string', enum: ['true'], description: 'Present when this is the recorded answer of an earlier request with the same Idempotency-Key' } };
