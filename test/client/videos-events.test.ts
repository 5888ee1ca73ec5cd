// The developer video events stream through the SDK against a real server: a video's events as it is
// created, uploaded and processed; the status snapshot of named videos; a connection cut mid-stream
// resumed with Last-Event-ID (the same events as a stream never cut, none lost or repeated); and a
// regenerated key ending the stream with a typed error, without a retry loop.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { CapstanError, createClient, type Capstan, type VideoEvent, type VideoStreamItem } from '@capstan/client';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse, type SseFrame } from '../helpers/sse.js';
import { makeApp, type TestApp } from '../helpers/videos.js';
import { until } from '../helpers/wait.js';
import { assertFreshBuild, countingFetch, take } from './helpers.js';
import { cutProxy } from './proxy.js';

const FAST = { backoff: { initialMs: 50, maxMs: 500 } };
const PART = 8 * 1024;
const VIDEO = new Blob([readFileSync(new URL('../fixtures/videos/with-audio.mp4', import.meta.url))], { type: 'video/mp4' });
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const ofVideo = (id: string) => (item: VideoStreamItem): item is VideoEvent => item.id !== undefined && item.data.id === id;
const readyOf = (id: string) => (items: VideoStreamItem[]) => items.some((i) => ofVideo(id)(i) && i.type === 'video.ready');

describe('video events through the SDK', () => {
  let ts: TestServer;
  let app: TestApp;
  let client: Capstan;
  before(async () => {
    assertFreshBuild();
    ts = await startServer({ multipartMinPartBytes: PART, realtimeRetryMs: 50, developerKeyRecheckMs: 100 });
    app = await makeApp(ts);
    client = createClient({ baseUrl: ts.url, publicKey: app.publicKey, secretKey: app.secretKey });
  });
  after(() => ts.close());

  test('a video created and uploaded: its events in order, typed, with cursors; then its status snapshot when named', async () => {
    const stream = client.videos.events(FAST);
    const it = stream[Symbol.asyncIterator]();
    try {
      await stream.subscribed;
      const { videoId } = await client.videos.upload(VIDEO, { partSize: PART, concurrency: 2, create: { name: 'events' } });
      const got = (await take(it, readyOf(videoId))).filter(ofVideo(videoId));
      const types = got.map((e) => e.type);
      assert.deepEqual(types.slice(0, 3), ['video.created', 'video.upload_started', 'video.uploaded']);
      assert.equal(types.at(-1), 'video.ready');
      for (const e of got) {
        assert.match(e.id ?? '', UUID_V7);
        assert.equal(e.data.appId, app.id);
      }
      const ready = got.at(-1)!;
      assert.equal(ready.data.ready, true);
      assert.deepEqual([ready.data.width, ready.data.height], [320, 240]);
      assert.equal(stream.lastEventId, ready.id);

      // Named: the stream opens with the video's current status (no cursor), then goes live.
      const named = client.videos.events({ ...FAST, videoIds: [videoId] });
      const first = await take(named[Symbol.asyncIterator](), (items) => items.length === 1);
      await named.subscribed;
      named.close();
      assert.equal(first[0]?.type, 'video.status');
      assert.equal(first[0]?.id, undefined);
      assert.equal(first[0]?.data.id, videoId);
      assert.equal(first[0]?.data.ready, true);
    } finally {
      stream.close();
    }
  });

  test('a connection cut mid-stream is resumed with Last-Event-ID: the same events as a stream never cut', async () => {
    const proxy = await cutProxy(ts.url);
    // The reference: a stream opened directly, never cut.
    const reference = await openSse(`${ts.url}/api/developer/v1/events`, { token: app.secretKey });
    const counting = countingFetch();
    const stream = createClient({ baseUrl: proxy.url, secretKey: app.secretKey, fetch: counting.fetch }).videos.events(FAST);
    const it = stream[Symbol.asyncIterator]();
    try {
      await reference.next((f) => f.event === 'stream.subscribed');
      await stream.subscribed;
      const { videoId } = await client.videos.upload(VIDEO, { partSize: PART, concurrency: 2 });
      const got: VideoStreamItem[] = [];
      let cuts = 0;
      while (!readyOf(videoId)(got)) {
        got.push(...(await take(it, (items) => items.length === 1)));
        if (cuts < 3) {
          proxy.cut();
          cuts++;
        }
      }
      const framesOf = (frames: SseFrame[]) => frames.filter((f) => f.id !== undefined && (JSON.parse(f.data ?? '{}') as { id?: string }).id === videoId);
      await until(() => framesOf(reference.frames).some((f) => f.event === 'video.ready'), 'the reference stream to see video.ready');
      const expected = framesOf(reference.frames);
      const upToReady = expected.slice(0, expected.findIndex((f) => f.event === 'video.ready') + 1);
      assert.deepEqual(got.filter(ofVideo(videoId)).map((e) => [e.id, e.type]), upToReady.map((f) => [f.id, f.event]));
      assert.ok(counting.count('/api/developer/v1/events') >= 2, `reconnected after the cuts (${counting.count('/api/developer/v1/events')} connections)`);
    } finally {
      stream.close();
      reference.close();
      await proxy.close();
    }
  });

  test('a regenerated key ends the stream with key_revoked; the old key then gets a typed 401 after one request', async () => {
    const doomed = await makeApp(ts);
    const counting = countingFetch();
    const stream = createClient({ baseUrl: ts.url, secretKey: doomed.secretKey, fetch: counting.fetch }).videos.events(FAST);
    await stream.subscribed;
    assert.equal((await ts.admin('POST', `/apps/${doomed.id}/regenerate-keys`)).status, 200);
    await assert.rejects(take(stream[Symbol.asyncIterator](), () => false), (e: unknown) => e instanceof CapstanError && e.code === 'key_revoked' && e.status === 401);
    assert.equal(counting.count('/api/developer/v1/events'), 1, 'no reconnect after the end');

    const again = createClient({ baseUrl: ts.url, secretKey: doomed.secretKey, fetch: counting.fetch }).videos.events(FAST);
    await assert.rejects(again.subscribed, (e: unknown) => e instanceof CapstanError && e.status === 401 && e.code === 'unauthorized');
    await assert.rejects(take(again[Symbol.asyncIterator](), () => false), (e: unknown) => e instanceof CapstanError && e.code === 'unauthorized');
    assert.equal(counting.count('/api/developer/v1/events'), 2);
  });
});
