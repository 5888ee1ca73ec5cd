// End to end with real browser recordings: headless Chromium, on a page of another origin than the
// API, records 3 s of a canvas animation with an oscillator's sound through MediaRecorder (WebM, and
// MP4 where Chromium offers it) and uploads it from the page with fetch, the way Cap's browser SDK
// (@cap/sdk-recorder's MultipartClient) does: create, initiate with the Blob's type as contentType,
// parts PUT to their presigned URLs three at a time with the ETag read from the answer, complete with
// the recording's duration. Then the video is ready, measured within 0.2 s of the recording, billed
// for that, and plays (finite duration, seeks, autoplays muted) from its share and embed pages.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { makeApp, settled, stageErrors, waitForVideo, type TestApp } from '../helpers/videos.js';

const SECONDS = 3;
/** The SDK's part size (MultipartClient's CHUNK_SIZE). */
const SDK_PART_BYTES = 5 * 1024 * 1024;
/** multipartMinPartBytes of the server that takes small parts. */
const SMALL_MIN_PART_BYTES = 8 * 1024;
/** Small parts: about this many of them, so that there are several batches of three. */
const SMALL_PARTS = 7;
/** Micro-credits a minute: 10,000 a second, so the bill follows the measured duration closely. */
const PRICE_PER_MINUTE = 600_000;
const CREDITS = 10_000_000;
/** How close the server's measurement must be to what Chromium itself decodes. */
const TOLERANCE_SECS = 0.2;
/**
 * How close it must be to the recorder's wall clock. A loaded machine makes MediaRecorder's last
 * chunk run long (the decoded media then is longer too), so this bound only catches gross errors.
 */
const WALL_CLOCK_TOLERANCE_SECS = 1;
const cost = (seconds: number) => Math.ceil((seconds * PRICE_PER_MINUTE) / 60);

/** The SDK's preference (core/mime-types.ts) for WebM; MP4 only where Chromium can record it. */
const VARIANTS = [
  { name: 'WebM', candidates: ['video/webm;codecs=vp9,opus', 'video/webm;codecs=vp8,opus', 'video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm'] },
  { name: 'MP4 with H.264', candidates: ['video/mp4;codecs=avc1.42E01E,mp4a.40.2', 'video/mp4;codecs=avc1,mp4a.40.2', 'video/mp4;codecs=avc1,opus'] },
  { name: 'MP4 with VP9', candidates: ['video/mp4;codecs=vp9,opus'] },
] as const;
const ALL_TYPES = [...new Set([...VARIANTS.flatMap((v) => v.candidates), 'video/mp4', 'video/webm;codecs=av1,opus', 'video/mp4;codecs=av01,opus', 'video/x-matroska;codecs=avc1,opus'])];

// The developer's page: a canvas, and the recorder and uploader as plain browser code. The uploader
// is MultipartClient's algorithm (5 MB parts unless told otherwise, batches of three in parallel,
// `blob.type || "video/mp4"` as contentType, the ETag header of each PUT), with a log of every call.
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>recorder</title></head>
<body><canvas id="c" width="320" height="240"></canvas>
<script>
'use strict';
const log = [];
window.apiLog = log;
let recording = null;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const deadline = (ms, what, p) => Promise.race([p, sleep(ms).then(() => { throw new Error(what + ' did not happen within ' + ms + ' ms'); })]);

window.supportedTypes = (types) => types.filter((t) => MediaRecorder.isTypeSupported(t));

