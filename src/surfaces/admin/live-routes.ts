// The operators' live views: the nodes of the cluster with their stats, the open realtime connections
// (and ending one, on whichever node holds it), a tail of the event log and the system stream. Both
// streams run on the realtime engine like every other stream (heartbeats, limits, draining, expiry).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { uuidv7Floor } from '../../events/index.js';
import { AppError, media, replies } from '../../http/index.js';
import { NO_EVENTS, resolveTailScope, tailCodec } from '../../operations/event-tail.js';
import { SystemFeed } from '../../operations/system-feed.js';
import { WorkService } from '../../operations/index.js';
import { endStaleResume, checkStreamAlone, headerFirst, openSseWire, type Connection, type ConnectionLease, type Wire, resumeCursor } from '../../realtime/index.js';
import type { AppContext } from '../../server/context.js';
import { ConnectionList, ConnectionParams, ConnectionQuery, EventTailQuery, NodeList, StreamHeaders } from './live-schemas.js';
import { adminErrors, IdempotencyHeaders, security, Success, writeErrors, written } from './schemas.js';

const tags = ['admin'];
const codec = tailCodec();
/** The system stream's topic: it has no events, its frames are pushed by the sampler. */
const SYSTEM_TOPIC = 'admin:system';
/** How far back a tail without a cursor starts: a little clock skew between nodes. */
const TAIL_START_SLACK_MS = 1000;
const WORK_LIMITS = { inFlight: 100, recent: 20 };
const EXAMPLE_ID = '018f4b3c-1234-7abc-8def-000000000001';

const streamHeaders = {
  'cache-control': { type: 'string', enum: ['no-cache'] },
  'x-accel-buffering': { type: 'string', enum: ['no'], description: 'Keeps nginx-style proxies from buffering the stream' },
};

/** How often a stream opened with a console session checks that the session is still open. */
const SESSION_RECHECK_MS = 2000;

