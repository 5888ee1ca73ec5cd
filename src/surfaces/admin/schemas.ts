// Schemas shared by the admin API's routes: its credential, the Idempotency-Key every write honours,
// and the tenancy resources (organizations, keys, credits, apps, hubs, contacts, contact tokens) as
// src/tenancy/present.ts writes them. Examples follow docs/api.md.
import { Type, type TSchema } from '@sinclair/typebox';
import { schemas, type ErrorCode } from '../../http/index.js';

/** The admin token, or a console session (cookie, with X-CSRF-Token on writes). */
export const security: Record<string, string[]>[] = [{ adminToken: [] }, { consoleSession: [] }];

/**
 * Every admin route answers 404 route_not_found while CAPSTAN_ADMIN_TOKEN is unset (the admin API
 * does not exist then), so each declares it beside its own codes.
 */
export const adminErrors = (...codes: ErrorCode[]): ErrorCode[] => ['route_not_found', ...codes];

/** A write's codes: every one honours an Idempotency-Key, so a reused key is 409 idempotency_conflict. */
export const writeErrors = (...codes: ErrorCode[]): ErrorCode[] => adminErrors('idempotency_conflict', ...codes);

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC with milliseconds', examples: ['2025-01-31T12:00:00.000Z'] });
const T0 = '2025-01-31T12:00:00.000Z';

/** Every write of the admin scope is wrapped by idempotentWrites (src/http/idempotency.ts). */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({
    minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$',
    description: 'Applies this write at most once per key (admin scope, kept 24 h): a retry with the same key and body gets the first answer again, marked Idempotent-Replayed: true; the same key with another request is 409 idempotency_conflict.',
  })),
});

/** Response headers of a write that honours an Idempotency-Key. */
export const replayHeaders = schemas.replayHeaders;

/** A success answer of a write: its schema, described, with the replay header. */
export const written = <T extends TSchema>(schema: T, description: string): T => ({ ...schema, description, headers: replayHeaders });

export const OrgParams = Type.Object({ org_id: schemas.Id('Organization id') });
export const HubParams = Type.Object({ hub_id: schemas.Id('Hub id') });
export const ContactParams = Type.Object({ hub_id: schemas.Id('Hub id'), contact_id: schemas.Id('Contact id') });
export const KeyParams = Type.Object({ org_id: schemas.Id('Organization id'), key_id: schemas.Id('Key id') });
export const AppParams = Type.Object({ app_id: schemas.Id('App id') });

export const KeyMode = Type.Union([Type.Literal('test'), Type.Literal('live')], { description: 'The key prefix: capout_test_ or capout_live_' });
export const Role = Type.Union([Type.Literal('member'), Type.Literal('moderator'), Type.Literal('admin')], { description: 'A contact\'s role in its hub' });
export const Environment = Type.Union([Type.Literal('development'), Type.Literal('production')], { description: 'Production apps check the Origin of public-key calls against allowed_origins' });
export const Origin = Type.String({ minLength: 1, maxLength: 255, pattern: '^(\\*|[hH][tT][tT][pP][sS]?://[^/\\s]+)$', description: 'An origin such as https://app.example.com (stored lower-cased, default port dropped), or * for any; a path, query, user, wildcard host, port 0 or port past 65535 is 400' });

/** The body of a POST that takes no fields: none, {}, or refused for any property. */
export const EmptyBody = schemas.EmptyBody;

export const Success = Type.Object({ success: Type.Literal(true) }, { examples: [{ success: true }] });

// ---- organizations and keys ----

const orgFields = {
  id: Type.String({ description: 'Organization id (org_…)' }),
  name: Type.String(),
  credits_micro: Type.Integer({ description: 'Credit balance in micro-credits (100,000 are one dollar)' }),
  created_at: Timestamp,
  updated_at: Timestamp,
};
const orgExample = { id: 'org_8Yq2mB4nKcR7tW1xZ3pL', name: 'Acme', credits_micro: 500000, created_at: T0, updated_at: T0 };

export const Org = Type.Object(orgFields, { description: 'An organization', examples: [orgExample] });

const keyFields = {
  id: Type.String({ description: 'Key id (key_…)' }),
  mode: KeyMode,
  display: Type.String({ description: 'The key\'s prefix and first characters (capout_test_AbCd…): never the key itself' }),
  created_at: Timestamp,
  revoked_at: Nullable(Timestamp),
};
const keyExample = { id: 'key_Qw3rTy7uIo9pAs2dFg4h', mode: 'test', display: 'capout_test_AbCd…', created_at: T0, revoked_at: null };

export const OrgKey = Type.Object(keyFields, { description: 'An organization API key, by its display form; revoked_at is null while it is active' });

