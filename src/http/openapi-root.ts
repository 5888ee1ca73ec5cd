// The parts of the OpenAPI document that belong to no one route: what Capstan is, where it is served,
// how each kind of caller authenticates, the surfaces in the published documents' order (admin last),
// and the error catalogue every operation's error responses draw their codes from.
import type { Config } from '../config/index.js';
import { VERSION } from '../util/version.js';
import { ERRORS } from './errors.js';

/** Surfaces in the order of the published API documents, admin and operational routes last. */
const TAG_GROUPS = [
  { name: 'Documents', tags: ['documents', 'documents realtime'] },
  { name: 'Organizer', tags: ['organizer', 'organizer realtime'] },
  { name: 'Videos', tags: ['developer videos', 'developer SDK', 'developer video pages', 'developer video events'] },
  { name: 'Hub', tags: ['hub members', 'hub realtime'] },
  { name: 'Meta', tags: ['meta'] },
  { name: 'Admin', tags: ['admin', 'admin: hubs', 'admin: webhooks', 'admin: operations'] },
] as const;

const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  documents: 'Upload a document by URL or base64, poll its status, read its classified line items, check credits (organization API key in `capout-api-key`).',
  'documents realtime': 'Document status over Server-Sent Events and WebSocket, with a short-lived token from `POST /ws/token`. Messages, terminal events and resume rules: `/asyncapi.json`.',
  organizer: 'Files, folders and organize jobs (`/api/v1`), with the organization API key.',
  'organizer realtime': 'The organizer WebSocket `/api/v1/ws/{client_id}?token=<API key>`. Messages: `/asyncapi.json`.',
  'developer videos': 'Server-side management of an app\'s videos and usage, with the app\'s secret key (`csk_`).',
  'developer SDK': 'Client-side video creation and multipart upload, with the app\'s public key (`cpk_`).',
  'developer video pages': 'Share and embed pages of a video, its file, poster and captions (public).',
  'developer video events': 'An app\'s video events over Server-Sent Events (secret key).',
  'hub members': 'A community hub as its members use it: spaces, discussions, conversations, profiles (contact access token).',
  'hub realtime': 'Live hub events over Server-Sent Events with `Authorization: Bearer <contact token>`. Events and terminal rules: `/asyncapi.json`.',
  admin: 'Organizations, API keys, credits, apps, hubs and contacts (admin token). On only when CAPSTAN_ADMIN_TOKEN is set.',
  'admin: hubs': 'Hub moderation and management (admin token).',
  'admin: webhooks': 'Outgoing webhook endpoints, deliveries and retries (admin token).',
  'admin: operations': 'What an operator console reads and does: ledgers, apps, usage, key rotation, work in flight and its retry (admin token).',
  meta: 'Operational endpoints.',
};

const SECURITY_SCHEMES = {
  orgApiKey: { type: 'apiKey', in: 'header', name: 'capout-api-key', description: 'An organization API key (`capout_live_…` / `capout_test_…`), created with the admin API.' },
  orgApiKeyBearer: { type: 'http', scheme: 'bearer', description: 'The organization API key as `Authorization: Bearer <key>` (organizer REST, beside `capout-api-key`).' },
  orgApiKeyQuery: { type: 'apiKey', in: 'query', name: 'token', description: 'The organization API key as the `token` query parameter (the organizer WebSocket: browsers cannot set headers on a WebSocket).' },
  realtimeToken: { type: 'apiKey', in: 'query', name: 'token', description: 'A realtime token (`rt_…`) from `POST /ws/token`, valid for CAPSTAN_REALTIME_TOKEN_TTL_SECONDS.' },
  adminToken: { type: 'http', scheme: 'bearer', description: 'The operator\'s CAPSTAN_ADMIN_TOKEN.' },
  consoleSession: { type: 'apiKey', in: 'cookie', name: 'capstan_console', description: 'An operator console session, opened with `POST /admin/v1/session`. Any request other than GET or HEAD also needs the session\'s CSRF token in `X-CSRF-Token`, and an `Origin` (when sent) that is the server\'s own; otherwise `403 csrf_failed`.' },
  appSecretKey: { type: 'http', scheme: 'bearer', description: 'A developer app\'s secret key (`csk_…`): server side only.' },
  appPublicKey: { type: 'http', scheme: 'bearer', description: 'A developer app\'s public key (`cpk_…`): safe in browsers; its Origin must be one of the app\'s allowed origins in production.' },
  contactToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A hub contact\'s access token, minted with `POST /admin/v1/hubs/{hub_id}/contacts/{contact_id}/tokens`.' },
} as const;

function description(): string {
  const rows = Object.entries(ERRORS).map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.message} |`);
  return [
    'Upload → process → realtime status: documents, an organizer, developer videos and community hubs, each a surface of its own, plus the admin API that runs them.',
    '',
    'Realtime channels (SSE and WebSocket messages, terminal events, close codes, heartbeats, resume) are described in the AsyncAPI document at [`/asyncapi.json`](/asyncapi.json), rendered at [`/docs/realtime`](/docs/realtime).',
    '',
    '## Errors',
    '',
    'Every error is `{"error": message, "code": code}` with the code\'s status; match on `code`, not on the message. A path that exists asked with another method is `405 method_not_allowed` with an `Allow` header. Each operation lists the codes it can answer.',
    '',
    '| code | status | meaning |',
    '|---|---|---|',
    ...rows,
  ].join('\n');
}

export function openApiRoot(config: Config) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Capstan API',
      version: VERSION,
      description: description(),
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: config.publicUrl ?? '/', description: config.publicUrl ? 'This deployment' : 'The server answering this document' }],
    tags: TAG_GROUPS.flatMap((g) => g.tags.map((name) => ({ name, description: TAG_DESCRIPTIONS[name] ?? name }))),
    'x-tagGroups': TAG_GROUPS.map((g) => ({ name: g.name, tags: [...g.tags] })),
    components: { securitySchemes: SECURITY_SCHEMES },
  };
}

interface QueryParameter {
  in?: string;
  required?: boolean;
  schema?: { default?: unknown };
}

/**
 * A query parameter with a default is optional: the server fills the default in. The route schemas
 * keep it required, so that a handler sees a value; the document says what a client may leave out,
 * or generated clients would make every `limit` and `offset` mandatory.
 */
export function optionalDefaults<T extends object>(doc: T): T {
  const paths = (doc as { paths?: Record<string, Record<string, { parameters?: QueryParameter[] } | undefined>> }).paths ?? {};
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      for (const parameter of (typeof operation === 'object' && operation !== null ? operation.parameters : undefined) ?? []) {
        if (parameter.in === 'query' && parameter.required && parameter.schema?.default !== undefined) delete parameter.required;
      }
    }
  }
  return doc;
}
