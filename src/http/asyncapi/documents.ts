// The documents streams (seeds 000/001): SSE at /sse/status and WebSocket at /ws/status, both carrying
// the GET /status shape, minted tokens from POST /ws/token.
import { Type } from '@sinclair/typebox';
import { DOCUMENT_STAGES } from '../../documents/index.js';
import type { TerminalType } from '../../realtime/index.js';
import {
  EXAMPLE_EVENT_ID, message, ref, RESUME_RULES, SSE_FRAMING, SSE_REFUSALS, sseHeaders, terminalCloseCodes, terminalMessages, UuidV7, WS_FRAMING, WS_PROTOCOL_CLOSE_CODES,
} from './shared.js';
import type { AsyncApiMessage, JsonSchema, SurfaceSpec } from './types.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const StageProgress = Nullable(Type.String({ enum: ['in_progress', 'complete', 'failed'] }));

/**
 * The GET /status/:document_id shape (src/documents/status.ts), which every status message carries
 * whole. Built on call: the documents module may still be loading when this one is.
 */
export const documentStatusSchema = () => Type.Object({
  document_id: Type.String(),
  status: Type.String({ enum: ['processing', 'completed', 'failed'] }),
  progress: Type.Object(Object.fromEntries(DOCUMENT_STAGES.map((s) => [s, StageProgress])), { additionalProperties: false, description: 'Each stage: null (not started), in_progress, complete or failed' }),
  ocr_pages: Nullable(Type.Object({ done: Type.Integer({ minimum: 0 }), total: Type.Integer({ minimum: 0 }) }, { additionalProperties: false, description: 'Beyond the seeds: pages whose text is known, of all pages; null until a page needs OCR' })),
  workflow_complete: Type.Boolean(),
  completed_at: Nullable(Type.String()),
  updated_at: Type.String(),
  error: Type.Optional(Type.String({ description: 'Only when status is failed: a stable reason such as pdf_encrypted or blocked_address' })),
}, { additionalProperties: false, description: 'The GET /status/:document_id shape' });

/** Seed 001's status example, with the ocr_pages field the server adds. */
const STATUS_EXAMPLE = {
  document_id: 'doc_123',
  status: 'processing',
  progress: { ocr: 'complete', structure: 'in_progress', actions: null, trades: null, categories: null },
  ocr_pages: null,
  workflow_complete: false,
  completed_at: null,
  updated_at: '2026-04-14T14:31:12Z',
};

const TERMINALS: readonly TerminalType[] = ['stream.expired', 'stream.unauthorized', 'stream.draining', 'stream.overflow'];
/** Documents streams are opened with a minted token, never as a hub member: only a revoked key ends them. */
const UNAUTHORIZED_REASONS = ['key_revoked'];

const DocumentId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'A document id' });
const DocumentIds = Type.Array(DocumentId, { maxItems: 100 });
const Token = Type.String({ maxLength: 4096, description: 'The token from POST /ws/token (rt_…)' });
const Recent = Type.String({ pattern: '^[0-9]+$', description: 'Follow the latest N documents (1–100); newly uploaded ones join and the oldest leave' });

const TOKEN_RULES =
  'Authenticate with `token` from `POST /ws/token` (organization API key in `capout-api-key`); it lives CAPSTAN_REALTIME_TOKEN_TTL_SECONDS (900) and the stream ends with stream.expired at that instant. ' +
  'Revoking the key that minted it ends the stream with stream.unauthorized (key_revoked). Every stream of the tokens one key minted counts against that key (CAPSTAN_REALTIME_MAX_STREAMS_PER_KEY, 100).';

