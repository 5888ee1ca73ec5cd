// An upload abandoned past CAPSTAN_MULTIPART_EXPIRY_SECONDS is removed by the cleanup, and its video
// stops naming it: presign, complete and abort answer NoSuchUpload (the client knows to initiate
// again) instead of a fresh URL whose PUT can never work, and a new initiate starts over.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';
import { createVideo, makeApp, putPart, type TestApp } from '../helpers/videos.js';

describe('an expired multipart upload', () => {
  let ts: TestServer;
  let app: TestApp;
  before(async () => {
    ts = await startServer({ multipartExpirySeconds: 1, cleanupIntervalMs: 1000, multipartMinPartBytes: 1024 });
    app = await makeApp(ts, { creditsMicro: 1_000_000 });
  });
  after(() => ts.close());

  test('is gone from its video: presign, complete and abort are NoSuchUpload, and a new initiate works', async () => {
    const videoId = await createVideo(app);
    const uploadId = (await app.sdk('/upload/multipart/initiate', { videoId, contentType: 'video/mp4' })).body.uploadId as string;
    const part = await putPart(app, videoId, uploadId, 1, new Uint8Array(2048));
    const deadline = Date.now() + 15_000;
    while ((await ts.server.ctx.storage.videos.getById(videoId))?.upload_id !== null) {
      assert.ok(Date.now() < deadline, 'the cleanup expired the upload');
      await new Promise((r) => setTimeout(r, 100));
    }
    const presigned = await app.sdk('/upload/multipart/presign-part', { videoId, uploadId, partNumber: 2 });
    assert.equal(presigned.status, 404, JSON.stringify(presigned.body));
    assert.match(String(presigned.body.error), /^NoSuchUpload/);
    const completed = await app.sdk('/upload/multipart/complete', { videoId, uploadId, parts: [{ partNumber: 1, etag: part.etag, size: 2048 }] });
    assert.equal(completed.status, 404, JSON.stringify(completed.body));
    const aborted = await app.sdk('/upload/multipart/abort', { videoId, uploadId });
    assert.equal(aborted.status, 404, JSON.stringify(aborted.body));
    const status = await app.rest('GET', `/videos/${videoId}/status`);
    assert.equal((status.body.data as { ready: boolean }).ready, false);

    const again = await app.sdk('/upload/multipart/initiate', { videoId, contentType: 'video/mp4' });
    assert.equal(again.status, 200);
    assert.notEqual(again.body.uploadId, uploadId);
    assert.equal((await app.sdk('/upload/multipart/presign-part', { videoId, uploadId: again.body.uploadId, partNumber: 1 })).status, 200);
  });
});
