// The rendition every browser plays (H.264/AAC MP4, index first) and the poster image, made with the
// bundled ffmpeg from files as recorders and cameras write them.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  chooseH264Encoder,
  parseEncoderList,
  parseInputDump,
  planRendition,
  probeVideo,
  RenderError,
  renderPlayable,
  runFfmpeg,
  takePoster,
  type Ffmpeg,
  type ProbeResult,
} from '../../../src/pipelines/videos/index.js';
import { cameraMp4, FFMPEG, isJpeg, recorderMp4, recorderWebm, rotatedMp4, topLevelBoxes } from '../../fixtures/media.js';

const dir = mkdtempSync(join(tmpdir(), 'capstan-render-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ffmpeg: Ffmpeg = { path: FFMPEG, threads: 2, timeoutMs: 60_000 };
const never = new AbortController().signal;
let n = 0;
const scratch = (bytes: Uint8Array): string => {
  const path = join(dir, `in-${n++}`);
  writeFileSync(path, bytes);
  return path;
};
const outPath = () => join(dir, `out-${n++}.mp4`);

/** Renders `bytes` and checks what every rendition must be; returns the rendition's own probe. */
async function rendered(bytes: Uint8Array, expect: { video: 'copy' | 'encode'; audio: 'copy' | 'encode' | 'none' }): Promise<{ source: ProbeResult; result: ProbeResult; bytes: Buffer }> {
  const input = scratch(bytes);
  const output = outPath();
  const source = await probeVideo(ffmpeg, input, never);
  const made = await renderPlayable(ffmpeg, source, input, output, never);
  assert.equal(made.video, expect.video);
  assert.equal(made.audio, expect.audio);
  const out = readFileSync(output);
  assert.equal(made.bytes, out.length);
  const boxes = topLevelBoxes(out);
  assert.ok(boxes.indexOf('moov') >= 0 && boxes.indexOf('moov') < boxes.indexOf('mdat'), `moov before mdat: ${boxes.join(' ')}`);
  const result = await probeVideo(ffmpeg, output, never);
  assert.equal(result.container, 'mp4');
  assert.equal(result.video.codec, 'h264');
  assert.equal(result.video.pixelFormat, 'yuv420p');
  if (expect.audio !== 'none') assert.equal(result.audio?.codec, 'aac');
  assert.ok(Math.abs(result.durationSeconds - source.durationSeconds) <= 0.1, `rendition lasts ${result.durationSeconds}, source ${source.durationSeconds}`);
  return { source, result, bytes: out };
}

describe('planRendition', () => {
  const probe = (video: ProbeResult['video'], audio?: string): Pick<ProbeResult, 'video' | 'audio' | 'hasAudio'> => ({ video, hasAudio: audio !== undefined, ...(audio ? { audio: { codec: audio } } : {}) });

  test('H.264 in 8-bit 4:2:0 and AAC are copied; the rest is encoded; no audio stays none', () => {
    assert.deepEqual(planRendition(probe({ codec: 'h264', pixelFormat: 'yuv420p' }, 'aac')), { video: 'copy', audio: 'copy' });
    assert.deepEqual(planRendition(probe({ codec: 'h264', pixelFormat: 'yuvj420p' }, 'opus')), { video: 'copy', audio: 'encode' });
    assert.deepEqual(planRendition(probe({ codec: 'h264', pixelFormat: 'yuv420p10le' }, 'aac')), { video: 'encode', audio: 'copy' });
    assert.deepEqual(planRendition(probe({ codec: 'vp9', pixelFormat: 'yuv420p' }, 'opus')), { video: 'encode', audio: 'encode' });
    assert.deepEqual(planRendition(probe({ codec: 'hevc', pixelFormat: 'yuv420p' })), { video: 'encode', audio: 'none' });
  });
});

describe('the H.264 encoder', () => {
  const listing = ` V..... = Video
 ------
 V..... libx264              libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)
 V..... libopenh264          OpenH264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)
 A..... aac                  AAC (Advanced Audio Coding)`;

  test('libx264 first, then libopenh264, else none', () => {
    const all = parseEncoderList(listing);
    assert.ok(all.has('libx264') && all.has('aac') && !all.has('='));
    assert.equal(chooseH264Encoder(all)?.name, 'libx264');
    assert.equal(chooseH264Encoder(new Set(['libopenh264', 'aac']))?.name, 'libopenh264');
    assert.equal(chooseH264Encoder(new Set(['aac'])), undefined);
  });

  test('an ffmpeg without one fails the rendition with no_h264_encoder', async () => {
    const fake = join(dir, 'ffmpeg-without-h264');
    writeFileSync(fake, '#!/bin/sh\nexit 0\n');
    chmodSync(fake, 0o755);
    const source = await probeVideo(ffmpeg, scratch(await recorderWebm({ seconds: 1 })), never);
    const caught = await renderPlayable({ ...ffmpeg, path: fake }, source, 'unused', outPath(), never).then(() => undefined, (e: unknown) => e);
    assert.ok(caught instanceof RenderError);
    assert.equal(caught.reason, 'no_h264_encoder');
  });
});

describe('renderPlayable', () => {
  test('MediaRecorder WebM (VP9/Opus, no duration): transcoded, with a duration and the index in front', async () => {
    const { result } = await rendered(await recorderWebm({ seconds: 3 }), { video: 'encode', audio: 'encode' });
    assert.equal(result.width, 320);
    assert.equal(result.fps, 30);
  });

  test("Chromium's VP9-in-MP4 and a silent VP8 WebM are transcoded", async () => {
    await rendered(await recorderMp4({ seconds: 2 }), { video: 'encode', audio: 'encode' });
    await rendered(await recorderWebm({ seconds: 1, video: 'vp8', audio: false }), { video: 'encode', audio: 'none' });
  });

  test('an H.264/AAC file with its index at the end is only remuxed, index moved to the front', async () => {
    const camera = await cameraMp4({ seconds: 2 });
    assert.ok(topLevelBoxes(camera).indexOf('moov') > topLevelBoxes(camera).indexOf('mdat'), 'the source has its moov last');
    await rendered(camera, { video: 'copy', audio: 'copy' });
  });

  test('odd sides are evened for 4:2:0; a quarter-turned clip keeps the size it is shown at', async () => {
    const { result } = await rendered(await recorderWebm({ seconds: 1, size: '321x241' }), { video: 'encode', audio: 'encode' });
    assert.deepEqual([result.width, result.height], [320, 240]);
    const turned = await rendered(await rotatedMp4(), { video: 'copy', audio: 'none' });
    assert.deepEqual([turned.result.width, turned.result.height], [240, 320]);
  });
});

describe('takePoster', () => {
  test('a JPEG from a tenth of the way in, at most 1280 wide; past the end it falls back to the first frame', async () => {
    const input = scratch(await cameraMp4({ seconds: 2, size: '1920x1080', audio: false }));
    const poster = join(dir, 'poster.jpg');
    assert.equal(await takePoster(ffmpeg, input, poster, 0.2, never), true);
    const bytes = readFileSync(poster);
    assert.ok(isJpeg(bytes));
    const described = parseInputDump((await runFfmpeg(ffmpeg, { args: ['-hide_banner', '-i', poster], signal: never })).head);
    assert.deepEqual([described?.streams[0]?.width, described?.streams[0]?.height], [1280, 720]);
    const late = join(dir, 'late.jpg');
    assert.equal(await takePoster(ffmpeg, input, late, 60, never), true);
    assert.ok(statSync(late).size > 0);
  });
});
