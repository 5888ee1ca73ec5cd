// Schema pieces every realtime channel shares: SSE frame fields, the terminal events (with their
// WebSocket close codes from the transport itself), references, and the wording of the guarantees.
import { Type, type TProperties } from '@sinclair/typebox';
import { DRAIN_RETRY_FLOOR_MS, WS_CLOSE_CODES, type TerminalType } from '../../realtime/index.js';
import type { AsyncApiMessage, JsonSchema, MessageExample, Ref } from './types.js';

export const JSON_CONTENT = 'application/json';

export const UuidV7 = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$',
  description: 'A UUIDv7: time-ordered, so it is also the resume cursor',
  examples: ['018f4b3c-1234-7abc-8def-000000000001'],
});

/** Example cursor (seed 004's Last-Event-ID example). */
export const EXAMPLE_EVENT_ID = '018f4b3c-1234-7abc-8def-000000000001';

/** How a surface frames its messages: SSE with `event:` names, SSE without (EventSource onmessage), or WebSocket JSON. */
export type Framing = 'named-sse' | 'unnamed-sse' | 'ws';

export interface SseFrameFields {
  /** The `event:` line; absent on unnamed streams. */
  readonly event?: string;
  /** Whether the frame carries an `id:` line (logged events do; snapshots and terminal events never). */
  readonly id: boolean;
  /** Whether the frame carries a `retry:` line (stream.draining). */
  readonly retry?: boolean;
}

/** The SSE frame's own fields, as a message's headers: exactly these lines besides `data:`. */
export function sseHeaders(fields: SseFrameFields): JsonSchema {
  const properties: TProperties = {};
  if (fields.event !== undefined) properties.event = Type.Literal(fields.event, { description: 'The `event:` line' });
  if (fields.id) properties.id = { ...UuidV7, description: 'The `id:` line: store it and resume with Last-Event-ID' };
  if (fields.retry) properties.retry = Type.Integer({ minimum: DRAIN_RETRY_FLOOR_MS, description: 'The `retry:` line: the reconnect delay in ms (equal to retry_ms)' });
  return Type.Object(properties, { additionalProperties: false, description: 'SSE frame fields besides data' });
}

export const ref = {
  channel: (channel: string): Ref => ({ $ref: `#/channels/${channel}` }),
  message: (channel: string, message: string): Ref => ({ $ref: `#/channels/${channel}/messages/${message}` }),
  server: (server: 'http' | 'ws'): Ref => ({ $ref: `#/servers/${server}` }),
  security: (scheme: string): Ref => ({ $ref: `#/components/securitySchemes/${scheme}` }),
};

/** Any stream may be ended by an operator (DELETE /admin/v1/connections/:id), whatever else ends it. */
const OPERATOR_REASON = 'disconnected_by_operator';

interface TerminalSpec {
  readonly summary: string;
  readonly data: TProperties;
  readonly example: Readonly<Record<string, unknown>>;
}

const TERMINALS: Readonly<Record<TerminalType, TerminalSpec>> = {
  'stream.expired': {
    summary: "The stream's token expired, at its expiry instant. Mint a fresh token and reconnect (on SSE with the last id).",
    data: { reason: Type.Literal('token_expired') },
    example: { reason: 'token_expired' },
  },
  'stream.unauthorized': {
    summary: 'Access ended while connected: the member was banned or removed (access_revoked), or the API key the stream was opened with was revoked (key_revoked). Do not reconnect with the same credentials. An operator may also end any stream (disconnected_by_operator, DELETE /admin/v1/connections/:id).',
    data: { reason: Type.String({ enum: ['access_revoked', 'key_revoked', OPERATOR_REASON] }) },
    example: { reason: 'access_revoked' },
  },
  'stream.draining': {
    summary: `The node is shutting down. Wait retry_ms (spread uniformly from ${DRAIN_RETRY_FLOOR_MS} to CAPSTAN_REALTIME_DRAIN_WINDOW_MS, never less than ${DRAIN_RETRY_FLOOR_MS}) and reconnect with the last id; on SSE the frame also sets \`retry:\`, which a browser EventSource honours, and keeps for every later failed reconnect.`,
    data: { retry_ms: Type.Integer({ minimum: DRAIN_RETRY_FLOOR_MS, description: 'Milliseconds to wait before reconnecting' }) },
    example: { retry_ms: 4180 },
  },
  'stream.stale_resume': {
    summary: 'The resume cursor is older than the replay window: reload state, then reconnect without a cursor. On SSE a block holding only an empty id line comes first: a browser EventSource takes it as its last event id, so its own reconnect sends no Last-Event-ID and starts fresh.',
    data: { retention_seconds: Type.Integer({ minimum: 1, description: 'The replay window (CAPSTAN_REALTIME_RETENTION_SECONDS)' }) },
    example: { retention_seconds: 300 },
  },
  'stream.overflow': {
    summary: 'The client fell more than CAPSTAN_REALTIME_QUEUE_LIMIT_BYTES behind. Resume with the last id: nothing is lost. A client that has not read up to this frame and closed within 5 s has its connection reset.',
    data: { reason: Type.Literal('slow_consumer') },
    example: { reason: 'slow_consumer' },
  },
};

/**
 * A terminal event as `framing` sends it: its own `event:` name on named SSE, `{"type": …}` inside the
 * data on unnamed SSE and WebSocket (then the close code). Terminal events have no id.
 * `reasons` narrows stream.unauthorized to the reasons the channel can give.
 */
