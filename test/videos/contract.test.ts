// The developer video surfaces against their published contract (every answer is checked against its
// route's declaration by the test server): bodies closed to unknown properties, JSON only, 405 with
// Allow on known paths, the 402's required and held credits, the transcript chosen by Accept, and the
// OpenAPI document naming each route's operation, security, media types and refusals.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { contractViolations } from '../../src/http/index.js';
import { cameraMp4 } from '../fixtures/media.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { createVideo, makeApp, settled, uploadVideo, waitForVideo, type TestApp } from '../helpers/videos.js';

const PART = 8 * 1024;
const SDK = '/api/developer/sdk/v1';
const REST = '/api/developer/v1';

interface Operation {
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  description?: string;
  requestBody?: { content: Record<string, { schema: { additionalProperties?: unknown }; example?: unknown }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema: Record<string, unknown>; example?: unknown }>; headers?: Record<string, unknown> }>;
}
type Paths = Record<string, Record<string, Operation>>;

describe('developer video contract', () => {
  let ts: TestServer;
  let app: TestApp;
  let videoId: string;
  const dir = mkdtempSync(join(tmpdir(), 'capstan-video-contract-'));
  const violationsBefore = contractViolations.length;

  before(async () => {
    // A transcription hook with timings, so the transcript has cues in every format.
    const hook = join(dir, 'hook.mjs');
    writeFileSync(hook, `process.stdout.write(JSON.stringify({ segments: [{ start: 0, end: 1.5, text: 'hello there' }, { start: 1.5, end: 3, text: 'general kenobi' }] }));`);
    ts = await startServer({ multipartMinPartBytes: PART, transcriber: 'command', transcriberCommand: process.execPath, transcriberArgs: JSON.stringify([hook]) });
    app = await makeApp(ts);
    videoId = await createVideo(app);
  });
  after(async () => {
    await ts.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (path: string, body: string, contentType: string, key = app.publicKey) =>
    fetch(`${ts.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body });

  test('an unknown property in any SDK body is 400 invalid_request naming it', async () => {
    const initiated = await app.sdk('/upload/multipart/initiate', { videoId });
    assert.equal(initiated.status, 200);
    const uploadId = initiated.body.uploadId as string;
    const bodies: Record<string, Record<string, unknown>> = {
      '/videos/create': { name: 'x' },
      '/upload/multipart/initiate': { videoId },
      '/upload/multipart/presign-part': { videoId, uploadId, partNumber: 1 },
      '/upload/multipart/complete': { videoId, uploadId, parts: [{ partNumber: 1, etag: '"x"', size: 1 }] },
      '/upload/multipart/abort': { videoId, uploadId },
    };
    for (const [path, body] of Object.entries(bodies)) {
      const res = await app.sdk(path, { ...body, colour: 'red' });
      assert.equal(res.status, 400, path);
      assert.equal(res.body.code, 'invalid_request', path);
      assert.match(res.body.error as string, /colour/, `${path}: ${String(res.body.error)}`);
    }
    // An unknown property of a part is refused too; metadata alone is an open object.
    const part = await app.sdk('/upload/multipart/complete', { videoId, uploadId, parts: [{ partNumber: 1, etag: '"x"', size: 1, crc: 'y' }] });
    assert.equal(part.status, 400);
    assert.match(part.body.error as string, /crc/);
    assert.equal((await app.sdk('/videos/create', { metadata: { anything: { goes: [1] } } })).status, 200);
  });

  test('SDK bodies are JSON: text/plain and form bodies are 415 unsupported_media_type', async () => {
    for (const path of ['/videos/create', '/upload/multipart/initiate', '/upload/multipart/presign-part', '/upload/multipart/complete', '/upload/multipart/abort']) {
      for (const [type, body] of [['text/plain', JSON.stringify({ videoId })], ['application/x-www-form-urlencoded', `videoId=${videoId}`]] as const) {
        const res = await post(`${SDK}${path}`, body, type);
        assert.equal(res.status, 415, `${path} ${type}`);
        assert.equal(((await res.json()) as { code: string }).code, 'unsupported_media_type');
      }
    }
  });

  test('a wrong method on a known path is 405 method_not_allowed with Allow', async () => {
    const cases: [string, string, RegExp][] = [
      ['POST', `${REST}/videos`, /^GET\b/],
      ['PUT', `${REST}/videos/${videoId}`, /DELETE/],
      ['POST', `${REST}/videos/${videoId}/status`, /GET/],
      ['DELETE', `${REST}/usage`, /GET/],
      ['POST', `${REST}/events`, /GET/],
      ['PATCH', `${REST}/videos/${videoId}/transcript`, /GET/],
      ['GET', `${SDK}/videos/create`, /^POST$/],
      ['DELETE', `${SDK}/upload/multipart/abort`, /^POST$/],
      ['POST', `/dev/${videoId}`, /GET/],
      ['POST', `/embed/${videoId}`, /GET/],
      ['PUT', `/dev/${videoId}/video`, /GET/],
      ['DELETE', `/dev/${videoId}/poster.jpg`, /GET/],
      ['POST', `/dev/${videoId}/captions.vtt`, /GET/],
      ['GET', '/uploads/parts', /^PUT$/],
    ];
    for (const [method, path, allow] of cases) {
      const res = await fetch(`${ts.url}${path}`, { method, headers: { authorization: `Bearer ${app.secretKey}` } });
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(((await res.json()) as { code: string }).code, 'method_not_allowed');
      assert.match(res.headers.get('allow') ?? '', allow, `${method} ${path}`);
    }
  });

  test('402 says how much is needed and how much the organization holds', async () => {
    const poor = await makeApp(ts, { creditsMicro: 1_234 });
    const refused = await poor.sdk('/videos/create', { name: 'x' });
    assert.equal(refused.status, 402);
    assert.deepEqual(Object.keys(refused.body).sort(), ['balance_micro', 'code', 'error', 'required_micro']);
    assert.equal(refused.body.code, 'payment_required');
    assert.equal(refused.body.required_micro, 5_000);
    assert.equal(refused.body.balance_micro, 1_234);
    // The balance is the organization's: a grant to it lifts the refusal for every app.
    const granted = await ts.admin('POST', `/orgs/${poor.orgId}/credits`, { amount_micro: 3_766 });
    assert.equal(granted.status, 200);
    assert.equal((await poor.sdk('/videos/create', {})).status, 200);
    const empty = await makeApp(ts, { creditsMicro: 0 });
    assert.deepEqual({ ...(await empty.sdk('/videos/create', {})).body, error: '' }, { error: '', code: 'payment_required', required_micro: 5_000, balance_micro: 0 });
  });

  test('a production app refuses other origins with 403 origin_not_allowed on every SDK route', async () => {
    const prod = await makeApp(ts, { environment: 'production', allowedOrigins: ['https://app.example.com'] });
    for (const path of ['/videos/create', '/upload/multipart/initiate', '/upload/multipart/presign-part', '/upload/multipart/complete', '/upload/multipart/abort']) {
      const res = await prod.sdk(path, {}, { origin: 'https://evil.example.com' });
      assert.equal(res.status, 403, path);
      assert.equal(res.body.code, 'origin_not_allowed', path);
    }
  });

  test('the transcript format follows ?format=, else Accept; the captions are public WebVTT', async () => {
    const id = await uploadVideo(app, await cameraMp4({ seconds: 1 }), PART);
    const status = await waitForVideo(app, id, settled);
    assert.equal(status.transcriptionStatus, 'COMPLETE');
    const path = `${ts.url}${REST}/videos/${id}/transcript`;
    const get = (query: string, accept?: string) => fetch(path + query, { headers: { authorization: `Bearer ${app.secretKey}`, ...(accept ? { accept } : {}) } });
    const vtt = 'WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nhello there\n\n00:00:01.500 --> 00:00:03.000\ngeneral kenobi\n';
    const cases: [string, string | undefined, string, string][] = [
      ['', undefined, 'application/json', ''],
      ['', '*/*', 'application/json', ''],
      ['', 'text/vtt', 'text/vtt', vtt],
      ['', 'text/plain', 'text/plain', 'hello there general kenobi\n'],
      ['', 'application/json;q=0.5, text/vtt', 'text/vtt', vtt],
      ['', 'text/vtt;q=0.2, text/plain;q=0.9', 'text/plain', 'hello there general kenobi\n'],
      ['', 'text/vtt;q=0, application/xml', 'application/json', ''],
      ['?format=json', 'text/vtt', 'application/json', ''],
      ['?format=vtt', 'application/json', 'text/vtt', vtt],
    ];
    for (const [query, accept, type, text] of cases) {
      const res = await get(query, accept);
      assert.equal(res.status, 200, `${query} ${accept}`);
      assert.equal(res.headers.get('content-type')?.split(';')[0], type, `${query} ${accept}`);
      assert.match(res.headers.get('vary') ?? '', /Accept/);
      if (type === 'application/json') assert.deepEqual(await res.json(), { data: { videoId: id, text: 'hello there general kenobi', segments: [{ start: 0, end: 1.5, text: 'hello there' }, { start: 1.5, end: 3, text: 'general kenobi' }] } });
      else assert.equal(await res.text(), text);
    }
    const captions = await fetch(`${ts.url}/dev/${id}/captions.vtt`);
    assert.equal(captions.status, 200);
    assert.equal(captions.headers.get('content-type'), 'text/vtt; charset=utf-8');
    assert.equal(await captions.text(), vtt);
    // A video not yet uploaded has none: 409 for its app, 404 for the public track.
    const pending = await fetch(`${ts.url}${REST}/videos/${videoId}/transcript`, { headers: { authorization: `Bearer ${app.secretKey}`, accept: 'text/vtt' } });
    assert.equal(pending.status, 409);
    assert.equal(pending.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(((await pending.json()) as { code: string }).code, 'transcript_unavailable');
    assert.equal((await fetch(`${ts.url}/dev/${videoId}/captions.vtt`)).status, 404);
  });

  test('transcript refusals: NO_AUDIO is 409, another format 400, another app\'s or a deleted video 404', async () => {
    const silent = await uploadVideo(app, readFileSync(new URL('../fixtures/videos/no-audio.mp4', import.meta.url)), PART);
    assert.equal((await waitForVideo(app, silent, settled)).transcriptionStatus, 'NO_AUDIO');
    const transcript = (id: string, key = app.secretKey, query = '') => fetch(`${ts.url}${REST}/videos/${id}/transcript${query}`, { headers: { authorization: `Bearer ${key}` } });
    const noAudio = await transcript(silent);
    assert.equal(noAudio.status, 409);
    assert.deepEqual(await noAudio.json(), { error: 'No transcript: transcriptionStatus is NO_AUDIO (the video has no audio track)', code: 'transcript_unavailable' });
    assert.equal((await fetch(`${ts.url}/dev/${silent}/captions.vtt`)).status, 404);
    const badFormat = await transcript(silent, app.secretKey, '?format=srt');
    assert.equal(badFormat.status, 400);
    assert.equal(((await badFormat.json()) as { code: string }).code, 'invalid_request');
    const other = await makeApp(ts);
    assert.equal((await transcript(silent, other.secretKey)).status, 404);
    assert.equal((await transcript('nosuchvideo1')).status, 404);
    assert.equal((await transcript(silent, app.publicKey)).status, 401);
    assert.equal((await app.rest('DELETE', `/videos/${silent}`)).status, 200);
    const deleted = await transcript(silent);
    assert.equal(deleted.status, 404);
    assert.equal(((await deleted.json()) as { code: string }).code, 'not_found');
  });

  test('the OpenAPI document describes every video route: operation, security, media types, refusals, examples', async () => {
    const doc = (await (await fetch(`${ts.url}/openapi.json`)).json()) as { paths: Paths };
    const op = (path: string, method: string): Operation => {
      const found = doc.paths[path]?.[method];
      assert.ok(found, `${method.toUpperCase()} ${path} is documented`);
      return found;
    };
    const expected: [string, string, string, string | undefined, string[]][] = [
      [`${REST}/videos`, 'get', 'listVideos', 'appSecretKey', ['200', '400', '401', '429']],
      [`${REST}/videos/{id}`, 'get', 'getVideo', 'appSecretKey', ['200', '404']],
      [`${REST}/videos/{id}`, 'delete', 'deleteVideo', 'appSecretKey', ['200', '404']],
      [`${REST}/videos/{id}/status`, 'get', 'getVideoStatus', 'appSecretKey', ['200', '404']],
      [`${REST}/usage`, 'get', 'getVideoUsage', 'appSecretKey', ['200']],
      [`${REST}/events`, 'get', 'streamVideoEvents', 'appSecretKey', ['200', '400', '429', '503']],
      [`${REST}/videos/{id}/transcript`, 'get', 'getVideoTranscript', 'appSecretKey', ['200', '404', '409']],
      [`${SDK}/videos/create`, 'post', 'createVideo', 'appPublicKey', ['200', '402', '403', '415']],
      [`${SDK}/upload/multipart/initiate`, 'post', 'initiateVideoUpload', 'appPublicKey', ['200', '403', '404', '409']],
      [`${SDK}/upload/multipart/presign-part`, 'post', 'presignVideoUploadPart', 'appPublicKey', ['200', '403', '404']],
      [`${SDK}/upload/multipart/complete`, 'post', 'completeVideoUpload', 'appPublicKey', ['200', '403', '404', '409']],
      [`${SDK}/upload/multipart/abort`, 'post', 'abortVideoUpload', 'appPublicKey', ['200', '403', '404', '409']],
      ['/dev/{id}', 'get', 'getVideoSharePage', undefined, ['200', '404']],
      ['/embed/{id}', 'get', 'getVideoEmbedPage', undefined, ['200', '404']],
      ['/dev/{id}/video', 'get', 'getVideoFile', undefined, ['200', '206', '404', '416']],
      ['/dev/{id}/poster.jpg', 'get', 'getVideoPoster', undefined, ['200', '206', '404', '416']],
      ['/dev/{id}/captions.vtt', 'get', 'getVideoCaptions', undefined, ['200', '404']],
      ['/uploads/parts', 'put', 'uploadPart', undefined, ['200', '403', '404', '413']],
    ];
    for (const [path, method, operationId, scheme, statuses] of expected) {
      const o = op(path, method);
      assert.equal(o.operationId, operationId);
      assert.deepEqual(o.security?.map((s) => Object.keys(s)).flat(), scheme ? [scheme] : [], `${operationId} security (none: public)`);
      for (const status of statuses) assert.ok(o.responses[status], `${operationId} declares ${status}`);
      assert.ok(o.tags?.every((t) => ['developer videos', 'developer SDK', 'developer video pages'].includes(t)), `${operationId} tags`);
    }
    const media = (path: string, method: string, status: string) => Object.keys(op(path, method).responses[status]?.content ?? {}).sort();
    assert.deepEqual(media(`${REST}/events`, 'get', '200'), ['text/event-stream']);
    assert.match(op(`${REST}/events`, 'get').description ?? '', /\/asyncapi\.json/);
    assert.deepEqual(media(`${REST}/videos/{id}/transcript`, 'get', '200'), ['application/json', 'text/plain', 'text/vtt']);
    assert.deepEqual(media('/dev/{id}', 'get', '200'), ['text/html']);
    assert.deepEqual(media('/dev/{id}/poster.jpg', 'get', '206'), ['image/jpeg']);
    assert.ok(media('/dev/{id}/video', 'get', '206').includes('video/mp4'));
    assert.ok(op('/dev/{id}/video', 'get').responses['206']?.headers?.['Content-Range'], '206 names its Content-Range');
    assert.ok(op('/dev/{id}/video', 'get').responses['416']?.headers?.['Content-Range'], '416 names the size in Content-Range');
    assert.ok(op('/uploads/parts', 'put').responses['200']?.headers?.ETag, 'the part upload answers with an ETag');

    const payment = op(`${SDK}/videos/create`, 'post').responses['402']?.content?.['application/json'];
    assert.deepEqual(Object.keys((payment?.schema as { properties: Record<string, unknown> }).properties).sort(), ['balance_micro', 'code', 'error', 'required_micro']);
    assert.deepEqual(payment?.example, { error: 'Insufficient credits: creating a video needs at least 5000 micro-credits', code: 'payment_required', required_micro: 5000, balance_micro: 1200 });
    const origin = op(`${SDK}/upload/multipart/abort`, 'post').responses['403']?.content?.['application/json']?.schema as { properties: { code: { enum: string[] } } };
    assert.deepEqual(origin.properties.code.enum, ['origin_not_allowed']);

    // Closed request bodies, with the seed's examples where it shows one.
    for (const path of ['/videos/create', '/upload/multipart/initiate', '/upload/multipart/presign-part', '/upload/multipart/complete', '/upload/multipart/abort']) {
      assert.equal(op(`${SDK}${path}`, 'post').requestBody?.content['application/json']?.schema.additionalProperties, false, path);
    }
    assert.deepEqual(op(`${SDK}/videos/create`, 'post').requestBody?.content['application/json']?.example, { name: 'User Recording', userId: 'user_42' });
    const listExample = op(`${REST}/videos`, 'get').responses['200']?.content?.['application/json']?.example as { data: { s3Key: string }[] };
    assert.equal(listExample.data[0]?.s3Key, 'developer/app_789/abc123def456/result.mp4');
    assert.deepEqual(op(`${REST}/usage`, 'get').responses['200']?.content?.['application/json']?.example, { data: { balanceMicroCredits: 500000, balanceDollars: '5.00', totalVideos: 23, totalDurationMinutes: 87.5 } });
    assert.notEqual(op(`${REST}/usage`, 'get').responses['200']?.description, 'Default Response');
  });

  test('no answer of these tests broke its declaration', () => {
    assert.deepEqual(contractViolations.slice(violationsBefore), []);
  });
});
