// Every write of the admin API applies at most once per Idempotency-Key, the ones that create a
// single row (a key, a hub, a contact, a segment), a role, a file's lock and a token mint, which makes
// no row at all, included: a retry answers the first status and body, marked Idempotent-Replayed, and
// changes nothing more; the same key with another request is 409 idempotency_conflict; a malformed key
// is 400 and applies nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';
import { uploadJson } from '../organizer/helpers.js';

type Body = Record<string, unknown>;

describe('admin writes with an Idempotency-Key', () => {
  let ts: TestServer;
  let org: TestOrg;
  let hubId: string;
  let contactId: string;
  let fileId: string;

  const send = async (method: string, path: string, body: unknown, key: string | undefined) => {
    const res = await fetch(`${ts.url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
      body: JSON.stringify(body),
    });
    return { status: res.status, replayed: res.headers.get('idempotent-replayed'), body: (await res.json()) as Body };
  };
  const count = async (path: string) => ((await ts.admin('GET', path)).body.data as unknown[] | undefined)?.length ?? ((await ts.admin('GET', path)).body.keys as unknown[]).length;

  before(async () => {
    ts = await startServer();
    org = await makeOrg(ts);
    hubId = String((await ts.admin('POST', `/orgs/${org.id}/hubs`, { name: 'Hub' })).body.id);
    contactId = String((await ts.admin('POST', `/hubs/${hubId}/contacts`, { name: 'Ada' })).body.id);
    [fileId] = (await uploadJson(org, [{ name: 'note.txt', body: 'hello' }])) as [string];
  });
  after(() => ts.close());

  const cases = (): { name: string; method: string; path: () => string; body: Body; other: Body; rows?: () => Promise<number> }[] => [
    { name: 'an organization key', method: 'POST', path: () => `/orgs/${org.id}/keys`, body: { mode: 'test' }, other: { mode: 'live' }, rows: () => count(`/orgs/${org.id}`) },
    { name: 'a hub', method: 'POST', path: () => `/orgs/${org.id}/hubs`, body: { name: 'Second' }, other: { name: 'Third' }, rows: () => count(`/orgs/${org.id}/hubs`) },
    { name: 'a contact', method: 'POST', path: () => `/hubs/${hubId}/contacts`, body: { name: 'Bo' }, other: { name: 'Cy' }, rows: () => count(`/hubs/${hubId}/contacts`) },
    { name: 'a segment', method: 'POST', path: () => `/hubs/${hubId}/segments`, body: { name: 'vip' }, other: { name: 'staff' }, rows: () => count(`/hubs/${hubId}/segments`) },
    { name: 'a contact token', method: 'POST', path: () => `/hubs/${hubId}/contacts/${contactId}/tokens`, body: { ttl_seconds: 600 }, other: { ttl_seconds: 60 } },
    { name: 'a role', method: 'PUT', path: () => `/hubs/${hubId}/contacts/${contactId}/role`, body: { role: 'moderator' }, other: { role: 'member' } },
    { name: "a file's lock", method: 'PUT', path: () => `/orgs/${org.id}/files/${fileId}/lock`, body: { locked: true }, other: { locked: false } },
  ];

  test('a retry replays the first answer and changes nothing more; another request with the key is 409', async () => {
    for (const [i, c] of cases().entries()) {
      const key = `retry-${i}`;
      const rowsBefore = await c.rows?.();
      const first = await send(c.method, c.path(), c.body, key);
      assert.ok(first.status === 200 || first.status === 201, `${c.name}: ${JSON.stringify(first.body)}`);
      assert.equal(first.replayed, null, c.name);
      const again = await send(c.method, c.path(), c.body, key);
      assert.equal(again.status, first.status, c.name);
      assert.equal(again.replayed, 'true', `${c.name}: the retry is marked as a replay`);
      assert.deepEqual(again.body, first.body, `${c.name}: the same answer (the same id, the same key or token)`);
      if (c.rows && rowsBefore !== undefined) assert.equal(await c.rows(), rowsBefore + 1, `${c.name}: made once`);
      const other = await send(c.method, c.path(), c.other, key);
      assert.equal(other.status, 409, `${c.name}: ${JSON.stringify(other.body)}`);
      assert.equal(other.body.code, 'idempotency_conflict');
    }
    const role = (await ts.admin('GET', `/hubs/${hubId}/contacts`)).body.data as Body[];
    assert.equal(role.find((c) => c.id === contactId)?.role, 'moderator', 'the conflicting role change was not applied');
  });

  test('a malformed key is 400 and applies nothing', async () => {
    for (const c of cases()) {
      const rowsBefore = await c.rows?.();
      const res = await send(c.method, c.path(), c.other, 'has space');
      assert.equal(res.status, 400, `${c.name}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'invalid_request');
      if (c.rows && rowsBefore !== undefined) assert.equal(await c.rows(), rowsBefore, `${c.name}: nothing made`);
    }
    const files = (await org.call('GET', '/api/v1/files')).body.files as Body[];
    assert.equal(files.find((f) => (f.fileId ?? f.id) === fileId)?.locked, true, 'the lock was not lifted by the refused request');
  });
});
