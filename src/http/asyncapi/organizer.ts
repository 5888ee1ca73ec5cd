// The organizer socket (seed 002): /api/v1/ws/{client_id}?token=<API key>. Its event messages follow
// the registered organizer.* types, so a type registered there appears here by itself.
import { Type, type TProperties } from '@sinclair/typebox';
import type { EventTypeSpec } from '../../events/index.js';
import { FILE_ERROR_CODES } from '../../organizer/index.js';
import type { TerminalType } from '../../realtime/index.js';
import { message, ref, terminalCloseCodes, terminalMessages, WS_FRAMING, WS_PROTOCOL_CLOSE_CODES } from './shared.js';
import type { AsyncApiMessage, MessageExample, SurfaceSpec } from './types.js';

const PREFIX = 'organizer.';
const TERMINALS: readonly TerminalType[] = ['stream.unauthorized', 'stream.draining', 'stream.overflow'];
const Count = Type.Integer({ minimum: 0 });

interface EventShape {
  readonly properties: TProperties;
  readonly example: Readonly<Record<string, unknown>>;
}

/**
 * Payload fields per wire type (the flat camelCase shapes of src/organizer/present.ts and workflow.ts);
 * examples from seed 002. Built on call: the organizer module may still be loading when this one is.
 */
const shapes = (): Readonly<Record<string, EventShape>> => ({
  job_progress: {
    properties: { jobId: Type.String(), progress: Type.Integer({ minimum: 0, maximum: 100 }), processedCount: Count, totalCount: Count, currentFile: Type.Union([Type.String(), Type.Null()]) },
    example: { type: 'job_progress', jobId: 'job_123', progress: 65, processedCount: 65, totalCount: 100, currentFile: 'document.pdf' },
  },
  job_complete: {
    properties: { jobId: Type.String(), status: Type.String({ enum: ['completed', 'failed', 'cancelled'] }), organized: Count, failed: Count },
    example: { type: 'job_complete', jobId: 'job_123', status: 'completed', organized: 100, failed: 0 },
  },
  file_uploaded: {
    properties: { fileId: Type.String(), name: Type.String(), size: Count },
    example: { type: 'file_uploaded', fileId: 'file_456', name: 'newfile.pdf', size: 512000 },
  },
  error: {
    properties: { jobId: Type.String(), error: Type.String(), code: Type.String({ enum: Object.values(FILE_ERROR_CODES) }) },
    example: { type: 'error', jobId: 'job_123', error: 'Permission denied', code: 'PERMISSION_ERROR' },
  },
  file_updated: {
    properties: { fileId: Type.String(), name: Type.String(), folder: Type.String(), previousName: Type.String(), previousFolder: Type.String() },
    example: { type: 'file_updated', fileId: 'file_456', name: 'Car title.pdf', folder: 'Car/Papers', previousName: 'scan 7.pdf', previousFolder: '' },
  },
  file_deleted: {
    properties: { fileId: Type.String(), name: Type.String(), folder: Type.String() },
    example: { type: 'file_deleted', fileId: 'file_456', name: 'old.txt', folder: 'Inbox' },
  },
  job_undone: {
    properties: { jobId: Type.String(), restored: Count, kept: Count },
    example: { type: 'job_undone', jobId: 'job_123', restored: 2, kept: 1 },
  },
});

function eventMessage(spec: EventTypeSpec, shape: EventShape | undefined): AsyncApiMessage {
  const type = spec.type.slice(PREFIX.length);
  // A type registered without a shape here is still listed, with the fields left open.
  const payload = shape
    ? Type.Object({ type: Type.Literal(type), ...shape.properties }, { additionalProperties: false })
    : Type.Object({ type: Type.Literal(type) }, { additionalProperties: true });
  const examples: MessageExample[] = shape ? [{ name: type, payload: shape.example }] : [];
  return message(type, spec.description, payload, { examples });
}