window.record = async (mimeType, seconds) => {
  const canvas = document.getElementById('c');
  const g = canvas.getContext('2d');
  let frame = 0;
  const draw = () => {
    frame++;
    g.fillStyle = 'hsl(' + ((frame * 7) % 360) + ' 70% 40%)';
    g.fillRect(0, 0, 320, 240);
    g.fillStyle = '#fff';
    g.fillRect((frame * 4) % 320, 100, 40, 40);
    g.font = '32px sans-serif';
    g.fillText(String(frame), 10, 40);
  };
  draw();
  const painter = setInterval(draw, 1000 / 30);
  const audio = new AudioContext();
  await deadline(5000, 'AudioContext.resume()', audio.resume());
  if (audio.state !== 'running') throw new Error('the AudioContext is ' + audio.state);
  const oscillator = audio.createOscillator();
  oscillator.frequency.value = 440;
  const destination = audio.createMediaStreamDestination();
  oscillator.connect(destination);
  oscillator.start();
  const stream = new MediaStream([...canvas.captureStream(30).getVideoTracks(), ...destination.stream.getAudioTracks()]);
  const recorder = new MediaRecorder(stream, { mimeType });
  const chunks = [];
  let failure = null;
  recorder.ondataavailable = (e) => { if (e.data.size > 0) chunks.push(e.data); };
  recorder.onerror = (e) => { failure = new Error('MediaRecorder error: ' + (e.error ? e.error.name + ' ' + e.error.message : e.type)); };
  const started = new Promise((resolve) => { recorder.onstart = () => resolve(performance.now()); });
  const stopped = new Promise((resolve) => { recorder.onstop = () => resolve(performance.now()); });
  recorder.start(1000); // the SDK's timeslice
  const startedAt = await deadline(5000, 'MediaRecorder start', started);
  await sleep(seconds * 1000);
  const stopCalledAt = performance.now();
  recorder.stop();
  const stoppedAt = await deadline(10000, 'MediaRecorder stop', stopped);
  clearInterval(painter);
  oscillator.stop();
  for (const track of stream.getTracks()) track.stop();
  await audio.close();
  if (failure) throw failure;
  // As the SDK: the Blob has the type the recorder was asked for.
  const blob = new Blob(chunks, { type: mimeType || 'video/webm' });
  recording = { blob, durationMs: stopCalledAt - startedAt };
  return { type: blob.type, recorderMimeType: recorder.mimeType, size: blob.size, chunks: chunks.length, frames: frame,
    wallClockSecs: (stopCalledAt - startedAt) / 1000, startToStopEventSecs: (stoppedAt - startedAt) / 1000, decodedSecs: await decodedDuration(blob) };
};

/** The recording's own length as this browser decodes it (a MediaRecorder WebM declares none: seek to the end). */
async function decodedDuration(blob) {
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  const url = URL.createObjectURL(blob);
  try {
    video.src = url;
    await deadline(10000, 'loadedmetadata of the recording', new Promise((resolve, reject) => { video.onloadedmetadata = resolve; video.onerror = () => reject(new Error('the recording does not decode: ' + (video.error && video.error.message))); }));
    if (!Number.isFinite(video.duration)) {
      const seeked = new Promise((resolve) => { video.onseeked = resolve; });
      video.currentTime = 1e6;
      await deadline(10000, 'seeking to the end of the recording', seeked);
    }
    return video.duration;
  } catch (e) {
    return String(e);
  } finally {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
}

/** One SDK call as MultipartClient.request makes it; answered or not, it goes into the log. */
async function sdk(api, publicKey, path, body) {
  const entry = { call: 'POST ' + path, request: body, status: 0, body: '' };
  log.push(entry);
  try {
    const response = await fetch(api + '/api/developer/sdk/v1' + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + publicKey },
      body: JSON.stringify(body),
    });
    entry.status = response.status;
    entry.body = await response.text();
  } catch (e) {
    entry.error = String(e);
  }
  return entry;
}

window.sdkCall = async (api, publicKey, path, body) => {
  const entry = await sdk(api, publicKey, path, body);
  return { status: entry.status, body: entry.body, error: entry.error || null };
};

async function request(api, publicKey, path, body) {
  const entry = await sdk(api, publicKey, path, body);
  if (entry.error) throw new Error(entry.call + ' failed in the browser: ' + entry.error);
  if (entry.status < 200 || entry.status > 299) throw new Error('SDK API error (' + entry.status + '): ' + entry.body);
  return JSON.parse(entry.body);
}

// Watching the video with the browser's own EventSource and the public key in ?key= (EventSource
// sends no headers of its own), from create on: the page sees its recording processed live.
const watches = {};
window.watchVideo = (api, publicKey, videoId) => {
  const w = { frames: [], errors: 0, opened: false, done: null };
  watches[videoId] = w;
  const es = new EventSource(api + '/api/developer/sdk/v1/videos/' + encodeURIComponent(videoId) + '/events?key=' + encodeURIComponent(publicKey));
  w.es = es;
  // A stream opened without a cursor starts from the video's current state: what happened before it
  // is subscribed is in its first video.status, not replayed as events.
  w.subscribed = new Promise((resolve) => es.addEventListener('stream.subscribed', resolve, { once: true }));
  es.onopen = () => { w.opened = true; };
  w.done = new Promise((resolve) => {
    es.onerror = () => {
      w.errors++;
      if (es.readyState === EventSource.CLOSED) resolve('closed');
    };
    for (const type of ['video.status', 'stream.subscribed', 'video.upload_started', 'video.uploaded', 'video.processing', 'video.ready', 'video.transcription', 'video.failed']) {
      es.addEventListener(type, (e) => {
        const data = JSON.parse(e.data);
        w.frames.push({ type, id: e.lastEventId, ready: data.ready, stage: data.processing ? data.processing.stage + ' ' + data.processing.status : null, videoId: data.id || null, error: data.error || null });
        if (type === 'video.ready' || type === 'video.failed') resolve(type);
      });
    }
  });
};

