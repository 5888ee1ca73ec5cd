// Integers in query strings are plain decimal digits, on every route whose query schema has integer
// fields (the check is attached to those routes only); other routes ignore such parameters as before.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';

describe('query integers', () => {
  let s: TestServer;
  let org: TestOrg;

  before(async () => {
    s = await startServer();
    org = await makeOrg(s);
  });
  after(async () => {
    await s.close();
  });

  test('a documents list with a limit not written in digits is 400 invalid_request', async () => {
    for (const limit of ['1e3', '0x10', '%207', '1.0', '+5']) {
      const res = await org.call('GET', `/documents?limit=${limit}`);
      assert.equal(res.status, 400, limit);
      assert.equal(res.body.code, 'invalid_request');
      assert.equal(res.body.error, 'querystring.limit must be an integer written in decimal digits');
    }
    const long = await org.call('GET', `/documents?offset=${'1'.repeat(17)}`);
    assert.equal(long.status, 400);
    assert.equal(long.body.error, 'querystring.offset is out of range');
    assert.equal((await org.call('GET', '/documents?limit=5&offset=0')).status, 200);
  });

  test('a negative zero is not a way past a minimum of 0: -0, -00 and " 0" are refused like +0', async () => {
    for (const offset of ['-0', '-00', '%200', '+0']) {
      const res = await s.admin('GET', `/orgs?limit=1&offset=${offset}`);
      assert.equal(res.status, 400, offset);
      assert.equal(res.body.error, 'querystring.offset must be an integer written in decimal digits', offset);
    }
    const negative = await s.admin('GET', '/orgs?limit=1&offset=-1');
    assert.equal(negative.status, 400, 'a negative offset is still out of range');
    assert.notEqual(negative.body.error, 'querystring.offset must be an integer written in decimal digits', 'a minus sign before a number is still read as one');
    assert.equal((await s.admin('GET', '/orgs?limit=1&offset=0')).status, 200);
    assert.equal((await org.call('GET', '/documents?offset=-0')).status, 400);
  });

  test('admin listings check theirs too; a route without integer parameters does not', async () => {
    assert.equal((await s.admin('GET', '/orgs?limit=0x10')).status, 400);
    assert.equal((await s.admin('GET', '/orgs?limit=10')).status, 200);
    assert.equal((await fetch(`${s.url}/version?limit=1e3`)).status, 200);
  });
});
