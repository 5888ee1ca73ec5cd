// The developer video events streams: GET /api/developer/v1/events (the app's videos, secret key) and
// GET /api/developer/sdk/v1/videos/{id}/events (one video, public key, for the page that uploaded it).
// Named SSE frames for the video events, which follow the registered video.* types, plus the snapshot
// and subscribed frames.
import { Type } from '@sinclair/typebox';
import type { EventTypeSpec } from '../../events/index.js';
import type { TerminalType } from '../../realtime/index.js';
import { EXAMPLE_EVENT_ID, message, ref, RESUME_RULES, SSE_FRAMING, SSE_REFUSALS, sseHeaders, terminalMessages, UuidV7 } from './shared.js';
import type { AsyncApiMessage, SurfaceSpec } from './types.js';

const TERMINALS: readonly TerminalType[] = ['stream.unauthorized', 'stream.draining', 'stream.stale_resume', 'stream.overflow'];

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const VideoId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'The video id (12 lowercase letters and digits)' });

/**
 * The fields of the status route's VideoStatus schema (src/surfaces/videos/schemas.ts, which the test
 * compares with these). That module reads http/index at load time, which loads this one: importing it
 * here would be a cycle.
 */
export const VideoStatusFields = {
  id: Type.String(),
  duration: Nullable(Type.Number({ description: 'Measured seconds; null until ready' })),
  width: Nullable(Type.Number()),
  height: Nullable(Type.Number()),
  transcriptionStatus: Nullable(Type.String({ enum: ['PROCESSING', 'COMPLETE', 'ERROR', 'SKIPPED', 'NO_AUDIO'] })),
  ready: Type.Boolean({ description: 'true once the video is measured, playable (its rendition is stored) and billed' }),
  error: Type.Optional(Type.String({ description: 'Only when processing failed: not_a_video, unsupported, truncated, undecodable, insufficient_credits, processing_timeout, render_failed, no_h264_encoder, object_missing, attempts_exhausted, video_deleted…' })),
  processing: Type.Optional(Type.Object({
    stage: Type.String({ description: 'probe, render, poster or transcribe' }),
    status: Type.String({ enum: ['running', 'retrying', 'complete'], description: 'retrying: an attempt failed and another follows' }),
  }, { description: 'Beyond seed 003, only while processing runs: the stage in progress and how it goes' })),
};

/** Every video payload: GET /videos/:id/status plus the owning app. */
const VideoEvent = Type.Object({ ...VideoStatusFields, appId: Type.String() }, { additionalProperties: false, description: 'The GET /api/developer/v1/videos/:id/status shape plus appId' });

const EXAMPLE = { id: 'abc123def456', duration: 42.5, width: 1920, height: 1080, transcriptionStatus: 'COMPLETE', ready: true, appId: 'app_123' };

function eventMessage(spec: EventTypeSpec): AsyncApiMessage {
  return message(spec.type, spec.description, VideoEvent, {
    headers: sseHeaders({ event: spec.type, id: true }),
    ...(spec.type === 'video.ready' ? { examples: [{ name: 'ready', headers: { id: EXAMPLE_EVENT_ID, event: 'video.ready' }, payload: EXAMPLE }] } : {}),
  });
}

