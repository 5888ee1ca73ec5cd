// Probing uploaded videos with the bundled ffmpeg: the committed fixtures (test/fixtures/videos/),
// files made at test time the way browsers and cameras write them, and damaged variants.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { probeVideo, ProbeError, type Ffmpeg, type ProbeErrorReason, type ProbeResult } from '../../../src/pipelines/videos/index.js';
import { audioOnlyWebm, cameraMp4, FFMPEG, ffmpegFile, recorderMp4, recorderWebm, rotatedMp4 } from '../../fixtures/media.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/videos/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);
const dir = mkdtempSync(join(tmpdir(), 'capstan-probe-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ffmpeg: Ffmpeg = { path: FFMPEG, threads: 2, timeoutMs: 60_000 };
const never = new AbortController().signal;

let n = 0;
function scratch(bytes: Uint8Array): string {
  const path = join(dir, `file-${n++}`);
  writeFileSync(path, bytes);
  return path;
}

async function probeError(promise: Promise<unknown>, reason: ProbeErrorReason): Promise<ProbeError> {
  const caught = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(caught instanceof ProbeError, `expected a ProbeError, got ${String(caught)}`);
  assert.equal(caught.reason, reason, caught.message);
  return caught;
}

function near(actual: number, expected: number, tolerance = 0.1): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `duration ${actual}, expected ${expected} ± ${tolerance}`);
}

describe('probeVideo on the committed fixtures', () => {
  // Every fixture is 2 s of 320x240 H.264 at 25 fps; they differ in container, layout and audio.
  const cases: [string, Partial<ProbeResult>, number][] = [
    ['with-audio.mp4', { container: 'mp4', hasAudio: true, audio: { codec: 'aac' } }, 2],
    ['no-audio.mp4', { container: 'mp4', hasAudio: false }, 2],
    ['with-audio.mov', { container: 'mov', hasAudio: true }, 2],
    ['moov-at-end.mp4', { container: 'mp4', hasAudio: false }, 2],
    // ffmpeg's fragmenter stretched the first frame, and no edit list hides the AAC priming.
    ['fragmented.mp4', { container: 'mp4', hasAudio: true }, 2.04],
  ];
  for (const [name, expected, seconds] of cases) {
    test(name, async () => {
      const result = await probeVideo(ffmpeg, fixture(name), never);
      near(result.durationSeconds, seconds, 0.03);
      assert.equal(result.width, 320);
      assert.equal(result.height, 240);
      assert.equal(result.fps, 25);
      assert.deepEqual(result.video, { codec: 'h264', profile: 'Constrained Baseline', pixelFormat: 'yuv420p' });
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(result[key as keyof ProbeResult], value, key);
    });
  }

  test('an AAC priming frame cut by the edit list is not counted: exactly 2 s', async () => {
    assert.equal((await probeVideo(ffmpeg, fixture('with-audio.mp4'), never)).durationSeconds, 2);
  });
});

