// Transcripts of developer videos, end to end: a video with espeak-ng speech uploaded through the
// SDK flow is transcribed by the built-in engine (pocketsphinx), stored, served by
// GET /api/developer/v1/videos/:id/transcript in three formats and played as captions on its pages;
// a command hook's output is stored as it printed it; every other state answers what it is.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { cameraMp4 } from '../fixtures/media.js';
import { speechVideo, wordErrorRate } from '../fixtures/speech.js';
import { launchChromium } from '../helpers/chromium.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse, type SseFrame, type SseStream } from '../helpers/sse.js';
import { makeApp, settled, uploadVideo, waitForVideo, type TestApp } from '../helpers/videos.js';

const PART = 8 * 1024;
const SAID = 'We need to buy some bread and milk today. The meeting starts at nine in the morning.';

interface Cue {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

const seconds = (t: string): number => {
  const [h, m, s] = t.split(':').map(Number) as [number, number, number];
  return h * 3600 + m * 60 + s;
};

/** A strict reading of the WebVTT we serve: the header, then blocks of one timing line and text. */
function parseVtt(body: string): Cue[] {
  const [header, ...blocks] = body.trimEnd().split('\n\n');
  assert.equal(header, 'WEBVTT');
  return blocks.map((block) => {
    const [timing, ...text] = block.split('\n');
    const m = /^(\d{2}:\d{2}:\d{2}\.\d{3}) --> (\d{2}:\d{2}:\d{2}\.\d{3})$/.exec(timing ?? '');
    assert.ok(m, `a cue timing line: ${timing}`);
    assert.ok(text.length > 0 && text.every((l) => l.trim() !== ''), 'a cue has text');
    return { start: seconds(m[1]!), end: seconds(m[2]!), text: text.join(' ') };
  });
}

const get = (ts: TestServer, path: string, key?: string) => fetch(`${ts.url}${path}`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
const transcriptPath = (videoId: string, format?: string) => `/api/developer/v1/videos/${videoId}/transcript${format ? `?format=${format}` : ''}`;

async function errorOf(res: Response): Promise<{ status: number; code: string; error: string }> {
  const body = (await res.json()) as { code: string; error: string };
  return { status: res.status, ...body };
}

describe('transcripts with the built-in engine', () => {
  let ts: TestServer;
  let app: TestApp;
  let other: TestApp;
  let stream: SseStream;
  let spoken: string;
  let silent: string;
  let browser: Browser | undefined;

  before(async () => {
    ts = await startServer({ multipartMinPartBytes: PART, transcriber: 'builtin' });
    app = await makeApp(ts);
    other = await makeApp(ts);
    stream = await openSse(`${ts.url}/api/developer/v1/events`, { token: app.secretKey });
    await stream.next((f) => f.event === 'stream.subscribed');
    const [speech, noAudio] = await Promise.all([speechVideo(SAID), cameraMp4({ seconds: 1, audio: false })]);
    spoken = await uploadVideo(app, speech, PART);
    silent = await uploadVideo(app, noAudio, PART);
    await Promise.all([waitForVideo(app, spoken, settled), waitForVideo(app, silent, settled)]);
  });
  after(async () => {
    stream.close();
    await browser?.close();
    await ts.close();
  });

  test('the spoken video reaches COMPLETE, reported PROCESSING then COMPLETE on the stream', async () => {
    const status = await app.rest('GET', `/videos/${spoken}/status`);
    assert.equal((status.body.data as Record<string, unknown>).transcriptionStatus, 'COMPLETE');
    const seen: string[] = [];
    for (;;) {
      const f: SseFrame = await stream.next((x) => x.event === 'video.transcription' && (JSON.parse(x.data ?? '{}') as { id: string }).id === spoken);
      seen.push((JSON.parse(f.data ?? '{}') as { transcriptionStatus: string }).transcriptionStatus);
      if (seen.at(-1) !== 'PROCESSING') break;
    }
    assert.deepEqual(seen, ['PROCESSING', 'COMPLETE']);
  });

  test('JSON: the words said are in the transcript, with timed segments', async () => {
    const res = await get(ts, transcriptPath(spoken), app.secretKey);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const { data } = (await res.json()) as { data: { videoId: string; text: string; segments: Cue[] } };
    assert.equal(data.videoId, spoken);
    // A generous bound: this checks that speech reaches the transcript; accuracy is measured by the benchmark.
    const wer = wordErrorRate(SAID, data.text);
    assert.ok(wer.rate <= 0.5, `word error rate ${wer.errors}/${wer.words}: heard "${data.text}"`);
    assert.ok(data.segments.length > 0);
    assert.equal(data.segments.map((s) => s.text).join(' '), data.text.replace(/\n/g, ' '));
    const json = await get(ts, transcriptPath(spoken, 'json'), app.secretKey);
    assert.deepEqual(await json.json(), { data });
  });

  test('WebVTT: a header and cues whose timings increase, holding the same words', async () => {
    const res = await get(ts, transcriptPath(spoken, 'vtt'), app.secretKey);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/vtt; charset=utf-8');
    const cues = parseVtt(await res.text());
    assert.ok(cues.length > 0);
    for (const [i, cue] of cues.entries()) {
      assert.ok(cue.end > cue.start, JSON.stringify(cue));
      if (i > 0) assert.ok(cue.start >= cues[i - 1]!.end, 'cue timings increase');
    }
    const text = await (await get(ts, transcriptPath(spoken, 'text'), app.secretKey)).text();
    assert.equal(cues.map((c) => c.text).join(' '), text.trim().replace(/\n/g, ' '));
  });

  test('plain text: the transcript, one line per utterance', async () => {
    const res = await get(ts, transcriptPath(spoken, 'text'), app.secretKey);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    const text = await res.text();
    assert.ok(text.endsWith('\n'));
    assert.ok(wordErrorRate(SAID, text).rate <= 0.5, text);
  });

  test('an unknown format is 400', async () => {
    const res = await get(ts, transcriptPath(spoken, 'srt'), app.secretKey);
    const body = await errorOf(res);
    assert.equal(body.status, 400);
    assert.equal(body.code, 'invalid_request');
    assert.match(body.error, /format/);
  });

  test("another app's video, an unknown one, and no key", async () => {
    assert.deepEqual(await errorOf(await get(ts, transcriptPath(spoken), other.secretKey)), { status: 404, code: 'not_found', error: 'Video not found' });
    assert.equal((await get(ts, transcriptPath('nosuchvideo1'), app.secretKey)).status, 404);
    assert.equal((await get(ts, transcriptPath(spoken))).status, 401);
    assert.equal((await get(ts, transcriptPath(spoken), app.publicKey)).status, 401);
  });

  test('a video without audio is NO_AUDIO: its transcript is 409 transcript_unavailable, saying so', async () => {
    const status = await app.rest('GET', `/videos/${silent}/status`);
    assert.equal((status.body.data as Record<string, unknown>).transcriptionStatus, 'NO_AUDIO');
    const body = await errorOf(await get(ts, transcriptPath(silent, 'vtt'), app.secretKey));
    assert.equal(body.status, 409);
    assert.equal(body.code, 'transcript_unavailable');
    assert.match(body.error, /NO_AUDIO/);
  });

  test('the pages carry a captions track only when there is a transcript; it is public WebVTT', async () => {
    const page = await (await get(ts, `/dev/${spoken}`)).text();
    assert.ok(page.includes(`<track kind="captions" srclang="en" label="English" src="/dev/${spoken}/captions.vtt" default>`), page);
    const embed = await (await get(ts, `/embed/${spoken}?sdk=1`)).text();
    assert.ok(embed.includes(`src="/dev/${spoken}/captions.vtt"`));
    const captions = await get(ts, `/dev/${spoken}/captions.vtt`);
    assert.equal(captions.status, 200);
    assert.equal(captions.headers.get('content-type'), 'text/vtt; charset=utf-8');
    // Public like the pages, and like them not sniffed and not leaking the page's address.
    assert.equal(captions.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(captions.headers.get('referrer-policy'), 'no-referrer');
    const api = await (await get(ts, transcriptPath(spoken, 'vtt'), app.secretKey)).text();
    assert.equal(await captions.text(), api);

    assert.ok(!(await (await get(ts, `/dev/${silent}`)).text()).includes('<track'));
    assert.equal((await get(ts, `/dev/${silent}/captions.vtt`)).status, 404);
    assert.equal((await get(ts, '/dev/nosuchvideo1/captions.vtt')).status, 404);
  });

  test('Chromium loads the captions under the page’s content security policy', async () => {
    browser = await launchChromium();
    const page = await browser.newPage();
    const blocked: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
    });
    await page.goto(`${ts.url}/dev/${spoken}`);
    const cues = await page.waitForFunction(() => {
      const track = document.querySelector('track');
      const list = track?.track.cues;
      return track && track.readyState === 2 && list && list.length > 0 ? Array.from(list, (c) => (c as VTTCue).text) : undefined;
    }, undefined, { timeout: 20_000 });
    const texts = (await cues.jsonValue()) as string[];
    assert.ok(texts.length > 0 && texts.join(' ').length > 0);
    assert.deepEqual(blocked, []);
  });

  test('a deleted video has neither transcript nor captions', async () => {
    const extra = await uploadVideo(app, await speechVideo('Good morning.'), PART);
    await waitForVideo(app, extra, settled);
    assert.equal((await app.rest('DELETE', `/videos/${extra}`)).status, 200);
    assert.equal((await get(ts, transcriptPath(extra), app.secretKey)).status, 404);
    assert.equal((await get(ts, `/dev/${extra}/captions.vtt`)).status, 404);
  });
});

describe('transcripts from a command hook', () => {
  let ts: TestServer;
  let app: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'capstan-hook-'));
  const marker = (kind: 'release' | 'fail' | 'plain', videoId: string) => join(dir, `${kind}-${videoId}`);

