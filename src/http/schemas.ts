// Request/response schema pieces shared by surfaces (TypeBox: validation and OpenAPI from one source).
import { Type, type TString } from '@sinclair/typebox';

/** A display name: 1–200 characters, no control characters, not only whitespace. */
export const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '^(?=.*\\S)[^\\u0000-\\u001f\\u007f]+$', description: 'Display name: 1–200 characters, no control characters' });

export const ErrorResponse = Type.Object({ error: Type.String(), code: Type.String() }, { description: 'Error' });

export const Id = (description: string): TString => Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description });

export const Limit = (def: number, max: number) => Type.Integer({ minimum: 1, maximum: max, default: def });
export const Offset = Type.Integer({ minimum: 0, default: 0 });