function sseChannel(status: JsonSchema): SurfaceSpec['channels'][string] {
  const messages: Record<string, AsyncApiMessage> = {
    status: message('status', "A followed document's status changed", status, {
      description: 'One message per change of the GET /status shape, with an id (a resume cursor). Unnamed: EventSource.onmessage receives it.',
      headers: sseHeaders({ id: true }),
      examples: [{ name: 'processing', headers: { id: EXAMPLE_EVENT_ID }, payload: STATUS_EXAMPLE }],
    }),
    status_snapshot: message('status_snapshot', 'The current status of a followed document, when the stream opens', status, {
      description: 'Sent first, one per followed document, without an id (a snapshot is not a cursor). A resumed stream skips it; a stale cursor gets it instead of an ending.',
      headers: sseHeaders({ id: false }),
      examples: [{ name: 'snapshot', headers: {}, payload: STATUS_EXAMPLE }],
    }),
    ...terminalMessages(TERMINALS, 'unnamed-sse', UNAUTHORIZED_REASONS),
  };
  return {
    address: '/sse/status',
    title: 'Documents status (SSE)',
    summary: 'Status changes of the followed documents over Server-Sent Events',
    description:
      'Query: `token`, `document_id` (repeatable, up to 100; ids that are not the organization\'s are never delivered) and/or `recent=N` (1–100); at least one of the two. ' +
      'Messages are unnamed (no `event:` line), so EventSource.onmessage receives every one; status messages carry the GET /status shape, terminal ones `{"type": "stream.…", …}`. ' +
      `${TOKEN_RULES} ${RESUME_RULES} A cursor older than the replay window cannot be resumed gap-free: since every message is a whole status, the stream then opens as a fresh one (snapshot, then live) instead of ending with stream.stale_resume. ` +
      `${SSE_FRAMING} Refusals before the stream opens: \`400 invalid_request\` (no scope, a malformed document_id or recent), \`400 invalid_cursor\`, \`401 unauthorized\` (missing, expired or foreign token), ${SSE_REFUSALS}`,
    servers: [ref.server('http')],
    messages,
  };
}

function wsChannel(status: JsonSchema): SurfaceSpec['channels'][string] {
  const messages: Record<string, AsyncApiMessage> = {
    status: message('status', 'The status of a followed document: on connect, after a subscribe, and on every change', status, { examples: [{ name: 'processing', payload: STATUS_EXAMPLE }] }),
    subscribed: message('subscribed', 'Answer to subscribe: the ids now followed, and those the organization does not have', Type.Object({
      type: Type.Literal('subscribed'), document_ids: DocumentIds, not_found: DocumentIds,
    }, { additionalProperties: false }), {
      description: 'Followed by the current status of each id in document_ids.',
      examples: [{ name: 'subscribed', payload: { type: 'subscribed', document_ids: ['doc_123'], not_found: [] } }],
    }),
    unsubscribed: message('unsubscribed', 'Answer to unsubscribe', Type.Object({ type: Type.Literal('unsubscribed'), document_ids: DocumentIds }, { additionalProperties: false }), {
      examples: [{ name: 'unsubscribed', payload: { type: 'unsubscribed', document_ids: ['doc_123'] } }],
    }),
    error: message('error', 'A client message was refused; the socket stays open', Type.Object({
      type: Type.Literal('error'),
      code: Type.String({ enum: ['invalid_request', 'rate_limited'], description: 'invalid_request: not a JSON object, an unknown action or bad document_ids; rate_limited: 32 messages already wait for their replies' }),
      error: Type.String(),
    }, { additionalProperties: false }), { examples: [{ name: 'unknown action', payload: { type: 'error', code: 'invalid_request', error: 'Unknown action "watch"; use subscribe or unsubscribe' } }] }),
    subscribe: message('subscribe', 'Follow more documents (client → server)', Type.Object({ action: Type.Literal('subscribe'), document_ids: DocumentIds }), {
      examples: [{ name: 'seed 000', payload: { action: 'subscribe', document_ids: ['doc_123'] } }],
    }),
    unsubscribe: message('unsubscribe', 'Stop following documents (client → server)', Type.Object({ action: Type.Literal('unsubscribe'), document_ids: DocumentIds }), {
      examples: [{ name: 'unsubscribe', payload: { action: 'unsubscribe', document_ids: ['doc_123'] } }],
    }),
    ...terminalMessages(TERMINALS, 'ws', UNAUTHORIZED_REASONS),
  };
  return {
    address: '/ws/status',
    title: 'Documents status (WebSocket)',
    summary: 'Status changes of the followed documents over WebSocket, with subscriptions that change while connected',
    description:
      'Query: `token`, and optionally `document_id` (repeatable) and/or `recent=N` (1–100) to follow documents from the start. The socket opens with the current status of each followed document. ' +
      'Client messages are handled one at a time, so replies keep the order of the requests; a subscribe or unsubscribe names at most 100 ids. ' +
      `${TOKEN_RULES} A WebSocket does not resume: reconnect and subscribe again (each status message is whole). ${WS_FRAMING} ` +
      'Refusals on the upgrade: `400 invalid_request`, `401 unauthorized`, `429 too_many_connections`, `429 rate_limited`, `503 draining`.',
    servers: [ref.server('ws')],
    messages,
    bindings: {
      ws: {
        method: 'GET',
        query: Type.Object({ token: Token, document_id: Type.Optional(Type.Array(DocumentId, { maxItems: 100 })), recent: Type.Optional(Recent) }, { required: ['token'] }),
        bindingVersion: '0.1.0',
      },
    },
    'x-close-codes': { ...terminalCloseCodes(TERMINALS), ...WS_PROTOCOL_CLOSE_CODES },
  };
}

