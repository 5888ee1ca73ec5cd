// What the SDK does with answers that are not Capstan's: nothing listening (network_error), an HTML
// page (invalid_response), and a stream of junk lines mixed with valid frames (the valid ones arrive,
// the junk is ignored, nothing throws). Plus the SSE parser's line rules on their own.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { CapstanError, createClient, SseParser, type HubStreamItem } from '@capstan/client';
import { assertFreshBuild, take } from './helpers.js';

function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) });
  }));
}

describe('bad input', () => {
  test('nothing listening at the base URL: network_error', async () => {
    assertFreshBuild();
    const spare = await serve(() => undefined);
    const url = spare.url;
    await spare.close();
    const client = createClient({ baseUrl: url, apiKey: 'capout_test_x' });
    await assert.rejects(client.documents.credits(), (e: unknown) => e instanceof CapstanError && e.code === 'network_error' && e.status === 0);
    const stream = client.hub.events({ hubId: 'hub_x', token: 't' });
    await assert.rejects(take(stream[Symbol.asyncIterator](), () => false), (e: unknown) => e instanceof CapstanError && e.code === 'network_error');
  });

  test('arguments a JavaScript caller got wrong are invalid_request, not a TypeError', async () => {
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'capout_test_x', publicKey: 'cpk_x' });
    const invalid = (e: unknown) => e instanceof CapstanError && e.code === 'invalid_request' && e.status === 0;
    const untyped = client as unknown as { documents: { upload(s: unknown): Promise<unknown> }; videos: { upload(b: unknown): Promise<unknown> }; hub: { events(a: unknown): unknown } };
    for (const source of [undefined, null, 'file.pdf']) await assert.rejects(untyped.documents.upload(source), invalid, String(source));
    for (const blob of [undefined, 'bytes', new Uint8Array(4)]) await assert.rejects(untyped.videos.upload(blob), invalid, String(blob));
    for (const auth of [undefined, { hubId: 'hub_x' }, { token: 't' }, { hubId: 'hub_x', getToken: 'nope' }]) assert.throws(() => untyped.hub.events(auth), invalid, JSON.stringify(auth));
  });

  test('a server answering HTML (a wrong base URL, a proxy page): invalid_response, for REST and for streams', async () => {
    const page = await serve((req, res) => {
      res.writeHead(req.url?.startsWith('/missing') ? 404 : 200, { 'content-type': 'text/html' });
      res.end('<!doctype html><html><body>Welcome to nginx!</body></html>');
    });
    try {
      const client = createClient({ baseUrl: page.url, apiKey: 'capout_test_x' });
      await assert.rejects(client.documents.credits(), (e: unknown) => e instanceof CapstanError && e.code === 'invalid_response' && e.status === 200 && /nginx/.test(e.message));
      await assert.rejects(client.documents.status('missing'), (e: unknown) => e instanceof CapstanError && e.code === 'invalid_response');
      await assert.rejects(createClient({ baseUrl: `${page.url}/missing` }).videos.status('v'), (e: unknown) => e instanceof CapstanError && e.code === 'invalid_response' && e.status === 404);
      const stream = client.hub.events({ hubId: 'hub_x', token: 't' });
      await assert.rejects(take(stream[Symbol.asyncIterator](), () => false), (e: unknown) => e instanceof CapstanError && e.code === 'invalid_response');
    } finally {
      await page.close();
    }
  });

  test('an error never shows the realtime token its URL carried: an HTML page, a 404 page or a reset on the stream', async () => {
    const secret = 'rt_eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.c2ln';
    const mode = { now: 'html' };
    const fake = await serve((req, res) => {
      if (req.method === 'POST' && req.url === '/ws/token') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ token: secret, organization_id: 'org_x', expires_at: new Date(Date.now() + 600_000).toISOString(), ws_url: '/ws/status', sse_url: '/sse/status' }));
      }
      if (mode.now === 'reset') return req.socket.destroy();
      res.writeHead(mode.now === 'html' ? 200 : 404, { 'content-type': 'text/html' });
      res.end('<html>proxy page</html>');
    });
    try {
      const client = createClient({ baseUrl: fake.url, apiKey: 'capout_test_x' });
      for (const [now, code] of [['html', 'invalid_response'], ['404', 'invalid_response'], ['reset', 'network_error']] as const) {
        mode.now = now;
        const watch = client.documents.watch('doc_x', { maxRetries: 0 });
        await assert.rejects(watch.done, (e: unknown) => {
          assert.ok(e instanceof CapstanError && e.code === code, `${now}: ${String(e)}`);
          assert.ok(!e.message.includes(secret) && !e.message.includes('rt_'), `${now}: the message shows the token: ${e.message}`);
          assert.match(e.message, /token=\*\*\*/, now);
          return true;
        });
      }
    } finally {
      await fake.close();
    }
  });

  test('a stream of junk lines and valid frames: the valid events arrive in order, the junk is ignored', async () => {
    const junk = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('retry: 10\n\n: heartbeat\n\n');
      res.write('this line has no colon and means nothing\n{"not":"a field"}\n\n');
      res.write('id: 018f0000-0000-7000-8000-000000000001\nevent: test.ping\ndata: {"n":1}\n\n');
      res.write('data: not json at all\nid: 018f0000-0000-7000-8000-000000000002\n\n');
      res.write('\u0000\u0001\u0002 binary-ish garbage\r\nretry: soon\r\n: heartbeat\r\n\r\n');
      res.write(`data: ${'x'.repeat(2 << 20)}\n\n`);
      res.write('id: 018f0000-0000-7000-8000-000000000003\r\nevent: test.ping\r\ndata: {"n":');
      setTimeout(() => {
        res.write('2}\r\n\r\nevent: test.ping\ndata: [1,2]\nid: 018f0000-0000-7000-8000-000000000004\n\n');
        res.write('event: stream.unauthorized\ndata: {"reason":"access_revoked"}\n\n');
        res.end();
      }, 20);
    });
    try {
      const stream = createClient({ baseUrl: junk.url }).hub.events({ hubId: 'hub_x', token: 't' });
      const got: HubStreamItem[] = [];
      await assert.rejects(async () => {
        for await (const e of stream) got.push(e);
      }, (e: unknown) => e instanceof CapstanError && e.code === 'access_revoked');
      assert.deepEqual(got, [
        { id: '018f0000-0000-7000-8000-000000000001', type: 'test.ping', data: { n: 1 } },
        { id: '018f0000-0000-7000-8000-000000000003', type: 'test.ping', data: { n: 2 } },
      ]);
    } finally {
      await junk.close();
    }
  });

  test('the parser: CR, LF and CRLF line ends split anywhere, comments and id-only blocks are no messages, overlong lines are dropped', () => {
    const comments: string[] = [];
    const retries: number[] = [];
    const parser = new SseParser({ maxLineLength: 64, onComment: (c) => comments.push(c), onRetry: (ms) => retries.push(ms) });
    const text = '\uFEFF: heartbeat\r\n\r\nretry: 250\rid: a\r\rdata: one\r\ndata: two\r\n\r\n' + `data: ${'y'.repeat(100)}\nevent: big\n\n` + 'event: e\ndata:\n\n';
    const out = [];
    // Fed a character at a time: a CRLF split between two chunks is still one line end.
    for (const ch of text) out.push(...parser.push(ch));
    assert.deepEqual(out, [
      { event: '', data: 'one\ntwo', id: undefined, lastEventId: 'a' },
      { event: 'e', data: '', id: undefined, lastEventId: 'a' },
    ]);
    assert.deepEqual(comments, ['heartbeat']);
    assert.deepEqual(retries, [250]);
  });
});
