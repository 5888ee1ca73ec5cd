// Watching one video with the app's public key: GET /api/developer/sdk/v1/videos/{id}/events (SSE,
// the key in ?key= or Authorization) and GET /api/developer/sdk/v1/videos/{id}/status, for the page
// that uploaded a recording. Followed with the `eventsource` package as a browser's EventSource is
// (no headers of its own: the key in the URL, Last-Event-ID on its reconnects), and every refusal.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { EventSource } from 'eventsource';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse, type SseFrame, type SseStream } from '../helpers/sse.js';
import { call, createVideo, makeApp, QUICK_VIDEO_SERVER, settled, uploadVideo, waitForVideo, type TestApp } from '../helpers/videos.js';

const BYTES = readFileSync(new URL('../fixtures/videos/with-audio.mp4', import.meta.url));
const PART = QUICK_VIDEO_SERVER.multipartMinPartBytes;
const ORIGIN = 'https://recorder.example';
const data = (f: { data?: string }): Record<string, unknown> => JSON.parse(f.data ?? '{}') as Record<string, unknown>;

interface Seen {
  readonly type: string;
  readonly id: string;
  readonly data: Record<string, unknown>;
}

/** An EventSource that records the named frames it gets, with a wait for one of them. */
function watch(url: string, headers: Record<string, string> = {}) {
  const seen: Seen[] = [];
  const waiters: { pred: (s: Seen) => boolean; resolve: (s: Seen) => void }[] = [];
  const es = new EventSource(url, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }),
  });
  const types = ['video.status', 'stream.subscribed', 'video.created', 'video.upload_started', 'video.uploaded', 'video.processing', 'video.ready', 'video.transcription', 'video.failed', 'video.deleted', 'stream.unauthorized', 'stream.draining', 'stream.stale_resume'];
  for (const type of types) {
    es.addEventListener(type, (e) => {
      const s = { type, id: e.lastEventId, data: JSON.parse(e.data) as Record<string, unknown> };
      seen.push(s);
      for (const w of waiters.splice(0)) {
        if (w.pred(s)) w.resolve(s);
        else waiters.push(w);
      }
    });
  }
  return {
    es,
    seen,
    next(pred: (s: Seen) => boolean, timeoutMs = 30_000): Promise<Seen> {
      const already = seen.find(pred);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching frame in ${timeoutMs} ms; saw ${seen.map((s) => s.type).join(', ')}`)), timeoutMs);
        waiters.push({ pred, resolve: (s) => { clearTimeout(timer); resolve(s); } });
      });
    },
  };
}

describe('watching one video with the public key', () => {
  let ts: TestServer;
  let dev: TestApp;
  let prod: TestApp;
  const closers: (() => void)[] = [];
  const sdkUrl = (path: string) => `${ts.url}/api/developer/sdk/v1${path}`;
  const streamOf = async (url: string, headers: Record<string, string> = {}): Promise<SseStream> => {
    const s = await openSse(url, { headers });
    closers.push(() => s.close());
    return s;
  };

  before(async () => {
    ts = await startServer({ ...QUICK_VIDEO_SERVER, realtimeMaxStreamsPerVideo: 2 });
    dev = await makeApp(ts);
    prod = await makeApp(ts, { environment: 'production', allowedOrigins: [ORIGIN] });
  });
  after(async () => {
    for (const close of closers) close();
    await ts.close();
  });

  test('an EventSource with ?key= sees its video from before the upload to ready, and nothing of other videos', async () => {
    const videoId = await createVideo(dev);
    const other = await createVideo(dev);
    const w = watch(sdkUrl(`/videos/${videoId}/events?key=${dev.publicKey}`));
    closers.push(() => w.es.close());
    const first = await w.next((s) => s.type === 'stream.subscribed');
    assert.deepEqual(first.data, { appId: dev.id, videoIds: [videoId] });
    assert.equal(w.seen[0]?.type, 'video.status', 'the stream opens with the video\'s status');
    assert.deepEqual(w.seen[0]?.data, { id: videoId, duration: null, width: null, height: null, transcriptionStatus: null, ready: false, appId: dev.id });

    await uploadVideo(dev, BYTES, PART, {}, 'video/mp4', videoId);
    await uploadVideo(dev, BYTES, PART, {}, 'video/mp4', other);
    const ready = await w.next((s) => s.type === 'video.ready');
    assert.equal(ready.data.ready, true);
    await w.next((s) => s.type === 'video.transcription' && s.data.transcriptionStatus === 'COMPLETE');
    assert.ok(w.seen.every((s) => s.type === 'stream.subscribed' || s.data.id === videoId), 'only the watched video');
    const names = w.seen.map((s) => s.type);
    assert.deepEqual(names.slice(0, 4), ['video.status', 'stream.subscribed', 'video.upload_started', 'video.uploaded']);
    for (const s of w.seen.slice(2)) assert.match(s.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7/, 'every event carries its UUIDv7 id');
    assert.equal((await waitForVideo(dev, videoId, settled)).ready, true);
    w.es.close();
  });

  test('Authorization: Bearer works as ?key= does, the header winning; a resume skips the snapshot', async () => {
    const videoId = await createVideo(dev);
    const stream = await streamOf(sdkUrl(`/videos/${videoId}/events?key=cpk_not_a_real_key`), { authorization: `Bearer ${dev.publicKey}` });
    assert.equal(stream.status, 200, stream.body);
    assert.equal(stream.headers['content-type'], 'text/event-stream; charset=utf-8');
    await stream.next((f) => f.event === 'stream.subscribed');
    await dev.sdk('/upload/multipart/initiate', { videoId });
    const started = await stream.next((f) => f.event === 'video.upload_started');
    stream.close();
    await dev.sdk('/upload/multipart/initiate', { videoId });
    const resumed = await streamOf(sdkUrl(`/videos/${videoId}/events?key=${dev.publicKey}&last_event_id=${started.id!}`));
    assert.equal(resumed.status, 200, resumed.body);
    const firstFrames: SseFrame[] = [];
    firstFrames.push(await resumed.next((f) => f.event !== undefined));
    firstFrames.push(await resumed.next((f) => f.event !== undefined && f !== firstFrames[0]));
    assert.deepEqual(firstFrames.map((f) => f.event), ['stream.subscribed', 'video.upload_started'], 'no snapshot on a resume: live, then the missed event');
    assert.notEqual(firstFrames[1]!.id, started.id);
  });

  test('a production app: the allowed Origin watches, any other is refused before the stream opens', async () => {
    const videoId = await createVideo(prod, {}, { origin: ORIGIN });
    const ok = await streamOf(sdkUrl(`/videos/${videoId}/events?key=${prod.publicKey}`), { origin: ORIGIN });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.headers['access-control-allow-origin'], ORIGIN);
    await ok.next((f) => f.event === 'stream.subscribed');
    for (const headers of [{ origin: 'https://evil.example' }, {}] as Record<string, string>[]) {
      const refused = await streamOf(sdkUrl(`/videos/${videoId}/events?key=${prod.publicKey}`), headers);
      assert.equal(refused.status, 403, JSON.stringify(headers));
      assert.equal((JSON.parse(refused.body) as { code: string }).code, 'origin_not_allowed');
    }
  });

  test('refusals: missing, wrong and secret keys, unknown, deleted and other apps\' videos, bad ids and cursors, HEAD', async () => {
    const videoId = await createVideo(dev);
    const otherApp = await makeApp(ts);
    const theirs = await createVideo(otherApp);
    const deleted = await createVideo(dev);
    assert.equal((await dev.rest('DELETE', `/videos/${deleted}`)).status, 200);
    const cases: [string, Record<string, string>, number, string][] = [
      [`/videos/${videoId}/events`, {}, 401, 'unauthorized'],
      [`/videos/${videoId}/events?key=`, {}, 401, 'unauthorized'],
      [`/videos/${videoId}/events?key=cpk_wrong`, {}, 401, 'unauthorized'],
      [`/videos/${videoId}/events?key=${dev.secretKey}`, {}, 401, 'unauthorized'],
      [`/videos/${videoId}/events`, { authorization: `Bearer ${dev.secretKey}` }, 401, 'unauthorized'],
      [`/videos/${videoId}/events?key=${dev.publicKey}&key=${dev.publicKey}`, {}, 400, 'invalid_request'],
      [`/videos/nosuchvideo00/events?key=${dev.publicKey}`, {}, 404, 'not_found'],
      [`/videos/${theirs}/events?key=${dev.publicKey}`, {}, 404, 'not_found'],
      [`/videos/${deleted}/events?key=${dev.publicKey}`, {}, 404, 'not_found'],
      [`/videos/bad%20id/events?key=${dev.publicKey}`, {}, 400, 'invalid_request'],
      [`/videos/${'a'.repeat(65)}/events?key=${dev.publicKey}`, {}, 400, 'invalid_request'],
      [`/videos/${videoId}/events?key=${dev.publicKey}&last_event_id=nope`, {}, 400, 'invalid_cursor'],
      [`/videos/${videoId}/events?key=${dev.publicKey}`, { 'last-event-id': 'x'.repeat(40) }, 400, 'invalid_cursor'],
      [`/videos/${videoId}/events?key=${'k'.repeat(300)}`, {}, 401, 'unauthorized'],
    ];
    for (const [path, headers, status, code] of cases) {
      const res = await fetch(sdkUrl(path), { headers });
      const text = await res.text();
      assert.equal(res.status, status, `${path} ${JSON.stringify(headers)}: ${text}`);
      const body = JSON.parse(text) as { code: string; error: string };
      assert.equal(body.code, code, `${path}: ${text}`);
      assert.ok(body.error.length > 0);
      assert.ok(!text.includes(dev.secretKey) && !text.includes(dev.publicKey), 'no key is echoed');
    }
    const head = await fetch(sdkUrl(`/videos/${videoId}/events?key=${dev.publicKey}`), { method: 'HEAD' });
    assert.equal(head.status, 405);
    const post = await fetch(sdkUrl(`/videos/${videoId}/events?key=${dev.publicKey}`), { method: 'POST' });
    assert.equal(post.status, 405);
  });

  test('at most realtimeMaxStreamsPerVideo streams watch one video; a closed one frees its slot', async () => {
    const videoId = await createVideo(dev);
    const url = sdkUrl(`/videos/${videoId}/events?key=${dev.publicKey}`);
    const a = await streamOf(url);
    const b = await streamOf(url);
    await Promise.all([a.next((f) => f.event === 'stream.subscribed'), b.next((f) => f.event === 'stream.subscribed')]);
    const third = await streamOf(url);
    assert.equal(third.status, 429, third.body);
    assert.equal((JSON.parse(third.body) as { code: string }).code, 'too_many_connections');
    assert.ok(third.headers['retry-after']);
    // Another video of the same key is not held back by this one.
    const another = await streamOf(sdkUrl(`/videos/${await createVideo(dev)}/events?key=${dev.publicKey}`));
    assert.equal(another.status, 200, another.body);
    a.close();
    let again: SseStream | undefined;
    for (let i = 0; i < 100 && again?.status !== 200; i++) {
      again?.close();
      await new Promise((r) => setTimeout(r, 50));
      again = await streamOf(url);
    }
    assert.equal(again?.status, 200, 'the slot came back');
  });

  test('regenerated keys end the stream with key_revoked; an Origin taken off the list with origin_not_allowed', async () => {
    const doomed = await makeApp(ts);
    const videoId = await createVideo(doomed);
    const s = await streamOf(sdkUrl(`/videos/${videoId}/events?key=${doomed.publicKey}`));
    await s.next((f) => f.event === 'stream.subscribed');
    await ts.admin('POST', `/apps/${doomed.id}/regenerate-keys`);
    assert.equal(data(await s.next((f) => f.event === 'stream.unauthorized')).reason, 'key_revoked');
    await s.ended;

    const shop = await makeApp(ts, { environment: 'production', allowedOrigins: [ORIGIN, 'https://old.example'] });
    const shopVideo = await createVideo(shop, {}, { origin: ORIGIN });
    const kept = await streamOf(sdkUrl(`/videos/${shopVideo}/events?key=${shop.publicKey}`), { origin: ORIGIN });
    const dropped = await streamOf(sdkUrl(`/videos/${shopVideo}/events?key=${shop.publicKey}`), { origin: 'https://old.example' });
    await Promise.all([kept.next((f) => f.event === 'stream.subscribed'), dropped.next((f) => f.event === 'stream.subscribed')]);
    const patched = await ts.admin('PATCH', `/apps/${shop.id}`, { allowed_origins: [ORIGIN] });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(data(await dropped.next((f) => f.event === 'stream.unauthorized')).reason, 'origin_not_allowed');
    await dropped.ended;
    // The stream from the Origin still allowed goes on: it gets the video's next event.
    await call(sdkUrl('/upload/multipart/initiate'), 'POST', shop.publicKey, { videoId: shopVideo }, { origin: ORIGIN });
    await kept.next((f) => f.event === 'video.upload_started');
  });

  test('GET /videos/{id}/status with the public key: the REST answer, and its refusals', async () => {
    const videoId = await createVideo(prod, {}, { origin: ORIGIN });
    const get = (path: string, key: string | undefined, headers: Record<string, string> = {}) => call(sdkUrl(path), 'GET', key, undefined, headers);
    const ok = await get(`/videos/${videoId}/status`, prod.publicKey, { origin: ORIGIN });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body, (await prod.rest('GET', `/videos/${videoId}/status`)).body);
    const refusals: [string, string | undefined, Record<string, string>, number, string][] = [
      [`/videos/${videoId}/status`, prod.publicKey, { origin: 'https://evil.example' }, 403, 'origin_not_allowed'],
      [`/videos/${videoId}/status`, prod.secretKey, { origin: ORIGIN }, 401, 'unauthorized'],
      [`/videos/${videoId}/status`, undefined, { origin: ORIGIN }, 401, 'unauthorized'],
      [`/videos/${videoId}/status?key=${prod.publicKey}`, undefined, { origin: ORIGIN }, 401, 'unauthorized'],
      ['/videos/nosuchvideo00/status', prod.publicKey, { origin: ORIGIN }, 404, 'not_found'],
      [`/videos/${await createVideo(dev)}/status`, prod.publicKey, { origin: ORIGIN }, 404, 'not_found'],
      ['/videos/%E9/status', prod.publicKey, { origin: ORIGIN }, 400, 'invalid_request'],
    ];
    for (const [path, key, headers, status, code] of refusals) {
      const res = await get(path, key, headers);
      assert.equal(res.status, status, `${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, code, path);
    }
  });
});
