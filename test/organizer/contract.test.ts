// The organizer surface's contract at its edges: every JSON body closed to unknown properties, content
// types the route does not take refused, a known path asked with another method answered 405 with
// Allow, the WebSocket endpoint answering a plain request 426, and the OpenAPI document naming each
// operation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { parseResponse, rawConnect, rawExchange } from '../helpers/raw-http.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';
import { listen, uploadJson } from './helpers.js';

type Body = Record<string, unknown>;

describe('organizer: request and response contract', () => {
  let ts: TestServer;
  let org: TestOrg;
  let fileId: string;

  before(async () => {
    ts = await startServer();
    org = await makeOrg(ts);
    [fileId] = (await uploadJson(org, [{ name: 'note.txt', body: 'hello' }])) as [string];
  });
  after(() => ts.close());

  const raw = async (method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) => {
    const res = await fetch(ts.url + path, { method, headers: { 'capout-api-key': org.apiKey, ...init.headers }, body: init.body });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Body };
  };
  const b64 = Buffer.from('hello').toString('base64');

  test('an unknown property in any JSON body is 400 invalid_request naming it, and changes nothing', async () => {
    const cases: [string, string, Body, string, Record<string, string>?][] = [
      ['POST', '/api/v1/files', { name: 'a.txt', content_base64: b64, folder: 'Inbox' }, 'body has an unknown property "folder"'],
      ['POST', '/api/v1/files', { files: [{ name: 'a.txt', content_base64: b64, size: 5 }] }, 'body.files.0 has an unknown property "size"'],
      ['PATCH', `/api/v1/files/${fileId}`, { name: 'b.txt', locked: false }, 'body has an unknown property "locked"'],
      ['POST', '/api/v1/jobs', { file_ids: [fileId], dry_run: true }, 'body has an unknown property "dry_run"'],
      ['PUT', `/admin/v1/orgs/${org.id}/files/${fileId}/lock`, { locked: true, reason: 'audit' }, 'body has an unknown property "reason"', { authorization: `Bearer ${ADMIN_TOKEN}` }],
    ];
    for (const [method, path, body, error, headers] of cases) {
      const r = await raw(method, path, { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
      assert.equal(r.status, 400, `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(r.body, { error, code: 'invalid_request' }, `${method} ${path}`);
    }
    const list = await org.call('GET', '/api/v1/files');
    assert.deepEqual((list.body.files as Body[]).map((f) => [f.name, f.locked]), [['note.txt', false]], 'nothing was uploaded, renamed or locked');
  });

  test('one file and a files list in the same upload is 400', async () => {
    const r = await org.call('POST', '/api/v1/files', { name: 'a.txt', content_base64: b64, files: [{ name: 'b.txt', content_base64: b64 }] });
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'invalid_request');
  });

  test('a body as text or as a URL-encoded form is 415 unsupported_media_type', async () => {
    for (const [method, path] of [['POST', '/api/v1/files'], ['PATCH', `/api/v1/files/${fileId}`], ['POST', '/api/v1/jobs']] as const) {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
        const r = await raw(method, path, { body: 'name=a.txt', headers: { 'content-type': type } });
        assert.equal(r.status, 415, `${method} ${path} ${type}`);
        assert.equal(r.body.code, 'unsupported_media_type', `${method} ${path} ${type}`);
      }
    }
  });

  test('a known path asked with another method is 405 with Allow', async () => {
    const cases: [string, string, string][] = [
      ['PUT', '/api/v1/files', 'GET, HEAD, POST'],
      ['POST', `/api/v1/files/${fileId}`, 'GET, HEAD, PATCH, DELETE'],
      ['POST', `/api/v1/files/${fileId}/content`, 'GET, HEAD'],
      ['DELETE', '/api/v1/folders', 'GET, HEAD'],
      ['GET', '/api/v1/jobs', 'POST'],
      ['PATCH', '/api/v1/jobs/job_x', 'GET, HEAD'],
      ['GET', '/api/v1/jobs/job_x/cancel', 'POST'],
      ['GET', '/api/v1/jobs/job_x/undo', 'POST'],
      ['POST', '/api/v1/ws/client-1', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const r = await raw(method, path);
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.body.code, 'method_not_allowed', `${method} ${path}`);
      assert.equal(r.headers.get('allow'), allow, `${method} ${path}`);
    }
  });

  test('GET /api/v1/ws/{client_id} without Upgrade is 426 with Upgrade: websocket; a WebSocket client still connects', async () => {
    const r = await raw('GET', `/api/v1/ws/client-1?token=${org.apiKey}`);
    assert.equal(r.status, 426);
    assert.equal(r.body.code, 'upgrade_required');
    assert.equal(r.headers.get('upgrade'), 'websocket');
    const socket = await listen(ts, org.apiKey, 'client-1');
    socket.close();
  });

  test('the 426 names the upgrade connection option beside Upgrade (RFC 9110 §7.8), and closes', async () => {
    const r = await rawExchange(ts.url, `GET /api/v1/ws/client-1?token=${org.apiKey} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal(r.status, 426);
    assert.equal(r.headers.upgrade, 'websocket');
    assert.equal(r.headers.connection, 'Upgrade, close');
    assert.ok(r.closed);
  });

  const upgrade = (target: string) =>
    rawExchange(ts.url, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`, { waitForClose: false });

  test('an upgrade is held to the query rules of every HTTP route: bad percent-encoding or a repeated token is 400', async () => {
    const cases: [string, string][] = [
      [`?token=${org.apiKey}&x=%ZZ`, 'The query string is not valid: it has malformed percent-encoding'],
      [`?token=${org.apiKey}&x=%E9`, 'The query string is not valid: its percent-encoding is not UTF-8'],
      [`?token=${org.apiKey}&x=%00`, 'The query string is not valid: it holds %00 (U+0000)'],
      ['?token=%ZZ', 'The query string is not valid: it has malformed percent-encoding'],
      [`?token=${org.apiKey}&token=capout_test_other`, 'The query parameter token is given 2 times; give it once'],
      [`?token=capout_test_other&token=${org.apiKey}`, 'The query parameter token is given 2 times; give it once'],
    ];
    for (const [query, error] of cases) {
      const r = await upgrade(`/api/v1/ws/query-rules${query}`);
      assert.equal(r.status, 400, query);
      assert.deepEqual(JSON.parse(r.body), { error, code: 'invalid_request' }, query);
    }
    const socket = await listen(ts, org.apiKey, 'query-rules');
    socket.close();
  });

  const HANDSHAKE = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==';

  test('a WebSocket upgrade pipelined behind a request is answered after it: 400, as a pipelined stream is', async () => {
    for (const [token, status] of [[org.apiKey, '400'], ['capout_test_wrong', '400']] as const) {
      const conn = await rawConnect(ts.url);
      try {
        conn.write(`GET /api/v1/files HTTP/1.1\r\nHost: x\r\ncapout-api-key: ${org.apiKey}\r\n\r\nGET /api/v1/ws/pipelined-${status}?token=${token} HTTP/1.1\r\nHost: x\r\n${HANDSHAKE}\r\n\r\n`);
        const deadline = Date.now() + 5000;
        while ([...conn.received().matchAll(/HTTP\/1\.1 (\d{3}) /g)].length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.deepEqual([...conn.received().matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]), ['200', status], conn.received().slice(0, 300));
      } finally {
        conn.destroy();
      }
    }
  });

  test('a download under way is not cut by bytes behind it that do not parse: it ends whole, then the 400', async () => {
    const size = 8 * 1024 * 1024;
    const [bigId] = (await uploadJson(org, [{ name: 'big.bin', body: Buffer.alloc(size, 7) }])) as [string];
    const conn = await rawConnect(ts.url);
    try {
      conn.socket.pause();
      conn.write(`GET /api/v1/files/${bigId}/content HTTP/1.1\r\nHost: x\r\ncapout-api-key: ${org.apiKey}\r\n\r\n`);
      // The answer is streaming (the client reads nothing yet) when the garbage arrives.
      await new Promise((r) => setTimeout(r, 300));
      conn.write('garbage\r\n\r\n');
      await new Promise((r) => setTimeout(r, 100));
      conn.socket.resume();
      assert.ok(await conn.closed(15_000), 'the connection closes after the 400');
      const text = conn.received();
      const download = parseResponse(text);
      assert.equal(download?.status, 200, text.slice(0, 200));
      const end = text.indexOf('\r\n\r\n') + 4 + size;
      assert.equal(Buffer.byteLength(text.slice(text.indexOf('\r\n\r\n') + 4, end), 'latin1'), size, 'every byte of the file');
      assert.equal(parseResponse(text.slice(end))?.status, 400, text.slice(end, end + 200));
    } finally {
      conn.destroy();
    }
  });

  test('an upgrade behind a download larger than the socket buffer is answered after the whole download', { timeout: 30_000 }, async () => {
    // Node takes its 'drain' off an upgrade's socket: the download waited for it for good, and the
    // connection with its open file was never freed.
    const size = 4 * 1024 * 1024;
    const [fileId] = (await uploadJson(org, [{ name: 'behind.bin', body: Buffer.alloc(size, 3) }])) as [string];
    for (const count of [1, 20]) {
      const conn = await rawConnect(ts.url);
      try {
        const ahead = `GET /api/v1/files/${fileId}/content HTTP/1.1\r\nHost: x\r\ncapout-api-key: ${org.apiKey}\r\n\r\n`.repeat(count);
        conn.write(`${ahead}GET /api/v1/ws/behind-download?token=${org.apiKey} HTTP/1.1\r\nHost: x\r\n${HANDSHAKE}\r\n\r\n`);
        assert.ok(await conn.closed(20_000), `closed after the refusal (received ${conn.received().length} bytes)`);
        const text = conn.received();
        assert.equal([...text.matchAll(/HTTP\/1\.1 200 /g)].length, count, 'every download first');
        const refusal = text.slice(text.lastIndexOf('HTTP/1.1 '));
        assert.match(refusal, /^HTTP\/1\.1 400 /);
        assert.equal(JSON.parse(parseResponse(refusal)?.body ?? '{}').code, 'invalid_request');
        assert.ok(text.length >= count * size, 'whole downloads');
      } finally {
        conn.destroy();
      }
    }
  });

  test('an upgrade in absolute form is its path; an empty client_id is no route, as over HTTP', async () => {
    const absolute = await upgrade(`http://x/api/v1/ws/absolute-form?token=${org.apiKey}`);
    assert.equal(absolute.status, 101);
    const empty = await upgrade(`/api/v1/ws/?token=${org.apiKey}`);
    assert.equal(empty.status, 404);
  });

  test('an upgrade path is matched as the HTTP router matches it: percent-decoded, and without a trailing slash', async () => {
    const held = await rawConnect(ts.url);
    try {
      held.write(`GET /api/v1/ws/cl%41ssic?token=${org.apiKey} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
      const deadline = Date.now() + 5000;
      while (!held.received().includes('\r\n\r\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.match(held.received(), /^HTTP\/1\.1 101 /, 'cl%41ssic is client_id clAssic, as GET /api/v1/ws/cl%41ssic is its route');
      const taken = await upgrade(`/api/v1/ws/clAssic?token=${org.apiKey}`);
      assert.equal(taken.status, 409, 'the same client_id, connected');
    } finally {
      held.destroy();
    }
    const trailing = await upgrade(`/api/v1/ws/trailing/?token=${org.apiKey}`);
    assert.equal(trailing.status, 404, 'as GET /api/v1/ws/trailing/ is');
    assert.equal((await raw('GET', '/api/v1/ws/trailing/')).status, 404);
  });

  test('dot segments in an upgrade path are not resolved away: . and .. are no client_id, and x/../b is not b', async () => {
    for (const path of ['/api/v1/ws/..', '/api/v1/ws/.', '/api/v1/ws/%2e%2e']) {
      const r = await upgrade(`${path}?token=${org.apiKey}`);
      assert.equal(r.status, 400, path);
      assert.equal(JSON.parse(r.body).code, 'invalid_request', path);
    }
    const r = await upgrade(`/api/v1/ws/x/../dots?token=${org.apiKey}`);
    assert.equal(r.status, 404, 'as an HTTP route with that path is');
    const socket = await listen(ts, org.apiKey, 'dots');
    socket.close();
  });

  test('a path answers an upgrade and a plain GET alike: a client_id the socket takes is the route\'s (426), one it refuses is 400 both ways', async () => {
    const long = 'L'.repeat(128);
    const plain = async (target: string) => (await rawExchange(ts.url, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`)).status;
    // Taken: the upgrade opens, the plain request is told to upgrade (a fragment is cut off, as HTTP cuts it).
    for (const path of [`/api/v1/ws/${long}`, '/api/v1/ws/frag#ment']) {
      assert.equal(await plain(path), 426, path);
      const r = await upgrade(path.replace(/(#|$)/, `?token=${org.apiKey}$1`));
      assert.equal(r.status, 101, `${path}: ${r.body}`);
    }
    // Refused: too long, a dot segment (spelled out or encoded).
    for (const path of [`/api/v1/ws/${long}L`, '/api/v1/ws/..', '/api/v1/ws/%2e%2e', '/api/v1/ws/%2E']) {
      assert.equal(await plain(path), 400, `GET ${path.slice(0, 30)}`);
      assert.equal((await upgrade(`${path}?token=${org.apiKey}`)).status, 400, `upgrade ${path.slice(0, 30)}`);
    }
  });

  test('the OpenAPI document names every operation and declares what it answers', async () => {
    const doc = (await (await fetch(`${ts.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, Body>> };
    const expected: [string, string, string, string, string][] = [
      ['/api/v1/files', 'post', 'uploadFiles', '201', 'organizer'],
      ['/api/v1/files', 'get', 'listFiles', '200', 'organizer'],
      ['/api/v1/files/{file_id}', 'get', 'getFile', '200', 'organizer'],
      ['/api/v1/files/{file_id}/content', 'get', 'downloadFile', '206', 'organizer'],
      ['/api/v1/files/{file_id}', 'patch', 'updateFile', '200', 'organizer'],
      ['/api/v1/files/{file_id}', 'delete', 'deleteFile', '204', 'organizer'],
      ['/api/v1/folders', 'get', 'listFolders', '200', 'organizer'],
      ['/api/v1/jobs', 'post', 'createJob', '201', 'organizer'],
      ['/api/v1/jobs/{job_id}', 'get', 'getJob', '200', 'organizer'],
      ['/api/v1/jobs/{job_id}/cancel', 'post', 'cancelJob', '200', 'organizer'],
      ['/api/v1/jobs/{job_id}/undo', 'post', 'undoJob', '200', 'organizer'],
      ['/admin/v1/orgs/{org_id}/files/{file_id}/lock', 'put', 'setFileLock', '200', 'admin'],
      ['/api/v1/ws/{client_id}', 'get', 'connectOrganizerSocket', '101', 'organizer realtime'],
    ];
    for (const [path, method, id, success, tag] of expected) {
      const o = doc.paths[path]?.[method] as { operationId: string; tags: string[]; responses: Record<string, Body> } | undefined;
      assert.ok(o, `${method} ${path} is documented`);
      assert.equal(o.operationId, id);
      assert.deepEqual(o.tags, [tag], id);
      assert.ok(o.responses[success], `${id} declares ${success}`);
      assert.ok(o.responses['401'], `${id} declares 401`);
    }
    const upload = doc.paths['/api/v1/files']?.post as { requestBody: { content: Record<string, { schema: Body }> } };
    assert.deepEqual(Object.keys(upload.requestBody.content).sort(), ['application/json', 'multipart/form-data']);
    assert.equal(upload.requestBody.content['application/json']?.schema.additionalProperties, false);
    assert.deepEqual((doc.paths['/api/v1/ws/{client_id}']?.get as { security: Body[] }).security, [{ orgApiKeyQuery: [] }]);
  });
});
