// Video events: every state change is an event on the organization's topic (scope video_id), and
// GET /api/developer/v1/events streams an app's own video events over SSE with its csk_ key.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { orgTopic } from '../../src/events/index.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse, type SseFrame, type SseStream } from '../helpers/sse.js';
import { createVideo, makeApp, QUICK_VIDEO_SERVER, settled, uploadParts, uploadVideo, waitForVideo, type TestApp } from '../helpers/videos.js';

const BYTES = readFileSync(new URL('../fixtures/videos/with-audio.mp4', import.meta.url));
const PART = QUICK_VIDEO_SERVER.multipartMinPartBytes;
const data = (f: SseFrame): Record<string, unknown> => JSON.parse(f.data ?? '{}') as Record<string, unknown>;
const forVideo = (id: string) => (f: SseFrame) => f.event !== undefined && f.event.startsWith('video.') && data(f).id === id;

describe('video events', () => {
  let ts: TestServer;
  let app: TestApp;
  const streams: SseStream[] = [];

  const open = async (key: string, query = ''): Promise<SseStream> => {
    const stream = await openSse(`${ts.url}/api/developer/v1/events${query}`, { token: key });
    streams.push(stream);
    return stream;
  };

  before(async () => {
    ts = await startServer({ ...QUICK_VIDEO_SERVER });
    app = await makeApp(ts);
  });
  after(async () => {
    for (const s of streams) s.close();
    await ts.close();
  });

  test('the life of a video, in order, on the app stream', async () => {
    const stream = await open(app.secretKey);
    assert.equal(stream.status, 200);
    assert.equal(stream.headers['content-type'], 'text/event-stream; charset=utf-8');
    await stream.next((f) => f.event === 'stream.subscribed');

    const videoId = await uploadVideo(app, BYTES, PART);
    await waitForVideo(app, videoId, settled);
    await app.rest('DELETE', `/videos/${videoId}`);

    const seen: SseFrame[] = [];
    for (;;) {
      const f = await stream.next(forVideo(videoId));
      seen.push(f);
      if (f.event === 'video.deleted') break;
    }
    // The stages of one run follow each other, so the whole life has one order: each stage's
    // progress, ready inside the poster stage, transcription inside its own stage.
    const life = seen.map((f) => {
      const p = data(f).processing as { stage: string; status: string } | undefined;
      if (f.event === 'video.processing') return `${p?.stage} ${p?.status}`;
      if (f.event === 'video.transcription') return `transcription ${String(data(f).transcriptionStatus)}`;
      return f.event;
    });
    assert.deepEqual(life, [
      'video.created', 'video.upload_started', 'video.uploaded',
      'probe running', 'probe complete',
      'render running', 'render complete',
      'poster running', 'video.ready', 'poster complete',
      'transcribe running', 'transcription PROCESSING', 'transcription COMPLETE', 'transcribe complete',
      'video.deleted',
    ]);
    for (const f of seen) {
      assert.match(f.id ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-7/, 'every event has a UUIDv7 id');
      assert.equal(data(f).appId, app.id);
    }
    const readyAt = seen.findIndex((f) => f.event === 'video.ready');
    assert.deepEqual(seen.slice(0, readyAt).map((f) => data(f).transcriptionStatus), Array<null>(readyAt).fill(null), 'no transcription status before the video is ready (api.md)');
    const ready = data(seen[readyAt]!);
    assert.deepEqual(ready, { id: videoId, duration: 2, width: 320, height: 240, transcriptionStatus: 'PROCESSING', ready: true, processing: { stage: 'poster', status: 'running' }, appId: app.id });
    const uploaded = data(seen.find((f) => f.event === 'video.uploaded')!);
    assert.equal(uploaded.processing, undefined, 'no stage runs yet');
    assert.equal(data(seen.at(-1)!).processing, undefined, 'processing has ended');

    // The same events are in the organization's log, scoped by video_id.
    const logged = await ts.server.ctx.storage.events.readAfter(orgTopic(app.orgId), undefined, 1000);
    const mine = logged.filter((e) => JSON.parse(e.scope).video_id === videoId);
    assert.equal(mine.length, seen.length);
  });

  test('video_id narrows the stream and opens it with the current status; abort and failure are events too', async () => {
    const watched = await createVideo(app);
    const ignored = await createVideo(app);
    const stream = await open(app.secretKey, `?video_id=${watched}`);
    const snapshot = await stream.next((f) => f.event === 'video.status');
    assert.equal(snapshot.id, undefined, 'a snapshot is not a cursor');
    assert.deepEqual(data(snapshot), { id: watched, duration: null, width: null, height: null, transcriptionStatus: null, ready: false, appId: app.id });
    await stream.next((f) => f.event === 'stream.subscribed');

    const up = await uploadParts(app, ignored, BYTES, PART);
    await app.sdk('/upload/multipart/abort', { videoId: ignored, uploadId: up.uploadId });
    const mine = await uploadParts(app, watched, Buffer.from('not a video at all'), PART);
    await app.sdk('/upload/multipart/abort', { videoId: watched, uploadId: mine.uploadId });
    assert.equal(data(await stream.next((f) => f.event === 'video.upload_aborted')).id, watched);
    const again = await uploadParts(app, watched, Buffer.from('not a video at all'), PART);
    await app.sdk('/upload/multipart/complete', { videoId: watched, uploadId: again.uploadId, parts: again.parts });
    const failed = await stream.next((f) => f.event === 'video.failed');
    assert.equal(data(failed).error, 'not_a_video');
    assert.equal(data(failed).processing, undefined, 'a failed video has no stage in progress');
    const probe = stream.frames.filter((f) => f.event === 'video.processing' && data(f).id === watched).map((f) => data(f).processing);
    assert.deepEqual(probe, [{ stage: 'probe', status: 'running' }], 'the probe started, then failed the video');
    assert.ok(!stream.frames.some((f) => f.event?.startsWith('video.') && data(f).id === ignored), 'no event of another video');
  });

  test('a stream opening with a video\'s status skips the events that status already reflects, on both streams', async () => {
    const videoId = await createVideo(app);
    const { publisher, videos } = ts.server.ctx;
    const event = (note: string) => publisher.publish({
      topic: orgTopic(app.orgId), orgId: app.orgId, type: 'video.processing', scope: { video_id: videoId },
      data: { id: videoId, duration: null, width: null, height: null, transcriptionStatus: null, ready: false, processing: { stage: 'probe', status: 'running' }, appId: app.id, note },
    });
    // The stream's status read is late: two events commit while it already hears the topic, so they
    // reach it while it is still reading (as a node's feed brings them late). The watch stream reads
    // the status once before it opens (its 404), so the late read is its second.
    const status = videos.status.bind(videos);
    let reads = 0;
    let lateRead = 0;
    videos.status = async (owner, id) => {
      if (id === videoId && ++reads === lateRead) {
        await event('committed before the read');
        await event('committed before the read');
        await new Promise((r) => setTimeout(r, 50));
      }
      return status(owner, id);
    };
    const check = async (name: string, url: string, token: string | undefined, late: number) => {
      reads = 0;
      lateRead = late;
      const stream = await openSse(url, token === undefined ? {} : { token });
      streams.push(stream);
      try {
        await stream.next((f) => f.event === 'stream.subscribed');
        await new Promise((r) => setTimeout(r, 200));
        await event('committed after the read');
        await stream.next((f) => f.event === 'video.processing');
        await new Promise((r) => setTimeout(r, 200));
        const names = stream.frames.filter((f) => f.event !== undefined && f.event !== 'heartbeat').map((f) => `${f.event ?? ''}${data(f).note ? ` (${String(data(f).note)})` : ''}`);
        assert.deepEqual(names, ['video.status', 'stream.subscribed', 'video.processing (committed after the read)'], name);
      } finally {
        stream.close();
      }
    };
    try {
      await check('the app stream', `${ts.url}/api/developer/v1/events?video_id=${videoId}`, app.secretKey, 1);
      await check('the watch stream', `${ts.url}/api/developer/sdk/v1/videos/${videoId}/events?key=${app.publicKey}`, undefined, 2);
    } finally {
      videos.status = status;
    }
  });

  test('a stage whose attempt fails reports retrying, then running again', async () => {
    const blobs = ts.server.ctx.blobs;
    const put = blobs.put.bind(blobs);
    let failures = 0;
    // The store refuses the rendition once, as an S3 outage would.
    blobs.put = async (key, body, options) => {
      if (key.endsWith('/play.mp4') && failures++ === 0) throw new Error('store unavailable');
      return put(key, body, options);
    };
    try {
      const stream = await open(app.secretKey);
      await stream.next((f) => f.event === 'stream.subscribed');
      const videoId = await uploadVideo(app, BYTES, PART);
      const retrying = await stream.next((f) => f.event === 'video.processing' && data(f).id === videoId && (data(f).processing as { status: string }).status === 'retrying');
      assert.deepEqual(data(retrying).processing, { stage: 'render', status: 'retrying' });
      await waitForVideo(app, videoId, settled);
      const render = stream.frames
        .filter((f) => f.event === 'video.processing' && data(f).id === videoId)
        .map((f) => data(f).processing as { stage: string; status: string })
        .filter((p) => p.stage === 'render')
        .map((p) => p.status);
      assert.deepEqual(render, ['running', 'retrying', 'running', 'complete']);
      assert.equal((await waitForVideo(app, videoId, settled)).ready, true);
    } finally {
      blobs.put = put;
    }
  });

  test("another app's stream sees none of these events; a public key cannot open a stream", async () => {
    const other = await makeApp(ts, { orgId: app.orgId });
    const stream = await open(other.secretKey);
    await stream.next((f) => f.event === 'stream.subscribed');
    const mineVideo = await createVideo(other);
    await createVideo(app);
    const first = await stream.next((f) => f.event?.startsWith('video.') === true);
    assert.equal(data(first).id, mineVideo);
    assert.ok(stream.frames.filter((f) => f.event?.startsWith('video.')).every((f) => data(f).appId === other.id));

    const wrongKind = await openSse(`${ts.url}/api/developer/v1/events`, { token: app.publicKey });
    assert.equal(wrongKind.status, 401);
  });

  test('resume with Last-Event-ID replays what was missed', async () => {
    const stream = await open(app.secretKey);
    await stream.next((f) => f.event === 'stream.subscribed');
    const a = await createVideo(app);
    const created = await stream.next(forVideo(a));
    stream.close();
    const b = await createVideo(app);
    const resumed = await openSse(`${ts.url}/api/developer/v1/events`, { token: app.secretKey, lastEventId: created.id! });
    streams.push(resumed);
    const next = await resumed.next((f) => f.event?.startsWith('video.') === true);
    assert.equal(data(next).id, b);
  });

  test('regenerating the keys ends open streams with stream.unauthorized', async () => {
    const doomed = await makeApp(ts);
    const stream = await open(doomed.secretKey);
    await stream.next((f) => f.event === 'stream.subscribed');
    await ts.admin('POST', `/apps/${doomed.id}/regenerate-keys`);
    const terminal = await stream.next((f) => f.event === 'stream.unauthorized');
    assert.equal(data(terminal).reason, 'key_revoked');
    await stream.ended;
  });
});
