// A bucket that fails or cannot be reached for a while (s3rver behind a switch that answers 503 in
// its place): requests answer 503 unavailable naming the file store, processing waits for it without
// using up its attempts and finishes once it is back, and a failure that is the store's answer (not
// an outage) ends with a stable reason, never the SDK's words: object_missing at once for an upload
// the bucket says is gone.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { s3ServerOptions, startS3, type S3Request, type TestS3 } from '../helpers/s3.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { createVideo, makeApp, settled, uploadParts, waitForVideo, type TestApp } from '../helpers/videos.js';

const BYTES = readFileSync(new URL('../fixtures/videos/with-audio.mp4', import.meta.url));
const PART = 8 * 1024;
const MAX_ATTEMPTS = 3;

const xmlError = (code: string, message: string) => `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;

describe('video processing while the bucket is away (s3rver)', () => {
  let s3: TestS3;
  let ts: TestServer;
  let app: TestApp;
  /** Requests the switch answers in s3rver's place, and how. */
  let failing: ((r: S3Request) => { status: number; code: string } | undefined) | undefined;
  let refused = 0;

  before(async () => {
    s3 = await startS3({
      intercept: (request) => {
        const answer = failing?.(request);
        if (!answer) return undefined;
        refused++;
        return { status: answer.status, xml: xmlError(answer.code, 'refused by the test') };
      },
    });
    ts = await startServer({
      multipartMinPartBytes: PART,
      workflowBackoffMs: 10,
      workflowMaxAttempts: MAX_ATTEMPTS,
      ...s3ServerOptions(s3),
    });
    app = await makeApp(ts, { creditsMicro: 1_000_000 });
  });
  after(async () => {
    failing = undefined;
    await ts.close();
    await s3.close();
  });

  /** Downloads of the uploaded object (what the first stage does), not its upload nor its complete. */
  const readsUpload = (r: S3Request) => r.method === 'GET' && r.url.includes('/result.mp4') && !r.url.includes('uploadId');

  const waitFor = async (what: string, done: () => boolean | Promise<boolean>) => {
    for (let i = 0; i < 1200; i++) {
      if (await done()) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.fail(`timed out waiting for ${what}`);
  };

  const completed = async (): Promise<string> => {
    const videoId = await createVideo(app);
    const { uploadId, parts } = await uploadParts(app, videoId, BYTES, PART);
    const complete = await app.sdk('/upload/multipart/complete', { videoId, uploadId, parts });
    assert.equal(complete.status, 200, JSON.stringify(complete.body));
    return videoId;
  };
  /** Completes an upload while the store answers its reads with `fail`, and waits for the video to settle. */
  const settledWhile = async (fail: NonNullable<typeof failing>): Promise<{ videoId: string; status: Record<string, unknown> }> => {
    failing = fail;
    try {
      const videoId = await completed();
      return { videoId, status: await waitForVideo(app, videoId, settled) };
    } finally {
      failing = undefined;
    }
  };

  test('a processing stage waits out an outage longer than its attempts, then the video becomes ready, billed once', async () => {
    refused = 0;
    failing = (r) => (readsUpload(r) ? { status: 503, code: 'ServiceUnavailable' } : undefined);
    let videoId: string;
    try {
      videoId = await completed();
      // Far more refused reads than the stage's attempts would have allowed (the SDK retries each call too).
      await waitFor('the outage to outlast the attempts', () => refused >= 3 * (MAX_ATTEMPTS + 3));
      const during = (await app.rest('GET', `/videos/${videoId}/status`)).body;
      assert.equal(during.error, undefined, `the video has not failed: ${JSON.stringify(during)}`);
      assert.notEqual(during.ready, true, JSON.stringify(during));
    } finally {
      failing = undefined;
    }
    const status = await waitForVideo(app, videoId, settled);
    assert.equal(status.ready, true, JSON.stringify(status));
    assert.equal(status.error, undefined);
    const billed = (await ts.server.ctx.storage.ledger.entries(app.orgId, 100, 0)).filter((e) => e.reason === 'video' && e.ref === videoId);
    assert.equal(billed.length, 1);
  });

  test('a store that refuses (not an outage) fails the video attempts_exhausted; what it said stays on the stage for operators', async () => {
    const { videoId, status } = await settledWhile((r) => (readsUpload(r) ? { status: 403, code: 'AccessDenied' } : undefined));
    assert.equal(status.error, 'attempts_exhausted', JSON.stringify(status));
    assert.doesNotMatch(JSON.stringify(status), /127\.0\.0\.1|refused by the test/);
    const work = await ts.admin('GET', `/work?status=failed&kind=video&org_id=${app.orgId}`);
    const item = (work.body.data as { resource_id: string; error: string; stages: { name: string; error: string | null }[] }[]).find((i) => i.resource_id === videoId);
    assert.ok(item, JSON.stringify(work.body));
    assert.equal(item.error, 'attempts_exhausted');
    assert.match(item.stages.find((s) => s.error !== null)?.error ?? '', /refused by the test/, 'the operator sees what the store said');
  });

  test('an upload the bucket says is gone fails object_missing at its first read, not retried', async () => {
    refused = 0;
    const { videoId, status } = await settledWhile((r) => (readsUpload(r) ? { status: 404, code: 'NoSuchKey' } : undefined));
    assert.equal(status.error, 'object_missing', JSON.stringify(status));
    assert.equal(refused, 1, 'one read found it gone; no attempt followed');
    const work = await ts.admin('GET', `/work?status=failed&kind=video&org_id=${app.orgId}`);
    const item = (work.body.data as { resource_id: string; error: string; attempts: number }[]).find((i) => i.resource_id === videoId);
    assert.deepEqual([item?.error, item?.attempts], ['object_missing', 1], JSON.stringify(item));
  });

  test('a request that needs the store answers 503 unavailable naming it, with Retry-After, and works once it is back', async () => {
    const videoId = await createVideo(app);
    const { uploadId, parts } = await uploadParts(app, videoId, BYTES, PART);
    failing = () => ({ status: 503, code: 'ServiceUnavailable' });
    let during;
    try {
      during = await app.sdk('/upload/multipart/complete', { videoId, uploadId, parts });
    } finally {
      failing = undefined;
    }
    assert.equal(during.status, 503, JSON.stringify(during.body));
    assert.equal(during.body.code, 'unavailable');
    assert.match(String(during.body.error), /file store/);
    assert.doesNotMatch(String(during.body.error), /database/);
    assert.equal(during.headers.get('retry-after'), '2');
    const again = await app.sdk('/upload/multipart/complete', { videoId, uploadId, parts });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal((await waitForVideo(app, videoId, settled)).ready, true);
  });

  test('an abort the store cannot carry out still holds: the answer says so and the video can start again', async () => {
    const videoId = await createVideo(app);
    const { uploadId } = await uploadParts(app, videoId, BYTES, PART);
    failing = (r) => (r.method === 'DELETE' ? { status: 503, code: 'ServiceUnavailable' } : undefined);
    let aborted;
    try {
      aborted = await app.sdk('/upload/multipart/abort', { videoId, uploadId });
    } finally {
      failing = undefined;
    }
    assert.equal(aborted.status, 200, JSON.stringify(aborted.body));
    assert.equal((await ts.server.ctx.storage.videos.getById(videoId))?.upload_id, null);
    assert.equal((await app.sdk('/upload/multipart/abort', { videoId, uploadId })).status, 404, 'the upload is gone for the client');
    assert.equal((await app.sdk('/upload/multipart/initiate', { videoId, contentType: 'video/mp4' })).status, 200);
  });
});
