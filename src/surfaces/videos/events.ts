// The developer video events over Server-Sent Events, on the shared connection core. Named frames
// (`event: video.ready`), resumable with Last-Event-ID; a stream that names videos opens with their
// current status as `video.status` frames.
// - GET /api/developer/v1/events: the app's videos, with the secret key (a server follows them all).
// - GET /api/developer/sdk/v1/videos/{id}/events: one video, with the public key from an allowed
//   Origin, so the page that uploaded a recording can watch it being processed; the key may come as
//   `?key=`, since a browser's EventSource cannot set a header.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticateAppKey, bearerToken, checkAppOrigin, type AppPrincipal } from '../../auth/index.js';
import { orgTopic } from '../../events/index.js';
import { AppError, isAppError, media, replies, type ErrorCode } from '../../http/index.js';
import { endStaleResume, headerFirst, namedSseCodec, checkStreamAlone, openSseWire, readSettled, sseDataFrame, resumeCursor, type Slot } from '../../realtime/index.js';
import type { AppContext } from '../../server/context.js';
import { VideoStreamScope } from '../../videos/index.js';
import { principalOf, PUBLIC_KEY_SECURITY, SECRET_KEY_SECURITY } from './auth.js';
import { VideoId, VideoParams } from './schemas.js';

const MAX_VIDEOS = 100;
const FRAMES = 'video.created, video.upload_started, video.upload_aborted, video.uploaded, video.processing, video.ready, video.transcription, video.failed and video.deleted; their data is the GET /videos/{id}/status shape plus appId';
const RESUME = 'Resume with the Last-Event-ID header (or last_event_id): a cursor older than the retention ends the stream with stream.stale_resume.';
const ASYNCAPI = 'The frames, their payloads and the terminal events are described in the AsyncAPI document at /asyncapi.json. Refusals before the stream opens are JSON errors.';
const EXAMPLE = 'retry: 3000\n\nevent: stream.subscribed\ndata: {"appId":"app_789","videoIds":[]}\n\nid: 0190f4a2-7c1e-7b3a-9d2e-5f6a7b8c9d0e\nevent: video.ready\ndata: {"id":"abc123def456","duration":124.5,"width":1920,"height":1080,"transcriptionStatus":"PROCESSING","ready":true,"appId":"app_789"}\n\n';
const streamReply = (example: string, errors: readonly ErrorCode[]) => replies({
  200: media('The event stream: `retry:` first, then named frames with ids (see /asyncapi.json)', ['text/event-stream'], { type: 'string', examples: [example] }),
}, errors);
const resumeQuery = {
  last_event_id: Type.Optional(Type.String({ maxLength: 64, description: 'Resume after this event id, for clients that cannot set Last-Event-ID (the header wins)' })),
};
const resumeHeaders = Type.Object({
  'last-event-id': Type.Optional(Type.String({ description: 'The id of the last event received (a UUIDv7): the stream resumes after it' })),
});

/** What one stream follows, and how it keeps checking the credential that opened it. */
interface VideoStream {
  readonly principal: AppPrincipal;
  readonly ids: readonly string[];
  readonly slot: Slot;
  readonly surfaceLabel: string;
  /** Resolves while the credential still holds; rejects with the AppError that would refuse it now. */
  readonly recheck: () => Promise<void>;
}

export function videoEventStream(scope: FastifyInstance, ctx: AppContext): void {
  const typed = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { config, storage } = ctx;

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
        `Named frames (\`event: video.ready\`) for ${FRAMES}.`,
        `video_id (repeatable, up to ${MAX_VIDEOS}) narrows the stream to those videos and opens it with one video.status frame per existing video; every stream then gets stream.subscribed once it is live, after which no event is missed.`,
        `${RESUME} A regenerated key ends its open streams with stream.unauthorized.`,
        `Counts against the key's CAPSTAN_REALTIME_MAX_STREAMS_PER_KEY open streams. ${ASYNCAPI}`,
      ].join(' '),
      querystring: Type.Object({
        video_id: Type.Optional(Type.Array(VideoId, { maxItems: MAX_VIDEOS, description: 'Only these videos (repeat the parameter); the stream opens with their status' })),
        ...resumeQuery,
      }),
      headers: resumeHeaders,
      response: streamReply(EXAMPLE, ['invalid_cursor', 'too_many_connections']),
    },
  }, async (req, reply) => {
    const principal = principalOf(req);
    const bearer = bearerToken(req.headers.authorization);
    await openVideoStream(ctx, req, reply, req.query.last_event_id, {
      principal,
      ids: [...new Set(req.query.video_id ?? [])],
      slot: { key: `app_key:${principal.keyId}`, max: config.realtimeMaxStreamsPerKey },
      surfaceLabel: `app_key:${principal.keyId}`,
      recheck: async () => {
        await authenticateAppKey(storage, bearer, 'secret');
      },
    });
  });
}

/**
 * Takes the public key from `Authorization: Bearer cpk_…` or, for a browser's EventSource, from
 * `?key=cpk_…` (the header wins); a production app also needs an allowed Origin.
 */
export function publicStreamKey(req: FastifyRequest): string | undefined {
  const header = bearerToken(req.headers.authorization);
  if (header !== undefined) return header;
  const { key } = req.query as { key?: unknown };
  if (Array.isArray(key)) throw new AppError('invalid_request', 'querystring.key must be given once');
  return typeof key === 'string' && key !== '' ? key : undefined;
}

