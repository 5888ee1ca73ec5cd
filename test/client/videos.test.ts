// Developer videos through the SDK against a real server: a Blob uploaded in several parts with
// concurrency 2 and progress, then polled until ready; an abort (the server's upload is aborted too);
// a resume from the parts kept after a failure, sending only the missing parts; and the steps a
// transient failure (a node draining, a connection closed under a request) tries again, or must not.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CapstanError, createClient, type Capstan, type VideoUploadProgress, type VideoUploadState } from '@capstan/client';
import { cameraMp4 } from '../fixtures/media.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { createVideo, makeApp, uploadParts, type TestApp } from '../helpers/videos.js';
import { assertFreshBuild, countingFetch } from './helpers.js';

const PART = 16 * 1024;
const SDK = '/api/developer/sdk/v1';

/** What a node answers while it shuts down, or another refusal of the catalogue. */
const refusal = (code: string) => new Response(JSON.stringify({ error: `refused (test): ${code}`, code }), { status: 503, headers: { 'content-type': 'application/json' } });
/** What fetch throws when the connection closes under a request (a keep-alive closed at a drain). */
const noAnswer = () => new TypeError('fetch failed (test)', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });

/** A fetch whose first request to `path` fails as `fail` says; every other request goes through. */
function failingOnce(path: string, fail: (input: string, init?: RequestInit) => Promise<Response>) {
  const counts = new Map<string, number>();
  return {
    fetch: async (input: string, init?: RequestInit): Promise<Response> => {
      const at = new URL(input).pathname;
      const n = (counts.get(at) ?? 0) + 1;
      counts.set(at, n);
      return at === path && n === 1 ? fail(input, init) : fetch(input, init);
    },
    count: (at: string) => counts.get(at) ?? 0,
  };
}

