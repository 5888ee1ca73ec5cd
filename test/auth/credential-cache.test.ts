// Remembered API keys on a real server: a key verified a moment ago is not read again, yet a key
// revoked or rotated through the admin API answers 401 on its very next request.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { call, makeApp } from '../helpers/videos.js';

/** A few requests: the first starts following the organization, the next are remembered. */
async function warm(org: TestOrg, key = org.apiKey): Promise<void> {
  for (let i = 0; i < 3; i++) assert.equal((await org.call('GET', '/documents', undefined, { 'capout-api-key': key })).status, 200);
}

describe('remembered API keys', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => ts.close());

  test('a remembered key is not read again: a change made behind the server\'s back is not seen', async () => {
    const org = await makeOrg(ts);
    await warm(org);
    const keyId = ((await ts.admin('GET', `/orgs/${org.id}`)).body.keys as { id: string }[])[0]!.id;
    // Straight in storage, without the revocation event: only the cache can still answer 200.
    assert.equal(await ts.server.ctx.storage.orgs.revokeKey(org.id, keyId, new Date().toISOString()), true);
    assert.equal((await org.call('GET', '/documents')).status, 200);
  });

  test('a key revoked through the admin API answers 401 on its next request; the other keys go on', async () => {
    const org = await makeOrg(ts);
    const other = await makeOrg(ts);
    const second = await ts.admin('POST', `/orgs/${org.id}/keys`, {});
    assert.equal(second.status, 201);
    const secondKey = second.body.api_key as string;
    await warm(org);
    await warm(org, secondKey);
    await warm(other);
    assert.equal((await ts.admin('DELETE', `/orgs/${org.id}/keys/${second.body.id as string}`)).status, 200);
    const refused = await org.call('GET', '/documents', undefined, { 'capout-api-key': secondKey });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.code, 'unauthorized');
    assert.equal((await org.call('GET', '/status/doc_none', undefined, { 'capout-api-key': secondKey })).status, 401);
    assert.equal((await org.call('GET', '/documents')).status, 200);
    assert.equal((await other.call('GET', '/documents')).status, 200);
  });

  test('regenerated app keys: the old pair answers 401 at once, the new one works', async () => {
    const app = await makeApp(ts);
    for (let i = 0; i < 3; i++) assert.equal((await app.rest('GET', '/videos')).status, 200);
    const pair = await ts.admin('POST', `/apps/${app.id}/regenerate-keys`);
    assert.equal(pair.status, 200);
    assert.equal((await app.rest('GET', '/videos')).status, 401);
    assert.equal((await call(`${ts.url}/api/developer/v1/videos`, 'GET', pair.body.secret_key as string)).status, 200);
  });

  test('a key of the wrong kind stays refused when the right one is remembered', async () => {
    const app = await makeApp(ts);
    for (let i = 0; i < 3; i++) assert.equal((await app.rest('GET', '/videos')).status, 200);
    assert.equal((await call(`${ts.url}/api/developer/v1/videos`, 'GET', app.publicKey)).status, 401);
  });
});
