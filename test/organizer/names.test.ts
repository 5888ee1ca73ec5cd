// Folder and file names "." and ".." (or only those padded with spaces) name no file or folder of
// their own, wherever a name is taken: the folder of a listing or a job, and an uploaded file's name,
// in JSON and in multipart. They are refused with 400 like any other bad segment; names that merely
// contain dots are kept.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { uploadForm } from './helpers.js';

describe('organizer: "." and ".." are not names', () => {
  let ts: TestServer;
  let org: TestOrg;

  before(async () => {
    ts = await startServer();
    org = await makeOrg(ts);
  });
  after(() => ts.close());

  const BAD_FOLDERS = ['.', '..', '/../', './', 'a/./b', 'a/../b', 'Invoices/..', ' .. ', 'a/ . /b', 'a/ /b'];

  test('a listing or a job over such a folder is 400 invalid_request', async () => {
    for (const folder of BAD_FOLDERS) {
      const listed = await org.call('GET', `/api/v1/files?folder=${encodeURIComponent(folder)}`);
      assert.equal(listed.status, 400, `list ${JSON.stringify(folder)}: ${JSON.stringify(listed.body)}`);
      assert.equal(listed.body.code, 'invalid_request');
      const job = await org.call('POST', '/api/v1/jobs', { folder });
      assert.equal(job.status, 400, `job ${JSON.stringify(folder)}: ${JSON.stringify(job.body)}`);
      assert.equal(job.body.code, 'invalid_request');
    }
  });

  test('an uploaded file named so is 400 invalid_request, in JSON and in multipart, and nothing is stored', async () => {
    for (const name of ['.', '..', 'folder/..', 'a\\..', ' .. ', '..\u0000']) {
      const json = await org.call('POST', '/api/v1/files', { files: [{ name: 'fine.txt', content_base64: 'aGk=' }, { name, content_base64: 'aGk=' }] });
      assert.equal(json.status, 400, `json ${JSON.stringify(name)}: ${JSON.stringify(json.body)}`);
      assert.equal(json.body.code, 'invalid_request');
    }
    // A multipart filename is a quoted string, where a backslash escapes the next character.
    for (const name of ['.', '..', 'folder/..', ' .. ']) {
      const form = await uploadForm(ts, org, [{ name: 'fine.txt', body: 'hi' }, { name, body: 'hi' }]);
      assert.equal(form.status, 400, `multipart ${JSON.stringify(name)}: ${JSON.stringify(form.body)}`);
      assert.equal(form.body.code, 'invalid_request');
    }
    const listed = await org.call('GET', '/api/v1/files');
    assert.deepEqual(listed.body.files, [], 'an upload is all or nothing');
  });

  test('names with dots in them are ordinary names', async () => {
    const res = await org.call('POST', '/api/v1/files', { files: ['...', '.hidden', 'a..b.txt', '..txt'].map((name) => ({ name, content_base64: 'aGk=' })) });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual((res.body.files as { name: string }[]).map((f) => f.name), ['...', '.hidden', 'a..b.txt', '..txt']);
    assert.equal((await org.call('GET', `/api/v1/files?folder=${encodeURIComponent('a.b/..c')}`)).status, 200);
  });
});