export function videosSpec(registered: readonly EventTypeSpec[]): SurfaceSpec {
  const events = registered.filter((s) => s.type.startsWith('video.') && s.internal !== true);
  const messages: Record<string, AsyncApiMessage> = {
    ...Object.fromEntries(events.map((s) => [s.type, eventMessage(s)])),
    'video.status': message('video.status', 'The current status of a named video, when the stream opens', VideoEvent, {
      description: 'One per video_id that exists, before stream.subscribed; no id (not a cursor). A resumed stream skips it.',
      headers: sseHeaders({ event: 'video.status', id: false }),
      examples: [{ name: 'snapshot', headers: { event: 'video.status' }, payload: EXAMPLE }],
    }),
    'stream.subscribed': message('stream.subscribed', 'The stream is live: from this frame on no event is missed', Type.Object({
      appId: Type.String(), videoIds: Type.Array(Type.String(), { description: 'The video_id values given (empty: every video of the app)' }),
    }, { additionalProperties: false }), {
      description: 'Sent once per stream, after the snapshot; no id.',
      headers: sseHeaders({ event: 'stream.subscribed', id: false }),
      examples: [{ name: 'subscribed', headers: { event: 'stream.subscribed' }, payload: { appId: 'app_123', videoIds: ['abc123def456'] } }],
    }),
    ...terminalMessages(TERMINALS, 'named-sse', ['key_revoked']),
  };
  const watchMessages: Record<string, AsyncApiMessage> = { ...messages, ...terminalMessages(TERMINALS, 'named-sse', ['key_revoked', 'origin_not_allowed']) };
  return {
    channels: {
      videoEvents: {
        address: '/api/developer/v1/events',
        title: 'Developer video events (SSE)',
        summary: "The app's video events over Server-Sent Events",
        description:
          '`Authorization: Bearer <csk_ secret key>`. Only the app\'s own videos are shown. `video_id` (repeatable, up to 100) narrows the stream to those videos and opens it with a video.status frame per video; every stream then gets stream.subscribed. ' +
          `${RESUME_RULES} An older cursor than CAPSTAN_REALTIME_RETENTION_SECONDS (300) ends the stream with stream.stale_resume. Secret keys do not expire; regenerating the app's keys ends its streams with stream.unauthorized (key_revoked) within CAPSTAN_DEVELOPER_KEY_RECHECK_MS. ` +
          `${SSE_FRAMING} Refusals before the stream opens: \`400 invalid_request\`, \`400 invalid_cursor\`, \`401 unauthorized\`, \`429 too_many_connections\` when the key holds CAPSTAN_REALTIME_MAX_STREAMS_PER_KEY (100) streams, ${SSE_REFUSALS}`,
        servers: [ref.server('http')],
        messages,
      },
      videoWatch: {
        address: '/api/developer/sdk/v1/videos/{id}/events',
        title: 'One video\'s events, for the page that uploaded it (SSE)',
        summary: "One video's events over Server-Sent Events with the app's public key",
        description:
          'The public key as `Authorization: Bearer <cpk_ key>` or, for a browser EventSource, `?key=<cpk_ key>`; for a production app the Origin must be one of its allowed origins. Opens with the video\'s video.status frame, then stream.subscribed, then the video\'s own events. ' +
          `${RESUME_RULES} An older cursor than CAPSTAN_REALTIME_RETENTION_SECONDS (300) ends the stream with stream.stale_resume. Regenerating the app's keys, or removing the stream's Origin from the app's allowed origins, ends it with stream.unauthorized (key_revoked, origin_not_allowed) within CAPSTAN_DEVELOPER_KEY_RECHECK_MS. ` +
          `${SSE_FRAMING} Refusals before the stream opens: \`400 invalid_request\`, \`400 invalid_cursor\`, \`401 unauthorized\`, \`403 origin_not_allowed\`, \`404 not_found\` (an unknown, deleted or other app's video), \`429 too_many_connections\` when CAPSTAN_REALTIME_MAX_STREAMS_PER_VIDEO (10) streams watch the video, ${SSE_REFUSALS}`,
        parameters: { id: { description: 'The video id from create', examples: ['abc123def456'] } },
        servers: [ref.server('http')],
        messages: watchMessages,
      },
    },
    operations: {
      videoEventsStream: streamOperation('videoEvents', messages, 'appSecretKey', 'Stream video events',
        'GET /api/developer/v1/events: snapshot, stream.subscribed, then video events, until a terminal event',
        { video_id: Type.Optional(Type.Array(VideoId, { maxItems: 100 })) }),
      videoWatchStream: streamOperation('videoWatch', watchMessages, 'appPublicKey', 'Watch one video',
        'GET /api/developer/sdk/v1/videos/{id}/events: its status, stream.subscribed, then its events, until a terminal event',
        { key: Type.Optional(Type.String({ maxLength: 256 })) }),
    },
  };
}

/** The `send` operation of an SSE channel opened with GET: its messages, its credential, its query (a cursor too). */
function streamOperation(channel: string, messages: Record<string, AsyncApiMessage>, security: string, title: string, summary: string, query: Parameters<typeof Type.Object>[0]) {
  return {
    action: 'send' as const,
    channel: ref.channel(channel),
    title,
    summary,
    messages: Object.keys(messages).map((m) => ref.message(channel, m)),
    security: [ref.security(security)],
    bindings: {
      http: { method: 'GET', query: Type.Object({ ...query, last_event_id: Type.Optional(UuidV7) }), bindingVersion: '0.3.0' },
    },
  };
}