export function organizerSpec(registered: readonly EventTypeSpec[]): SurfaceSpec {
  const events = registered.filter((s) => s.type.startsWith(PREFIX) && s.internal !== true);
  const known = shapes();
  const messages: Record<string, AsyncApiMessage> = {
    ...Object.fromEntries(events.map((s) => [s.type.slice(PREFIX.length), eventMessage(s, known[s.type.slice(PREFIX.length)])])),
    pong: message('pong', 'Answer to ping', Type.Object({ type: Type.Literal('pong') }, { additionalProperties: false }), { examples: [{ name: 'pong', payload: { type: 'pong' } }] }),
    invalid_message: message('invalid_message', 'A client message other than {"type":"ping"}; the socket stays open', Type.Object({
      type: Type.Literal('error'), jobId: Type.Null(), error: Type.String(), code: Type.Literal('INVALID_MESSAGE'),
    }, { additionalProperties: false }), {
      description: 'An `error` with jobId null and code INVALID_MESSAGE, unlike the job file errors.',
      examples: [{ name: 'invalid', payload: { type: 'error', jobId: null, error: 'Unsupported message: the only client message is {"type":"ping"}', code: 'INVALID_MESSAGE' } }],
    }),
    ping: message('ping', 'Application-level ping (client → server)', Type.Object({ type: Type.Literal('ping') }), { examples: [{ name: 'ping', payload: { type: 'ping' } }] }),
    ...terminalMessages(TERMINALS, 'ws', ['key_revoked']),
  };
  const fromServer = Object.keys(messages).filter((m) => m !== 'ping');
  return {
    channels: {
      organizerWs: {
        address: '/api/v1/ws/{client_id}',
        title: 'Organizer events (WebSocket)',
        summary: "The organization's organizer events: job progress, file changes, errors",
        description:
          'Authenticate with the organization API key in `?token=` (the only way browser WebSockets can send it). One live connection per client_id in an organization; a key holds at most CAPSTAN_REALTIME_MAX_STREAMS_PER_KEY (100) client_ids, its documents streams included. ' +
          "A new connection first gets a job_progress for each of the organization's queued or running jobs, then every organizer event of the organization, less the job_progress that the opening one already shows (never the same progress twice in a row). job_progress is coalesced (at most one per job per CAPSTAN_ORGANIZER_PROGRESS_INTERVAL_MS) and always reaches 100 before job_complete (for a connection that opened at 100, its opening job_progress is that one); error events are sent for the first CAPSTAN_ORGANIZER_MAX_ERROR_EVENTS failed files of a job. " +
          'The socket does not resume: reconnect, then read GET /api/v1/jobs/:job_id for what happened meanwhile. Revoking the key ends the socket with stream.unauthorized (key_revoked). ' +
          `${WS_FRAMING} Refusals on the upgrade: \`400 invalid_request\` (client_id not 1–128 of A-Z a-z 0-9 _ . : -), \`401 unauthorized\`, \`409 conflict\` (client_id already connected), \`429 too_many_connections\`, \`429 rate_limited\`, \`503 draining\`.`,
        servers: [ref.server('ws')],
        parameters: { client_id: { description: 'A distinct id per client session: 1–128 characters of A-Z a-z 0-9 _ . : -', examples: ['3f1c2a9e-6b1d-4c1e-9a43-0c9d3c1b7e55'] } },
        messages,
        bindings: { ws: { method: 'GET', query: Type.Object({ token: Type.String({ description: 'The organization API key' }) }, { required: ['token'] }), bindingVersion: '0.1.0' } },
        'x-close-codes': { ...terminalCloseCodes(TERMINALS), ...WS_PROTOCOL_CLOSE_CODES },
      },
    },
    operations: {
      organizerEvents: {
        action: 'send',
        channel: ref.channel('organizerWs'),
        title: 'Send organizer events',
        summary: 'Organizer events, answers to pings and terminal events',
        messages: fromServer.map((m) => ref.message('organizerWs', m)),
        security: [ref.security('organizerKey')],
      },
      organizerPing: {
        action: 'receive',
        channel: ref.channel('organizerWs'),
        title: 'Ping',
        summary: 'The only client message; answered with pong (anything else with an INVALID_MESSAGE error)',
        messages: [ref.message('organizerWs', 'ping')],
        reply: { channel: ref.channel('organizerWs'), messages: [ref.message('organizerWs', 'pong'), ref.message('organizerWs', 'invalid_message')] },
      },
    },
  };
}
