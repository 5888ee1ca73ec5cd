// The AsyncAPI 3.0 document of every realtime channel Capstan serves (GET /asyncapi.json), built from
// the same pieces the streams use: the event type registry, the close codes and the payload schemas.
import { eventTypeRegistry } from '../../server/event-types.js';
import { adminSpec } from './admin.js';
import { documentsSpec } from './documents.js';
import { hubSpec } from './hub.js';
import { organizerSpec } from './organizer.js';
import type { AsyncApiDocument, SecurityScheme, SurfaceSpec } from './types.js';
import { videosSpec } from './videos.js';

export type { AsyncApiDocument, AsyncApiMessage, JsonSchema } from './types.js';

const HOST = { host: { default: 'localhost:8000', description: 'The Capstan host and port (behind TLS, use https / wss)' } };

const SECURITY_SCHEMES: Readonly<Record<string, SecurityScheme>> = {
  realtimeToken: {
    type: 'httpApiKey', in: 'query', name: 'token',
    description: 'A short-lived realtime token (rt_…) from POST /ws/token, which takes the organization API key (orgApiKey). Documents streams only.',
  },
  orgApiKey: {
    type: 'httpApiKey', in: 'header', name: 'capout-api-key',
    description: 'The organization API key: mints realtime tokens with POST /ws/token (not a stream credential itself).',
  },
  organizerKey: {
    type: 'httpApiKey', in: 'query', name: 'token',
    description: 'The organization API key itself, in ?token= (browsers cannot send headers on a WebSocket). Organizer socket only.',
  },
  contactToken: {
    type: 'http', scheme: 'bearer', bearerFormat: 'JWT',
    description: 'A contact access token from POST /admin/v1/hubs/:hub_id/contacts/:contact_id/tokens, for one hub. Hub stream only.',
  },
  adminToken: {
    type: 'http', scheme: 'bearer',
    description: 'The admin token (CAPSTAN_ADMIN_TOKEN). Admin streams only.',
  },
  consoleSession: {
    type: 'httpApiKey', in: 'cookie', name: 'capstan_console',
    description: 'An operator console session cookie from POST /admin/v1/session: a stream opened with it ends with stream.expired when the session does. Admin streams only.',
  },
  appSecretKey: {
    type: 'http', scheme: 'bearer', bearerFormat: 'csk_',
    description: "A developer app's secret key (csk_…). Developer video events only.",
  },
  appPublicKey: {
    type: 'http', scheme: 'bearer', bearerFormat: 'cpk_',
    description: "A developer app's public key (cpk_…), from an Origin the app allows when it is in production; also taken as ?key= (a browser's EventSource cannot send headers). One video's events only.",
  },
};

export function asyncApiDocument(version: string): AsyncApiDocument {
  const registered = eventTypeRegistry().list();
  const surfaces: SurfaceSpec[] = [documentsSpec(), organizerSpec(registered), hubSpec(registered), videosSpec(registered), adminSpec()];
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Capstan realtime',
      version,
      description:
        'Every realtime channel Capstan serves, described from the server\'s side: `send` operations are what the server sends, `receive` what it accepts from clients. ' +
        'Messages marked `x-terminal` end the stream (no id, not resumable: reconnect with the last id you stored); on WebSocket they are followed by their `x-close-code`. ' +
        'On SSE channels a message\'s headers are the frame\'s own lines besides `data:` (`id:`, `event:`, `retry:`). The guarantees (order, no gap, no duplicate, liveness) are in docs/realtime.md; the REST API is at /openapi.json.',
    },
    defaultContentType: 'application/json',
    servers: {
      http: { host: '{host}', protocol: 'http', title: 'Capstan (HTTP)', description: 'Server-Sent Events streams', variables: HOST },
      ws: { host: '{host}', protocol: 'ws', title: 'Capstan (WebSocket)', description: 'WebSocket channels', variables: HOST },
    },
    channels: Object.assign({}, ...surfaces.map((s) => s.channels)) as AsyncApiDocument['channels'],
    operations: Object.assign({}, ...surfaces.map((s) => s.operations)) as AsyncApiDocument['operations'],
    components: { securitySchemes: SECURITY_SCHEMES },
  };
}