export function videoWatchStream(scope: FastifyInstance, ctx: AppContext): void {
  const typed = scope.withTypeProvider<TypeBoxTypeProvider>();
  const { config, storage, videos } = ctx;

  typed.get('/videos/:id/events', {
    exposeHeadRoute: false,
    schema: {
      operationId: 'watchVideo',
      tags: ['developer SDK'],
      security: PUBLIC_KEY_SECURITY,
      summary: "One video's events over Server-Sent Events, for the browser that uploaded it",
      description: [
        'For a page that uploaded a recording and shows its progress: opens with the video\'s status (a video.status frame), then stream.subscribed once live, then the video\'s own frames:',
        `${FRAMES}.`,
        'The public key comes as Authorization: Bearer cpk_… or, for a browser EventSource (which sends no headers of its own), as ?key=cpk_…. For a production app the Origin header must be one of its allowed origins (403 origin_not_allowed); a browser sends it on a cross-origin EventSource.',
        `An unknown, deleted or other app's video is 404 not_found. ${RESUME}`,
        `A regenerated public key, or an allowed-origins list that no longer holds the stream's Origin, ends the stream with stream.unauthorized (reason key_revoked or origin_not_allowed) within CAPSTAN_DEVELOPER_KEY_RECHECK_MS. At most CAPSTAN_REALTIME_MAX_STREAMS_PER_VIDEO streams may watch one video at once (then 429 too_many_connections). ${ASYNCAPI}`,
      ].join(' '),
      params: VideoParams,
      querystring: Type.Object({
        key: Type.Optional(Type.String({ maxLength: 256, description: 'The app\'s public key (cpk_…), for clients that cannot set Authorization (the header wins)' })),
        ...resumeQuery,
      }),
      headers: resumeHeaders,
      response: streamReply(EXAMPLE.replace('"videoIds":[]', '"videoIds":["abc123def456"]'), ['origin_not_allowed', 'not_found', 'invalid_cursor', 'too_many_connections']),
    },
  }, async (req, reply) => {
    const principal = principalOf(req);
    const key = publicStreamKey(req);
    const origin = req.headers.origin;
    const id = req.params.id;
    // An unknown, deleted or other app's video is refused before anything opens.
    await videos.status(principal.app, id);
    await openVideoStream(ctx, req, reply, req.query.last_event_id, {
      principal,
      ids: [id],
      slot: { key: `video:${id}`, max: config.realtimeMaxStreamsPerVideo },
      surfaceLabel: `app_key:${principal.keyId}`,
      recheck: async () => {
        const now = await authenticateAppKey(storage, key, 'public');
        checkAppOrigin(now.app, origin);
      },
    });
  });
}

async function openVideoStream(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, lastEventId: string | undefined, stream: VideoStream): Promise<void> {
  const { realtime, events, config, videos } = ctx;
  const codec = namedSseCodec();
  if (realtime.draining) throw new AppError('draining');
  const { app: owner, keyId } = stream.principal;
  const { ids } = stream;
  const cursor = await resumeCursor(events, headerFirst(req.headers['last-event-id'], 'last_event_id', lastEventId));
  checkStreamAlone(reply.raw);
  const lease = await realtime.admit(stream.slot);
  const wire = openSseWire(reply, config.realtimeRetryMs);
  if (cursor !== undefined && (await events.checkCursor(cursor)) === 'stale') {
    endStaleResume(wire, codec, lease, config.realtimeRetentionSeconds);
    return;
  }
  const access = new VideoStreamScope(owner.id, ids);
  const topic = orgTopic(owner.org_id);
  // Sent once the subscription is live: each named video's status (not on a resume: the replay
  // brings it up to date), then stream.subscribed, after which no event can be missed. The live
  // events the statuses already reflect are not sent after them.
  const named = cursor === undefined ? ids : [];
  const snapshot = async () => {
    const frames: string[] = [];
    if (named.length > 0) {
      const { value: statuses, through } = await readSettled(events, topic, async () => {
        const found = [];
        for (const id of named) {
          const status = await videos.status(owner, id).catch(() => undefined);
          if (status) found.push(status);
        }
        return found;
      });
      const shown = statuses.map((status) => ({ ...status, appId: owner.id }));
      access.settle(shown, through);
      for (const data of shown) frames.push(`event: video.status\n${sseDataFrame(data)}`);
    }
    frames.push(`event: stream.subscribed\n${sseDataFrame({ appId: owner.id, videoIds: ids })}`);
    return frames;
  };
  const connection = realtime.open({
    topic,
    cursor,
    access,
    snapshot,
    wire,
    codec,
    keyId,
    lease,
    label: { surface: 'videos', credential: stream.surfaceLabel, orgId: owner.org_id, remoteAddress: req.ip },
  });
  // App keys do not expire; a revoked (regenerated) key, or for a public key an Origin its app no
  // longer allows, ends the stream within one period.
  const recheck = setInterval(() => {
    stream.recheck().catch((e: unknown) => {
      // Only a refusal of the credential ends the stream: a database that cannot answer now does not.
      if (!isAppError(e) || (e.code !== 'unauthorized' && e.code !== 'origin_not_allowed')) return;
      connection.terminate('stream.unauthorized', { reason: e.code === 'origin_not_allowed' ? 'origin_not_allowed' : 'key_revoked' });
    });
  }, config.developerKeyRecheckMs);
  recheck.unref();
  wire.onClose(() => clearInterval(recheck));
}
