// Schemas of the operators' live views: nodes with their stats and history, open realtime
// connections, and the query strings of the two admin streams. Shapes are src/nodes/registry.ts's.
import { Type } from '@sinclair/typebox';
import { schemas } from '../../http/index.js';
import { Nullable, Timestamp } from './schemas.js';

const T0 = '2025-01-31T12:00:00.000Z';
const Count = Type.Integer({ minimum: 0 });
const Surface = Type.Union(['documents', 'organizer', 'videos', 'hub', 'admin'].map((s) => Type.Literal(s)), { description: 'The surface that opened the connection' });
const Transport = Type.Union([Type.Literal('sse'), Type.Literal('ws')]);

export const NodeStats = Type.Object({
  connections: Type.Object({
    total: Count,
    by_surface: Type.Object({ documents: Count, organizer: Count, videos: Count, hub: Count, admin: Count }, { additionalProperties: false }),
    by_transport: Type.Object({ sse: Count, ws: Count }, { additionalProperties: false }),
  }, { additionalProperties: false, description: 'Open realtime connections on this node' }),
  events_per_second: Type.Number({ minimum: 0, description: 'Events this node appended to the log per second over the last sample' }),
  workflow_backlog: Type.Integer({ minimum: 0, description: 'Workflow runs queued or running (cluster-wide)' }),
  redis: Type.Union([Type.Literal('ok'), Type.Literal('down'), Type.Literal('off')], { description: 'off: an embedded node (no Redis)' }),
  database: Type.Union([Type.Literal('ok'), Type.Literal('down')]),
  rss_bytes: Count,
  heap_used_bytes: Count,
  event_loop_delay_ms: Type.Number({ minimum: 0, description: 'p99 over the last sample of how much later than due the event loop ran a check it makes every 50 ms (an idle node reads about 0)' }),
}, { additionalProperties: false });

const Series = (description: string) => Type.Array(Type.Number(), { description });

export const NodeHistory = Type.Object({
  t: Type.Array(Type.Integer(), { description: 'Epoch seconds of each sample (every 5 s, the last hour), oldest first; the other arrays line up with it' }),
  connections: Series('Open connections'),
  events_per_second: Series('Events appended per second'),
  workflow_backlog: Series('Runs queued or running'),
  rss_bytes: Series('Resident memory'),
  event_loop_delay_ms: Series('Event loop delay p99'),
}, { additionalProperties: false });

export const NodeInfo = Type.Object({
  id: Type.String({ description: 'Node id (node_…), new at every start' }),
  version: Type.String({ examples: ['0.3.1'] }),
  mode: Type.Union([Type.Literal('embedded'), Type.Literal('scaled')]),
  started_at: Timestamp,
  seen_at: Timestamp,
  uptime_s: Count,
  alive: Type.Boolean({ description: 'false once the node has not reported for 60 s; its row goes after an hour' }),
  stats: NodeStats,
  history: NodeHistory,
}, { additionalProperties: false });

const nodeExample = {
  id: 'node_8m2k5x9v3b6n1q4w7zrt', version: '0.3.1', mode: 'embedded', started_at: T0, seen_at: '2025-01-31T12:05:00.000Z', uptime_s: 300, alive: true,
  stats: {
    connections: { total: 1, by_surface: { documents: 1, organizer: 0, videos: 0, hub: 0, admin: 0 }, by_transport: { sse: 1, ws: 0 } },
    events_per_second: 0.4, workflow_backlog: 2, redis: 'off', database: 'ok', rss_bytes: 123_456_789, heap_used_bytes: 45_678_901, event_loop_delay_ms: 1.3,
  },
  history: { t: [1738324795, 1738324800], connections: [1, 1], events_per_second: [0, 0.4], workflow_backlog: [3, 2], rss_bytes: [123_000_000, 123_456_789], event_loop_delay_ms: [0.9, 1.3] },
};

export const NodeList = Type.Object({ data: Type.Array(NodeInfo) }, { additionalProperties: false, examples: [{ data: [nodeExample] }] });

export const OpenConnection = Type.Object({
  id: Type.String({ description: 'Connection id (a UUID)' }),
  node_id: Type.String({ description: 'The node that holds it' }),
  surface: Type.Union([Surface, Type.Literal('unknown')]),
  transport: Transport,
  org_id: Nullable(Type.String()),
  credential: Type.String({ description: '<kind>:<id> of what opened it: org_key:…, realtime_token:…, contact:…, app_key:…; console or admin_token for the admin streams. Never a secret.' }),
  topic: Type.String({ description: 'The event topic it follows (org:…, hub:…)' }),
  remote_address: Type.String(),
  since: Timestamp,
  bytes_queued: Type.Integer({ minimum: 0, description: 'Bytes written and not yet taken by the client' }),
  events_sent: Type.Integer({ minimum: 0, description: 'Logged events sent to it' }),
}, { additionalProperties: false });

export const ConnectionList = Type.Object({ data: Type.Array(OpenConnection) }, {
  additionalProperties: false,
  examples: [{
    data: [{
      id: '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f', node_id: 'node_8m2k5x9v3b6n1q4w7zrt', surface: 'documents', transport: 'sse', org_id: 'org_2x7k9m4q8v1c5b3n6z0w',
      credential: 'realtime_token:key_5n8b2v6c9x3z7m1k4q0w', topic: 'org:org_2x7k9m4q8v1c5b3n6z0w', remote_address: '203.0.113.7', since: T0, bytes_queued: 0, events_sent: 12,
    }],
  }],
});

export const ConnectionQuery = Type.Object({
  node_id: Type.Optional(schemas.Id('Only this node\'s connections')),
  surface: Type.Optional(Surface),
  org_id: Type.Optional(schemas.Id('Only this organization\'s connections')),
  limit: schemas.Limit(100, 1000),
});

export const ConnectionParams = Type.Object({ connection_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'Connection id from GET /admin/v1/connections' }) });

const Cursor = 'An event id (UUIDv7) to resume after: the events after it are replayed, then live ones. Not a UUIDv7, or from the future: 400 invalid_cursor; older than the replay window: the stream ends at once with stream.stale_resume.';

export const EventTailQuery = Type.Object({
  org_id: Type.Optional(schemas.Id('An organization\'s events (documents, videos, organizer jobs, its hubs\' access changes)')),
  hub_id: Type.Optional(schemas.Id('A hub\'s events; alone (not with org_id or a resource id)')),
  document_id: Type.Optional(schemas.Id('Only this document\'s events (alone: its organization\'s stream, filtered)')),
  video_id: Type.Optional(schemas.Id('Only this video\'s events (alone: its organization\'s stream, filtered)')),
  job_id: Type.Optional(schemas.Id('Only this organizer job\'s events (alone: its organization\'s stream, filtered)')),
  type: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9_.]+$', description: 'Only event types starting with this, e.g. document.' })),
  after: Type.Optional(Type.String({ maxLength: 64, description: Cursor })),
});

export const StreamHeaders = Type.Object({
  'last-event-id': Type.Optional(Type.String({ description: `The id of the last event received (an EventSource sends it when it reconnects); \`after\` wins. ${Cursor}` })),
});
