// GET /realtime/events?hub_id=… — the community hub's SSE stream (seed 004). Checks happen before the
// stream opens (400/401/404/429/503); afterwards the connection core owns the stream.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { bearerToken } from '../../auth/index.js';
import { hubTopic } from '../../events/index.js';
import { AppError } from '../../http/index.js';
import { namedSseCodec, openSseWire } from '../../realtime/index.js';
import type { AppContext } from '../../server/context.js';
import { isUuidV7 } from '../../util/ids.js';

const codec = namedSseCodec();

export function hubRealtimeRoutes(ctx: AppContext) {
  return async function hubRealtime(root: FastifyInstance): Promise<void> {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const { realtime, hubs, events, config } = ctx;

    app.get('/realtime/events', {
      // A stream has no HEAD: Fastify's automatic one would open the stream on an answer that may carry
      // no body. HEAD is 404, as for any method a route does not take.
      exposeHeadRoute: false,
      schema: {
        tags: ['hub realtime'],
        summary: 'Live hub events over Server-Sent Events',
        description: 'Authorization: Bearer <contact access token>. Resume with Last-Event-ID (or last_event_id). Frames: id / event / data; `: heartbeat` comments; terminal events stream.expired, stream.unauthorized, stream.draining, stream.stale_resume, stream.overflow carry no id.',
        security: [{ bearer: [] }],
        querystring: Type.Object({
          hub_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
          last_event_id: Type.Optional(Type.String({ maxLength: 64 })),
        }),
      },
    }, async (req, reply) => {
      if (realtime.draining) throw new AppError('draining');
      const header = req.headers['last-event-id'];
      const cursor = (typeof header === 'string' && header !== '' ? header : undefined) ?? req.query.last_event_id;
      if (cursor !== undefined) {
        if (!isUuidV7(cursor)) throw new AppError('invalid_cursor');
        if (events.checkCursor(cursor) === 'future') throw new AppError('invalid_cursor', 'Last-Event-ID is from the future');
      }
      const token = bearerToken(req.headers.authorization);
      if (!token) throw new AppError('unauthorized', 'Missing token');
      const verified = await ctx.tokens.verify('contact', token);
      const hubId = req.query.hub_id;
      const contactId = verified.subject;
      // A token for another hub names a contact that is not a member of this one.
      if (verified.claims.hub_id !== hubId || !(await ctx.storage.hubs.get(hubId))) throw new AppError('not_found', 'Hub not found');
      const access = await hubs.accessFor(hubId, contactId);
      if (!access) throw new AppError('not_found', 'Hub not found');
      const lease = await realtime.admit({ key: `contact:${contactId}`, max: config.realtimeMaxStreamsPerContact });

      const wire = openSseWire(reply, config.realtimeRetryMs);
      if (cursor !== undefined && events.checkCursor(cursor) === 'stale') {
        lease.release();
        wire.write(codec.terminal('stream.stale_resume', { retention_seconds: config.realtimeRetentionSeconds }));
        wire.end('stream.stale_resume');
        return;
      }
      realtime.open({
        topic: hubTopic(hubId),
        contactId,
        cursor,
        access,
        refreshAccess: () => hubs.accessFor(hubId, contactId),
        expiresAtMs: verified.expiresAtMs,
        wire,
        codec,
        lease,
      });
    });
  };
}
