// The contentType of initiate as recorders send it (MediaRecorder's blob.type, with parameters and
// any case), and what is refused before anything changes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { orgTopic } from '../../src/events/index.js';
import { parseContentType } from '../../src/videos/index.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { createVideo, makeApp, type TestApp } from '../helpers/videos.js';

describe('parseContentType', () => {
  test('the base type lower-cased, the parameters kept as sent', () => {
    assert.deepEqual(parseContentType('video/webm;codecs=vp9,opus'), { base: 'video/webm', params: 'codecs=vp9,opus' });
    assert.deepEqual(parseContentType('VIDEO/MP4'), { base: 'video/mp4', params: null });
    assert.deepEqual(parseContentType('video/mp4; codecs="avc1.42E01E, mp4a.40.2"'), { base: 'video/mp4', params: 'codecs="avc1.42E01E, mp4a.40.2"' });
    assert.deepEqual(parseContentType(' Video/X-Matroska ; Codecs=avc1 ; '), { base: 'video/x-matroska', params: 'codecs=avc1' });
    assert.deepEqual(parseContentType('audio/webm;codecs=opus'), { base: 'audio/webm', params: 'codecs=opus' });
  });

  test('not a video or audio type, or not a media type at all: invalid_request', () => {
    for (const bad of ['text/plain', 'application/json', 'image/png', 'video', 'video/', '/webm', 'video/webm;codecs', 'video/webm; =x', 'video/webm;codecs="unterminated', 'video/we bm', 'vidéo/webm', '']) {
      assert.throws(() => parseContentType(bad), (e: { code?: string }) => e.code === 'invalid_request', JSON.stringify(bad));
    }
  });
});

describe('initiate with a contentType', () => {
  let ts: TestServer;
  let app: TestApp;

  before(async () => {
    ts = await startServer();
    app = await makeApp(ts);
  });
  after(() => ts.close());

  const row = (id: string) => ts.server.ctx.storage.videos.getById(id);

  for (const [sent, base, params] of [
    ['video/webm;codecs=vp9,opus', 'video/webm', 'codecs=vp9,opus'],
    ['video/mp4;codecs=vp9,opus', 'video/mp4', 'codecs=vp9,opus'],
    ['VIDEO/MP4', 'video/mp4', null],
    ['video/mp4; codecs="avc1.42E01E, mp4a.40.2"', 'video/mp4', 'codecs="avc1.42E01E, mp4a.40.2"'],
  ] as const) {
    test(`${sent}: accepted, stored as ${base}`, async () => {
      const videoId = await createVideo(app);
      const res = await app.sdk('/upload/multipart/initiate', { videoId, contentType: sent });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const video = await row(videoId);
      assert.equal(video?.state, 'uploading');
      assert.equal(video?.content_type, base);
      assert.equal(video?.content_type_params, params);
    });
  }

  test('no contentType: video/mp4, as the seed says', async () => {
    const videoId = await createVideo(app);
    assert.equal((await app.sdk('/upload/multipart/initiate', { videoId })).status, 200);
    assert.equal((await row(videoId))?.content_type, 'video/mp4');
  });

  for (const [what, contentType] of [
    ['text/plain', 'text/plain'],
    ['a 2 KB string', `video/${'x'.repeat(2048)}`],
    ['garbage', '\u0000<script>alert(1)</script>'],
    ['a number', 42],
  ] as const) {
    test(`${what}: 400 invalid_request, and nothing changes (no upload, no event)`, async () => {
      const videoId = await createVideo(app);
      const before = await row(videoId);
      const res = await app.sdk('/upload/multipart/initiate', { videoId, contentType });
      assert.equal(res.status, 400);
      assert.equal(res.body.code, 'invalid_request');
      assert.equal(typeof res.body.error, 'string');
      assert.deepEqual(await row(videoId), before, 'the video is untouched');
      const uploads = await ts.server.ctx.blobs.expireAbandoned(0, { prefixes: [`developer/${app.id}/${videoId}/`] });
      assert.deepEqual(uploads, [], 'no multipart upload was started');
      const events = await ts.server.ctx.storage.events.readAfter(orgTopic(app.orgId), undefined, 1000);
      assert.ok(!events.some((e) => e.type === 'video.upload_started' && JSON.parse(e.scope).video_id === videoId));
      // The video can still be uploaded with a proper type.
      assert.equal((await app.sdk('/upload/multipart/initiate', { videoId, contentType: 'video/webm' })).status, 200);
    });
  }
});
