// Running ffmpeg bounded (killed on timeout and on abort), and reading what it prints: the input's
// description on standard error and the framecrc packet listing.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { FfmpegTimeoutError, PacketListing, parseInputDump, runFfmpeg, type Ffmpeg } from '../../../src/pipelines/videos/index.js';
import { FFMPEG } from '../../fixtures/media.js';

const ffmpeg: Ffmpeg = { path: FFMPEG, threads: 1, timeoutMs: 60_000 };

/** Processes whose command line contains `marker`. */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch {
      // Gone while listed.
    }
  }
  return pids;
}

async function gone(marker: string): Promise<void> {
  for (let i = 0; i < 50 && processesWith(marker).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(processesWith(marker), [], 'ffmpeg was killed');
}

describe('runFfmpeg', () => {
  // An endless test pattern: only a kill stops it. The odd size marks the process to look for.
  const endless = (marker: string) => ['-hide_banner', '-nostdin', '-f', 'lavfi', '-i', `testsrc=size=${marker}:rate=5`, '-f', 'null', '-'];

  test('a run that outlives its timeout is killed and rejects with FfmpegTimeoutError', async () => {
    const started = Date.now();
    await assert.rejects(runFfmpeg({ ...ffmpeg, timeoutMs: 300 }, { args: endless('97x31'), signal: new AbortController().signal }), FfmpegTimeoutError);
    assert.ok(Date.now() - started < 5_000);
    await gone('97x31');
  });

  test("an abort kills ffmpeg and rejects with the signal's reason", async () => {
    const controller = new AbortController();
    const running = runFfmpeg(ffmpeg, { args: endless('89x29'), signal: controller.signal });
    setTimeout(() => controller.abort(new Error('worker stopping')), 200);
    await assert.rejects(running, /worker stopping/);
    await gone('89x29');
  });

  test('the exit code and what ffmpeg said come back; standard output goes to onLine', async () => {
    const lines: string[] = [];
    const ok = await runFfmpeg(ffmpeg, { args: ['-hide_banner', '-f', 'lavfi', '-i', 'testsrc=size=16x16:duration=0.2:rate=10', '-f', 'framecrc', '-'], signal: new AbortController().signal, onLine: (l) => lines.push(l) });
    assert.equal(ok.code, 0);
    assert.equal(lines.filter((l) => /^0,/.test(l)).length, 2);
    assert.match(ok.head, /^Input #0, lavfi/m);
    const bad = await runFfmpeg(ffmpeg, { args: ['-hide_banner', '-i', '/nonexistent/file'], signal: new AbortController().signal });
    assert.equal(bad.code, 1);
    assert.match(bad.tail, /No such file or directory/);
  });
});

describe('parseInputDump', () => {
  test('an MP4 from a camera: format, brand, streams, size, rate, profile', () => {
    const dump = parseInputDump(`Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'upload':
  Metadata:
    major_brand     : isom
    minor_version   : 512
  Duration: 00:00:02.00, start: 0.000000, bitrate: 143 kb/s
    Stream #0:0(und): Video: h264 (Constrained Baseline) (avc1 / 0x31637661), yuv420p, 320x240 [SAR 1:1 DAR 4:3], 100 kb/s, 25 fps, 25 tbr, 12800 tbn, 50 tbc (default)
    Metadata:
      handler_name    : VideoHandler
    Stream #0:1(und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, mono, fltp, 32 kb/s (default)
Output #0, framecrc, to 'pipe:':
    Stream #0:0: Video: h264, 999x999`);
    assert.deepEqual(dump, {
      formats: ['mov', 'mp4', 'm4a', '3gp', '3g2', 'mj2'],
      majorBrand: 'isom',
      streams: [
        { index: 0, kind: 'video', codec: 'h264', profile: 'Constrained Baseline', pixelFormat: 'yuv420p', width: 320, height: 240, fps: 25, rotation: 0, attachedPicture: false },
        { index: 1, kind: 'audio', codec: 'aac', profile: 'LC', rotation: 0, attachedPicture: false },
      ],
    });
  });

  test('a MediaRecorder WebM: colour details in parentheses do not split the stream line', () => {
    const dump = parseInputDump(`Input #0, matroska,webm, from 'upload':
  Duration: N/A, start: -0.007000, bitrate: N/A
    Stream #0:0: Video: vp9 (Profile 0), yuv420p(tv, bt709, progressive), 1280x720, SAR 1:1 DAR 16:9, 1k tbr, 1k tbn, 1k tbc (default)
    Stream #0:1: Audio: opus, 48000 Hz, stereo, fltp (default)`);
    assert.deepEqual(dump?.streams[0], { index: 0, kind: 'video', codec: 'vp9', profile: 'Profile 0', pixelFormat: 'yuv420p', width: 1280, height: 720, rotation: 0, attachedPicture: false });
    assert.equal(dump?.streams[1]?.codec, 'opus');
  });

  test('rotation from the display matrix, or else the rotate tag; a cover image is marked', () => {
    const dump = parseInputDump(`Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'upload':
    Stream #0:0(und): Video: hevc (Main) (hvc1 / 0x31637668), yuv420p(tv, bt709), 1920x1080, 29.97 fps, 29.97 tbr, 600 tbn, 600 tbc (default)
    Metadata:
      rotate          : 270
    Side data:
      displaymatrix: rotation of 90.00 degrees
    Stream #0:1: Video: mjpeg, yuvj420p(pc), 600x600, 90k tbr, 90k tbn, 90k tbc (attached pic)
    Stream #0:2: Video: h264, yuv420p, 640x480, 30 fps
    Metadata:
      rotate          : 180`);
    assert.equal(dump?.streams[0]?.rotation, 90);
    assert.equal(dump?.streams[0]?.fps, 29.97);
    assert.equal(dump?.streams[1]?.attachedPicture, true);
    assert.equal(dump?.streams[2]?.rotation, 180);
  });

  test('no description (ffmpeg could not open the input): undefined', () => {
    assert.equal(parseInputDump('upload: Invalid data found when processing input\n'), undefined);
  });
});

describe('PacketListing', () => {
  const listing = (text: string) => {
    const l = new PacketListing();
    for (const line of text.split('\n')) l.add(line);
    return l.streams();
  };

  test('start and end per stream in seconds from the earliest packet; discarded packets skipped', () => {
    const streams = listing(`#tb 0: 1/12800
#media_type 0: video
#tb 1: 1/44100
#media_type 1: audio
1,      -1024,      -1024,     1024,      133, 0x86b54139, F=0x5, S=1,       10, 0x00240004
0,          0,          0,      512,     3014, 0x0ea46e4b
1,          0,          0,     1024,      161, 0x4b975151
0,        512,        512,      512,      282, 0xbe9c8594, F=0x0
0,       1024,       1024,      512,      282, 0xbe9c8594, F=0x0
1,      87040,      87040,     1024,      134, 0x04b644ac
1,      88064,      88064,      136,        5, 0x03c001be`);
    assert.deepEqual(streams.map((s) => [s.kind, s.packets, s.start, s.end]), [['video', 3, 0, 0.12], ['audio', 3, 0, 2]]);
    assert.equal(streams[0]?.fps, 25);
  });

  test('packets without a duration (fragmented audio) last as long as the gap before them', () => {
    const [audio] = listing(`#tb 0: 1/48000
#media_type 0: audio
0,          0,          0,        0,      192, 0xa4445991
0,        960,        960,        0,      192, 0xa4445991
0,       1920,       1920,        0,      313, 0x92579dcf`);
    assert.equal(audio?.end, 2880 / 48000);
  });

  test('the frame rate ignores a held still picture and a stretched frame, and copes with a millisecond timebase', () => {
    const frames = [0, 33, 67, 100, 133, 167, 200, 3200, 3233, 3267, 3300, 3333, 3367, 3400];
    const [video] = listing(['#tb 0: 1/1000', '#media_type 0: video', ...frames.map((t) => `0, ${t}, ${t}, 33, 100, 0x0`)].join('\n'));
    assert.equal(video?.fps, 30);
    assert.equal(video?.end, 3.433);
  });
});
