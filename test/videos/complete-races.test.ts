// Complete racing abort and delete, and completes that die half-way: a video never stays
// `completing`, is billed at most once, and never when it was deleted. The reconciler finishes a
// complete whose object was assembled, and rolls back one whose object was not.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';
import { createVideo, makeApp, settled, uploadParts, waitForVideo, type TestApp } from '../helpers/videos.js';

const BYTES = readFileSync(new URL('../fixtures/videos/with-audio.mp4', import.meta.url));
const PART = 8 * 1024;
const CREDITS = 1_000_000;

/** Holds every complete of the server's store until released, as a slow bucket would; restore() undoes it. */
function holdCompletes(ts: TestServer): { assembling: Promise<void>; release: () => void; restore: () => void } {
  const blobs = ts.server.ctx.blobs;
  const assemble = blobs.completeMultipart.bind(blobs);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const assembling = new Promise<void>((resolve) => (started = resolve));
  blobs.completeMultipart = async (...args) => {
    started();
    await held;
    return assemble(...args);
  };
  return {
    assembling,
    release,
    restore: () => {
      blobs.completeMultipart = assemble;
      release();
    },
  };
}

describe('video completes under races and crashes', () => {
  let ts: TestServer;

  before(async () => {
    ts = await startServer({ multipartMinPartBytes: PART });
  });
  after(() => ts.close());

  const balance = async (app: TestApp) => (await ts.admin('GET', `/orgs/${app.orgId}`)).body.credits_micro as number;
  const row = async (id: string) => ts.server.ctx.storage.videos.getById(id);

  test('complete, abort and delete at once: no video stays completing, a deleted one is never billed, none twice', async () => {
    const app = await makeApp(ts, { creditsMicro: CREDITS });
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const videoId = await createVideo(app);
      const { uploadId, parts } = await uploadParts(app, videoId, BYTES, PART);
      const [complete, abort, remove] = await Promise.all([
        app.sdk('/upload/multipart/complete', { videoId, uploadId, parts }),
        app.sdk('/upload/multipart/abort', { videoId, uploadId }),
        i % 2 === 0 ? app.rest('DELETE', `/videos/${videoId}`) : Promise.resolve({ status: 0 }),
      ]);
      for (const r of [complete, abort]) assert.ok(r.status < 500, `never a server error (${r.status})`);
      // Let any processing settle.
      for (let t = 0; t < 200; t++) {
        const v = await row(videoId);
        if (v && v.state !== 'completing' && v.state !== 'processing') break;
        await new Promise((r) => setTimeout(r, 25));
      }
      const v = await row(videoId);
      assert.notEqual(v?.state, 'completing', 'never left completing');
      if (v?.deleted_at !== null) assert.equal(v?.cost_micro, null, 'a deleted video is never billed');
      outcomes.push(`${complete.status}/${abort.status}/${remove.status}:${v?.state}${v?.deleted_at ? ':deleted' : ''}`);
    }
    const billed = await ts.server.ctx.storage.ledger.entries(app.orgId, 100, 0);
    const videos = billed.filter((e) => e.reason === 'video');
    assert.equal(new Set(videos.map((e) => e.ref)).size, videos.length, `each video billed at most once (${outcomes.join(' ')})`);
  });

  test('initiates racing on one video: each replaces the upload it took over, and one upload is left', async () => {
    const app = await makeApp(ts, { creditsMicro: CREDITS });
    const videoId = await createVideo(app);
    const answers = await Promise.all(Array.from({ length: 20 }, () => app.sdk('/upload/multipart/initiate', { videoId, contentType: 'video/mp4' })));
    assert.deepEqual(answers.map((a) => a.status), answers.map(() => 200), JSON.stringify(answers.find((a) => a.status !== 200)?.body));
    const ids = answers.map((a) => a.body.uploadId as string);
    const video = await ts.server.ctx.storage.videos.getById(videoId);
    assert.ok(video?.upload_id && ids.includes(video.upload_id));
    const key = video.s3_key;
    let alive = 0;
    for (const id of ids) {
      try {
        await ts.server.ctx.blobs.listParts(key, id);
        alive++;
      } catch {
        // Aborted, as a replaced upload must be.
      }
    }
    assert.equal(alive, 1, 'only the current upload is left in the store');
    const presigned = await app.sdk('/upload/multipart/presign-part', { videoId, uploadId: video.upload_id, partNumber: 1 });
    assert.equal(presigned.status, 200);
  });

  test('a complete while another is in flight is told to ask again, not that the upload is done', async () => {
    const app = await makeApp(ts, { creditsMicro: CREDITS });
    const videoId = await createVideo(app);
    const { uploadId, parts } = await uploadParts(app, videoId, BYTES, PART);
    // The other complete has claimed the upload and is still assembling it.
    await ts.server.ctx.storage.videos.update(videoId, { state: 'completing', updated_at: new Date().toISOString() });
    const during = await app.sdk('/upload/multipart/complete', { videoId, uploadId, parts });
    assert.equal(during.status, 409);
    assert.equal(during.body.code, 'conflict');
    assert.match(String(during.body.error), /being completed/);
    assert.equal(during.headers.get('retry-after'), '1');
    // That complete failed (a wrong ETag, say) and let the upload go: asked again, this one completes.
    await ts.server.ctx.storage.videos.update(videoId, { state: 'uploading', updated_at: new Date().toISOString() });
    const again = await app.sdk('/upload/multipart/complete', { videoId, uploadId, parts });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    const done = await app.sdk('/upload/multipart/complete', { videoId, uploadId, parts });
    assert.equal(done.status, 409);
    assert.match(String(done.body.error), /already complete/);
    assert.equal(done.headers.get('retry-after'), null, 'done is final: nothing to ask again');
    await waitForVideo(app, videoId, settled);
  });

  test('the reconciler finishes a complete that died after assembling its object, and bills it once', async () => {
    const app = await makeApp(ts, { creditsMicro: CREDITS });
    const videoId = await createVideo(app);
    const { uploadId, parts } = await uploadParts(app, videoId, BYTES, PART);
    const video = (await row(videoId))!;
    // The complete got as far as assembling the object, then its node died.
    await ts.server.ctx.storage.videos.update(videoId, { state: 'completing', updated_at: new Date(Date.now() - 60_000).toISOString() });
    await ts.server.ctx.blobs.completeMultipart(video.s3_key, uploadId, parts);
    assert.equal(await ts.server.ctx.videos.reconcile(30_000), 1);
    const status = await waitForVideo(app, videoId, settled);
    assert.equal(status.ready, true);
    assert.equal(CREDITS - (await balance(app)), (await row(videoId))?.cost_micro);
    assert.equal(await ts.server.ctx.videos.reconcile(30_000), 0, 'nothing is left to reconcile');
  });

  test('the reconciler rolls back a complete that died before assembling: the client completes again', async () => {
    const app = await makeApp(ts, { creditsMicro: CREDITS });
    const videoId = await createVideo(app);
    const { uploadId, parts } = await uploadParts(app, videoId, BYTES, PART);
    await ts.server.ctx.storage.videos.update(videoId, { state: 'completing', updated_at: new Date(Date.now() - 60_000).toISOString() });
    const stuck = await app.sdk('/upload/multipart/complete', { videoId, uploadId, parts });
    assert.equal(stuck.status, 409, 'while completing, another complete is refused');
    assert.equal(await ts.server.ctx.videos.reconcile(30_000), 1);
    assert.equal((await row(videoId))?.state, 'uploading');
    const again = await app.sdk('/upload/multipart/complete', { videoId, uploadId, parts });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal((await waitForVideo(app, videoId, settled)).ready, true);
  });

  test('a complete slower than the reconciler\'s patience still processes what it assembled, and says so', async () => {
    const app = await makeApp(ts, { creditsMicro: CREDITS });
    const videoId = await createVideo(app);
    const { uploadId, parts } = await uploadParts(app, videoId, BYTES, PART);
    // The store takes its time (a slow bucket): the object is not there until it answers.
    const { assembling, release, restore } = holdCompletes(ts);
    try {
      const complete = app.sdk('/upload/multipart/complete', { videoId, uploadId, parts });
      await assembling;
      // Meanwhile the reconciler takes the complete for dead: no object yet, so back to uploading.
      await ts.server.ctx.storage.videos.update(videoId, { updated_at: new Date(Date.now() - 60_000).toISOString() });
      assert.equal(await ts.server.ctx.videos.reconcile(30_000), 1);
      assert.equal((await row(videoId))?.state, 'uploading');
      release();
      const answer = await complete;
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.notEqual((await row(videoId))?.state, 'uploading', 'the success the client heard is a video being processed');
    } finally {
      restore();
    }
    assert.equal((await waitForVideo(app, videoId, settled)).ready, true);
    assert.equal(CREDITS - (await balance(app)), (await row(videoId))?.cost_micro, 'billed once');
  });

  test('a video deleted while its complete was stuck is settled as failed and never billed', async () => {
    const app = await makeApp(ts, { creditsMicro: CREDITS });
    const videoId = await createVideo(app);
    const { uploadId, parts } = await uploadParts(app, videoId, BYTES, PART);
    const video = (await row(videoId))!;
    await ts.server.ctx.storage.videos.update(videoId, { state: 'completing', updated_at: new Date(Date.now() - 60_000).toISOString() });
    await ts.server.ctx.blobs.completeMultipart(video.s3_key, uploadId, parts);
    assert.equal((await app.rest('DELETE', `/videos/${videoId}`)).status, 200);
    await ts.server.ctx.storage.videos.update(videoId, { updated_at: new Date(Date.now() - 60_000).toISOString() });
    assert.equal(await ts.server.ctx.videos.reconcile(30_000), 1);
    const settledRow = await row(videoId);
    assert.equal(settledRow?.state, 'failed');
    assert.equal(settledRow?.failure_reason, 'deleted');
    assert.equal(settledRow?.cost_micro, null);
    assert.equal(await balance(app), CREDITS);
  });
});

