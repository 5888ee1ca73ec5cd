// Two members starting a 1:1 with each other at the same moment get one conversation between them,
// on SQLite and on PostgreSQL (where the two transactions really run side by side).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { as } from '../helpers/community.js';
import { makeHub, type TestHub } from '../helpers/hub.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { startServer, type TestServer } from '../helpers/server.js';

for (const driver of ['sqlite', 'postgres'] as const) describe(`a 1:1 started from both sides at once (${driver})`, () => {
  let ts: TestServer;
  let db: TestDatabase | undefined;
  let hub: TestHub;
  before(async () => {
    db = driver === 'postgres' ? await createTestDatabase() : undefined;
    ts = await startServer(db ? { databaseUrl: db.url } : {});
    hub = await makeHub(ts);
  });
  after(async () => {
    await ts.close();
    await db?.drop();
  });

  test('one conversation per pair, whoever asks and however many times at once', async () => {
    for (let round = 0; round < 5; round++) {
      const ada = await hub.member(`Ada ${round}`);
      const bob = await hub.member(`Bob ${round}`);
      const answers = await Promise.all([
        ...[1, 2, 3].map(() => as(ts, hub, ada, 'POST', '/conversations', { contact_ids: [bob.id] })),
        ...[1, 2, 3].map(() => as(ts, hub, bob, 'POST', '/conversations', { contact_ids: [ada.id] })),
      ]);
      const ids = new Set(answers.map((a) => a.body.id));
      assert.equal(ids.size, 1, `one conversation: ${JSON.stringify(answers.map((a) => [a.status, a.body.id]))}`);
      assert.deepEqual(answers.map((a) => a.status).filter((s) => s === 201), [201], 'created once, the others answered 200 with it');
      for (const who of [ada, bob]) {
        const listed = (await as(ts, hub, who, 'GET', '/conversations')).body.data as { id: string }[];
        assert.deepEqual(listed.map((c) => c.id), [...ids]);
      }
    }
  });
});