  before(async () => {
    // Waits until the test releases the video, then does what its marker file says: fail, print
    // plain text, or (no marker) print JSON segments out of order.
    const hook = join(dir, 'hook.mjs');
    writeFileSync(hook, `import { existsSync } from 'node:fs';
      const id = process.env.CAPSTAN_VIDEO_ID;
      const at = (kind) => ${JSON.stringify(dir)} + '/' + kind + '-' + id;
      while (!existsSync(at('release'))) await new Promise((r) => setTimeout(r, 20));
      if (existsSync(at('fail'))) { console.error('loading model…\\nmodel not found'); process.exit(3); }
      if (existsSync(at('plain'))) { process.stdout.write('just words, no times\\n'); process.exit(0); }
      process.stdout.write(JSON.stringify({ segments: [{ start: 2, end: 3.5, text: 'second <cue>' }, { start: 0, end: 2, text: 'first cue' }] }));`);
    ts = await startServer({ multipartMinPartBytes: PART, transcriber: 'command', transcriberCommand: process.execPath, transcriberArgs: JSON.stringify([hook]) });
    app = await makeApp(ts);
  });
  after(async () => {
    await ts.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const upload = async (): Promise<string> => uploadVideo(app, await cameraMp4({ seconds: 1 }), PART);

  test('while the hook runs the transcript is 409 (PROCESSING); then its JSON segments are stored as printed', async () => {
    const videoId = await upload();
    await waitForVideo(app, videoId, (s) => s.transcriptionStatus === 'PROCESSING' && s.ready === true);
    const pending = await errorOf(await get(ts, transcriptPath(videoId), app.secretKey));
    assert.equal(pending.status, 409);
    assert.equal(pending.code, 'transcript_unavailable');
    assert.match(pending.error, /PROCESSING/);
    assert.ok(!(await (await get(ts, `/dev/${videoId}`)).text()).includes('<track'));

    writeFileSync(marker('release', videoId), '');
    await waitForVideo(app, videoId, settled);
    const json = (await (await get(ts, transcriptPath(videoId), app.secretKey)).json()) as { data: unknown };
    assert.deepEqual(json.data, { videoId, text: 'first cue second <cue>', segments: [{ start: 0, end: 2, text: 'first cue' }, { start: 2, end: 3.5, text: 'second <cue>' }] });
    const vtt = await (await get(ts, transcriptPath(videoId, 'vtt'), app.secretKey)).text();
    assert.equal(vtt, 'WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nfirst cue\n\n00:00:02.000 --> 00:00:03.500\nsecond &lt;cue&gt;\n');
  });

  test('plain text on standard output is the transcript; its WebVTT has no cues', async () => {
    const videoId = await upload();
    writeFileSync(marker('plain', videoId), '');
    writeFileSync(marker('release', videoId), '');
    const status = await waitForVideo(app, videoId, settled);
    assert.equal(status.transcriptionStatus, 'COMPLETE');
    assert.equal(await (await get(ts, transcriptPath(videoId, 'text'), app.secretKey)).text(), 'just words, no times\n');
    assert.equal(await (await get(ts, transcriptPath(videoId, 'vtt'), app.secretKey)).text(), 'WEBVTT\n');
    assert.deepEqual(await (await get(ts, transcriptPath(videoId), app.secretKey)).json(), { data: { videoId, text: 'just words, no times', segments: [] } });
  });

  test('a hook that fails is ERROR, and the transcript says why', async () => {
    const videoId = await upload();
    writeFileSync(marker('fail', videoId), '');
    writeFileSync(marker('release', videoId), '');
    const status = await waitForVideo(app, videoId, settled);
    assert.equal(status.transcriptionStatus, 'ERROR');
    assert.equal(status.ready, true, 'a failed transcription leaves the video playable');
    const body = await errorOf(await get(ts, transcriptPath(videoId), app.secretKey));
    assert.equal(body.status, 409);
    assert.equal(body.code, 'transcript_unavailable');
    assert.match(body.error, /^No transcript: transcriptionStatus is ERROR \(.*exited with code 3: loading model…\nmodel not found\)$/);
  });
});