describe('videos through the SDK', () => {
  let ts: TestServer;
  let app: TestApp;
  let client: Capstan;
  let video: Blob;
  before(async () => {
    assertFreshBuild();
    // Small parts keep the test light; the SDK's default is S3's 5 MiB.
    ts = await startServer({ multipartMinPartBytes: PART, developerKeyRecheckMs: 200 });
    app = await makeApp(ts);
    client = createClient({ baseUrl: ts.url, publicKey: app.publicKey, secretKey: app.secretKey });
    video = new Blob([new Uint8Array(await cameraMp4({ seconds: 2 }))], { type: 'video/mp4' });
    assert.ok(video.size > 3 * PART, `the fixture spans several parts (${video.size} bytes)`);
  });
  after(() => ts.close());

  test('a Blob in several parts, two at a time, with progress; then ready through REST polling', async () => {
    const progress: VideoUploadProgress[] = [];
    const states: VideoUploadState[] = [];
    const result = await client.videos.upload(video, { partSize: PART, concurrency: 2, create: { name: 'demo' }, onProgress: (p) => progress.push(p), onState: (s) => states.push(s) });
    const partsTotal = Math.ceil(video.size / PART);
    assert.equal(result.parts.length, partsTotal);
    assert.deepEqual(result.parts.map((p) => p.partNumber), Array.from({ length: partsTotal }, (_, i) => i + 1));
    assert.deepEqual(progress.map((p) => p.partsDone), Array.from({ length: partsTotal + 1 }, (_, i) => i));
    assert.equal(progress.at(-1)?.uploadedBytes, video.size);
    assert.equal(states.at(-1)?.parts.length, partsTotal);
    const status = await client.videos.waitUntilReady(result.videoId, { intervalMs: 100 });
    assert.equal(status.ready, true, JSON.stringify(status));
    assert.ok((status.duration ?? 0) > 1.5);
    assert.equal((await client.videos.get(result.videoId)).name, 'demo');
    assert.ok((await client.videos.list()).some((v) => v.id === result.videoId));
    assert.equal((await client.videos.usage()).totalVideos >= 1, true);
  });

  test('in a browser, with only the public key: upload, watch the video to ready, read its status', async () => {
    const browser = createClient({ baseUrl: ts.url, publicKey: app.publicKey });
    const { videoId } = await browser.videos.upload(video, { partSize: PART, create: { name: 'watched' } });
    const seen: string[] = [];
    const stream = browser.videos.watch(videoId);
    for await (const ev of stream) {
      seen.push(ev.type === 'video.processing' ? `${ev.data.processing?.stage} ${ev.data.processing?.status}` : ev.type);
      if (ev.type !== 'stream.stale_resume' && ev.type !== 'unknown') assert.equal(ev.data.id, videoId);
      if (ev.type === 'video.ready' || ev.type === 'video.failed' || (ev.type === 'video.status' && ev.data.ready)) break;
    }
    assert.equal(seen[0], 'video.status', seen.join(', '));
    assert.equal(seen.at(-1) === 'video.ready' || seen.length === 1, true, seen.join(', '));
    const status = await browser.videos.waitUntilReady(videoId, { intervalMs: 100 });
    assert.equal(status.ready, true);
    assert.deepEqual(status, await client.videos.status(videoId), 'the SDK route answers as the REST one');
    await assert.rejects(createClient({ baseUrl: ts.url, publicKey: 'cpk_unknown' }).videos.status(videoId), (e: unknown) => e instanceof CapstanError && e.status === 401);
    await assert.rejects(browser.videos.status('nosuchvideo0'), (e: unknown) => e instanceof CapstanError && e.code === 'not_found');
  });

  test('a watch ends typed when the keys are regenerated', async () => {
    const doomed = await makeApp(ts);
    const browser = createClient({ baseUrl: ts.url, publicKey: doomed.publicKey });
    const { videoId } = await browser.videos.create({ name: 'doomed' });
    const stream = browser.videos.watch(videoId);
    await stream.subscribed;
    await ts.admin('POST', `/apps/${doomed.id}/regenerate-keys`);
    await assert.rejects(async () => {
      for await (const ev of stream) void ev;
    }, (e: unknown) => e instanceof CapstanError && e.code === 'key_revoked');
  });

  test('abort through the AbortSignal: the parts stop, the upload is aborted on the server, the error is typed', async () => {
    const stop = new AbortController();
    let state: VideoUploadState | undefined;
    await assert.rejects(
      client.videos.upload(video, { partSize: PART, concurrency: 1, signal: stop.signal, onState: (s) => (state = s), onProgress: (p) => p.partsDone === 1 && stop.abort() }),
      (e: unknown) => e instanceof CapstanError && e.code === 'aborted',
    );
    assert.ok(state);
    const complete = await app.sdk('/upload/multipart/complete', { videoId: state.videoId, uploadId: state.uploadId, parts: state.parts });
    assert.equal(complete.status, 404, 'the aborted upload is gone');
    assert.match(String(complete.body.error), /NoSuchUpload/);
  });

  test('a part refused for good stops the other parts at once, and its error is what the caller gets', async () => {
    let failedAt: number | undefined;
    let putsAfter = 0;
    let puts = 0;
    const refusing = async (input: string, init?: RequestInit): Promise<Response> => {
      if (init?.method === 'PUT') {
        if (failedAt !== undefined) putsAfter++;
        if (++puts === 1) {
          failedAt = Date.now();
          return new Response(JSON.stringify({ error: 'Access denied', code: 'forbidden' }), { status: 403, headers: { 'content-type': 'application/json' } });
        }
      }
      return fetch(input, init);
    };
    const sdk = createClient({ baseUrl: ts.url, publicKey: app.publicKey, fetch: refusing });
    const partsTotal = Math.ceil(video.size / PART);
    await assert.rejects(sdk.videos.upload(video, { partSize: PART, concurrency: 2 }), (e: unknown) => e instanceof CapstanError && e.status === 403);
    // The other worker's part in flight may have begun its PUT; no part after it does.
    assert.ok(putsAfter <= 1, `${putsAfter} part uploads began after the refusal (of ${partsTotal} parts)`);
  });

  test('an S3-style XML refusal of a part is storage_error with the store\'s code and message; a 5xx one is tried again', async () => {
    const xml = (status: number, code: string, message: string) => new Response(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>R1</RequestId></Error>`, { status, headers: { 'content-type': 'application/xml', 'x-amz-request-id': 'R1' } });
    const denying = async (input: string, init?: RequestInit): Promise<Response> => (init?.method === 'PUT' ? xml(403, 'AccessDenied', 'Request has expired') : fetch(input, init));
    const denied = createClient({ baseUrl: ts.url, publicKey: app.publicKey, fetch: denying });
    await assert.rejects(denied.videos.upload(video, { partSize: PART }), (e: unknown) => e instanceof CapstanError && e.code === 'storage_error' && e.status === 403
      && e.details.store_code === 'AccessDenied' && e.details.store_message === 'Request has expired' && e.requestId === 'R1' && /part \d+ \(AccessDenied: Request has expired\)/.test(e.message) && !/base URL/.test(e.message));
    let slowDowns = 0;
    const busyOnce = async (input: string, init?: RequestInit): Promise<Response> => (init?.method === 'PUT' && slowDowns++ === 0 ? xml(503, 'SlowDown', 'Reduce your request rate') : fetch(input, init));
    const created = await createClient({ baseUrl: ts.url, publicKey: app.publicKey, fetch: busyOnce }).videos.upload(video, { partSize: PART });
    assert.ok(created.videoId, 'uploaded after the store\'s 503 was tried again');
  });

  test('resume from kept parts (as after a reload): only the missing parts are sent again', async () => {
    let state: VideoUploadState | undefined;
    let puts = 0;
    // The network dies after two parts: every later part upload fails.
    const flaky = countingFetch((url, init) => init?.method === 'PUT' && ++puts > 2);
    const first = createClient({ baseUrl: ts.url, publicKey: app.publicKey, fetch: flaky.fetch });
    await assert.rejects(first.videos.upload(video, { partSize: PART, concurrency: 2, onState: (s) => (state = s) }), (e: unknown) => e instanceof CapstanError && e.code === 'network_error');
    assert.ok(state);
    assert.equal(state.parts.length, 2);
    const kept: VideoUploadState = JSON.parse(JSON.stringify(state)) as VideoUploadState;
    const counting = countingFetch();
    const second = createClient({ baseUrl: ts.url, publicKey: app.publicKey, secretKey: app.secretKey, fetch: counting.fetch });
    const result = await second.videos.upload(video, { partSize: PART, concurrency: 2, resume: kept });
    const partsTotal = Math.ceil(video.size / PART);
    assert.equal(counting.count('/uploads/parts'), partsTotal - 2, 'kept parts are not sent again');
    assert.equal(counting.count('/api/developer/sdk/v1/upload/multipart/initiate'), 0);
    assert.equal(result.videoId, kept.videoId);
    assert.equal((await second.videos.waitUntilReady(result.videoId, { intervalMs: 100 })).ready, true);
  });

  test('complete: "being completed" is asked again until it ends, "already complete" is done', async () => {
    const videoId = await createVideo(app);
    const { uploadId, parts } = await uploadParts(app, videoId, new Uint8Array(await video.arrayBuffer()), PART);
    const counting = countingFetch();
    const resumer = createClient({ baseUrl: ts.url, publicKey: app.publicKey, secretKey: app.secretKey, fetch: counting.fetch });
    // Another complete has claimed the upload; it fails a moment later and lets the upload go.
    await ts.server.ctx.storage.videos.update(videoId, { state: 'completing', updated_at: new Date().toISOString() });
    setTimeout(() => void ts.server.ctx.storage.videos.update(videoId, { state: 'uploading', updated_at: new Date().toISOString() }), 300);
    const resumed = await resumer.videos.upload(video, { partSize: PART, resume: { videoId, uploadId, parts } });
    assert.equal(resumed.videoId, videoId);
    assert.equal(counting.count('/api/developer/sdk/v1/upload/multipart/complete'), 2, 'asked again after its Retry-After');
    assert.equal(counting.count('/uploads/parts'), 0, 'every part was kept');
    // The same resume again (its answer lost, say): the upload is already complete, which is done.
    await resumer.videos.upload(video, { partSize: PART, resume: { videoId, uploadId, parts } });
    assert.equal(counting.count('/api/developer/sdk/v1/upload/multipart/complete'), 3);
    assert.equal((await resumer.videos.waitUntilReady(videoId, { intervalMs: 100 })).ready, true);
  });

  test('a stale resume state of an upload completed since resolves as done, whatever part of it was kept', async () => {
    const states: VideoUploadState[] = [];
    const first = await client.videos.upload(video, { partSize: PART, concurrency: 1, onState: (s) => states.push(JSON.parse(JSON.stringify(s)) as VideoUploadState) });
    const partsTotal = Math.ceil(video.size / PART);
    const counting = countingFetch();
    const resumer = createClient({ baseUrl: ts.url, publicKey: app.publicKey, secretKey: app.secretKey, fetch: counting.fetch });
    for (const kept of [0, 2, partsTotal - 1, partsTotal]) {
      const stale = states.find((s) => s.parts.length === kept);
      assert.ok(stale, `a state with ${kept} parts`);
      const resumed = await resumer.videos.upload(video, { partSize: PART, resume: stale });
      assert.equal(resumed.videoId, first.videoId, `${kept} parts kept`);
      assert.deepEqual(resumed.parts, stale.parts, `${kept} parts kept: the parts it knew of`);
    }
    assert.equal(counting.count('/uploads/parts'), 0, 'no part is sent to an upload that is complete');
    assert.equal(counting.count(`${SDK}/upload/multipart/complete`), 4, 'one complete per resume, answered "already complete"');
    assert.equal(counting.count(`${SDK}/upload/multipart/initiate`), 0);
    assert.equal((await client.videos.waitUntilReady(first.videoId, { intervalMs: 100 })).ready, true);
  });

  test('a part refused because another page completed the upload while it was sent: done', async () => {
    let last: VideoUploadState | undefined;
    const partsTotal = Math.ceil(video.size / PART);
    // Another page, holding the same state, sends the last part and completes just before this one's PUT.
    const overtaken = async (input: string, init?: RequestInit): Promise<Response> => {
      if (init?.method === 'PUT' && new URL(input).searchParams.get('partNumber') === String(partsTotal) && last) {
        const put = await fetch(input, init);
        const parts = [...last.parts, { partNumber: partsTotal, etag: put.headers.get('etag') ?? '', size: video.size - (partsTotal - 1) * PART }];
        assert.equal((await app.sdk('/upload/multipart/complete', { videoId: last.videoId, uploadId: last.uploadId, parts })).status, 200);
      }
      return fetch(input, init);
    };
    const page = createClient({ baseUrl: ts.url, publicKey: app.publicKey, fetch: overtaken });
    const result = await page.videos.upload(video, { partSize: PART, concurrency: 1, onState: (s) => (last = s) });
    assert.equal(result.parts.length, partsTotal - 1, 'the parts this page knew of');
    assert.equal((await client.videos.waitUntilReady(result.videoId, { intervalMs: 100 })).ready, true);
  });

  test('a stale resume state of an upload aborted since rejects NoSuchUpload, saying it was not completed', async () => {
    let state: VideoUploadState | undefined;
    const stop = new AbortController();
    await assert.rejects(
      client.videos.upload(video, { partSize: PART, concurrency: 1, signal: stop.signal, onState: (s) => (state = s), onProgress: (p) => p.partsDone === 1 && stop.abort() }),
      (e: unknown) => e instanceof CapstanError && e.code === 'aborted',
    );
    assert.ok(state);
    const kept = JSON.parse(JSON.stringify(state)) as VideoUploadState;
    const counting = countingFetch();
    const resumer = createClient({ baseUrl: ts.url, publicKey: app.publicKey, fetch: counting.fetch });
    await assert.rejects(resumer.videos.upload(video, { partSize: PART, resume: kept }), (e: unknown) => e instanceof CapstanError && e.code === 'not_found' && e.status === 404
      && /^NoSuchUpload: .*It was not completed: upload the Blob again, without resume$/.test(e.message));
    assert.equal(counting.count('/uploads/parts'), 0);
    assert.equal((await client.videos.status(kept.videoId)).ready, false);
  });

  test('a resume that meets a complete in flight which then fails sends its missing parts after all: the whole video', async () => {
    let state: VideoUploadState | undefined;
    let puts = 0;
    const flaky = countingFetch((url, init) => init?.method === 'PUT' && ++puts > 2);
    const first = createClient({ baseUrl: ts.url, publicKey: app.publicKey, fetch: flaky.fetch });
    await assert.rejects(first.videos.upload(video, { partSize: PART, concurrency: 1, onState: (s) => (state = s) }), (e: unknown) => e instanceof CapstanError && e.code === 'network_error');
    assert.ok(state);
    const kept = JSON.parse(JSON.stringify(state)) as VideoUploadState;
    // Another page's complete claims the upload; it fails (a wrong ETag, say) once this page has asked about it.
    await ts.server.ctx.storage.videos.update(kept.videoId, { state: 'completing', updated_at: new Date().toISOString() });
    const completes: number[] = [];
    const resumer = createClient({
      baseUrl: ts.url, publicKey: app.publicKey, fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (new URL(input).pathname === `${SDK}/upload/multipart/complete`) {
          completes.push(res.status);
          if (completes.length === 1) await ts.server.ctx.storage.videos.update(kept.videoId, { state: 'uploading', updated_at: new Date().toISOString() });
        }
        return res;
      },
    });
    const result = await resumer.videos.upload(video, { partSize: PART, resume: kept });
    const partsTotal = Math.ceil(video.size / PART);
    assert.deepEqual(completes, [409, 400, 200], 'being completed, then open again (the unknown parts fail the question), then the real complete');
    assert.equal(result.parts.length, partsTotal);
    const status = await client.videos.waitUntilReady(kept.videoId, { intervalMs: 100 });
    assert.equal(status.ready, true, JSON.stringify(status));
    assert.ok((status.duration ?? 0) > 1.5, 'the whole recording, not its first parts');
  });

  test('a Blob of a type initiate refuses is refused before create, with the server\'s own answer: nothing is left behind', async () => {
    const own = await makeApp(ts);
    const counting = countingFetch();
    const sdk = createClient({ baseUrl: ts.url, publicKey: own.publicKey, secretKey: own.secretKey, fetch: counting.fetch });
    const askServer = async (contentType: unknown) => app.sdk('/upload/multipart/initiate', { videoId: await createVideo(app), contentType });
    await assert.rejects(sdk.videos.upload(new Blob(['hello'], { type: 'text/plain' })), (e: unknown) => e instanceof CapstanError && e.code === 'invalid_request' && e.status === 400
      && e.message === 'contentType must be a video/* or audio/* type, not text/*');
    const refused = ['application/octet-stream', 'image/png', 'video', 'garbage', 'video/mp4 x', ' ', 'video/mp4; codecs=\u00e9', 'video/mp4;codecs', `video/${'a'.repeat(250)}`, '\u{1F3A5}'.repeat(200), 'text/html;charset=utf-8'];
    for (const contentType of refused) {
      const server = await askServer(contentType);
      assert.equal(server.status, 400, contentType);
      await assert.rejects(sdk.videos.upload(new Blob(['hello'], { type: 'video/mp4' }), { contentType }), (e: unknown) => e instanceof CapstanError && e.status === server.status
        && e.code === server.body.code && e.message === server.body.error, `${contentType.slice(0, 40)}: ${JSON.stringify(server.body)}`);
    }
    // From JavaScript, a contentType that is not a string.
    const server = await askServer(5);
    await assert.rejects(sdk.videos.upload(new Blob(['hello']), { contentType: 5 as unknown as string }), (e: unknown) => e instanceof CapstanError && e.status === server.status && e.code === server.body.code && e.message === server.body.error);
    assert.equal(counting.count(`${SDK}/videos/create`), 0, 'nothing was created');
    assert.deepEqual(await sdk.videos.list(), []);
    assert.equal((await sdk.videos.usage()).totalVideos, 0);
    // What the server takes goes on to create and initiate; an empty Blob type is sent as video/mp4.
    const taken: [string, string | undefined][] = [['', undefined], ['video/webm', undefined], ['', 'video/webm;codecs=vp9,opus'], ['', 'VIDEO/MP4'], ['', 'video/mp4; codecs="avc1.42E01E, mp4a.40.2"'], ['', 'audio/ogg'], ['', ' video/mp4; '], ['', `video/${'a'.repeat(249)}`]];
    for (const [type, contentType] of taken) {
      if (contentType !== undefined) assert.equal((await askServer(contentType)).status, 200, contentType);
      const sent: string[] = [];
      // The parts are refused, so each case stops right after initiate.
      const stopAtParts = async (input: string, init?: RequestInit): Promise<Response> => {
        const at = new URL(input).pathname;
        if (at === `${SDK}/upload/multipart/initiate`) sent.push((JSON.parse(String(init?.body)) as { contentType: string }).contentType);
        if (at === `${SDK}/upload/multipart/presign-part`) return new Response(JSON.stringify({ error: 'refused (test)', code: 'forbidden' }), { status: 403, headers: { 'content-type': 'application/json' } });
        return fetch(input, init);
      };
      const taking = createClient({ baseUrl: ts.url, publicKey: app.publicKey, fetch: stopAtParts });
      await assert.rejects(taking.videos.upload(new Blob(['hello'], { type }), contentType === undefined ? {} : { contentType }), (e: unknown) => e instanceof CapstanError && e.status === 403, `${type} ${contentType}`);
      assert.deepEqual(sent, [contentType ?? (type || 'video/mp4')]);
    }
  });

  test('a presign that fails once (no answer, or 503 draining) is tried again with its part: the upload goes through', async () => {
    for (const [label, fail] of [['no answer', async () => { throw noAnswer(); }], ['503 draining', async () => refusal('draining')]] as const) {
      const flaky = failingOnce(`${SDK}/upload/multipart/presign-part`, fail);
      const sdk = createClient({ baseUrl: ts.url, publicKey: app.publicKey, fetch: flaky.fetch });
      const result = await sdk.videos.upload(video, { partSize: PART, concurrency: 1 });
      const partsTotal = Math.ceil(video.size / PART);
      assert.equal(result.parts.length, partsTotal, label);
      assert.equal(flaky.count(`${SDK}/upload/multipart/presign-part`), partsTotal + 1, `${label}: the failed presign was asked again`);
      assert.equal((await client.videos.waitUntilReady(result.videoId, { intervalMs: 100 })).ready, true, label);
    }
  });

  test('create refused by a draining node, and initiate whose answer was lost, are asked again: one video, uploaded', async () => {
    const name = `retried-${Date.now()}`;
    const drained = failingOnce(`${SDK}/videos/create`, async () => refusal('draining'));
    const created = await createClient({ baseUrl: ts.url, publicKey: app.publicKey, fetch: drained.fetch }).videos.upload(video, { partSize: PART, create: { name } });
    assert.equal(drained.count(`${SDK}/videos/create`), 2);
    // The first initiate went through on the server; its answer never arrived. The second replaces it.
    const lost = failingOnce(`${SDK}/upload/multipart/initiate`, async (input, init) => {
      await fetch(input, init);
      throw noAnswer();
    });
    const initiated = await createClient({ baseUrl: ts.url, publicKey: app.publicKey, fetch: lost.fetch }).videos.upload(video, { partSize: PART, create: { name } });
    assert.equal(lost.count(`${SDK}/upload/multipart/initiate`), 2);
    for (const { videoId } of [created, initiated]) assert.equal((await client.videos.waitUntilReady(videoId, { intervalMs: 100 })).ready, true);
    assert.equal((await client.videos.list({ limit: 100 })).filter((v) => v.name === name).length, 2, 'one video per upload');
  });

  test('a complete without an answer (applied or not), or refused by a draining node, is sent again: the upload ends ready', async () => {
    const applied = async (input: string, init?: RequestInit) => {
      await fetch(input, init);
      throw noAnswer();
    };
    for (const [label, fail] of [['no answer, not applied', async () => { throw noAnswer(); }], ['no answer, applied', applied], ['503 draining', async () => refusal('draining')]] as const) {
      const flaky = failingOnce(`${SDK}/upload/multipart/complete`, fail);
      const result = await createClient({ baseUrl: ts.url, publicKey: app.publicKey, fetch: flaky.fetch }).videos.upload(video, { partSize: PART });
      assert.equal(flaky.count(`${SDK}/upload/multipart/complete`), 2, label);
      assert.equal((await client.videos.waitUntilReady(result.videoId, { intervalMs: 100 })).ready, true, label);
    }
  });

  test('a create with no answer (applied or not), or answered 503, is sent again under one Idempotency-Key: one video, uploaded', async () => {
    const applied = async (input: string, init?: RequestInit) => {
      await fetch(input, init);
      throw noAnswer();
    };
    const keys: (string | null)[] = [];
    for (const [label, fail] of [['no answer, not applied', async () => { throw noAnswer(); }], ['no answer, applied', applied], ['503 unavailable', async () => refusal('unavailable')]] as const) {
      const name = `create-retried-${label}-${Date.now()}`;
      const flaky = failingOnce(`${SDK}/videos/create`, async (input, init) => {
        keys.push(new Headers(init?.headers).get('idempotency-key'));
        return fail(input, init);
      });
      const result = await createClient({ baseUrl: ts.url, publicKey: app.publicKey, fetch: flaky.fetch }).videos.upload(video, { partSize: PART, create: { name } });
      assert.equal(flaky.count(`${SDK}/videos/create`), 2, label);
      assert.equal((await client.videos.waitUntilReady(result.videoId, { intervalMs: 100 })).ready, true, label);
      assert.deepEqual((await client.videos.list({ limit: 100 })).filter((v) => v.name === name).map((v) => v.id), [result.videoId], `${label}: one video`);
    }
    assert.ok(keys.every((k) => k !== null && /^upload-/.test(k)), 'every create carries a key');
    assert.equal(new Set(keys).size, keys.length, 'a key per upload');
  });

  test('an abort while a failed step waits to be tried again stops the upload at once, typed aborted', async () => {
    const stop = new AbortController();
    // A timer due at once fires before the wait (at least 250 ms) ends, whatever the machine's load.
    const flaky = failingOnce(`${SDK}/upload/multipart/initiate`, async () => {
      setTimeout(() => stop.abort(), 0);
      throw noAnswer();
    });
    const sdk = createClient({ baseUrl: ts.url, publicKey: app.publicKey, fetch: flaky.fetch });
    await assert.rejects(sdk.videos.upload(video, { partSize: PART, signal: stop.signal }), (e: unknown) => e instanceof CapstanError && e.code === 'aborted');
    assert.equal(flaky.count(`${SDK}/upload/multipart/initiate`), 1, 'not asked again after the abort');
  });
});