describe('a complete in progress renews its claim', () => {
  let ts: TestServer;

  before(async () => {
    // Claims are renewed every ⅔ s and taken for dead after 2 s unrenewed.
    ts = await startServer({ multipartMinPartBytes: PART, videoCompleteTimeoutSeconds: 2 });
  });
  after(() => ts.close());

  test('a complete the store takes longer than the timeout over is not reconciled away, and a dead one is', { timeout: 60_000 }, async () => {
    const app = await makeApp(ts, { creditsMicro: CREDITS });
    const videoId = await createVideo(app);
    const { uploadId, parts } = await uploadParts(app, videoId, BYTES, PART);
    const { release, restore } = holdCompletes(ts);
    try {
      const complete = app.sdk('/upload/multipart/complete', { videoId, uploadId, parts });
      // Well past the timeout, the complete is still alive and renewing: nothing to reconcile.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      assert.equal(await ts.server.ctx.videos.reconcile(2_000), 0);
      assert.equal((await ts.server.ctx.storage.videos.getById(videoId))?.state, 'completing');
      release();
      assert.equal((await complete).status, 200);
    } finally {
      restore();
    }
    assert.equal((await waitForVideo(app, videoId, settled)).ready, true);
    // A claim nobody renews (its node was killed) is taken for dead once the timeout has passed.
    const other = await createVideo(app);
    const upload = await uploadParts(app, other, BYTES, PART);
    await ts.server.ctx.storage.videos.update(other, { state: 'completing', updated_at: new Date(Date.now() - 2_500).toISOString() });
    assert.equal(await ts.server.ctx.videos.reconcile(2_000), 1);
    assert.equal((await ts.server.ctx.storage.videos.getById(other))?.state, 'uploading');
    assert.equal((await app.sdk('/upload/multipart/complete', { videoId: other, uploadId: upload.uploadId, parts: upload.parts })).status, 200);
  });
});
