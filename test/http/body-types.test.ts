// A JSON body's values keep their JSON types: a value of the wrong type is `400 invalid_request`,
// never converted (a number for a name, a list for a string, `true` for an amount), and nothing is
// created by the refused call. Query strings, which are text, still read numbers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';
import { createVideo, makeApp, type TestApp } from '../helpers/videos.js';

describe('JSON body types', () => {
  let ts: TestServer;
  let app: TestApp;

  before(async () => {
    ts = await startServer();
    app = await makeApp(ts);
  });
  after(async () => ts.close());

  test('the admin API refuses a wrong-typed field and creates nothing', async () => {
    const before = (await ts.admin('GET', '/orgs?limit=100')).body;
    for (const [body, field] of [
      [{ name: 123 }, 'body.name'],
      [{ name: ['a'] }, 'body.name'],
      [{ name: null }, 'body.name'],
      [{ name: 'x', credits_micro: true }, 'body.credits_micro'],
      [{ name: 'x', credits_micro: '5' }, 'body.credits_micro'],
      [{ name: 'x', credits_micro: [5] }, 'body.credits_micro'],
    ] as const) {
      const r = await ts.admin('POST', '/orgs', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.code, 'invalid_request');
      assert.ok(String(r.body.error).startsWith(field), `${JSON.stringify(body)}: ${String(r.body.error)}`);
    }
    // 1e309 is a JSON number too large for a double: it parses as Infinity, which is no name either.
    const huge = await fetch(`${ts.url}/admin/v1/orgs`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{"name":1e309}' });
    assert.equal(huge.status, 400);
    assert.deepEqual((await ts.admin('GET', '/orgs?limit=100')).body, before, 'no organization was made');
  });

  test('the SDK API refuses a part number that is not a JSON number', async () => {
    const videoId = await createVideo(app);
    const initiated = await app.sdk('/upload/multipart/initiate', { videoId, contentType: 'video/mp4' });
    const uploadId = initiated.body.uploadId;
    for (const partNumber of ['1', true, [1], 1.5]) {
      const r = await app.sdk('/upload/multipart/presign-part', { videoId, uploadId, partNumber });
      assert.equal(r.status, 400, `partNumber ${JSON.stringify(partNumber)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 'invalid_request');
    }
    assert.equal((await app.sdk('/upload/multipart/presign-part', { videoId, uploadId, partNumber: 1 })).status, 200);
  });

  test('an empty body sent as application/json is no body: a bodyless POST is {}, a DELETE goes through', async () => {
    const json = { 'content-type': 'application/json' };
    const org = await ts.admin('POST', '/orgs', { name: 'empty bodies', credits_micro: 10_000 });
    const key = org.body.api_key as string;
    const minted = await fetch(`${ts.url}/ws/token`, { method: 'POST', headers: { ...json, 'capout-api-key': key }, body: '' });
    assert.equal(minted.status, 200);
    assert.match(((await minted.json()) as { token: string }).token, /^rt_/);
    const videoId = await createVideo(app);
    const removed = await fetch(`${ts.url}/api/developer/v1/videos/${videoId}`, { method: 'DELETE', headers: { ...json, authorization: `Bearer ${app.secretKey}` }, body: '' });
    assert.equal(removed.status, 200, await removed.clone().text());
    // A route that needs fields still says which one is missing.
    const nameless = await fetch(`${ts.url}/admin/v1/orgs`, { method: 'POST', headers: { ...json, authorization: `Bearer ${ADMIN_TOKEN}` }, body: '' });
    assert.equal(nameless.status, 400);
    assert.deepEqual(await nameless.json(), { error: 'body.name is required', code: 'invalid_request' });
    // Whitespace is not an empty body: it is not JSON either.
    const blank = await fetch(`${ts.url}/admin/v1/orgs`, { method: 'POST', headers: { ...json, authorization: `Bearer ${ADMIN_TOKEN}` }, body: '  ' });
    assert.equal(((await blank.json()) as { code: string }).code, 'malformed_json');
  });

  test('an empty body is no body whatever its Content-Type; a body that is there is judged by it', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', 'application/xml']) {
      const created = await fetch(`${ts.url}/api/developer/sdk/v1/videos/create`, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${app.publicKey}` }, body: '' });
      assert.equal(created.status, 200, `${type}: ${await created.clone().text()}`);
      const videoId = ((await created.json()) as { videoId: string }).videoId;
      const removed = await fetch(`${ts.url}/api/developer/v1/videos/${videoId}`, { method: 'DELETE', headers: { 'content-type': type, authorization: `Bearer ${app.secretKey}` } });
      assert.equal(removed.status, 200, `${type}: ${await removed.clone().text()}`);
      const refused = await fetch(`${ts.url}/api/developer/sdk/v1/videos/create`, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${app.publicKey}` }, body: 'a=b' });
      assert.equal(refused.status, 415, type);
      assert.equal(((await refused.json()) as { code: string }).code, 'unsupported_media_type');
    }
  });

  test('query strings are text and still read as numbers', async () => {
    await ts.admin('POST', '/orgs', { name: 'one' });
    await ts.admin('POST', '/orgs', { name: 'two' });
    const r = await ts.admin('GET', '/orgs?limit=1&offset=1');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((r.body.data as unknown[]).length, 1);
    assert.equal((await ts.admin('GET', '/orgs?limit=abc')).status, 400);
  });
});
