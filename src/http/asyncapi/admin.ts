// The operators' streams: the event tail (GET /admin/v1/live/events) and the system stream
// (GET /admin/v1/live/system), with the admin credential. Their frames are named SSE frames.
import { Type } from '@sinclair/typebox';
import type { TerminalType } from '../../realtime/index.js';
import { EXAMPLE_EVENT_ID, message, ref, SSE_FRAMING, sseHeaders, terminalMessages, UuidV7 } from './shared.js';
import type { AsyncApiMessage, SurfaceSpec } from './types.js';

const TAIL_TERMINALS: readonly TerminalType[] = ['stream.expired', 'stream.unauthorized', 'stream.draining', 'stream.stale_resume', 'stream.overflow'];
const SYSTEM_TERMINALS: readonly TerminalType[] = ['stream.expired', 'stream.unauthorized', 'stream.draining', 'stream.overflow'];
const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

const TailEvent = Type.Object({
  id: UuidV7,
  type: Type.String({ description: 'The event type' }),
  topic: Type.String({ description: 'org:<org id> or hub:<hub id>' }),
  org_id: Type.String(),
  scope: Type.Object({}, { additionalProperties: true, description: 'The event\'s scope keys (document_id, video_id, job_id, space_id, contact_ids, …)' }),
  data: Type.Object({}, { additionalProperties: true, description: 'The payload; over 4 KiB of JSON: {"_truncated": "<its first 2048 characters>"}' }),
  created_at: Type.String({ format: 'date-time' }),
  truncated: Type.Boolean(),
  size_bytes: Type.Integer({ minimum: 0, description: 'The payload\'s full size in bytes (its JSON)' }),
}, { additionalProperties: false });

const Anything = (description: string) => Type.Object({}, { additionalProperties: true, description });

export function adminSpec(): SurfaceSpec {
  const tail: Record<string, AsyncApiMessage> = {
    event: message('event', 'One logged event with its envelope', TailEvent, {
      headers: sseHeaders({ event: 'event', id: true }),
      examples: [{
        name: 'ping', headers: { id: EXAMPLE_EVENT_ID, event: 'event' },
        payload: { id: EXAMPLE_EVENT_ID, type: 'test.ping', topic: 'hub:hub_7n2c5x8v1b4m9q3k6wzr', org_id: 'org_2x7k9m4q8v1c5b3n6z0w', scope: {}, data: { n: 1 }, created_at: '2025-01-31T12:00:00.000Z', truncated: false, size_bytes: 7 },
      }],
    }),
    ...terminalMessages(TAIL_TERMINALS, 'named-sse', []),
  };
  const system: Record<string, AsyncApiMessage> = {
    nodes: message('nodes', 'The GET /admin/v1/nodes body: at connect and every 5 s', Anything('{"data": [node, …]}'), { headers: sseHeaders({ event: 'nodes', id: false }) }),
    work: message('work', 'Runs in flight and the 20 most recently finished: at connect and whenever it changed', Type.Object({
      in_flight: Type.Array(Anything('A workflow run with its stages')),
      recent: Type.Array(Anything('A workflow run with its stages')),
    }, { additionalProperties: false }), { headers: sseHeaders({ event: 'work', id: false }) }),
    connections: message('connections', 'The GET /admin/v1/connections body: at connect and whenever it changed', Anything('{"data": [connection, …]}'), { headers: sseHeaders({ event: 'connections', id: false }) }),
    ...terminalMessages(SYSTEM_TERMINALS, 'named-sse', []),
  };
  const security = [ref.security('adminToken'), ref.security('consoleSession')];
  return {
    channels: {
      adminEvents: {
        address: '/admin/v1/live/events',
        title: 'Event log tail (SSE, admin)',
        summary: 'An operator\'s tail of one organization\'s or hub\'s events: replay after a cursor, then live',
        description: 'One scope: `org_id`, `hub_id`, or a `document_id` / `video_id` / `job_id` (its organization\'s stream filtered to it); beside `org_id` those ids are filters, as is `type` (a prefix). '
          + 'Resume with `after` or Last-Event-ID: no gap, no duplicate, in order. A console session\'s stream ends with stream.expired at the session\'s expiry. '
          + `${SSE_FRAMING} Refusals before the stream opens: 400 invalid_request, 400 invalid_cursor, 401 unauthorized, 404 not_found, 503 draining.`,
        servers: [ref.server('http')],
        messages: tail,
      },
      adminSystem: {
        address: '/admin/v1/live/system',
        title: 'System stream (SSE, admin)',
        summary: 'Nodes, work in flight and open connections, from one sampler per node that runs while someone watches',
        description: `Frames carry no id (nothing to resume: reconnect for the current state). ${SSE_FRAMING}`,
        servers: [ref.server('http')],
        messages: system,
      },
    },
    operations: {
      adminEventsStream: {
        action: 'send', channel: ref.channel('adminEvents'), title: 'Tail the event log', summary: 'GET /admin/v1/live/events',
        messages: Object.keys(tail).map((m) => ref.message('adminEvents', m)), security,
        bindings: {
          http: {
            method: 'GET',
            query: Type.Object({
              org_id: Type.Optional(Id), hub_id: Type.Optional(Id), document_id: Type.Optional(Id), video_id: Type.Optional(Id), job_id: Type.Optional(Id),
              type: Type.Optional(Type.String({ pattern: '^[a-z0-9_.]+$' })), after: Type.Optional(UuidV7),
            }),
            bindingVersion: '0.3.0',
          },
        },
      },
      adminSystemStream: {
        action: 'send', channel: ref.channel('adminSystem'), title: 'Watch the cluster', summary: 'GET /admin/v1/live/system',
        messages: Object.keys(system).map((m) => ref.message('adminSystem', m)), security,
        bindings: { http: { method: 'GET', bindingVersion: '0.3.0' } },
      },
    },
  };
}
