// A video create retried under the same Idempotency-Key (its answer lost on the way) returns the first
// video instead of making a second; one that failed with 503 applied nothing and leaves its key free;
// another body under the key is 409, a malformed key 400 before anything is made. Keys are per app.
// Both drivers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServerOn } from '../helpers/drivers.js';
import { loseNextCommitAck } from '../helpers/lost-commit.js';
import type { TestServer } from '../helpers/server.js';
import { makeApp, type TestApp } from '../helpers/videos.js';

for (const driver of ['sqlite', 'postgres'] as const) {
  describe(`video create with an Idempotency-Key on ${driver}`, () => {
    let ts: TestServer;

    before(async () => {
      ts = await startServerOn(driver);
    });
    after(async () => ts?.close());

    const videos = async (app: TestApp) => ((await app.rest('GET', '/videos?limit=100')).body.data as { id: string }[]).map((v) => v.id);
    const create = (app: TestApp, body: Record<string, unknown>, key: string) => app.sdk('/videos/create', body, { 'idempotency-key': key });

    test('a create retried with its key returns the first video, marked replayed, and makes no second', async () => {
      const app = await makeApp(ts);
      const first = await create(app, { name: 'Demo' }, 'create-1');
      assert.equal(first.status, 200, JSON.stringify(first.body));
      for (let i = 0; i < 2; i++) {
        const retried = await create(app, { name: 'Demo' }, 'create-1');
        assert.equal(retried.status, 200, JSON.stringify(retried.body));
        assert.equal(retried.headers.get('idempotent-replayed'), 'true');
        assert.equal(retried.body.videoId, first.body.videoId);
      }
      assert.deepEqual(await videos(app), [first.body.videoId], 'one video');
    });

    test('a create whose commit failed (503) applied nothing and left its key free: the retry makes the one video', async () => {
      const app = await makeApp(ts);
      const restore = loseNextCommitAck(ts);
      try {
        const first = await create(app, { name: 'Demo' }, 'create-2');
        assert.equal(first.status, 503, JSON.stringify(first.body));
      } finally {
        restore();
      }
      const retried = await create(app, { name: 'Demo' }, 'create-2');
      assert.equal(retried.status, 200, JSON.stringify(retried.body));
      assert.deepEqual(await videos(app), [retried.body.videoId], 'one video, the one the retry names');
    });

    test('another body under the key is 409; a malformed key is 400 and makes nothing; keys are per app', async () => {
      const app = await makeApp(ts);
      const made = await create(app, { name: 'One' }, 'k');
      assert.equal(made.status, 200);
      const other = await create(app, { name: 'Two' }, 'k');
      assert.equal(other.status, 409);
      assert.equal(other.body.code, 'idempotency_conflict');
      for (const key of [' ', 'a b', 'x'.repeat(256), 'é']) {
        const bad = await create(app, { name: 'Bad' }, key);
        assert.equal(bad.status, 400, key);
        assert.equal(bad.body.code, 'invalid_request');
      }
      assert.deepEqual(await videos(app), [made.body.videoId]);
      const elsewhere = await makeApp(ts);
      const theirs = await create(elsewhere, { name: 'One' }, 'k');
      assert.equal(theirs.status, 200);
      assert.notEqual(theirs.body.videoId, made.body.videoId, "another app's key space");
    });
  });
}
