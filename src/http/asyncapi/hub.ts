// The hub stream (seed 004): GET /realtime/events?hub_id=… with a contact token. Its event messages
// are the registered hub, space and direct types, so a newly registered one appears by itself.
import { Type } from '@sinclair/typebox';
import type { EventTypeSpec } from '../../events/index.js';
import type { TerminalType } from '../../realtime/index.js';
import { EXAMPLE_EVENT_ID, message, ref, RESUME_RULES, SSE_FRAMING, SSE_REFUSALS, sseHeaders, terminalMessages, UuidV7 } from './shared.js';
import type { AsyncApiMessage, SurfaceSpec } from './types.js';

const TERMINALS: readonly TerminalType[] = ['stream.expired', 'stream.unauthorized', 'stream.draining', 'stream.stale_resume', 'stream.overflow'];
const HUB_SCOPES = new Set(['hub', 'space', 'direct']);

const SCOPE_WORDS: Readonly<Record<string, string>> = {
  hub: 'Reaches every connected member of the hub.',
  space: "Space-scoped: a restricted space's events reach only members in a segment that grants it.",
  direct: 'Direct: reaches only the named contacts (a conversation\'s current members).',
};

/** Event data is a JSON object of ids (a server-side publish chooses its own fields). */
const EventData = Type.Object({}, { additionalProperties: true, description: 'A JSON object of ids, not bodies (discussion_id, space_id, contact_id, …); at most CAPSTAN_EVENT_MAX_PAYLOAD_BYTES' });

function eventMessage(spec: EventTypeSpec): AsyncApiMessage {
  return message(spec.type, spec.description, EventData, {
    description: `${SCOPE_WORDS[spec.scope] ?? ''} The \`event:\` line is the type; \`data\` is the event's payload.`.trim(),
    headers: sseHeaders({ event: spec.type, id: true }),
    ...(spec.type === 'test.ping' ? { examples: [{ name: 'ping', headers: { id: EXAMPLE_EVENT_ID, event: 'test.ping' }, payload: { n: 1 } }] } : {}),
  });
}

export function hubSpec(registered: readonly EventTypeSpec[]): SurfaceSpec {
  const events = registered.filter((s) => s.internal !== true && HUB_SCOPES.has(s.scope));
  const messages: Record<string, AsyncApiMessage> = {
    ...Object.fromEntries(events.map((s) => [s.type, eventMessage(s)])),
    ...terminalMessages(TERMINALS, 'named-sse', ['access_revoked']),
  };
  return {
    channels: {
      hubEvents: {
        address: '/realtime/events',
        title: 'Hub events (SSE)',
        summary: "Live events of a community hub for one member, over Server-Sent Events",
        description:
          'Query: `hub_id`. `Authorization: Bearer <contact access token>` (from POST /admin/v1/hubs/:hub_id/contacts/:contact_id/tokens); the stream ends with stream.expired at its expiry. ' +
          'Frames: `id:` (UUIDv7), `event:` (the type), `data:` (JSON). Access changes apply while connected, on every node: new segments change what the stream shows without a reconnect; a ban or removal ends it with stream.unauthorized (access_revoked) before any later event. ' +
          `${RESUME_RULES} The log keeps CAPSTAN_REALTIME_RETENTION_SECONDS (300) of events: an older cursor ends the stream with stream.stale_resume (reload state, reconnect without a cursor). ` +
          'Server-side publishes (POST /admin/v1/hubs/:hub_id/events) reach this stream too, with the type and data the publisher gave. ' +
          `${SSE_FRAMING} Refusals before the stream opens: \`400 invalid_request\` (hub_id missing or malformed), \`400 invalid_cursor\`, \`401 unauthorized\` (token missing, malformed, expired, wrongly signed), \`404 not_found\` (no such hub; not an active member: another hub's token, banned, removed), ` +
          `\`429 too_many_connections\` when the contact already holds CAPSTAN_REALTIME_MAX_STREAMS_PER_CONTACT (5) open streams across the cluster, and ${SSE_REFUSALS}`,
        servers: [ref.server('http')],
        messages,
      },
    },
    operations: {
      hubEventsStream: {
        action: 'send',
        channel: ref.channel('hubEvents'),
        title: 'Stream hub events',
        summary: 'GET /realtime/events: replay after the cursor, then live events, until a terminal event',
        messages: Object.keys(messages).map((m) => ref.message('hubEvents', m)),
        security: [ref.security('contactToken')],
        bindings: {
          http: {
            method: 'GET',
            query: Type.Object({ hub_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }), last_event_id: Type.Optional(UuidV7) }),
            bindingVersion: '0.3.0',
          },
        },
      },
    },
  };
}
