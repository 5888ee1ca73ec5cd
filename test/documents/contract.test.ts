// The documents surface's contract at its edges: bodies closed to unknown properties, content types
// other than JSON refused, a known path asked with another method answered 405 with Allow, the
// WebSocket endpoint answering a plain request 426, a 402 that says what is needed and held, and the
// OpenAPI document naming each operation the way the SDK keys it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { buildLetterPdf } from '../fixtures/documents.js';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';

type Body = Record<string, unknown>;

describe('documents: request and response contract', () => {
  let ts: TestServer;
  let org: TestOrg;
  let letter: string;

  before(async () => {
    ts = await startServer({ documentPricePerPageMicro: 1000 });
    org = await makeOrg(ts);
    letter = Buffer.from(await buildLetterPdf()).toString('base64');
  });
  after(() => ts.close());

  const raw = async (method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) => {
    const res = await fetch(ts.url + path, { method, headers: { 'capout-api-key': org.apiKey, ...init.headers }, body: init.body });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Body };
  };

  test('an unknown property in the upload body is 400 invalid_request naming it, and nothing is billed', async () => {
    const before = (await org.call('GET', '/credits')).body.balance_micro_credits;
    const r = await org.call('POST', '/upload', { file_base64: letter, file_name: 'letter.pdf', callback_url: 'https://example.com/hook' });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { error: 'body has an unknown property "callback_url"', code: 'invalid_request' });
    assert.equal((await org.call('GET', '/credits')).body.balance_micro_credits, before);
  });

  test('an upload sent as text, as a form or as the raw file is 415 unsupported_media_type, naming the type sent and JSON', async () => {
    const body = JSON.stringify({ file_base64: letter, file_name: 'letter.pdf' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/pdf']) {
      const r = await raw('POST', '/upload', { body, headers: { 'content-type': type } });
      assert.equal(r.status, 415, type);
      assert.deepEqual(r.body, { error: `Content-Type "${type.split(';')[0]!}" is not accepted here: send application/json`, code: 'unsupported_media_type' }, type);
    }
    // The organizer's upload takes multipart too, and says so.
    const files = await raw('POST', '/api/v1/files', { body: 'x', headers: { 'content-type': 'application/pdf' } });
    assert.deepEqual(files.body, { error: 'Content-Type "application/pdf" is not accepted here: send multipart/form-data or application/json', code: 'unsupported_media_type' });
    // The type is the client's: shown quoted and cut short.
    const long = await raw('POST', '/upload', { body, headers: { 'content-type': `x/${'y'.repeat(300)}` } });
    assert.equal(long.status, 415);
    assert.equal(long.body.error, `Content-Type "x/${'y'.repeat(98)}" is not accepted here: send application/json`);
  });

  test('a missing API key is 401 naming the header this API reads, also when the key came as a bearer token', async () => {
    for (const [headers, hint] of [[{}, ''], [{ authorization: `Bearer ${org.apiKey}` }, ' (this API does not read Authorization)']] as const) {
      const r = await fetch(`${ts.url}/credits`, { headers });
      assert.equal(r.status, 401);
      assert.deepEqual(await r.json(), { error: `Missing API key: send it in the capout-api-key header${hint}`, code: 'unauthorized' });
    }
  });

  test('behind a path prefix (CAPSTAN_PUBLIC_URL with a path), the relative URLs of answers start with it', async () => {
    const prefixed = await startServer({ documentPricePerPageMicro: 0, publicUrl: 'https://example.com/capstan/' });
    try {
      const o = await makeOrg(prefixed);
      const token = await o.call('POST', '/ws/token');
      assert.equal(token.body.ws_url, '/capstan/ws/status');
      assert.equal(token.body.sse_url, '/capstan/sse/status');
      // Resolved against the public URL as seed 000 says, they stay under the prefix.
      assert.equal(new URL(token.body.ws_url as string, 'https://example.com/capstan').href, 'https://example.com/capstan/ws/status');
      const up = await o.call('POST', '/upload', { file_base64: letter, file_name: 'letter.pdf' });
      assert.equal(up.status, 201, JSON.stringify(up.body));
      assert.equal(up.body.status_url, `/capstan/status/${String(up.body.document_id)}`);
      assert.equal(up.body.ws_url, '/capstan/ws/status');
      const list = await o.call('GET', '/documents');
      assert.equal((list.body.data as Body[])[0]?.status_url, `/capstan/status/${String(up.body.document_id)}`);
    } finally {
      await prefixed.close();
    }
    // At the root they are the seed's own.
    assert.equal((await org.call('POST', '/ws/token')).body.ws_url, '/ws/status');
  });

  test('a known path asked with another method is 405 with Allow', async () => {
    const cases: [string, string, RegExp][] = [
      ['GET', '/upload', /^POST$/],
      ['POST', '/status/doc_x', /^GET, HEAD$/],
      ['DELETE', '/documents/doc_x/result', /^GET, HEAD$/],
      ['PUT', '/documents', /^GET, HEAD$/],
      ['POST', '/credits', /^GET, HEAD$/],
      ['GET', '/ws/token', /^POST$/],
      ['POST', '/sse/status', /^GET$/],
      ['POST', '/ws/status', /^GET, HEAD$/],
    ];
    for (const [method, path, allow] of cases) {
      const r = await raw(method, path);
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.body.code, 'method_not_allowed', `${method} ${path}`);
      assert.match(r.headers.get('allow') ?? '', allow, `${method} ${path}`);
    }
  });

  test('POST /ws/token takes no body, or {}; a field is 400, not ignored', async () => {
    assert.equal((await org.call('POST', '/ws/token')).status, 200, 'no body, as seed 000 sends it');
    assert.equal((await org.call('POST', '/ws/token', {})).status, 200);
    for (const body of [{ foo: 1 }, { ttl_seconds: 60 }]) {
      const r = await org.call('POST', '/ws/token', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.code, 'invalid_request');
      assert.equal(r.body.token, undefined, 'no token minted');
    }
  });

  test('GET /ws/status without Upgrade is 426 upgrade_required with Upgrade: websocket; a WebSocket client still connects', async () => {
    const r = await raw('GET', '/ws/status?recent=1');
    assert.equal(r.status, 426);
    assert.equal(r.body.code, 'upgrade_required');
    assert.equal(r.headers.get('upgrade'), 'websocket');

    const token = (await org.call('POST', '/ws/token')).body.token as string;
    const ws = new WebSocket(`${ts.url.replace('http', 'ws')}/ws/status?token=${token}&recent=1`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.close();
  });

  test('402 says how many micro-credits the upload needs and how many the organization holds', async () => {
    const poor = await makeOrg(ts, 400);
    const inline = await poor.call('POST', '/upload', { file_base64: letter, file_name: 'letter.pdf' });
    assert.equal(inline.status, 402, JSON.stringify(inline.body));
    assert.equal(inline.body.code, 'payment_required');
    assert.equal(inline.body.required_micro, 1000, 'one page at 1,000');
    assert.equal(inline.body.balance_micro, 400);
    assert.match(inline.body.error as string, /1000.*400/);

    const byUrl = await poor.call('POST', '/upload', { url: 'https://example.com/scope.pdf', file_name: 'scope.pdf' });
    assert.equal(byUrl.status, 402, JSON.stringify(byUrl.body));
    assert.deepEqual({ required: byUrl.body.required_micro, balance: byUrl.body.balance_micro }, { required: 1000, balance: 400 });
    assert.equal((await poor.call('GET', '/credits')).body.balance_micro_credits, 400, 'nothing was taken');
  });

  test('the OpenAPI document names every operation and declares what it answers', async () => {
    const doc = (await (await fetch(`${ts.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, Body>> };
    const op = (path: string, method: string) => {
      const o = doc.paths[path]?.[method];
      assert.ok(o, `${method} ${path} is documented`);
      return o as { operationId: string; tags: string[]; security: Body[]; responses: Record<string, Body>; requestBody?: Body };
    };
    const expected: [string, string, string, string][] = [
      ['/upload', 'post', 'uploadDocument', '201'],
      ['/status/{document_id}', 'get', 'getDocumentStatus', '200'],
      ['/documents/{document_id}/result', 'get', 'getDocumentResult', '200'],
      ['/documents', 'get', 'listDocuments', '200'],
      ['/credits', 'get', 'getCredits', '200'],
      ['/ws/token', 'post', 'createRealtimeToken', '200'],
      ['/sse/status', 'get', 'streamDocumentStatus', '200'],
      ['/ws/status', 'get', 'connectDocumentStatusSocket', '101'],
    ];
    for (const [path, method, id, success] of expected) {
      const o = op(path, method);
      assert.equal(o.operationId, id);
      assert.ok(o.responses[success], `${id} declares ${success}`);
      assert.ok(o.responses['401'], `${id} declares 401`);
    }
    const upload = op('/upload', 'post');
    const schema = (upload.requestBody as { content: Record<string, { schema: Body }> }).content['application/json']?.schema;
    assert.equal(schema?.additionalProperties, false);
    const paymentRequired = (upload.responses['402'] as { content: Record<string, { schema: { properties: Body } }> }).content['application/json']?.schema;
    assert.ok(paymentRequired?.properties.required_micro && paymentRequired.properties.balance_micro);
    assert.deepEqual(op('/sse/status', 'get').security, [{ realtimeToken: [] }]);
    assert.deepEqual(Object.keys((op('/sse/status', 'get').responses['200'] as { content: Body }).content), ['text/event-stream']);
    const socket = op('/ws/status', 'get');
    assert.deepEqual(socket.tags, ['documents realtime']);
    assert.ok((socket.responses['426'] as { headers?: Body }).headers?.Upgrade, '426 documents its Upgrade header');
  });
});