describe('probeVideo on what browsers and cameras write', () => {
  test('MediaRecorder WebM (VP9 + Opus, no duration in the file): measured from its packets', async () => {
    const path = scratch(await recorderWebm({ seconds: 3 }));
    const result = await probeVideo(ffmpeg, path, never);
    near(result.durationSeconds, 3);
    assert.deepEqual({ ...result, durationSeconds: 0 }, {
      container: 'matroska', durationSeconds: 0, width: 320, height: 240, fps: 30, hasAudio: true,
      video: { codec: 'vp9', profile: 'Profile 0', pixelFormat: 'yuv420p' }, audio: { codec: 'opus' },
    });
  });

  test('VP8 and AV1 WebM', async () => {
    for (const video of ['vp8', 'av1'] as const) {
      const result = await probeVideo(ffmpeg, scratch(await recorderWebm({ seconds: 1, size: '160x120', video })), never);
      near(result.durationSeconds, 1);
      assert.equal(result.video.codec, video);
      assert.equal(result.width, 160);
    }
  });

  test("Chromium's VP9-in-MP4 (fragmented, Opus)", async () => {
    const result = await probeVideo(ffmpeg, scratch(await recorderMp4({ seconds: 2 })), never);
    near(result.durationSeconds, 2);
    assert.equal(result.video.codec, 'vp9');
    assert.equal(result.audio?.codec, 'opus');
    assert.equal(result.fps, 30);
  });

  test('HEVC MP4 and an H.264 QuickTime file', async () => {
    const hevc = await probeVideo(ffmpeg, scratch(await cameraMp4({ seconds: 2, video: 'hevc' })), never);
    assert.equal(hevc.video.codec, 'hevc');
    near(hevc.durationSeconds, 2);
    const mov = await probeVideo(ffmpeg, scratch(await cameraMp4({ seconds: 2, format: 'mov' })), never);
    assert.equal(mov.container, 'mov');
    assert.equal(mov.video.codec, 'h264');
  });

  test('a quarter-turned clip reports the size it is shown at', async () => {
    const result = await probeVideo(ffmpeg, scratch(await rotatedMp4()), never);
    assert.deepEqual([result.width, result.height], [240, 320]);
  });

  test('a single frame: a duration of a frame, no frame rate to measure but the nominal one', async () => {
    const result = await probeVideo(ffmpeg, scratch(await recorderWebm({ seconds: 0.04, rate: 25, audio: false })), never);
    assert.ok(result.durationSeconds >= 0 && result.durationSeconds < 0.1, String(result.durationSeconds));
    assert.equal(result.fps, 25);
    assert.equal(result.hasAudio, false);
  });

  test('an MP4 followed by zero padding (Chromium plays it) is read like the MP4', async () => {
    const padded = Buffer.concat([readFileSync(fixture('with-audio.mp4')), Buffer.alloc(100_000)]);
    const result = await probeVideo(ffmpeg, scratch(padded), never);
    assert.equal(result.durationSeconds, 2);
    assert.equal(result.width, 320);
  });

  test('a WebM cut half-way: what it holds is what plays, and what is measured', async () => {
    const whole = await recorderWebm({ seconds: 3 });
    const result = await probeVideo(ffmpeg, scratch(whole.subarray(0, whole.length >> 1)), never);
    assert.ok(result.durationSeconds > 0.5 && result.durationSeconds < 2.5, String(result.durationSeconds));
  });
});

describe('probeVideo refuses what is not a playable video', () => {
  test('text, an empty file and random bytes are not_a_video', async () => {
    await probeError(probeVideo(ffmpeg, fixture('not-a-video.mp4'), never), 'not_a_video');
    await probeError(probeVideo(ffmpeg, scratch(Buffer.alloc(0)), never), 'not_a_video');
    await probeError(probeVideo(ffmpeg, scratch(Buffer.from('x'.repeat(2048))), never), 'not_a_video');
  });

  test('an image is not_a_video, though ffmpeg reads it as one frame', async () => {
    const jpeg = scratch(await ffmpegFile('still.jpg', ['-f', 'lavfi', '-i', 'testsrc2=size=64x64:duration=1', '-frames:v', '1', '-f', 'image2']));
    await probeError(probeVideo(ffmpeg, jpeg, never), 'not_a_video');
  });

  test('audio only is unsupported', async () => {
    await probeError(probeVideo(ffmpeg, scratch(await audioOnlyWebm()), never), 'unsupported');
  });

  test('sound in a container for sound alone (MP3, WAV, FLAC, ADTS AAC) is unsupported too, not not_a_video', async () => {
    for (const [name, format] of [['tone.mp3', 'mp3'], ['tone.wav', 'wav'], ['tone.flac', 'flac'], ['tone.aac', 'adts']] as const) {
      const sound = scratch(await ffmpegFile(name, ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-f', format]));
      await probeError(probeVideo(ffmpeg, sound, never), 'unsupported');
    }
  });

  test('a WebM cut inside its header, and an MP4 cut before its trailing moov, are truncated', async () => {
    const webm = await recorderWebm({ seconds: 3 });
    await probeError(probeVideo(ffmpeg, scratch(webm.subarray(0, 300)), never), 'truncated');
    const camera = await cameraMp4({ seconds: 2 });
    await probeError(probeVideo(ffmpeg, scratch(camera.subarray(0, camera.length >> 1)), never), 'truncated');
  });

  test('an aborted probe rejects with the abort reason, not a ProbeError', async () => {
    const controller = new AbortController();
    controller.abort(new Error('lease lost'));
    await assert.rejects(probeVideo(ffmpeg, fixture('with-audio.mp4'), controller.signal), /lease lost/);
  });

  test('an ffmpeg that cannot be started rejects with a plain error', async () => {
    const missing = { ...ffmpeg, path: join(dir, 'no-such-ffmpeg') };
    const caught = await probeVideo(missing, fixture('with-audio.mp4'), never).then(() => undefined, (e: unknown) => e);
    assert.ok(caught instanceof Error && !(caught instanceof ProbeError));
    assert.match(caught.message, /could not run ffmpeg/);
  });
});
