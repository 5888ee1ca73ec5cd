// Videos as browsers record them, through the seed's SDK calls on a real server with the bundled
// ffmpeg: measured by the server (and billed from that, whatever durationInSecs says), made playable
// everywhere (an H.264/AAC MP4 with its index in front, served with Range), given a poster, and
// failed with a stable reason — never billed — when the file is not a playable video.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { audioOnlyWebm, cameraMp4, isJpeg, recorderMp4, recorderWebm, topLevelBoxes } from '../fixtures/media.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { makeApp, settled, stageErrors, uploadVideo, waitForVideo, type TestApp } from '../helpers/videos.js';

const PART = 64 * 1024;
const CREDITS = 1_000_000;
const cost = (seconds: number) => Math.ceil((seconds * 5000) / 60);
const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/videos/${name}`, import.meta.url));

describe('videos as browsers record them', () => {
  let ts: TestServer;

  before(async () => {
    ts = await startServer({ multipartMinPartBytes: PART });
  });
  after(() => ts.close());

  const balance = async (app: TestApp) => (await ts.admin('GET', `/orgs/${app.orgId}`)).body.credits_micro as number;
  const row = async (id: string) => (await ts.server.ctx.storage.videos.getById(id))!;

  /** Uploads in parts as the SDK does and waits until processing has settled. */
  async function upload(bytes: Uint8Array, contentType: string, complete: Record<string, unknown> = {}) {
    const app = await makeApp(ts, { creditsMicro: CREDITS });
    const videoId = await uploadVideo(app, bytes, PART, complete, contentType);
    const status = await waitForVideo(app, videoId, settled);
    return { app, videoId, status };
  }

  /** The page's media URL answers HEAD and Range with the rendition: an MP4 whose moov comes before its mdat. */
  async function assertPlayable(videoId: string): Promise<Buffer> {
    const url = `${ts.url}/dev/${videoId}/video`;
    const head = await fetch(url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-type'), 'video/mp4');
    assert.equal(head.headers.get('accept-ranges'), 'bytes');
    const size = Number(head.headers.get('content-length'));
    const first = await fetch(url, { headers: { range: 'bytes=0-1023' } });
    assert.equal(first.status, 206);
    assert.equal(first.headers.get('content-range'), `bytes 0-1023/${size}`);
    const whole = Buffer.from(await (await fetch(url)).arrayBuffer());
    assert.equal(whole.length, size);
    assert.deepEqual(Buffer.from(await first.arrayBuffer()), whole.subarray(0, 1024));
    const boxes = topLevelBoxes(whole);
    assert.ok(boxes.indexOf('moov') >= 0 && boxes.indexOf('moov') < boxes.indexOf('mdat'), `faststart: ${boxes.join(' ')}`);
    const poster = await fetch(`${ts.url}/dev/${videoId}/poster.jpg`);
    assert.equal(poster.status, 200);
    assert.equal(poster.headers.get('content-type'), 'image/jpeg');
    assert.ok(isJpeg(Buffer.from(await poster.arrayBuffer())));
    return whole;
  }

  test('MediaRecorder WebM sent as video/webm;codecs=vp9,opus with the SDK\'s durationInSecs 1: measured 3 s, billed 3 s, playable', async () => {
    const { app, videoId, status } = await upload(await recorderWebm({ seconds: 3 }), 'video/webm;codecs=vp9,opus', { durationInSecs: 1 });
    assert.equal(status.ready, true, JSON.stringify(status));
    assert.ok(Math.abs((status.duration as number) - 3) <= 0.2, `duration ${String(status.duration)}`);
    assert.deepEqual([status.width, status.height, status.transcriptionStatus], [320, 240, 'SKIPPED']);
    const video = await row(videoId);
    assert.equal(video.fps, 30);
    assert.equal(CREDITS - (await balance(app)), cost(video.duration!), 'billed from the measurement');
    assert.equal(video.cost_micro, cost(video.duration!));
    assert.deepEqual(JSON.parse(video.client_values!), { durationInSecs: 1 }, "the client's claim is kept for the record");
    assert.deepEqual([video.content_type, video.content_type_params], ['video/webm', 'codecs=vp9,opus']);
    assert.equal(video.s3_key, `developer/${app.id}/${videoId}/result.mp4`, "the upload stays where the seed's s3Key says");
    assert.equal(video.rendition_key, `developer/${app.id}/${videoId}/play.mp4`);
    assert.equal(video.poster_key, `developer/${app.id}/${videoId}/poster.jpg`);
    await assertPlayable(videoId);
  });

  test("Chromium's MP4 recording (video/mp4;codecs=vp9,opus: fragmented VP9 and Opus)", async () => {
    const { videoId, status } = await upload(await recorderMp4({ seconds: 2 }), 'video/mp4;codecs=vp9,opus', { durationInSecs: 1 });
    assert.equal(status.ready, true, JSON.stringify(status));
    assert.ok(Math.abs((status.duration as number) - 2) <= 0.2);
    await assertPlayable(videoId);
  });

  test('VIDEO/MP4 from a camera (H.264/AAC, index at the end): remuxed, the upload itself untouched', async () => {
    const camera = await cameraMp4({ seconds: 2 });
    const { app, videoId, status } = await upload(camera, 'VIDEO/MP4');
    assert.equal(status.ready, true);
    assert.equal((await row(videoId)).content_type, 'video/mp4');
    const played = await assertPlayable(videoId);
    assert.notDeepEqual(played, camera);
    const original = await ts.server.ctx.blobs.get(`developer/${app.id}/${videoId}/result.mp4`);
    const chunks: Buffer[] = [];
    for await (const c of original) chunks.push(c as Buffer);
    assert.deepEqual(Buffer.concat(chunks), camera);
  });

  test('complete with a durationInSecs that lies high: the bill follows the measurement', async () => {
    const { app, status } = await upload(fixture('with-audio.mp4'), 'video/mp4; codecs="avc1.42E01E, mp4a.40.2"', { durationInSecs: 3600, width: 3840, height: 2160 });
    assert.deepEqual([status.duration, status.width, status.height], [2, 320, 240]);
    assert.equal(CREDITS - (await balance(app)), cost(2));
  });

  test('no audio track: ready, transcriptionStatus NO_AUDIO, a silent rendition', async () => {
    const { videoId, status } = await upload(await recorderWebm({ seconds: 2, audio: false }), 'video/webm;codecs=vp9');
    assert.equal(status.ready, true);
    assert.equal(status.transcriptionStatus, 'NO_AUDIO');
    await assertPlayable(videoId);
  });

  test('a 0-second recording (one frame): ready, measured as such, billed a few micro-credits', async () => {
    const { app, videoId, status } = await upload(await recorderWebm({ seconds: 0.04, rate: 25 }), 'video/webm;codecs=vp9,opus', { durationInSecs: 0 });
    assert.equal(status.ready, true, JSON.stringify(status));
    assert.ok((status.duration as number) < 0.2, String(status.duration));
    assert.equal(CREDITS - (await balance(app)), cost(status.duration as number));
    await assertPlayable(videoId);
  });

  test('an MP4 followed by zero padding (Chromium plays it) is accepted as the MP4', async () => {
    const padded = Buffer.concat([fixture('with-audio.mp4'), Buffer.alloc(200_000)]);
    const { videoId, status } = await upload(padded, 'video/mp4');
    assert.deepEqual([status.ready, status.duration, status.width], [true, 2, 320]);
    await assertPlayable(videoId);
  });

  test('a WebM cut half-way: what it holds plays, and only that is billed', async () => {
    const whole = await recorderWebm({ seconds: 3 });
    const { app, videoId, status } = await upload(whole.subarray(0, whole.length >> 1), 'video/webm');
    assert.equal(status.ready, true);
    assert.ok((status.duration as number) > 0.5 && (status.duration as number) < 2.5, String(status.duration));
    assert.equal(CREDITS - (await balance(app)), cost(status.duration as number));
    await assertPlayable(videoId);
  });

  const failures: [string, () => Promise<Uint8Array>, string, string][] = [
    ['a file that is not media', async () => fixture('not-a-video.mp4'), 'video/mp4', 'not_a_video'],
    ['a WebM truncated inside its header, before any frame', async () => (await recorderWebm({ seconds: 3 })).subarray(0, 400), 'video/webm;codecs=vp9,opus', 'truncated'],
    ['sound only', audioOnlyWebm, 'audio/webm;codecs=opus', 'unsupported'],
  ];
  for (const [what, bytes, contentType, reason] of failures) {
    test(`${what}: failed with ${reason}, nothing billed, nothing to play`, async () => {
      const { app, videoId, status } = await upload(await bytes(), contentType, { durationInSecs: 30, width: 640 });
      assert.deepEqual(status, { id: videoId, duration: null, width: null, height: null, transcriptionStatus: null, ready: false, error: reason });
      assert.equal(await balance(app), CREDITS);
      const video = await row(videoId);
      assert.deepEqual([video.state, video.cost_micro, video.rendition_key, video.processing_stage], ['failed', null, null, null]);
      assert.equal((await fetch(`${ts.url}/dev/${videoId}/video`)).status, 404);
      assert.equal((await fetch(`${ts.url}/dev/${videoId}/poster.jpg`)).status, 404);
      // The probe's message, which the status API leaves out, is kept with the stage.
      const [probe, ...others] = await stageErrors(ts, videoId);
      assert.deepEqual([probe?.stage, probe?.status, others.length], ['probe', 'failed', 0]);
      assert.ok(probe?.error?.includes(reason), String(probe?.error));
    });
  }

  test('a video deleted while it is being rendered: ffmpeg is stopped, nothing is stored, nothing billed', async () => {
    const app = await makeApp(ts, { creditsMicro: CREDITS });
    // A minute to transcode takes a few seconds; the delete lands well before that.
    const videoId = await uploadVideo(app, await recorderWebm({ seconds: 60, size: '640x360', audio: false }), PART, {}, 'video/webm');
    await waitForVideo(app, videoId, (s) => (s.processing as { stage?: string } | undefined)?.stage === 'render', 2_000);
    assert.equal((await app.rest('DELETE', `/videos/${videoId}`)).status, 200);
    for (let i = 0; i < 400 && (await row(videoId)).state === 'processing'; i++) await new Promise((r) => setTimeout(r, 50));
    const video = await row(videoId);
    assert.deepEqual([video.state, video.failure_reason, video.cost_micro, video.duration, video.rendition_key, video.processing_stage], ['failed', 'video_deleted', null, null, null, null]);
    const stages = await ts.server.ctx.storage.workflows.stages(video.workflow_id!);
    assert.deepEqual(stages.map((st) => [st.stage, st.status]), [['probe', 'complete'], ['render', 'failed']]);
    assert.equal(await ts.server.ctx.blobs.exists(`developer/${app.id}/${videoId}/play.mp4`), false);
    assert.equal(await balance(app), CREDITS);
    // Its video.deleted event says processing ended, although the render was running when it committed.
    const events = await ts.server.ctx.storage.events.readAfter(`org:${video.org_id}`, undefined, 1000);
    const deleted = events.find((e) => e.type === 'video.deleted' && e.data.includes(videoId));
    assert.ok(deleted, 'the video.deleted event');
    assert.equal((JSON.parse(deleted.data) as Record<string, unknown>).processing, undefined, deleted.data);
  });

  test('the orphan sweep keeps a video\'s rendition and poster with its upload', async () => {
    const { app, videoId } = await upload(fixture('no-audio.mp4'), 'video/mp4');
    const keys = ['result.mp4', 'play.mp4', 'poster.jpg'].map((name) => `developer/${app.id}/${videoId}/${name}`);
    const referenced = await ts.server.ctx.storage.cleanup.referencedBlobKeys([...keys, `developer/${app.id}/${videoId}/stray.mp4`], new Date(0).toISOString());
    assert.deepEqual([...referenced].sort(), [...keys].sort());
  });
});
