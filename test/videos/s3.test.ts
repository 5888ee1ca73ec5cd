// The developer video upload on the S3 store: real presigned S3 part URLs made by the AWS SDK,
// against s3rver started here. What s3rver does not implement is skipped with the reason, as in
// test/blobs; the local-disk suite (upload.test.ts) covers those cases on Capstan's own gateway.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { s3ServerOptions, startS3, type TestS3 } from '../helpers/s3.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { createVideo, makeApp, settled, uploadParts, uploadVideo, waitForVideo, type TestApp } from '../helpers/videos.js';

const BYTES = readFileSync(new URL('../fixtures/videos/with-audio.mp4', import.meta.url));
const PART = 8 * 1024;
const S3RVER_GAPS = {
  abort: 's3rver answers AbortMultipartUpload with 405 MethodNotAllowed',
  completeChecks: 's3rver completes without checking ETags or part sizes, and a missing part crashes the s3rver process (unhandled ENOENT)',
  signature: 's3rver does not verify SigV4 signatures: a tampered or expired URL is accepted',
  listUploads: 's3rver answers ListMultipartUploads with 501 NotImplemented, so abandoned uploads cannot be listed for expiry',
};

describe('video upload on S3 (s3rver)', () => {
  let s3: TestS3;
  let ts: TestServer;
  let app: TestApp;

  before(async () => {
    s3 = await startS3();
    ts = await startServer({
      multipartMinPartBytes: PART,
      ...s3ServerOptions(s3),
    });
    app = await makeApp(ts, { creditsMicro: 100_000 });
  });
  after(async () => {
    await ts.close();
    await s3.close();
  });

  test('presigned URLs are S3 SigV4 URLs of the bucket, for the seed\'s s3Key', async () => {
    const videoId = await createVideo(app);
    const { uploadId } = (await app.sdk('/upload/multipart/initiate', { videoId })).body as { uploadId: string };
    const url = new URL((await app.sdk('/upload/multipart/presign-part', { videoId, uploadId, partNumber: 7 })).body.presignedUrl as string);
    assert.equal(url.origin, s3.endpoint);
    assert.equal(url.pathname, `/${s3.bucket}/developer/${app.id}/${videoId}/result.mp4`);
    assert.equal(url.searchParams.get('partNumber'), '7');
    assert.equal(url.searchParams.get('uploadId'), uploadId);
    assert.equal(url.searchParams.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
    assert.equal(url.searchParams.get('X-Amz-Expires'), String(ts.config.multipartUrlTtlSeconds));
  });

  test('upload, complete, measure from the bucket, bill once, store the rendition and poster there, serve ranges of it', async () => {
    const videoId = await uploadVideo(app, BYTES, PART, { durationInSecs: 999 });
    const status = await waitForVideo(app, videoId, settled);
    assert.deepEqual(status, { id: videoId, duration: 2, width: 320, height: 240, transcriptionStatus: 'SKIPPED', ready: true });
    assert.equal((await ts.admin('GET', `/orgs/${app.orgId}`)).body.credits_micro, 100_000 - Math.ceil((2 * 5000) / 60));
    // The rendition, stored in the bucket next to the upload, is what the pages play.
    const rendition = await ts.server.ctx.blobs.stat(`developer/${app.id}/${videoId}/play.mp4`);
    assert.ok(rendition, 'the rendition is in the bucket');
    assert.ok(await ts.server.ctx.blobs.exists(`developer/${app.id}/${videoId}/poster.jpg`), 'the poster is in the bucket');
    const ranged = await fetch(`${ts.url}/dev/${videoId}/video`, { headers: { range: 'bytes=10-19' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-type'), 'video/mp4');
    assert.equal(ranged.headers.get('content-range'), `bytes 10-19/${rendition.size}`);
  });

  test('checks made before S3 is asked: order, unknown video, another video\'s upload, part numbers, complete twice', async () => {
    const videoId = await createVideo(app);
    const { uploadId, parts } = await uploadParts(app, videoId, BYTES, PART);
    const descending = await app.sdk('/upload/multipart/complete', { videoId, uploadId, parts: [...parts].reverse() });
    assert.equal(descending.status, 400);
    assert.match(descending.body.error as string, /^InvalidPartOrder/);
    assert.equal((await app.sdk('/upload/multipart/presign-part', { videoId, uploadId, partNumber: 0 })).status, 400);
    assert.equal((await app.sdk('/upload/multipart/presign-part', { videoId, uploadId, partNumber: 10_001 })).status, 400);
    assert.equal((await app.sdk('/upload/multipart/complete', { videoId: 'zzzzzzzzzzzz', uploadId, parts })).status, 404);
    const other = await createVideo(app);
    assert.equal((await app.sdk('/upload/multipart/complete', { videoId: other, uploadId, parts })).status, 404);
    assert.equal((await app.sdk('/upload/multipart/complete', { videoId, uploadId, parts })).status, 200);
    assert.equal((await app.sdk('/upload/multipart/complete', { videoId, uploadId, parts })).status, 409);
  });

  test('abort then complete', { skip: S3RVER_GAPS.abort }, () => {});
  test('complete with a missing part, a wrong ETag or an undersized middle part', { skip: S3RVER_GAPS.completeChecks }, () => {});
  test('a tampered or expired presigned URL', { skip: S3RVER_GAPS.signature }, () => {});
  test('an abandoned upload expires', { skip: S3RVER_GAPS.listUploads }, () => {});
});