export function documentsSpec(): SurfaceSpec {
  const status = documentStatusSchema();
  const sse = sseChannel(status);
  const ws = wsChannel(status);
  const sseMessages = Object.keys(sse.messages).map((m) => ref.message('documentsSse', m));
  const fromServer = Object.keys(ws.messages).filter((m) => m !== 'subscribe' && m !== 'unsubscribe');
  return {
    channels: { documentsSse: sse, documentsWs: ws },
    operations: {
      documentsSseStatus: {
        action: 'send',
        channel: ref.channel('documentsSse'),
        title: 'Stream document status',
        summary: 'GET /sse/status: snapshot, then status changes, until a terminal event',
        messages: sseMessages,
        security: [ref.security('realtimeToken')],
        bindings: {
          http: {
            method: 'GET',
            query: Type.Object({
              token: Token,
              document_id: Type.Optional(Type.Array(DocumentId, { maxItems: 100 })),
              recent: Type.Optional(Recent),
              last_event_id: Type.Optional(UuidV7),
            }, { required: ['token'] }),
            bindingVersion: '0.3.0',
          },
        },
      },
      documentsWsStatus: {
        action: 'send',
        channel: ref.channel('documentsWs'),
        title: 'Send document status',
        summary: 'Status messages, answers to client actions and terminal events',
        messages: fromServer.map((m) => ref.message('documentsWs', m)),
        security: [ref.security('realtimeToken')],
      },
      documentsWsSubscribe: {
        action: 'receive',
        channel: ref.channel('documentsWs'),
        title: 'Subscribe',
        summary: 'Follow more documents; answered with subscribed (then their current status) or error',
        messages: [ref.message('documentsWs', 'subscribe')],
        reply: { channel: ref.channel('documentsWs'), messages: [ref.message('documentsWs', 'subscribed'), ref.message('documentsWs', 'error')] },
      },
      documentsWsUnsubscribe: {
        action: 'receive',
        channel: ref.channel('documentsWs'),
        title: 'Unsubscribe',
        summary: 'Stop following documents; answered with unsubscribed or error',
        messages: [ref.message('documentsWs', 'unsubscribe')],
        reply: { channel: ref.channel('documentsWs'), messages: [ref.message('documentsWs', 'unsubscribed'), ref.message('documentsWs', 'error')] },
      },
    },
  };
}
