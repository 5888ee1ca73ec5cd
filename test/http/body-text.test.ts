// A request body's text is taken as sent or not at all: bytes that are not UTF-8, and a JSON string
// with a lone surrogate escape, are refused with 400 malformed_json instead of being stored with
// U+FFFD in their place; a multipart filename is held to the same rule. U+0000, which PostgreSQL
// refuses and SQLite cuts text short at, is 400 invalid_request anywhere in a body. Whole pairs, and text that only looks like an
// escape, are kept verbatim.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';

describe('request body text', () => {
  let ts: TestServer;
  let org: TestOrg;

  before(async () => {
    ts = await startServer();
    org = await makeOrg(ts);
  });
  after(async () => ts.close());

  const postOrg = async (body: string | Buffer<ArrayBuffer>): Promise<{ status: number; body: Record<string, unknown> }> => {
    const r = await fetch(`${ts.url}/admin/v1/orgs`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const orgNames = async (): Promise<string[]> => ((await ts.admin('GET', '/orgs?limit=100')).body.data as { name: string }[]).map((o) => o.name);

  test('a lone surrogate escape in a JSON string is 400 malformed_json, naming where it is', async () => {
    const before = await orgNames();
    for (const [body, at] of [
      ['{"name":"ab\\ud800cd"}', 'body.name'],
      ['{"name":"ab\\uDC00"}', 'body.name'],
      ['{"name":"a\\uDE00\\uD83D"}', 'body.name'],
      ['{"name":"x","metadata":{"tags":["ok","\\ud83d"]}}', 'body.metadata.tags[1]'],
      ['{"name":"x","\\udfff":1}', 'a key of body'],
    ] as const) {
      const r = await postOrg(body);
      assert.equal(r.status, 400, body);
      assert.equal(r.body.code, 'malformed_json', body);
      assert.match(String(r.body.error), new RegExp(`lone surrogate at ${at.replace(/[[\]]/g, '\\$&')}`), `${body}: ${String(r.body.error)}`);
    }
    assert.deepEqual(await orgNames(), before, 'nothing was made');
  });

  test('U+0000 in a JSON string or key is 400 invalid_request, naming where it is: no driver stores it as sent', async () => {
    const before = await orgNames();
    for (const [body, at] of [
      ['{"name":"a\\u0000b"}', 'body.name'],
      ['{"name":"x","metadata":{"tags":["ok","\\u0000"]}}', 'body.metadata.tags[1]'],
      ['{"name":"x","k\\u0000":1}', 'a key of body'],
    ] as const) {
      const r = await postOrg(body);
      assert.equal(r.status, 400, body);
      assert.equal(r.body.code, 'invalid_request', body);
      assert.match(String(r.body.error), new RegExp(`U\\+0000 at ${at.replace(/[[\]]/g, '\\$&')}`), `${body}: ${String(r.body.error)}`);
    }
    assert.deepEqual(await orgNames(), before, 'nothing was made');
    const r = await postOrg('{"name":"not a NUL \\\\u0000"}');
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.name, 'not a NUL \\u0000');
  });

  test('a JSON body that is not UTF-8 is 400 malformed_json', async () => {
    for (const bytes of [[0xff], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
      const body = Buffer.concat([Buffer.from('{"name":"ab'), Buffer.from(bytes), Buffer.from('cd"}')]);
      const r = await postOrg(body);
      assert.equal(r.status, 400, body.toString('hex'));
      assert.equal(r.body.code, 'malformed_json');
      assert.equal(r.body.error, 'The request body is not valid UTF-8');
    }
  });

  test('a surrogate pair, and text that only looks like an escape, are stored and returned verbatim', async () => {
    for (const [body, name] of [
      ['{"name":"smile \\ud83d\\ude00"}', 'smile \u{1F600}'],
      ['{"name":"not an escape \\\\ud800"}', 'not an escape \\ud800'],
      [`{"name":"raw ${'\u{1F600}'} é"}`, 'raw \u{1F600} é'],
    ] as const) {
      const r = await postOrg(body);
      assert.equal(r.status, 201, `${body}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.name, name);
      assert.equal((await ts.admin('GET', `/orgs/${String(r.body.id)}`)).body.name, name);
    }
  });

  test('a multipart filename that is not UTF-8 is refused, and nothing is stored', async () => {
    const boundary = 'capstanboundary';
    const part = (filename: Buffer): Buffer => Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="`),
      filename,
      Buffer.from(`"\r\nContent-Type: text/plain\r\n\r\nhi\r\n`),
    ]);
    const upload = (filename: Buffer) => fetch(`${ts.url}/api/v1/files`, {
      method: 'POST',
      headers: { 'capout-api-key': org.apiKey, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: Buffer.concat([part(Buffer.from('fine.txt')), part(filename), Buffer.from(`--${boundary}--\r\n`)]),
    });
    const refused = await upload(Buffer.from([0x61, 0xff, 0x2e, 0x74, 0x78, 0x74]));
    const answer = (await refused.json()) as Record<string, unknown>;
    assert.equal(refused.status, 400, JSON.stringify(answer));
    assert.equal(answer.code, 'invalid_request');
    assert.match(String(answer.error), /not valid UTF-8/);
    assert.deepEqual((await org.call('GET', '/api/v1/files')).body.files, [], 'an upload is all or nothing');
    const nul = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/a\u0000b\r\n\r\nhi\r\n--${boundary}--\r\n`),
    ]);
    const nulType = await fetch(`${ts.url}/api/v1/files`, { method: 'POST', headers: { 'capout-api-key': org.apiKey, 'content-type': `multipart/form-data; boundary=${boundary}` }, body: nul });
    const nulAnswer = (await nulType.json()) as Record<string, unknown>;
    assert.equal(nulType.status, 400, JSON.stringify(nulAnswer));
    assert.equal(nulAnswer.code, 'invalid_request');
    assert.match(String(nulAnswer.error), /NUL/);
    assert.deepEqual((await org.call('GET', '/api/v1/files')).body.files, [], 'a part type with a NUL stores nothing');
    const kept = await upload(Buffer.from('naïve.txt'));
    assert.equal(kept.status, 201);
    assert.deepEqual(((await kept.json()) as { files: { name: string }[] }).files.map((f) => f.name), ['fine.txt', 'naïve.txt']);
  });
});
