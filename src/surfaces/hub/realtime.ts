// GET /realtime/events?hub_id=… — the community hub's SSE stream (seed 004). Checks happen before the
// stream opens (400/401/404/429/503); afterwards the connection core owns the stream.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { bearerToken } from '../../auth/index.js';
import { hubTopic } from '../../events/index.js';
import { AppError, media, replies } from '../../http/index.js';
import { endStaleResume, headerFirst, namedSseCodec, checkStreamAlone, openSseWire, type Access, resumeCursor } from '../../realtime/index.js';
import type { AppContext } from '../../server/context.js';

const codec = namedSseCodec();

/** Seed 004's Last-Event-ID example. */
const EXAMPLE_CURSOR = '018f4b3c-1234-7abc-8def-000000000001';

const STREAM_DESCRIPTION = [
  'Live events of a community hub for one member, over Server-Sent Events (seed 004). `Authorization: Bearer <contact access token>` minted for this hub; `Accept: text/event-stream`. The event types, their payloads and the terminal events are described in the AsyncAPI document at [`/asyncapi.json`](/asyncapi.json).',
  'Every event frame carries `id:` (a UUIDv7: store it as Last-Event-ID), `event:` (the type) and `data:` (a JSON object of ids). A `: heartbeat` comment comes every 25 s; a stream silent for 90 s is closed — reconnect with the last id.',
  'Resume with the `Last-Event-ID` header (or `last_event_id`): events after it from the last 5 minutes are replayed, then live ones, with no gap. An older cursor ends the stream with `stream.stale_resume`: reload state and reconnect without a cursor.',
  'Refusals before the stream opens: `400 invalid_cursor` (Last-Event-ID not a UUIDv7), `401` (token missing, expired or invalid), `404` (no such hub, or the contact is not an active member: banned, removed, another hub\'s token), `429 too_many_connections` (the contact already holds 5 open streams across all hubs; Retry-After), `503 draining` (the server is shutting down: reconnect after a short delay).',
  'Terminal events (no id, not resumable) end the stream: `stream.expired` (token expired), `stream.unauthorized` (banned or access revoked), `stream.draining` (with `retry_ms`), `stream.stale_resume`, `stream.overflow`.',
].join('\n\n');

/**
 * How an open stream reloads its member's access. Made outside the route handler so that what the
 * stream holds for its lifetime is these three references, not the handler's scope: the hub id read
 * from the query string would keep the whole request URL alive with it.
 */
function accessReload(hubs: AppContext['hubs'], hubId: string, contactId: string): () => Promise<Access | undefined> {
  return () => hubs.accessFor(hubId, contactId);
}

export function hubRealtimeRoutes(ctx: AppContext) {
  return async function hubRealtime(root: FastifyInstance): Promise<void> {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const { realtime, hubs, events, config } = ctx;

    app.get('/realtime/events', {
      // A stream has no HEAD: Fastify's automatic one would open the stream on an answer that may carry
      // no body. HEAD is 405 with Allow: GET, as for any method a route does not take.
      exposeHeadRoute: false,
      schema: {
        tags: ['hub realtime'],
        operationId: 'streamHubEvents',
        summary: 'Stream live hub events (SSE)',
        description: STREAM_DESCRIPTION,
        security: [{ contactToken: [] }],
        querystring: Type.Object({
          hub_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'The hub whose events to stream', examples: ['hub_7n2c5x8v1b4m9q3k6wzr'] }),
          last_event_id: Type.Optional(Type.String({ maxLength: 64, description: 'Resume cursor for clients that cannot set Last-Event-ID; the header wins when both are given', examples: [EXAMPLE_CURSOR] })),
        }),
        headers: Type.Object({
          'last-event-id': Type.Optional(Type.String({
            description: 'The id of the last event received (a UUIDv7): the stream replays what followed it in the last 5 minutes, then goes live. Not a UUIDv7, or from the future: 400 invalid_cursor. Older than the retention window: the stream opens and ends at once with stream.stale_resume.',
            examples: [EXAMPLE_CURSOR],
          })),
        }),
        response: replies({
          200: media(
            'The event stream: `retry:` first, then `id:` / `event:` / `data:` frames and `: heartbeat` comments, until a terminal event (stream.expired, stream.unauthorized, stream.draining, stream.stale_resume, stream.overflow; no id). Event types and payloads: /asyncapi.json.',
            ['text/event-stream'],
            {
              type: 'string',
              description: 'Server-Sent Events frames; every `data:` is a JSON object of ids',
              examples: [`retry: 3000\n\nid: ${EXAMPLE_CURSOR}\nevent: community.discussion.published\ndata: {"discussion_id":"dsc_z3x6c9v2b5n8m1k4j7hg","space_id":"spc_4kq9v2m7x1c8b3n6z5wd","contact_id":"ct_a8d3f6g9h2j5k1l4m7np"}\n\n: heartbeat\n\n`],
            },
            {
              'cache-control': { type: 'string', enum: ['no-cache'] },
              'x-accel-buffering': { type: 'string', enum: ['no'], description: 'Keeps nginx-style proxies from buffering the stream' },
              'x-api-version': { type: 'string', description: 'The running build version', examples: ['0.3.1'] },
            },
          ),
        }, ['invalid_cursor', 'not_found', 'too_many_connections', 'draining']),
      },
    }, async (req, reply) => {
      if (realtime.draining) throw new AppError('draining');
      const token = bearerToken(req.headers.authorization);
      if (!token) throw new AppError('unauthorized', 'Missing token');
      const verified = await ctx.tokens.verify('contact', token);
      const hubId = req.query.hub_id;
      const contactId = verified.subject;
      // A token for another hub names a contact that is not a member of this one.
      const member = verified.claims.hub_id === hubId ? await hubs.streamMember(hubId, contactId) : undefined;
      if (!member) throw new AppError('not_found', 'Hub not found');
      const { hub, access } = member;
      // Credentials first: a caller without them learns nothing of the cursor, nor has it looked up.
      const cursor = await resumeCursor(events, headerFirst(req.headers['last-event-id'], 'last_event_id', req.query.last_event_id));
      checkStreamAlone(reply.raw);
      const lease = await realtime.admit({ key: `contact:${contactId}`, max: config.realtimeMaxStreamsPerContact });

      const wire = openSseWire(reply, config.realtimeRetryMs);
      if (cursor !== undefined && (await events.checkCursor(cursor)) === 'stale') {
        endStaleResume(wire, codec, lease, config.realtimeRetentionSeconds);
        return;
      }
      realtime.open({
        topic: hubTopic(hub.id),
        contactId,
        cursor,
        access,
        refreshAccess: accessReload(hubs, hub.id, contactId),
        expiresAtMs: verified.expiresAtMs,
        wire,
        codec,
        lease,
        label: { surface: 'hub', credential: `contact:${contactId}`, orgId: hub.org_id, remoteAddress: req.ip },
      });
    });
  };
}