export function terminalMessage(type: TerminalType, framing: Framing, reasons?: readonly string[]): AsyncApiMessage {
  const spec = TERMINALS[type];
  const data: TProperties = type === 'stream.unauthorized' && reasons ? { reason: Type.String({ enum: [...new Set([...reasons, OPERATOR_REASON])] }) } : spec.data;
  const example = type === 'stream.unauthorized' && reasons?.[0] !== undefined ? { reason: reasons[0] } : spec.example;
  const named = framing === 'named-sse';
  const payload = named ? Type.Object(data, { additionalProperties: false }) : Type.Object({ type: Type.Literal(type), ...data }, { additionalProperties: false });
  const retry = type === 'stream.draining';
  const headers = framing === 'ws' ? undefined : sseHeaders({ event: named ? type : undefined, id: false, retry });
  const exampleHeaders = framing === 'ws' ? undefined : { ...(named ? { event: type } : {}), ...(retry ? { retry: example.retry_ms } : {}) };
  const closeCode = WS_CLOSE_CODES[type];
  return {
    name: type,
    title: type,
    summary: spec.summary,
    description: framing === 'ws' ? `Terminal: no id; the socket then closes with code ${closeCode}.` : 'Terminal: no id (not a cursor); the connection then closes.',
    contentType: JSON_CONTENT,
    ...(headers ? { headers } : {}),
    payload,
    examples: [{ name: type.replace('stream.', ''), ...(exampleHeaders ? { headers: exampleHeaders } : {}), payload: named ? example : { type, ...example } }],
    'x-terminal': true,
    ...(framing === 'ws' ? { 'x-close-code': closeCode } : {}),
  };
}

/** The terminal messages of a channel, keyed by type. */
export function terminalMessages(types: readonly TerminalType[], framing: Framing, reasons?: readonly string[]): Record<string, AsyncApiMessage> {
  return Object.fromEntries(types.map((t) => [t, terminalMessage(t, framing, reasons)]));
}

/** A plain (non-terminal) message. */
export function message(name: string, summary: string, payload: JsonSchema, extra: { description?: string; headers?: JsonSchema; examples?: readonly MessageExample[] } = {}): AsyncApiMessage {
  return { name, title: name, summary, contentType: JSON_CONTENT, ...extra, payload };
}

/** WebSocket close codes a client may see on any Capstan socket, besides its surface's terminal ones. */
const IGNORED_CLOSE = ' A client that ignores the close is dropped a second later.';
export const WS_PROTOCOL_CLOSE_CODES: Readonly<Record<string, string>> = {
  1002: `A protocol error: a reserved opcode, an unmasked client frame, a reserved bit set, a fragmented control frame.${IGNORED_CLOSE}`,
  1007: `A text message that is not valid UTF-8.${IGNORED_CLOSE}`,
  1008: `More than CAPSTAN_REALTIME_WS_MAX_MESSAGES_PER_SECOND (50) frames a second (messages, pings and pongs together), or a message cut into more than 16,384 fragments.${IGNORED_CLOSE}`,
  1009: `A message larger than 64 KiB.${IGNORED_CLOSE}`,
};

/** Close codes of the terminal events `types`, with their meaning. */
export function terminalCloseCodes(types: readonly TerminalType[]): Record<string, string> {
  return Object.fromEntries(types.map((t) => [String(WS_CLOSE_CODES[t]), `After ${t}: ${TERMINALS[t].summary}`]));
}

export const SSE_FRAMING =
  'Every stream opens with `retry: <CAPSTAN_REALTIME_RETRY_MS>` (3000) alone, and sends a `: heartbeat` comment every CAPSTAN_REALTIME_HEARTBEAT_MS (25 s). ' +
  'A stream that delivered neither an event nor a heartbeat for CAPSTAN_REALTIME_IDLE_TIMEOUT_MS (90 s) is closed: reconnect with the last id. ' +
  'Response headers: `Content-Type: text/event-stream; charset=utf-8`, `Cache-Control: no-cache`, `X-Accel-Buffering: no`, `Connection: close`, `X-API-Version`, `X-Request-ID`. ' +
  'Several frames may arrive in one TCP write. GET only: HEAD is 405 method_not_allowed (Allow: GET).';

export const WS_FRAMING =
  'Messages are JSON text frames. Keep-alive is a WebSocket ping every CAPSTAN_REALTIME_HEARTBEAT_MS (25 s); a client heard from neither by a pong nor by a message for CAPSTAN_REALTIME_IDLE_TIMEOUT_MS (90 s) is dropped. ' +
  'Refusals are plain HTTP answers to the upgrade ({"error", "code"}), before any message. A client breaking the protocol or the message rate is closed alone with a standard code and no terminal message (see x-close-codes).';

export const RESUME_RULES =
  'Resume with the `Last-Event-ID` header (EventSource sends it by itself) or the `last_event_id` query parameter; the header wins when both are given (a malformed parameter beside it is still 400 invalid_cursor). ' +
  'A cursor that is not a UUIDv7, or is from the future, is `400 invalid_cursor` before the stream opens. After a cursor the stream replays the log, then goes live: no gap, no duplicate, in order.';

export const SSE_REFUSALS = '`429 too_many_connections` (with Retry-After) when a connection limit is full, `429 rate_limited`, `503 draining` while the node shuts down, `503 unavailable` while a cluster-wide slot cannot be taken.';
