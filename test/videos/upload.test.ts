// Multipart upload and processing of developer videos on the local-disk store (parts through
// Capstan's own signed upload gateway): measurement by the server, billing once, transcription
// statuses, and bad multipart input. What browsers record is in media.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { LocalDiskBlobStore } from '../../src/blobs/index.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { cameraMp4 } from '../fixtures/media.js';
import { createVideo, makeApp, putPart, settled, uploadParts, uploadVideo, waitForVideo, type TestApp } from '../helpers/videos.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/videos/${name}`, import.meta.url));
const WITH_AUDIO = fixture('with-audio.mp4');
const NO_AUDIO = fixture('no-audio.mp4');
const NOT_A_VIDEO = fixture('not-a-video.mp4');
const PART = 8 * 1024;
/** 2 s at 5,000 micro-credits a minute, rounded up. */
const TWO_SECONDS_COST = Math.ceil((2 * 5000) / 60);

async function balance(ts: TestServer, orgId: string): Promise<number> {
  return (await ts.admin('GET', `/orgs/${orgId}`)).body.credits_micro as number;
}

describe('video upload and processing (local disk)', () => {
  let ts: TestServer;
  let app: TestApp;

  before(async () => {
    ts = await startServer({ multipartMinPartBytes: PART });
    app = await makeApp(ts, { creditsMicro: 1_000_000 });
  });
  after(() => ts.close());

  test('the server measures the file; the client\'s claims lose; 5,000 a minute is debited once', async () => {
    const fresh = await makeApp(ts, { creditsMicro: 100_000 });
    const videoId = await uploadVideo(fresh, WITH_AUDIO, PART, { durationInSecs: 600, width: 1920, height: 1080, fps: 60 });
    const status = await waitForVideo(fresh, videoId, settled);
    assert.deepEqual(status, { id: videoId, duration: 2, width: 320, height: 240, transcriptionStatus: 'SKIPPED', ready: true });
    const video = (await fresh.rest('GET', `/videos/${videoId}`)).body.data as Record<string, unknown>;
    assert.equal(video.fps, 25);
    assert.equal(await balance(ts, fresh.orgId), 100_000 - TWO_SECONDS_COST);
    const usage = (await fresh.rest('GET', '/usage')).body.data as Record<string, unknown>;
    assert.deepEqual(usage, { balanceMicroCredits: 100_000 - TWO_SECONDS_COST, balanceDollars: '0.99', totalVideos: 1, totalDurationMinutes: 0.03 });
  });

  test('no audio track: NO_AUDIO', async () => {
    const videoId = await uploadVideo(app, NO_AUDIO, PART);
    const status = await waitForVideo(app, videoId, settled);
    assert.equal(status.transcriptionStatus, 'NO_AUDIO');
    assert.equal(status.ready, true);
  });

  test('a MOV file and a single-part upload are measured too', async () => {
    const mov = fixture('with-audio.mov');
    const videoId = await uploadVideo(app, mov, mov.length);
    const status = await waitForVideo(app, videoId, settled);
    assert.equal(status.ready, true);
    assert.equal(status.width, 320);
  });

  test('a file that is not a video: processing fails with not_a_video, nothing is debited', async () => {
    const fresh = await makeApp(ts, { creditsMicro: 50_000 });
    const videoId = await uploadVideo(fresh, NOT_A_VIDEO, PART, { durationInSecs: 30, width: 640 });
    const status = await waitForVideo(fresh, videoId, settled);
    assert.deepEqual(status, { id: videoId, duration: null, width: null, height: null, transcriptionStatus: null, ready: false, error: 'not_a_video' });
    assert.equal(await balance(ts, fresh.orgId), 50_000);
  });

  test('a measured duration the balance cannot cover fails with insufficient_credits before rendering, and debits nothing', async () => {
    const fresh = await makeApp(ts, { creditsMicro: 5_000 });
    // 61 s measured costs 5,084 micro-credits; the client claims 10 s, which would fit.
    const long = await cameraMp4({ seconds: 61, size: '64x48', rate: 5, audio: false });
    const videoId = await uploadVideo(fresh, long, long.length, { durationInSecs: 10 });
    assert.equal((await waitForVideo(fresh, videoId, settled)).error, 'insufficient_credits');
    assert.equal(await balance(ts, fresh.orgId), 5_000);
    assert.equal((await ts.server.ctx.storage.videos.getById(videoId))?.rendition_key, null, 'nothing was rendered');
  });

  test('a durationInSecs the balance cannot cover is 402 at complete (the seed debits it), and the upload stays usable', async () => {
    const fresh = await makeApp(ts, { creditsMicro: 5_000 });
    const videoId = await createVideo(fresh);
    const { uploadId, parts } = await uploadParts(fresh, videoId, WITH_AUDIO, PART);
    const refused = await fresh.sdk('/upload/multipart/complete', { videoId, uploadId, parts, durationInSecs: 90 });
    assert.equal(refused.status, 402, JSON.stringify(refused.body));
    assert.deepEqual(refused.body, { error: 'Insufficient credits: a video of 90 s costs 7500 micro-credits', code: 'payment_required', required_micro: 7500, balance_micro: 5_000 });
    assert.equal((await ts.server.ctx.storage.videos.getById(videoId))?.state, 'uploading', 'nothing changed');
    // Topped up, the same complete goes through; the measured 2 s are billed, not the claim.
    await ts.admin('POST', `/orgs/${fresh.orgId}/credits`, { amount_micro: 10_000, reason: 'top-up' });
    const completed = await fresh.sdk('/upload/multipart/complete', { videoId, uploadId, parts, durationInSecs: 90 });
    assert.equal(completed.status, 200, JSON.stringify(completed.body));
    assert.equal((await waitForVideo(fresh, videoId, settled)).ready, true);
    assert.equal(await balance(ts, fresh.orgId), 15_000 - TWO_SECONDS_COST);
  });

  test('a part uploaded twice: the second PUT replaces the first, and only its ETag completes', async () => {
    const fresh = await makeApp(ts, { creditsMicro: 100_000 });
    const videoId = await createVideo(fresh);
    const { uploadId, parts } = await uploadParts(fresh, videoId, WITH_AUDIO, PART);
    const first = parts[0]!;
    const replaced = await putPart(fresh, videoId, uploadId, 1, Buffer.alloc(PART, 0x20));
    const restored = await putPart(fresh, videoId, uploadId, 1, WITH_AUDIO.subarray(0, PART));
    assert.notEqual(replaced.etag, first.etag);
    assert.equal(restored.etag, first.etag, 'the ETag is the MD5 of the bytes');
    const stale = await fresh.sdk('/upload/multipart/complete', { videoId, uploadId, parts: parts.map((p, i) => (i === 0 ? replaced : p)) });
    assert.equal(stale.status, 400);
    assert.match(stale.body.error as string, /^InvalidPart/);
    const good = await fresh.sdk('/upload/multipart/complete', { videoId, uploadId, parts: parts.map((p, i) => (i === 0 ? restored : p)) });
    assert.equal(good.status, 200, JSON.stringify(good.body));
    assert.equal((await waitForVideo(fresh, videoId, settled)).duration, 2);
  });

  test('bad complete calls fail without billing, and the upload stays usable', async () => {
    const fresh = await makeApp(ts, { creditsMicro: 100_000 });
    const videoId = await createVideo(fresh);
    const { uploadId, parts } = await uploadParts(fresh, videoId, WITH_AUDIO, PART);
    assert.ok(parts.length >= 4);
    const complete = (body: Record<string, unknown>) => fresh.sdk('/upload/multipart/complete', { videoId, uploadId, ...body });

    const missing = await complete({ parts: [...parts, { partNumber: parts.length + 1, etag: '"0123456789abcdef0123456789abcdef"', size: 1 }] });
    assert.equal(missing.status, 400);
    assert.match(missing.body.error as string, /^InvalidPart/);

    const wrongEtag = await complete({ parts: parts.map((p, i) => (i === 1 ? { ...p, etag: '"ffffffffffffffffffffffffffffffff"' } : p)) });
    assert.equal(wrongEtag.status, 400);
    assert.match(wrongEtag.body.error as string, /^InvalidPart/);

    const descending = await complete({ parts: [...parts].reverse() });
    assert.equal(descending.status, 400);
    assert.match(descending.body.error as string, /^InvalidPartOrder/);

    // Part 2 uploaded again, smaller than the minimum, while it is not the last part.
    const small = await putPart(fresh, videoId, uploadId, 2, WITH_AUDIO.subarray(PART, PART + 100));
    const undersized = await complete({ parts: parts.map((p) => (p.partNumber === 2 ? small : p)) });
    assert.equal(undersized.status, 400);
    assert.match(undersized.body.error as string, /^EntityTooSmall/);
    assert.equal(await balance(ts, fresh.orgId), 100_000, 'failed completes debit nothing');

    // The part is uploaded again before complete: the last upload wins.
    const again = await putPart(fresh, videoId, uploadId, 2, WITH_AUDIO.subarray(PART, 2 * PART));
    const good = await complete({ parts: parts.map((p) => (p.partNumber === 2 ? again : p)) });
    assert.equal(good.status, 200, JSON.stringify(good.body));
    const status = await waitForVideo(fresh, videoId, settled);
    assert.equal(status.ready, true);
    assert.equal(status.duration, 2);

    const twice = await complete({ parts: parts.map((p) => (p.partNumber === 2 ? again : p)) });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.code, 'conflict');
    assert.equal((await fresh.sdk('/upload/multipart/initiate', { videoId })).status, 409);
    assert.equal(await balance(ts, fresh.orgId), 100_000 - TWO_SECONDS_COST, 'debited exactly once');
  });

  test('abort discards the upload: presign and complete afterwards find no upload', async () => {
    const videoId = await createVideo(app);
    const { uploadId, parts } = await uploadParts(app, videoId, WITH_AUDIO, PART);
    const aborted = await app.sdk('/upload/multipart/abort', { videoId, uploadId });
    assert.equal(aborted.status, 200);
    assert.deepEqual(aborted.body, { success: true });
    const completed = await app.sdk('/upload/multipart/complete', { videoId, uploadId, parts });
    assert.equal(completed.status, 404);
    assert.match(completed.body.error as string, /^NoSuchUpload/);
    assert.equal((await app.sdk('/upload/multipart/presign-part', { videoId, uploadId, partNumber: 1 })).status, 404);
    assert.equal((await app.sdk('/upload/multipart/abort', { videoId, uploadId })).status, 404);
    // The video itself can be uploaded again from the start.
    const retry = await uploadParts(app, videoId, WITH_AUDIO, PART);
    assert.equal((await app.sdk('/upload/multipart/complete', { videoId, uploadId: retry.uploadId, parts: retry.parts })).status, 200);
  });

  test('unknown videoId, and an uploadId of another video, are 404', async () => {
    const a = await createVideo(app);
    const b = await createVideo(app);
    const upA = await uploadParts(app, a, WITH_AUDIO.subarray(0, 100), PART);
    for (const [path, body] of [
      ['/upload/multipart/initiate', { videoId: 'zzzzzzzzzzzz' }],
      ['/upload/multipart/presign-part', { videoId: 'zzzzzzzzzzzz', uploadId: upA.uploadId, partNumber: 1 }],
      ['/upload/multipart/complete', { videoId: 'zzzzzzzzzzzz', uploadId: upA.uploadId, parts: upA.parts }],
      ['/upload/multipart/abort', { videoId: 'zzzzzzzzzzzz', uploadId: upA.uploadId }],
    ] as const) {
      const r = await app.sdk(path, body);
      assert.equal(r.status, 404, path);
      assert.equal(r.body.error, 'Video not found', path);
    }
    await app.sdk('/upload/multipart/initiate', { videoId: b });
    for (const [path, body] of [
      ['/upload/multipart/presign-part', { videoId: b, uploadId: upA.uploadId, partNumber: 1 }],
      ['/upload/multipart/complete', { videoId: b, uploadId: upA.uploadId, parts: upA.parts }],
      ['/upload/multipart/abort', { videoId: b, uploadId: upA.uploadId }],
    ] as const) {
      const r = await app.sdk(path, body);
      assert.equal(r.status, 404, path);
      assert.match(r.body.error as string, /^NoSuchUpload/, path);
    }
    // Video a's upload is untouched by all that.
    assert.equal((await app.sdk('/upload/multipart/complete', { videoId: a, uploadId: upA.uploadId, parts: upA.parts })).status, 200);
  });

  test('part numbers 0 and 10,001, and other malformed bodies, are 400', async () => {
    const videoId = await createVideo(app);
    const { uploadId } = (await app.sdk('/upload/multipart/initiate', { videoId })).body as { uploadId: string };
    for (const partNumber of [0, 10_001, -1, 1.5]) {
      const r = await app.sdk('/upload/multipart/presign-part', { videoId, uploadId, partNumber });
      assert.equal(r.status, 400, String(partNumber));
    }
    assert.equal((await app.sdk('/upload/multipart/presign-part', { videoId, uploadId, partNumber: 10_000 })).status, 200);
    assert.equal((await app.sdk('/upload/multipart/presign-part', { videoId, uploadId })).status, 400);
    assert.equal((await app.sdk('/upload/multipart/complete', { videoId, uploadId, parts: [] })).status, 400);
    assert.equal((await app.sdk('/upload/multipart/complete', { videoId, uploadId, parts: [{ partNumber: 10_001, etag: '"x"', size: 1 }] })).status, 400);
    assert.equal((await app.sdk('/upload/multipart/complete', { videoId, uploadId, parts: [{ partNumber: 1, etag: '"x"' }] })).status, 400);
    assert.equal((await app.sdk('/upload/multipart/initiate', { videoId, contentType: 'text/plain' })).status, 400);
    assert.equal((await app.sdk('/upload/multipart/initiate', {})).status, 400);
  });

  test('presigned URLs: the ETag is exposed to browsers; a tampered or expired URL is 403', async () => {
    const videoId = await createVideo(app);
    const { uploadId } = (await app.sdk('/upload/multipart/initiate', { videoId })).body as { uploadId: string };
    const presigned = (await app.sdk('/upload/multipart/presign-part', { videoId, uploadId, partNumber: 1 })).body.presignedUrl as string;
    const url = new URL(presigned);
    assert.equal(url.origin, ts.url);

    const cors = await fetch(presigned, { method: 'PUT', body: new Uint8Array(WITH_AUDIO.subarray(0, PART)), headers: { origin: 'https://app.example.com' } });
    assert.equal(cors.status, 200);
    assert.match(cors.headers.get('access-control-expose-headers') ?? '', /ETag/i);

    const tampered = new URL(presigned);
    tampered.searchParams.set('partNumber', '2');
    assert.equal((await fetch(tampered, { method: 'PUT', body: 'x' })).status, 403);
    const forged = new URL(presigned);
    forged.searchParams.set('expires', String(Number(forged.searchParams.get('expires')) + 3600));
    assert.equal((await fetch(forged, { method: 'PUT', body: 'x' })).status, 403);

    const store = ts.server.ctx.blobs;
    assert.ok(store instanceof LocalDiskBlobStore);
    const expired = store.signer.sign({ key: url.searchParams.get('key')!, uploadId, partNumber: 1 }, -60);
    const refused = await fetch(expired, { method: 'PUT', body: 'x' });
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { error: string }).error, /expired/);
  });

  test('an upload left unfinished expires: its parts are removed and complete finds no upload', async () => {
    const videoId = await createVideo(app);
    const { uploadId, parts } = await uploadParts(app, videoId, WITH_AUDIO, PART);
    const expired = await ts.server.ctx.blobs.expireAbandoned(0, { prefixes: ['developer/'] });
    assert.ok(expired.some((u) => u.uploadId === uploadId));
    const completed = await app.sdk('/upload/multipart/complete', { videoId, uploadId, parts });
    assert.equal(completed.status, 404);
    assert.match(completed.body.error as string, /^NoSuchUpload/);
  });
});