window.watched = async (videoId, ms) => {
  const w = watches[videoId];
  const outcome = await Promise.race([w.done, sleep(ms).then(() => 'timeout')]);
  w.es.close();
  return { outcome, opened: w.opened, errors: w.errors, readyState: w.es.readyState, frames: w.frames };
};

window.upload = async ({ api, publicKey, partSize, name }) => {
  const blob = recording.blob;
  const created = await request(api, publicKey, '/videos/create', { name, userId: 'browser-recorder-test' });
  const videoId = created.videoId;
  window.watchVideo(api, publicKey, videoId);
  // As a page that wants every event of its upload does: it starts once its stream is live.
  await Promise.race([watches[videoId].subscribed, sleep(10000)]);
  const { uploadId } = await request(api, publicKey, '/upload/multipart/initiate', { videoId, contentType: blob.type || 'video/mp4' });
  const totalParts = Math.ceil(blob.size / partSize);
  const parts = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let putsInFlight = 0;
  let maxPutsInFlight = 0;
  const CONCURRENCY = 3;
  for (let i = 0; i < totalParts; i += CONCURRENCY) {
    const batch = Array.from({ length: Math.min(CONCURRENCY, totalParts - i) }, (_, j) => i + j);
    const results = await Promise.all(batch.map(async (idx) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const start = idx * partSize;
        const end = Math.min(start + partSize, blob.size);
        const chunk = blob.slice(start, end);
        const partNumber = idx + 1;
        const { presignedUrl } = await request(api, publicKey, '/upload/multipart/presign-part', { videoId, uploadId, partNumber });
        const entry = { call: 'PUT part ' + partNumber + ' (' + (end - start) + ' bytes)', url: presignedUrl, status: 0, body: '', etag: null };
        log.push(entry);
        let response;
        putsInFlight++;
        maxPutsInFlight = Math.max(maxPutsInFlight, putsInFlight);
        try {
          response = await fetch(presignedUrl, { method: 'PUT', body: chunk });
        } catch (e) {
          entry.error = String(e);
          throw new Error(entry.call + ' failed in the browser: ' + e);
        } finally {
          putsInFlight--;
        }
        entry.status = response.status;
        entry.body = await response.text();
        if (!response.ok) {
          await request(api, publicKey, '/upload/multipart/abort', { videoId, uploadId });
          throw new Error('Failed to upload part ' + partNumber + ' (' + response.status + '): ' + entry.body);
        }
        entry.etag = response.headers.get('ETag');
        if (!entry.etag) throw new Error('part ' + partNumber + ': the ETag header of the PUT is not readable from the page (Access-Control-Expose-Headers)');
        return { partNumber, etag: entry.etag, size: end - start };
      } finally {
        inFlight--;
      }
    }));
    parts.push(...results);
  }
  const durationInSecs = recording.durationMs / 1000;
  await request(api, publicKey, '/upload/multipart/complete', { videoId, uploadId, parts, durationInSecs });
  return { ...created, uploadId, parts: parts.map((p) => p.size), maxInFlight, maxPutsInFlight, durationInSecs };
};
</script></body></html>`;

interface Recording {
  readonly type: string;
  readonly recorderMimeType: string;
  readonly size: number;
  readonly chunks: number;
  readonly frames: number;
  readonly wallClockSecs: number;
  readonly startToStopEventSecs: number;
  readonly decodedSecs: number | string;
}

interface Uploaded {
  readonly videoId: string;
  readonly s3Key: string;
  readonly shareUrl: string;
  readonly embedUrl: string;
  readonly uploadId: string;
  readonly parts: number[];
  readonly maxInFlight: number;
  readonly maxPutsInFlight: number;
  readonly durationInSecs: number;
}

interface SdkAnswer {
  readonly status: number;
  readonly body: string;
  readonly error: string | null;
}

/** What the page script puts on window. */
interface PageApi {
  supportedTypes(types: readonly string[]): string[];
  record(mimeType: string, seconds: number): Promise<Recording>;
  upload(options: { api: string; publicKey: string; partSize: number; name: string }): Promise<Uploaded>;
  sdkCall(api: string, publicKey: string, path: string, body: unknown): Promise<SdkAnswer>;
  watchVideo(api: string, publicKey: string, videoId: string): void;
  watched(videoId: string, ms: number): Promise<Watched>;
  apiLog: unknown[];
}

/** What the page's EventSource saw of its video. */
interface Watched {
  readonly outcome: 'video.ready' | 'video.failed' | 'closed' | 'timeout';
  readonly opened: boolean;
  readonly errors: number;
  readonly readyState: number;
  readonly frames: { type: string; id: string; ready: boolean | undefined; stage: string | null; videoId: string | null; error: unknown }[];
}

/** A tiny site on its own port: another origin than the API's. */
async function servePage(): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
    }),
  ]);
}

/** What the browser saw: console, page errors, and every answer of the API servers with its CORS headers. */
class Watch {
  readonly lines: string[] = [];
  readonly exchanges: { method: string; url: string; status: number; origin: string | undefined; allowOrigin: string | undefined; exposeHeaders: string | undefined }[] = [];
  private readonly pending: Promise<void>[] = [];

  constructor(private readonly apiBases: readonly string[]) {}

  attach(page: Page, label: string): Page {
    page.setDefaultTimeout(20_000);
    page.on('console', (m) => this.lines.push(`[${label} console.${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => this.lines.push(`[${label} pageerror] ${e.message}`));
    page.on('requestfailed', (r) => this.lines.push(`[${label} requestfailed] ${r.method()} ${r.url()}: ${r.failure()?.errorText ?? ''}`));
    page.on('response', (r) => {
      if (!this.apiBases.some((b) => r.url().startsWith(b))) return;
      this.pending.push((async () => {
        const [req, res] = await Promise.all([r.request().allHeaders(), r.allHeaders()]);
        this.exchanges.push({ method: r.request().method(), url: r.url(), status: r.status(), origin: req.origin, allowOrigin: res['access-control-allow-origin'], exposeHeaders: res['access-control-expose-headers'] });
      })().catch((e: unknown) => {
        this.lines.push(`[${label}] reading the headers of ${r.url()}: ${String(e)}`);
      }));
    });
    return page;
  }

  async settle(): Promise<void> {
    await within(5_000, 'reading response headers', Promise.all(this.pending));
  }

  async report(page: Page | undefined): Promise<string> {
    await this.settle().catch(() => {});
    let apiLog: unknown = '(page closed)';
    if (page && !page.isClosed()) apiLog = await within(2_000, 'reading the page log', page.evaluate(() => (window as unknown as PageApi).apiLog)).catch((e: unknown) => String(e));
    return [
      '--- the page\'s SDK calls and the server\'s answers:',
      JSON.stringify(apiLog, null, 1),
      '--- responses of the API as Chromium saw them (request Origin, Access-Control-Allow-Origin, -Expose-Headers):',
      ...this.exchanges.map((x) => `${x.method} ${x.url.replace(/signature=[^&]+/, 'signature=…')} → ${x.status} origin=${x.origin} acao=${x.allowOrigin} aceh=${x.exposeHeaders}`),
      '--- console and errors:',
      ...this.lines,
    ].join('\n');
  }
}

