// GET /api/developer/v1/events: the app's video events over Server-Sent Events, on the shared
// connection core. Named frames (`event: video.ready`), resumable with Last-Event-ID; a stream that
// names videos (video_id, repeatable) opens with their current status as `video.status` frames.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { authenticateAppKey, bearerToken } from '../../auth/index.js';
import { orgTopic } from '../../events/index.js';
import { AppError, isAppError, media, replies } from '../../http/index.js';
import { endStaleResume, namedSseCodec, checkStreamAlone, openSseWire, sseDataFrame, resumeCursor } from '../../realtime/index.js';
import type { AppContext } from '../../server/context.js';
import { VideoStreamScope } from '../../videos/index.js';
import { principalOf, SECRET_KEY_SECURITY } from './auth.js';
import { VideoId } from './schemas.js';

const MAX_VIDEOS = 100;

export function videoEventStream(scope: FastifyInstance, ctx: AppContext): void {
  const typed = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { realtime, events, config, videos } = ctx;
  const codec = namedSseCodec();

  typed.get('/events', {
    // A stream has no HEAD: Fastify's automatic one would open the stream on an answer that may carry
    // no body. HEAD is 405 with Allow: GET, as for any method a route does not take.
    exposeHeadRoute: false,
    schema: {
      operationId: 'streamVideoEvents',
      tags: ['developer videos'],
      security: SECRET_KEY_SECURITY,
      summary: "The app's video events over Server-Sent Events",
      description: [
        'Named frames (`event: video.ready`) for video.created, video.upload_started, video.upload_aborted, video.uploaded, video.processing, video.ready, video.transcription, video.failed and video.deleted; their data is the GET /videos/{id}/status shape plus appId.',
        `video_id (repeatable, up to ${MAX_VIDEOS}) narrows the stream to those videos and opens it with one video.status frame per existing video; every stream then gets stream.subscribed once it is live, after which no event is missed.`,
        'Resume with the Last-Event-ID header (or last_event_id): a cursor older than the retention ends the stream with stream.stale_resume. A regenerated key ends its open streams with stream.unauthorized.',
        'The frames, their payloads and the terminal events are described in the AsyncAPI document at /asyncapi.json. Refusals before the stream opens are JSON errors.',
      ].join(' '),
      querystring: Type.Object({
        video_id: Type.Optional(Type.Array(VideoId, { maxItems: MAX_VIDEOS, description: 'Only these videos (repeat the parameter); the stream opens with their status' })),
        last_event_id: Type.Optional(Type.String({ maxLength: 64, description: 'Resume after this event id, for clients that cannot set Last-Event-ID (the header wins)' })),
      }),
      headers: Type.Object({
        'last-event-id': Type.Optional(Type.String({ description: 'The id of the last event received (a UUIDv7): the stream resumes after it' })),
      }),
      response: replies({
        200: media('The event stream: `retry:` first, then named frames with ids (see /asyncapi.json)', ['text/event-stream'], { type: 'string', examples: ['retry: 3000\n\nevent: stream.subscribed\ndata: {"appId":"app_789","videoIds":[]}\n\nid: 0190f4a2-7c1e-7b3a-9d2e-5f6a7b8c9d0e\nevent: video.ready\ndata: {"id":"abc123def456","duration":124.5,"width":1920,"height":1080,"transcriptionStatus":"PROCESSING","ready":true,"appId":"app_789"}\n\n'] }),
      }, ['invalid_cursor', 'too_many_connections']),
    },
  }, async (req, reply) => {
    if (realtime.draining) throw new AppError('draining');
    const { app: owner, keyId } = principalOf(req);
    const ids = [...new Set(req.query.video_id ?? [])];
    const header = req.headers['last-event-id'];
    const cursor = await resumeCursor(events, (typeof header === 'string' && header !== '' ? header : undefined) ?? req.query.last_event_id);
    checkStreamAlone(reply.raw);
    const lease = await realtime.admit({ key: `app_key:${keyId}`, max: config.realtimeMaxStreamsPerKey });
    const wire = openSseWire(reply, config.realtimeRetryMs);
    if (cursor !== undefined && (await events.checkCursor(cursor)) === 'stale') {
      endStaleResume(wire, codec, lease, config.realtimeRetentionSeconds);
      return;
    }
    // Sent once the subscription is live: each named video's status (not on a resume: the replay
    // brings it up to date), then stream.subscribed, after which no event can be missed.
    const snapshot = async () => {
      const frames: string[] = [];
      for (const id of cursor === undefined ? ids : []) {
        const status = await videos.status(owner, id).catch(() => undefined);
        if (status) frames.push(`event: video.status\n${sseDataFrame({ ...status, appId: owner.id })}`);
      }
      frames.push(`event: stream.subscribed\n${sseDataFrame({ appId: owner.id, videoIds: ids })}`);
      return frames;
    };
    const connection = realtime.open({
      topic: orgTopic(owner.org_id),
      cursor,
      access: new VideoStreamScope(owner.id, ids),
      snapshot,
      wire,
      codec,
      keyId,
      lease,
      label: { surface: 'videos', credential: `app_key:${keyId}`, orgId: owner.org_id, remoteAddress: req.ip },
    });
    // Secret keys do not expire; a revoked (regenerated) key ends its open streams within one period.
    const bearer = bearerToken(req.headers.authorization);
    const recheck = setInterval(() => {
      authenticateAppKey(ctx.storage, bearer, 'secret').catch((e: unknown) => {
        if (isAppError(e)) connection.terminate('stream.unauthorized', { reason: 'key_revoked' });
      });
    }, config.developerKeyRecheckMs);
    recheck.unref();
    wire.onClose(() => clearInterval(recheck));
  });
}