describe('video transcription hooks', () => {
  const withTranscriber = async (script: string) => {
    const ts = await startServer({ multipartMinPartBytes: PART, transcriber: 'command', transcriberCommand: process.execPath, transcriberArgs: JSON.stringify(['-e', script]) });
    return { ts, app: await makeApp(ts) };
  };

  test('a command that succeeds: COMPLETE; the hook sees the video file', async () => {
    const { ts, app } = await withTranscriber("const b=require('fs').readFileSync(process.argv[1]); if (b.length !== 35884) process.exit(2); process.stdout.write('hello')");
    try {
      const videoId = await uploadVideo(app, WITH_AUDIO, PART);
      const status = await waitForVideo(app, videoId, settled);
      assert.equal(status.transcriptionStatus, 'COMPLETE');
      assert.equal(status.ready, true);
    } finally {
      await ts.close();
    }
  });

  test('a command that fails: ERROR, the video stays ready; no audio is still NO_AUDIO', async () => {
    const { ts, app } = await withTranscriber('process.exit(3)');
    try {
      const failing = await uploadVideo(app, WITH_AUDIO, PART);
      const status = await waitForVideo(app, failing, settled);
      assert.equal(status.transcriptionStatus, 'ERROR');
      assert.equal(status.ready, true);
      const silent = await uploadVideo(app, NO_AUDIO, PART);
      assert.equal((await waitForVideo(app, silent, settled)).transcriptionStatus, 'NO_AUDIO');
    } finally {
      await ts.close();
    }
  });
});