export function registerLiveRoutes(scope: FastifyInstance, ctx: AppContext): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { nodes, realtime, events, config } = ctx;
  const work = new WorkService(ctx.storage, ctx.workflows);
  const connectionsBody = async () => ({ data: await nodes.connections({ limit: 1000 }) });
  const system = new SystemFeed({
    nodes: async () => ({ data: await nodes.nodes() }),
    work: () => work.feed(WORK_LIMITS),
    connections: connectionsBody,
  }, ctx.logger);

  /** Admits an admin stream (this node's cap only) and opens its wire. */
  async function openStream(req: FastifyRequest, reply: FastifyReply): Promise<{ wire: Wire; lease: ConnectionLease; credential: string; expiresAtMs: number | undefined }> {
    if (realtime.draining) throw new AppError('draining');
    checkStreamAlone(reply.raw);
    const lease = await realtime.admit();
    const wire = openSseWire(reply, config.realtimeRetryMs);
    // A stream opened with a console session ends with it; one opened with the admin token does not expire.
    const session = req.consoleSession;
    return { wire, lease, credential: session ? 'console' : 'admin_token', expiresAtMs: session ? Date.parse(session.expiresAt) : undefined };
  }

  /**
   * A stream opened with a console session also ends when the session is signed out, on whichever node
   * (the session row is gone): checked every SESSION_RECHECK_MS, so a signed-out tab stops receiving.
   */
  function endWithSession(req: FastifyRequest, connection: Connection, wire: Wire): void {
    const session = req.consoleSession;
    if (!session) return;
    const recheck = setInterval(() => {
      session.stillOpen().then((open) => {
        if (!open) connection.terminate('stream.expired', { reason: 'signed_out' });
      }, () => undefined);
    }, SESSION_RECHECK_MS);
    recheck.unref();
    wire.onClose(() => clearInterval(recheck));
  }

  app.get('/nodes', {
    schema: {
      tags, security, operationId: 'listNodes', summary: 'The nodes of the cluster with their stats and an hour of history',
      description: 'Every node writes its row every 5 s; this node answers with its own live stats first. A node that stops cleanly leaves the list at once; one silent for 60 s (it died) is `alive: false`, and its row is removed after an hour.',
      response: replies({ 200: { ...NodeList, description: 'Every node the registry knows' } }, adminErrors()),
    },
  }, async () => ({ data: await nodes.nodes() }));

  app.get('/connections', {
    schema: {
      tags, security, operationId: 'listConnections', summary: 'Open realtime connections on every live node',
      description: 'This node\'s connections as they are; other nodes\' as of their last report (every 5 s, at most 1000 each).',
      querystring: ConnectionQuery,
      response: replies({ 200: { ...ConnectionList, description: 'Open connections' } }, adminErrors()),
    },
  }, async (req) => ({ data: await nodes.connections({ nodeId: req.query.node_id, surface: req.query.surface, orgId: req.query.org_id, limit: req.query.limit }) }));

  app.delete('/connections/:connection_id', {
    schema: {
      tags, security, operationId: 'disconnectConnection', summary: 'End an open realtime connection on whichever node holds it',
      description: 'The client gets the terminal event `stream.unauthorized` with `reason: "disconnected_by_operator"` (a WebSocket is then closed with 4403). On this node it ends at once; on another, as soon as that node hears the bus, or at its next 5 s report when the bus is down. `404 not_found` when no live node lists the connection (it ended already, or it is younger than its node\'s last report).',
      params: ConnectionParams,
      headers: IdempotencyHeaders,
      response: replies({ 200: written(Success, 'The connection is ending') }, writeErrors('not_found')),
    },
  }, async (req) => {
    if (!(await nodes.disconnect(req.params.connection_id))) throw new AppError('not_found', 'Connection not found');
    return { success: true as const };
  });

  app.get('/live/events', {
    exposeHeadRoute: false,
    schema: {
      tags, security, operationId: 'streamAdminEvents', summary: 'Tail the event log (SSE): replay after a cursor, then live',
      description: 'One scope: `org_id`, `hub_id`, or `document_id` / `video_id` / `job_id` (its organization\'s stream filtered to it); beside `org_id` those ids are filters, as is `type` (a prefix). '
        + 'Each frame is `id: <event id>`, `event: event`, `data: {"id","type","topic","org_id","scope","data","created_at","truncated","size_bytes"}`; a payload whose JSON is over 4 KiB arrives as `{"_truncated": "<its first 2048 characters>"}` with `truncated: true`. '
        + 'Resume with `after` or Last-Event-ID (no gap, no duplicate). `: heartbeat` every 25 s. Terminal events: `stream.expired` (a console session expired, or was signed out: `reason: "signed_out"`, within 2 s on any node), `stream.unauthorized` (disconnected by an operator), `stream.draining`, `stream.stale_resume`, `stream.overflow`. '
        + 'Refusals: 400 invalid_request (no scope, or hub_id with another scope), 400 invalid_cursor, 404 not_found (unknown organization, hub or resource).',
      querystring: EventTailQuery,
      headers: StreamHeaders,
      response: replies({
        200: media('The event tail (text/event-stream)', ['text/event-stream'], {
          type: 'string',
          examples: [`retry: 3000\n\nid: ${EXAMPLE_ID}\nevent: event\ndata: {"id":"${EXAMPLE_ID}","type":"document.completed","topic":"org:org_2x7k9m4q8v1c5b3n6z0w","org_id":"org_2x7k9m4q8v1c5b3n6z0w","scope":{"document_id":"doc_1"},"data":{"document_id":"doc_1"},"created_at":"2025-01-31T12:00:00.000Z","truncated":false,"size_bytes":24}\n\n`],
        }, streamHeaders),
      }, adminErrors('invalid_cursor', 'not_found', 'too_many_connections')),
    },
  }, async (req, reply) => {
    // `after` wins over the header an EventSource sends when it reconnects.
    const given = req.query.after !== undefined ? { value: req.query.after, from: 'after' } : headerFirst(req.headers['last-event-id'], 'after', undefined);
    const cursor = await resumeCursor(events, given);
    const tail = await resolveTailScope(ctx.storage.db, req.query);
    const { wire, lease, credential, expiresAtMs } = await openStream(req, reply);
    if (cursor !== undefined && (await events.checkCursor(cursor)) === 'stale') {
      endStaleResume(wire, codec, lease, config.realtimeRetentionSeconds);
      return;
    }
    const connection = realtime.open({
      topic: tail.topic,
      // With no cursor the tail starts now: replaying from this instant covers what commits while the
      // stream is being set up, before it follows the topic.
      cursor: cursor ?? uuidv7Floor(Date.now() - TAIL_START_SLACK_MS),
      access: tail.access,
      expiresAtMs,
      wire,
      codec,
      lease,
      label: { surface: 'admin', credential, orgId: tail.orgId, remoteAddress: req.ip },
    });
    endWithSession(req, connection, wire);
  });

  app.get('/live/system', {
    exposeHeadRoute: false,
    schema: {
      tags, security, operationId: 'streamAdminSystem', summary: 'The cluster at a glance (SSE): nodes, work in flight, open connections',
      description: '`event: nodes` (the GET /admin/v1/nodes body) at connect and every 5 s; `event: work` (`{"in_flight":[runs],"recent":[the 20 most recently finished runs]}`, each run with its stages) at connect and whenever it changes; '
        + '`event: connections` (the GET /admin/v1/connections body) at connect and whenever it changes. `: heartbeat` every 25 s. Ends with `stream.draining` on shutdown, `stream.expired` when a console session expires or is signed out (within 2 s, on any node).',
      response: replies({
        200: media('The system stream (text/event-stream)', ['text/event-stream'], {
          type: 'string',
          examples: ['retry: 3000\n\nevent: work\ndata: {"in_flight":[],"recent":[]}\n\n'],
        }, streamHeaders),
      }, adminErrors('too_many_connections')),
    },
  }, async (req, reply) => {
    const { wire, lease, credential, expiresAtMs } = await openStream(req, reply);
    const connection = realtime.open({
      topic: SYSTEM_TOPIC,
      access: NO_EVENTS,
      expiresAtMs,
      wire,
      codec,
      lease,
      label: { surface: 'admin', credential, orgId: null, remoteAddress: req.ip },
    });
    const unwatch = system.watch((frame) => connection.push(frame));
    wire.onClose(unwatch);
    endWithSession(req, connection, wire);
    if (connection.closed) unwatch();
  });
}