const API_KEY = 'capout_test_AbCd0123456789EfGhIjKlMnOpQrStUvWxYz01234567';

export const OrgCreated = Type.Object({
  ...orgFields,
  api_key: Type.String({ description: 'The organization\'s first API key: shown only in this answer' }),
  api_key_id: Type.String({ description: 'The first key\'s id (key_…)' }),
}, { examples: [{ ...orgExample, api_key: API_KEY, api_key_id: keyExample.id }] });

export const OrgList = Type.Object({ data: Type.Array(Org, { description: 'Oldest first' }) }, { examples: [{ data: [orgExample] }] });

export const OrgWithKeys = Type.Object({
  ...orgFields,
  keys: Type.Array(OrgKey, { description: 'Every key the organization ever had, active and revoked' }),
}, { examples: [{ ...orgExample, keys: [keyExample] }] });

export const KeyCreated = Type.Object({
  ...keyFields,
  api_key: Type.String({ description: 'The key itself: shown only in this answer' }),
}, { examples: [{ ...keyExample, api_key: API_KEY }] });

export const CreditBalance = Type.Object({
  org_id: Type.String({ description: 'Organization id' }),
  credits_micro: Type.Integer({ description: 'The balance after this ledger entry, in micro-credits' }),
}, { examples: [{ org_id: orgExample.id, credits_micro: 600000 }] });

// ---- apps ----

const appFields = {
  id: Type.String({ description: 'App id (app_…)' }),
  org_id: Type.String({ description: 'Organization id' }),
  name: Type.String(),
  environment: Environment,
  allowed_origins: Type.Array(Type.String(), { description: 'Origins a production app\'s public key may be used from' }),
  created_at: Timestamp,
};
const appExample = { id: 'app_Zx8cVb6nM4lK2jH0gF9d', org_id: orgExample.id, name: 'Recorder', environment: 'production', allowed_origins: ['https://app.example.com'], created_at: T0 };
const SECRET_KEY = 'csk_Xy12AbCd34EfGh56IjKl78MnOp90QrSt12UvWx34Yz';
const PUBLIC_KEY = 'cpk_Ab34CdEf56GhIj78KlMn90OpQr12StUv34WxYz56Ab';

export const AppCreated = Type.Object({
  ...appFields,
  secret_key: Type.String({ description: 'The app\'s secret key (csk_…), for servers: shown only in this answer' }),
  public_key: Type.String({ description: 'The app\'s public key (cpk_…), for browsers: shown only in this answer' }),
}, { examples: [{ ...appExample, secret_key: SECRET_KEY, public_key: PUBLIC_KEY }] });

export const AppKeys = Type.Object({
  app_id: Type.String({ description: 'App id' }),
  secret_key: Type.String({ description: 'The new secret key (csk_…): shown only in this answer' }),
  public_key: Type.String({ description: 'The new public key (cpk_…): shown only in this answer' }),
}, { examples: [{ app_id: appExample.id, secret_key: SECRET_KEY, public_key: PUBLIC_KEY }] });

// ---- hubs, contacts, tokens ----

export const Hub = Type.Object({
  id: Type.String({ description: 'Hub id (hub_…)' }),
  org_id: Type.String({ description: 'Organization id' }),
  name: Type.String(),
  created_at: Timestamp,
}, { examples: [{ id: 'hub_Pl9oKi8uJy7hGt6fRd5e', org_id: orgExample.id, name: 'Community', created_at: T0 }] });

export const Contact = Type.Object({
  id: Type.String({ description: 'Contact id (ct_…)' }),
  hub_id: Type.String({ description: 'Hub id' }),
  name: Type.String(),
  role: Role,
  status: Type.Union([Type.Literal('active'), Type.Literal('banned'), Type.Literal('removed')], { description: 'Only active contacts get tokens and streams' }),
  created_at: Timestamp,
  updated_at: Timestamp,
}, { examples: [{ id: 'ct_Mn3bVc2xZl1kJh0gFd9s', hub_id: 'hub_Pl9oKi8uJy7hGt6fRd5e', name: 'Ada', role: 'member', status: 'active', created_at: T0, updated_at: T0 }] });

export const ContactToken = Type.Object({
  access_token: Type.String({ description: 'A JWT (HS256) for the hub member API and the hub stream: Authorization: Bearer <token>' }),
  token_type: Type.Literal('Bearer'),
  expires_at: Timestamp,
}, { examples: [{ access_token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJjYXBzdGFuIn0.c2lnbmF0dXJl', token_type: 'Bearer', expires_at: '2025-01-31T13:00:00.000Z' }] });
