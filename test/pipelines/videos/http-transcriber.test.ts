// The HTTP hook, against a real node:http server on 127.0.0.1 and a free port.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { httpTranscriber, type HttpTranscriberOptions } from '../../../src/pipelines/videos/index.js';

const input = { path: '/data/videos/vid_123.mp4', videoId: 'vid_123' };
const never = new AbortController().signal;
const received: { url: string; headers: IncomingMessage['headers']; body: unknown }[] = [];

let server: Server;
let base: string;

before(async () => {
  server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    received.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(raw || 'null') });
    switch (req.url) {
      case '/json':
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.end(JSON.stringify({ transcript: 'hello world' }));
        return;
      case '/accepted':
        res.statusCode = 202;
        res.end();
        return;
      case '/text':
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end('hello from a plain body\n');
        return;
      case '/segments':
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ text: 'hello world', segments: [{ start: 0, end: 1.25, text: 'hello' }, { start: 1.25, end: 2, text: 'world' }] }));
        return;
      case '/broken-json':
        res.setHeader('content-type', 'application/json');
        res.end('{"transcript": ');
        return;
      case '/big':
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ transcript: 'x'.repeat(10_000) }));
        return;
      case '/fail':
        res.statusCode = 500;
        res.end('model crashed');
        return;
      case '/hang':
        return; // never answers
      default:
        res.statusCode = 404;
        res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const hook = (path: string, options: Partial<HttpTranscriberOptions> = {}) =>
  httpTranscriber({ url: `${base}${path}`, ...options });

describe('HTTP transcriber', () => {
  test('POSTs {videoId, path} as JSON with the configured headers; 2xx with a transcript is COMPLETE', async () => {
    const result = await hook('/json', { headers: { authorization: 'Bearer hook-secret' } }).transcribe(input, never);
    assert.deepEqual(result, { status: 'COMPLETE', transcript: { text: 'hello world', segments: [] } });
    const request = received.find((r) => r.url === '/json');
    assert.deepEqual(request?.body, { videoId: 'vid_123', path: '/data/videos/vid_123.mp4' });
    assert.equal(request?.headers['content-type'], 'application/json');
    assert.equal(request?.headers.authorization, 'Bearer hook-secret');
  });

  test('any 2xx is COMPLETE; an empty body is an empty transcript', async () => {
    assert.deepEqual(await hook('/accepted').transcribe(input, never), { status: 'COMPLETE', transcript: { text: '', segments: [] } });
  });

  test('a body that is not JSON is the transcript as plain text', async () => {
    assert.deepEqual(await hook('/text').transcribe(input, never), { status: 'COMPLETE', transcript: { text: 'hello from a plain body', segments: [] } });
  });

  test('JSON segments become the timed transcript', async () => {
    assert.deepEqual(await hook('/segments').transcribe(input, never), {
      status: 'COMPLETE',
      transcript: { text: 'hello world', segments: [{ start: 0, end: 1.25, text: 'hello' }, { start: 1.25, end: 2, text: 'world' }] },
    });
  });

  test('a body declared JSON that does not parse is ERROR', async () => {
    const result = await hook('/broken-json').transcribe(input, never);
    assert.equal(result.status, 'ERROR');
    assert.match(result.status === 'ERROR' ? result.reason : '', /answered an unreadable transcript: the JSON does not parse/);
  });

  test('a body over the limit is ERROR: a transcript cut short is not kept', async () => {
    assert.deepEqual(await hook('/big', { maxResponseBytes: 1000 }).transcribe(input, never), {
      status: 'ERROR',
      reason: `${base}/big answered a transcript larger than 1000 bytes`,
    });
  });

  test('a 500 is ERROR, quoting the status and the start of the body', async () => {
    assert.deepEqual(await hook('/fail').transcribe(input, never), {
      status: 'ERROR',
      reason: `${base}/fail answered 500: model crashed`,
    });
  });

  test('an endpoint that never answers is ERROR after the timeout', async () => {
    assert.deepEqual(await hook('/hang', { timeoutMs: 200 }).transcribe(input, never), {
      status: 'ERROR',
      reason: `${base}/hang timed out after 200 ms`,
    });
  });

  test('a refused connection is ERROR', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const result = await httpTranscriber({ url: `http://127.0.0.1:${port}/` }).transcribe(input, never);
    assert.equal(result.status, 'ERROR');
    assert.match(result.status === 'ERROR' ? result.reason : '', /failed: ECONNREFUSED/);
  });

  test('an abort rejects instead of reporting ERROR', async () => {
    const controller = new AbortController();
    const running = hook('/hang').transcribe(input, controller.signal);
    setImmediate(() => controller.abort());
    await assert.rejects(running, { name: 'AbortError' });
  });
});