describe('browser recordings uploaded cross-origin through the SDK calls, then played', () => {
  /** The server as deployed: 5 MiB minimum part size, the SDK's 5 MB parts. */
  let sdkServer: TestServer;
  /** A server with multipartMinPartBytes lowered, so a 3 s recording goes in several parts. */
  let smallServer: TestServer;
  let site: { origin: string; close(): Promise<void> };
  let otherSite: { origin: string; close(): Promise<void> };
  let browser: Browser;
  let supported: string[] = [];

  before(async () => {
    sdkServer = await startServer({ videoPricePerMinuteMicro: PRICE_PER_MINUTE });
    smallServer = await startServer({ videoPricePerMinuteMicro: PRICE_PER_MINUTE, multipartMinPartBytes: SMALL_MIN_PART_BYTES });
    site = await servePage();
    otherSite = await servePage();
    browser = await launchChromium();
    const page = await browser.newPage();
    try {
      await page.goto(site.origin + '/');
      supported = await page.evaluate((types) => (window as unknown as PageApi).supportedTypes(types), ALL_TYPES);
    } finally {
      await page.close();
    }
  });

  after(async () => {
    await browser?.close();
    await Promise.allSettled([site?.close(), otherSite?.close(), sdkServer?.close(), smallServer?.close()]);
  });

  test('the page and the API are on different origins; MediaRecorder types Chromium offers', (t) => {
    assert.notEqual(new URL(site.origin).origin, new URL(sdkServer.url).origin);
    assert.notEqual(new URL(site.origin).origin, new URL(smallServer.url).origin);
    t.diagnostic(`page ${site.origin}, other page ${otherSite.origin}, API ${sdkServer.url} and ${smallServer.url}`);
    t.diagnostic(`MediaRecorder.isTypeSupported: yes for ${supported.join(' | ')}; no for ${ALL_TYPES.filter((x) => !supported.includes(x)).join(' | ')}`);
    assert.ok(supported.some((x) => x.startsWith('video/webm')), 'Chromium records WebM');
  });

  test('a production app refuses a page of another origin, with an answer the page can read; a development app takes it', async (t) => {
    const production = await makeApp(sdkServer, { creditsMicro: CREDITS, environment: 'production', allowedOrigins: [site.origin] });
    const development = await makeApp(sdkServer, { creditsMicro: CREDITS, environment: 'development' });
    const watch = new Watch([sdkServer.url]);
    const context = await browser.newContext();
    const page = watch.attach(await context.newPage(), 'other origin');
    try {
      await page.goto(otherSite.origin + '/');
      const refused = await page.evaluate(([base, key]) => (window as unknown as PageApi).sdkCall(base, key, '/videos/create', { name: 'refused' }), [sdkServer.url, production.publicKey] as const);
      assert.equal(refused.error, null, 'the refusal carries CORS headers, so the page can read it');
      assert.equal(refused.status, 403, refused.body);
      assert.equal((JSON.parse(refused.body) as { code: string }).code, 'origin_not_allowed');
      assert.match(refused.body, new RegExp(`Origin ${otherSite.origin.replace(/[.:/]/g, '\\$&')} is not allowed`));

      // The allowed origin creates; the other one cannot go on with that video either.
      const allowed = await production.sdk('/videos/create', { name: 'allowed' }, { origin: site.origin });
      assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
      const initiate = await page.evaluate(([base, key, videoId]) => (window as unknown as PageApi).sdkCall(base, key, '/upload/multipart/initiate', { videoId, contentType: 'video/webm' }), [sdkServer.url, production.publicKey, allowed.body.videoId as string] as const);
      assert.equal(initiate.status, 403, initiate.body);

      // Its EventSource is refused before any stream opens, and does not come back.
      const refusedWatch = await page.evaluate(async ([base, key, videoId]) => {
        const api = window as unknown as PageApi;
        api.watchVideo(base, key, videoId);
        return api.watched(videoId, 10_000);
      }, [sdkServer.url, production.publicKey, allowed.body.videoId as string] as const);
      assert.deepEqual([refusedWatch.outcome, refusedWatch.opened, refusedWatch.frames.length], ['closed', false, 0], JSON.stringify(refusedWatch));

      const dev = await page.evaluate(([base, key]) => (window as unknown as PageApi).sdkCall(base, key, '/videos/create', { name: 'dev' }), [sdkServer.url, development.publicKey] as const);
      assert.equal(dev.status, 200, dev.body);
      await watch.settle();
      const create = watch.exchanges.find((x) => x.method === 'POST' && x.url.endsWith('/videos/create'));
      assert.equal(create?.origin, otherSite.origin, 'Chromium sent the page\'s Origin');
      assert.equal(create?.allowOrigin, otherSite.origin);
      const events = watch.exchanges.find((x) => x.method === 'GET' && x.url.includes('/events?key='));
      assert.equal(events?.status, 403, 'the EventSource got the 403');
      assert.equal(events?.origin, otherSite.origin, 'Chromium sent the EventSource\'s Origin');
    } catch (e) {
      t.diagnostic(await watch.report(page));
      throw e;
    } finally {
      await context.close();
    }
  });

  for (const variant of VARIANTS) {
    test(`${variant.name}: recorded for ${SECONDS} s on another origin, uploaded as the SDK does (5 MB parts, production app; small parts three at a time, development app), ready, measured, billed and played`, async (t) => {
      const mimeType = variant.candidates.find((c) => supported.includes(c));
      if (!mimeType) {
        t.skip(`skipped: MediaRecorder.isTypeSupported says no to ${variant.candidates.join(', ')} in this Chromium`);
        return;
      }
      const production = await makeApp(sdkServer, { creditsMicro: CREDITS, environment: 'production', allowedOrigins: [site.origin] });
      const development = await makeApp(smallServer, { creditsMicro: CREDITS, environment: 'development' });
      const watch = new Watch([sdkServer.url, smallServer.url]);
      const context = await browser.newContext();
      const page = watch.attach(await context.newPage(), 'recorder');
      let current: Page | undefined = page;
      const uploads: [TestServer, TestApp, Uploaded][] = [];
      try {
        await page.goto(site.origin + '/');
        // A click is the user gesture the AudioContext wants.
        await page.click('canvas');
        const recording = await within(30_000, 'recording', page.evaluate(([type, seconds]) => (window as unknown as PageApi).record(type, seconds), [mimeType, SECONDS] as const));
        t.diagnostic(`recorded ${mimeType}: ${JSON.stringify(recording)}`);
        assert.equal(recording.type, mimeType, 'the Blob has the recorder\'s type, parameters included');
        assert.ok(recording.size > 0);
        assert.ok(Math.abs(recording.wallClockSecs - SECONDS) < 0.5, `recorded ${recording.wallClockSecs} s`);

        const smallPart = Math.max(SMALL_MIN_PART_BYTES, Math.ceil(recording.size / SMALL_PARTS));
        for (const [server, app, partSize] of [[sdkServer, production, SDK_PART_BYTES], [smallServer, development, smallPart]] as const) {
          const uploaded = await within(30_000, `the upload to ${server.url}`, page.evaluate((o) => (window as unknown as PageApi).upload(o), { api: server.url, publicKey: app.publicKey, partSize, name: `${variant.name} recording` }));
          t.diagnostic(`uploaded to ${app === production ? 'the production app, 5 MB parts' : 'the development app, small parts'}: ${JSON.stringify({ ...uploaded, parts: uploaded.parts.join('+') })}`);
          assert.deepEqual(uploaded.parts, Array.from({ length: Math.ceil(recording.size / partSize) }, (_, i) => Math.min(partSize, recording.size - i * partSize)));
          assert.equal(uploaded.shareUrl, `${server.url}/dev/${uploaded.videoId}`);
          assert.equal(uploaded.embedUrl, `${server.url}/embed/${uploaded.videoId}?sdk=1`);
          uploads.push([server, app, uploaded]);
        }
        const [, , small] = uploads[1]!;
        assert.ok(small.parts.length >= 4, `several batches of parts (${small.parts.length})`);
        assert.equal(small.maxInFlight, 3, 'three parts in flight at once');
        await watch.settle();
        const puts = watch.exchanges.filter((x) => x.method === 'PUT');
        assert.equal(puts.length, 1 + small.parts.length);
        for (const x of watch.exchanges) {
          assert.equal(x.origin, site.origin, `${x.method} ${x.url} was cross-origin`);
          assert.equal(x.allowOrigin, site.origin, `${x.method} ${x.url} allowed the page's origin`);
        }
        for (const x of puts) assert.match(x.exposeHeaders ?? '', /(^|,\s*)etag(,|$)/i, 'CORS exposes ETag');

        const server = (s: TestServer) => (s === sdkServer ? 'production app, 5 MB parts' : 'development app, small parts');
        for (const [ts, app, uploaded] of uploads) {
          // The page watched its video from create on: the upload, then processing, live, to ready.
          const seen = await within(60_000, 'the page\'s watch', page.evaluate(([id]) => (window as unknown as PageApi).watched(id, 50_000), [uploaded.videoId] as const));
          t.diagnostic(`${server(ts)}: the page's EventSource saw ${seen.frames.map((f) => (f.type === 'video.processing' ? f.stage : f.type)).join(', ')}`);
          assert.equal(seen.outcome, 'video.ready', `${JSON.stringify(seen)}; stages: ${JSON.stringify(seen.outcome === 'video.ready' ? [] : await stageErrors(ts, uploaded.videoId))}`);
          assert.equal(seen.errors, 0, 'the stream was never cut');
          assert.deepEqual(seen.frames.slice(0, 3).map((f) => f.type), ['video.status', 'stream.subscribed', 'video.upload_started']);
          assert.equal(seen.frames[0]!.ready, false);
          for (const type of ['video.uploaded', 'video.processing', 'video.ready']) assert.ok(seen.frames.some((f) => f.type === type), `${type} seen`);
          assert.ok(seen.frames.every((f) => f.type === 'stream.subscribed' || f.videoId === uploaded.videoId), 'only the page\'s own video');

          const status = await waitForVideo(app, uploaded.videoId, settled, 900);
          assert.equal(status.ready, true, `${server(ts)}: ${JSON.stringify(status)}; stages: ${JSON.stringify(status.ready === true ? [] : await stageErrors(ts, uploaded.videoId))}`);
          const duration = status.duration as number;
          t.diagnostic(`${server(ts)}: the server measured ${duration} s (recording ${recording.wallClockSecs.toFixed(3)} s wall clock, ${String(recording.decodedSecs)} s decoded)`);
          assert.ok(Math.abs(duration - recording.wallClockSecs) <= WALL_CLOCK_TOLERANCE_SECS, `${server(ts)}: measured ${duration} s, recorded ${recording.wallClockSecs} s`);
          assert.ok(typeof recording.decodedSecs === 'number' && Math.abs(duration - recording.decodedSecs) <= TOLERANCE_SECS, `${server(ts)}: measured ${duration} s, the recording decodes as ${recording.decodedSecs} s in Chromium`);
          assert.deepEqual([status.width, status.height], [320, 240]);

          const org = await ts.admin('GET', `/orgs/${app.orgId}`);
          assert.equal(CREDITS - (org.body.credits_micro as number), cost(duration), `${server(ts)}: billed ${duration} s at ${PRICE_PER_MINUTE} a minute`);
          const usage = (await app.rest('GET', '/usage')).body.data as Record<string, unknown>;
          assert.equal(usage.balanceMicroCredits, CREDITS - cost(duration));
          assert.equal(usage.totalVideos, 1);
          assert.equal(usage.totalDurationMinutes, Math.round((duration / 60) * 100) / 100);

          for (const [kind, url] of [['share', uploaded.shareUrl], ['embed', `${uploaded.embedUrl}&autoplay=1`]] as const) {
            const player = watch.attach(await context.newPage(), `${kind} page`);
            current = player;
            try {
              assert.equal((await player.goto(url))?.status(), 200, url);
              await player.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 1);
              const meta = await player.evaluate(() => {
                const v = document.querySelector('video')!;
                return { duration: v.duration, error: v.error ? `${v.error.code} ${v.error.message}` : null, muted: v.muted, width: v.videoWidth };
              });
              t.diagnostic(`${server(ts)}, ${kind} page: <video> duration ${meta.duration}`);
              assert.equal(meta.error, null);
              assert.ok(Number.isFinite(meta.duration) && Math.abs(meta.duration - duration) <= TOLERANCE_SECS, `${kind} page: duration ${meta.duration}, measured ${duration}`);
              if (kind === 'embed') {
                await player.waitForFunction(() => {
                  const v = document.querySelector('video')!;
                  return !v.paused && v.currentTime > 0;
                });
                assert.equal(meta.muted, true, 'autoplay is muted');
              }
              await player.evaluate(() => {
                document.querySelector('video')!.currentTime = 2;
              });
              await player.waitForFunction(() => {
                const v = document.querySelector('video')!;
                return !v.seeking && v.currentTime >= 1.9 && v.readyState >= 2;
              });
            } finally {
              current = page;
              await player.close();
            }
          }
        }
      } catch (e) {
        t.diagnostic(await watch.report(current));
        for (const [, app, uploaded] of uploads) {
          const [video, status] = await Promise.all([app.rest('GET', `/videos/${uploaded.videoId}`), app.rest('GET', `/videos/${uploaded.videoId}/status`)]);
          t.diagnostic(`video ${uploaded.videoId}: ${video.status} ${JSON.stringify(video.body)}; status ${status.status} ${JSON.stringify(status.body)}`);
        }
        throw e;
      } finally {
        await context.close();
      }
    });
  }
});
