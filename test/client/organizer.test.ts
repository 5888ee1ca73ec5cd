// The organizer through the SDK against a real server: multipart uploads, the client_id socket's
// typed messages, jobs (create, get, cancel, undo), and the socket reopened after a cut.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { CapstanError, createClient, type Capstan, type OrganizerMessage } from '@capstan/client';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { assertFreshBuild, take } from './helpers.js';
import { cutProxy } from './proxy.js';

const FAST = { backoff: { initialMs: 50, maxMs: 500 } };

describe('organizer through the SDK', () => {
  let ts: TestServer;
  let org: TestOrg;
  let client: Capstan;
  before(async () => {
    assertFreshBuild();
    ts = await startServer();
    org = await makeOrg(ts);
    client = createClient({ baseUrl: ts.url, apiKey: org.apiKey, WebSocket });
  });
  after(() => ts.close());

  test('uploads announced on the socket, a job to completion with typed messages, undo, and a 409 cancel', async () => {
    const socket = client.organizer.connect(FAST);
    const it = socket[Symbol.asyncIterator]();
    await socket.opened;
    const files = await client.organizer.uploadFiles([
      { file: new Blob(['Invoice 2024-03-14 total due'], { type: 'text/plain' }), name: 'invoice 2024-03-14.txt' },
      { file: new Blob(['notes'], { type: 'text/plain' }), name: 'notes.txt' },
    ]);
    assert.equal(files.length, 2);
    const uploaded = await take(it, (items) => items.filter((m) => m.type === 'file_uploaded').length === 2);
    assert.deepEqual(uploaded.filter((m) => m.type === 'file_uploaded').map((m) => m.type === 'file_uploaded' && m.fileId).sort(), files.map((f) => f.fileId).sort());
    const job = await client.organizer.createJob({ fileIds: files.map((f) => f.fileId) });
    const messages: OrganizerMessage[] = await take(it, (items) => items.some((m) => m.type === 'job_complete' && m.jobId === job.jobId));
    const complete = messages.find((m) => m.type === 'job_complete');
    assert.ok(complete?.type === 'job_complete' && complete.status === 'completed' && complete.organized === 2);
    assert.ok(messages.some((m) => m.type === 'job_progress' && m.progress === 100));
    assert.equal((await client.organizer.getJob(job.jobId)).status, 'completed');
    await assert.rejects(client.organizer.cancelJob(job.jobId), (e: unknown) => e instanceof CapstanError && e.status === 409 && e.code === 'conflict');
    const undone = await client.organizer.undoJob(job.jobId);
    assert.equal(undone.restored + undone.kept, 2);
    socket.ping();
    await take(it, (items) => items.some((m) => m.type === 'job_undone') && items.some((m) => m.type === 'pong'));
    socket.close();
  });

  test('a cut socket is reopened with the same client_id and the events keep coming', async () => {
    const proxy = await cutProxy(ts.url);
    try {
      const socket = createClient({ baseUrl: proxy.url, apiKey: org.apiKey, WebSocket }).organizer.connect(FAST);
      const it = socket[Symbol.asyncIterator]();
      await socket.opened;
      proxy.cut();
      // The next upload is announced once the socket is back.
      const later = (async () => {
        await new Promise((r) => setTimeout(r, 1000));
        return client.organizer.uploadFiles([{ file: new Blob(['after the cut']), name: 'after.txt' }]);
      })();
      const got = await take(it, (items) => items.some((m) => m.type === 'file_uploaded' && m.name === 'after.txt'));
      assert.ok(got.length >= 1);
      assert.equal((await later)[0]?.name, 'after.txt');
      socket.close();
    } finally {
      await proxy.close();
    }
  });

  test('uploadFiles with an idempotencyKey: a retry gets the first files; other files with the key are a typed 409', async () => {
    const files = [{ file: new Blob(['retried once'], { type: 'text/plain' }), name: 'retried.txt' }];
    const key = crypto.randomUUID();
    const first = await client.organizer.uploadFiles(files, { idempotencyKey: key });
    const again = await client.organizer.uploadFiles(files, { idempotencyKey: key, signal: AbortSignal.timeout(10_000) });
    assert.deepEqual(again.map((f) => f.fileId), first.map((f) => f.fileId));
    await assert.rejects(
      client.organizer.uploadFiles([{ file: new Blob(['other bytes']), name: 'retried.txt' }], { idempotencyKey: key }),
      (e: unknown) => e instanceof CapstanError && e.status === 409 && e.code === 'idempotency_conflict',
    );
    // A signal alone, as before.
    assert.equal((await client.organizer.uploadFiles(files, AbortSignal.timeout(10_000))).length, 1);
    const named = (await client.organizer.listFiles({ limit: 500 })).files.filter((f) => f.name === 'retried.txt');
    assert.equal(named.length, 2, 'the keyed upload once, the unkeyed one once');
  });

  test('a wrong key: the socket never opens and the iteration ends with the typed 401', async () => {
    const socket = createClient({ baseUrl: ts.url, apiKey: 'capout_test_wrong', WebSocket }).organizer.connect(FAST);
    await assert.rejects(socket.opened, (e: unknown) => e instanceof CapstanError && e.status === 401 && e.code === 'unauthorized');
    await assert.rejects(take(socket[Symbol.asyncIterator](), () => false), (e: unknown) => e instanceof CapstanError && e.status === 401);
  });
});
