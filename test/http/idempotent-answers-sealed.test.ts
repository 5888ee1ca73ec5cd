// The answers kept for Idempotency-Key retries are sealed at rest, on SQLite and PostgreSQL: an answer
// that shows a secret once (an organization's API key, a rotated webhook secret) is not readable in
// the idempotency table, yet its retry replays it exactly. An answer sealed under a token secret since
// changed is lost (409, never a 500), and an answer kept in plain before answers were sealed replays.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { requestHashOf } from '../../src/http/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';

const TOKEN_SECRET = 'token-secret-for-sealed-answers-0123456789';

const write = async (ts: TestServer, path: string, body: unknown, key: string) => {
  const res = await fetch(`${ts.url}/admin/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  return { status: res.status, replayed: res.headers.get('idempotent-replayed'), retryAfter: res.headers.get('retry-after'), text: await res.text() };
};

for (const driver of ['sqlite', 'postgres'] as const) {
  describe(`answers kept for Idempotency-Key retries are sealed (${driver})`, () => {
    let ts: TestServer;
    let db: TestDatabase | undefined;
    let orgId: string;
    const storedAnswers = async () => (await ts.server.ctx.storage.db.selectFrom('idempotency_keys').select(['key', 'response']).execute());

    before(async () => {
      db = driver === 'postgres' ? await createTestDatabase() : undefined;
      ts = await startServer({ tokenSecret: TOKEN_SECRET, webhookAllowHttp: true, fetchAllowHosts: ['127.0.0.1'], ...(db ? { databaseUrl: db.url } : {}) });
      orgId = (await ts.admin('POST', '/orgs', { name: 'sealed' })).body.id as string;
    });
    after(async () => {
      await ts.close();
      await db?.drop();
    });

    test('a new API key and a rotated webhook secret are not in the table, and their retries replay them exactly', async () => {
      const created = await write(ts, '/orgs', { name: 'shown once' }, 'org-1');
      assert.equal(created.status, 201, created.text);
      const apiKey = (JSON.parse(created.text) as { api_key: string }).api_key;
      assert.match(apiKey, /^capout_/);
      const endpoint = await ts.admin('POST', `/orgs/${orgId}/webhooks`, { url: 'http://127.0.0.1:9/hook' });
      assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
      const rotated = await write(ts, `/webhooks/${endpoint.body.id as string}/rotate-secret`, {}, 'rotate-1');
      assert.equal(rotated.status, 200, rotated.text);
      const secret = (JSON.parse(rotated.text) as { secret: string }).secret;
      assert.match(secret, /^whsec_/);

      const rows = await storedAnswers();
      assert.deepEqual(rows.map((r) => r.key).sort(), ['org-1', 'rotate-1']);
      const table = JSON.stringify(rows);
      assert.ok(!table.includes(apiKey) && !table.includes(apiKey.slice(-20)), 'the API key is not in the table');
      assert.ok(!table.includes(secret.slice('whsec_'.length)), 'the webhook secret is not in the table');
      assert.ok(rows.every((r) => r.response.startsWith('v1.')), 'every kept answer is sealed');

      for (const [path, body, key, first] of [['/orgs', { name: 'shown once' }, 'org-1', created], [`/webhooks/${endpoint.body.id as string}/rotate-secret`, {}, 'rotate-1', rotated]] as const) {
        const retry = await write(ts, path, body, key);
        assert.equal(retry.status, first.status);
        assert.equal(retry.replayed, 'true');
        assert.equal(retry.text, first.text, 'the first answer, byte for byte');
      }
    });

    test('an answer sealed under a token secret since changed is lost: 409 idempotency_conflict, not a 500', async () => {
      const first = await write(ts, `/orgs/${orgId}/credits`, { amount_micro: 5, reason: 'token_changed' }, 'changed-1');
      assert.equal(first.status, 200, first.text);
      ts.server.ctx.storage.sealAnswers('another-token-secret-0123456789abcdefghij');
      try {
        const retry = await write(ts, `/orgs/${orgId}/credits`, { amount_micro: 5, reason: 'token_changed' }, 'changed-1');
        assert.equal(retry.status, 409, retry.text);
        assert.equal((JSON.parse(retry.text) as { code: string }).code, 'idempotency_conflict');
        assert.equal(retry.retryAfter, null, 'not worth retrying');
        assert.equal(retry.replayed, null);
      } finally {
        ts.server.ctx.storage.sealAnswers(TOKEN_SECRET);
      }
    });

    test('an answer kept in plain before answers were sealed still replays', async () => {
      const body = { amount_micro: 7, reason: 'kept_plain' };
      const answer = JSON.stringify({ org_id: orgId, credits_micro: 12345 });
      await ts.server.ctx.storage.db.insertInto('idempotency_keys').values({
        scope: 'admin', key: 'plain-1', request_hash: requestHashOf('POST', '/admin/v1/orgs/:org_id/credits', { org_id: orgId }, body),
        status_code: 200, response: answer, created_at: new Date().toISOString(),
      }).execute();
      const retry = await write(ts, `/orgs/${orgId}/credits`, body, 'plain-1');
      assert.equal(retry.status, 200, retry.text);
      assert.equal(retry.replayed, 'true');
      assert.equal(retry.text, answer);
    });
  });
}
