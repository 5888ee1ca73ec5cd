// Organizer uploads with an Idempotency-Key, on SQLite and PostgreSQL: a retry (the same files, sent
// again after a lost answer, even as the other encoding) gets the first answer and stores nothing
// twice; the same key with other files, or used for a document upload, is refused; a malformed key is
// refused before anything is stored. Without the key every upload is a new one, as before.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loseNextCommitAck } from '../helpers/lost-commit.js';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { storedFiles } from './helpers.js';
import { startServerOn } from '../helpers/drivers.js';
import type { TestServer } from '../helpers/server.js';

type Msg = Record<string, unknown>;
interface Sent { readonly name: string; readonly body: string; readonly type?: string }

async function uploadForm(ts: TestServer, org: TestOrg, files: readonly Sent[], key?: string) {
  const form = new FormData();
  for (const f of files) form.append('file', new Blob([f.body], { type: f.type ?? 'text/plain' }), f.name);
  const res = await fetch(`${ts.url}/api/v1/files`, { method: 'POST', headers: { 'capout-api-key': org.apiKey, ...(key === undefined ? {} : { 'idempotency-key': key }) }, body: form });
  return { status: res.status, body: (await res.json()) as Msg, headers: res.headers };
}

function uploadJson(org: TestOrg, files: readonly Sent[], key?: string) {
  const body = { files: files.map((f) => ({ name: f.name, content_base64: Buffer.from(f.body).toString('base64'), ...(f.type ? { content_type: f.type } : {}) })) };
  return org.call('POST', '/api/v1/files', body, key === undefined ? {} : { 'idempotency-key': key });
}

const idsOf = (body: Msg) => (body.files as Msg[]).map((f) => f.fileId as string);

async function listed(org: TestOrg): Promise<Msg[]> {
  const res = await org.call('GET', '/api/v1/files?limit=100');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.files as Msg[];
}

async function uploadedEvents(ts: TestServer, org: TestOrg): Promise<number> {
  const events = await ts.server.ctx.storage.events.readAfter(`org:${org.id}`, undefined, 1000);
  return events.filter((e) => e.type === 'organizer.file_uploaded').length;
}

for (const driver of ['sqlite', 'postgres'] as const) {
  describe(`organizer uploads with an Idempotency-Key (${driver})`, () => {
    let ts: TestServer;
    before(async () => {
      ts = await startServerOn(driver);
    });
    after(async () => {
      await ts.close();
    });

    test('a retry of a multipart upload gets the first answer, and nothing is stored twice', async () => {
      const org = await makeOrg(ts);
      const files = [{ name: 'a.txt', body: 'first file' }, { name: 'b.txt', body: 'second file' }];
      const first = await uploadForm(ts, org, files, 'upload-1');
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.headers.get('idempotent-replayed'), null);
      const again = await uploadForm(ts, org, files, 'upload-1');
      assert.equal(again.status, 201, JSON.stringify(again.body));
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(again.body, first.body);
      // The same files as base64 JSON are the same request.
      const asJson = await uploadJson(org, files.map((f) => ({ ...f, type: 'text/plain' })), 'upload-1');
      assert.equal(asJson.status, 201, JSON.stringify(asJson.body));
      assert.equal(asJson.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(idsOf(asJson.body), idsOf(first.body));

      assert.deepEqual((await listed(org)).map((f) => f.fileId).sort(), [...idsOf(first.body)].sort());
      assert.equal(await storedFiles(ts, org), 2);
      assert.equal(await uploadedEvents(ts, org), 2, 'each file announced once');
    });

    test('the same key with other files, or for a document upload, is 409 and stores nothing', async () => {
      const org = await makeOrg(ts);
      const first = await uploadForm(ts, org, [{ name: 'a.txt', body: 'one' }], 'upload-2');
      assert.equal(first.status, 201, JSON.stringify(first.body));
      for (const other of [
        [{ name: 'a.txt', body: 'two' }],
        [{ name: 'renamed.txt', body: 'one' }],
        [{ name: 'a.txt', body: 'one', type: 'application/pdf' }],
        [{ name: 'a.txt', body: 'one' }, { name: 'b.txt', body: 'more' }],
      ]) {
        const res = await uploadForm(ts, org, other, 'upload-2');
        assert.equal(res.status, 409, JSON.stringify(res.body));
        assert.equal(res.body.code, 'idempotency_conflict');
        assert.equal(res.headers.get('retry-after'), null, 'final: do not send it again');
      }
      const doc = await org.call('POST', '/upload', { file_base64: Buffer.from('%PDF-1.4').toString('base64'), file_name: 'x.pdf' }, { 'idempotency-key': 'upload-2' });
      assert.equal(doc.status, 409, JSON.stringify(doc.body));
      assert.equal(doc.body.code, 'idempotency_conflict');
      assert.equal((await listed(org)).length, 1);
      assert.equal(await storedFiles(ts, org), 1);
    });

    test('keys are per organization, and without a key each upload is a new one', async () => {
      const one = await makeOrg(ts);
      const two = await makeOrg(ts);
      const files = [{ name: 'shared.txt', body: 'same bytes' }];
      const a = await uploadJson(one, files, 'upload-3');
      const b = await uploadJson(two, files, 'upload-3');
      assert.equal(a.status, 201);
      assert.equal(b.status, 201);
      assert.equal(b.headers.get('idempotent-replayed'), null);
      assert.notDeepEqual(idsOf(a.body), idsOf(b.body));
      assert.equal((await uploadJson(one, files)).status, 201);
      assert.equal((await listed(one)).length, 2);
    });

    test('concurrent requests with one key and the same files store one set', async () => {
      const org = await makeOrg(ts);
      const files = [{ name: 'race.txt', body: 'x'.repeat(200_000) }];
      const answers = await Promise.all(Array.from({ length: 6 }, () => uploadForm(ts, org, files, 'upload-4')));
      for (const res of answers) assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(answers.filter((r) => r.headers.get('idempotent-replayed') === null).length, 1, 'one applied, the rest replayed');
      assert.equal(new Set(answers.map((r) => idsOf(r.body)[0])).size, 1);
      assert.equal((await listed(org)).length, 1);
      assert.equal(await storedFiles(ts, org), 1);
    });

    test('after a commit whose acknowledgement was lost, the retry gets the files that were stored', async () => {
      const org = await makeOrg(ts);
      const files = [{ name: 'lost.txt', body: 'stored although the answer was 503' }];
      const restore = loseNextCommitAck(ts);
      try {
        const first = await uploadForm(ts, org, files, 'upload-5');
        assert.equal(first.status, 503, JSON.stringify(first.body));
      } finally {
        restore();
      }
      const retried = await uploadForm(ts, org, files, 'upload-5');
      assert.equal(retried.status, 201, JSON.stringify(retried.body));
      assert.equal(retried.headers.get('idempotent-replayed'), 'true');
      const [file] = await listed(org);
      assert.equal((await listed(org)).length, 1);
      assert.equal(file?.fileId, idsOf(retried.body)[0]);
      assert.equal(await storedFiles(ts, org), 1);
      const content = await fetch(`${ts.url}/api/v1/files/${idsOf(retried.body)[0]}/content`, { headers: { 'capout-api-key': org.apiKey } });
      assert.equal(await content.text(), files[0]?.body);
    });

    test('a malformed key is 400 before anything is stored; a failed upload leaves its key free', async () => {
      const org = await makeOrg(ts);
      for (const key of [' ', 'a b', 'x'.repeat(256), 'tab\there', 'é']) {
        const res = await uploadJson(org, [{ name: 'k.txt', body: 'k' }], key).catch(() => ({ status: 0, body: {} as Msg }));
        if (res.status === 0) continue; // fetch itself refuses some header values
        assert.equal(res.status, 400, `${JSON.stringify(key)}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.code, 'invalid_request');
      }
      const empty = await uploadForm(ts, org, [{ name: 'empty.txt', body: '' }], 'upload-6');
      assert.equal(empty.status, 400, JSON.stringify(empty.body));
      const ok = await uploadForm(ts, org, [{ name: 'full.txt', body: 'now with bytes' }], 'upload-6');
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      assert.equal(ok.headers.get('idempotent-replayed'), null);
      assert.equal((await listed(org)).length, 1);
      assert.equal(await storedFiles(ts, org), 1);
    });
  });
}
