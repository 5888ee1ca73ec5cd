// One storage suite, run against both drivers: SQLite (a temp file) and PostgreSQL (a fresh database).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { authenticateAppKey, authenticateOrgKey, ConsoleSessionService, TokenService } from '../../src/auth/index.js';
import { debitCredits } from '../../src/billing/index.js';
import { AppError } from '../../src/http/index.js';
import type { Storage } from '../../src/storage/index.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { nodeRepo } from '../../src/storage/index.js';
import { EventPublisher } from '../../src/events/index.js';
import { eventTypeRegistry } from '../../src/server/event-types.js';
import { TenancyService } from '../../src/tenancy/index.js';
import { DRIVERS } from '../helpers/drivers.js';

for (const driver of DRIVERS) {
  describe(`storage on ${driver.name}`, () => {
    let storage: Storage;
    let cleanup: () => Promise<void>;
    let tenancy: TenancyService;

    before(async () => {
      ({ storage, cleanup } = await driver.open());
      const first = await storage.migrate();
      assert.deepEqual(first.applied, Object.keys(MIGRATIONS));
      tenancy = new TenancyService(storage, new TokenService('x'.repeat(40)), new EventPublisher(eventTypeRegistry(), storage, 16_384), 60);
    });
    after(async () => {
      await storage.close();
      await cleanup();
    });

    test('migrations are idempotent and ping answers', async () => {
      assert.deepEqual((await storage.migrate()).applied, []);
      assert.equal(await storage.ping(), true);
    });

    test('names are stored verbatim, SQL metacharacters and long unicode included', async () => {
      for (const name of [`Robert'); DROP TABLE orgs;--`, '% _ \\ " ` $1 ?', 'é'.repeat(200), '🚀 团队 Ünïcödé']) {
        const { org } = await tenancy.createOrg(name);
        assert.equal((await storage.orgs.get(org.id))?.name, name);
      }
    });

    test('org keys are stored hashed and resolve until revoked', async () => {
      const { org, apiKey, key } = await tenancy.createOrg('keys');
      assert.match(apiKey, /^capout_test_[A-Za-z0-9]{40}$/);
      const stored = (await storage.orgs.listKeys(org.id))[0];
      assert.ok(stored);
      assert.notEqual(stored.key_hash, apiKey);
      assert.ok(!JSON.stringify(stored).includes(apiKey.slice(12)), 'the key itself is not stored');
      assert.equal((await authenticateOrgKey(storage, apiKey)).org.id, org.id);
      const live = await tenancy.createOrgKey(org.id, 'live');
      assert.match(live.apiKey, /^capout_live_/);
      await tenancy.revokeOrgKey(org.id, key.id);
      await assert.rejects(authenticateOrgKey(storage, apiKey), (e: AppError) => e.status === 401);
      assert.equal((await authenticateOrgKey(storage, live.apiKey)).org.id, org.id);
      await assert.rejects(tenancy.revokeOrgKey(org.id, key.id), (e: AppError) => e.status === 404);
    });

    test("an organization cannot revoke another organization's key", async () => {
      const a = await tenancy.createOrg('a');
      const b = await tenancy.createOrg('b');
      await assert.rejects(tenancy.revokeOrgKey(a.org.id, b.key.id), (e: AppError) => e.status === 404);
      assert.equal((await authenticateOrgKey(storage, b.apiKey)).org.id, b.org.id);
    });

    test('ledger: grants add, debits refuse to go below zero, entries record the balance', async () => {
      const { org } = await tenancy.createOrg('ledger', 10_000);
      assert.equal(await tenancy.addCredits(org.id, 5_000), 15_000);
      await assert.rejects(storage.transaction((tx) => debitCredits(tx, { orgId: org.id, amountMicro: 20_000, reason: 'test' })), (e: AppError) => e.status === 402);
      assert.equal(await storage.transaction((tx) => debitCredits(tx, { orgId: org.id, amountMicro: 15_000, reason: 'test' })), 0);
      const entries = await storage.ledger.entries(org.id, 10, 0);
      assert.deepEqual(entries.map((e) => e.amount_micro).sort((x, y) => x - y), [-15_000, 5_000, 10_000]);
      assert.equal((await storage.orgs.get(org.id))?.credits_micro, 0);
    });

    test('a failing transaction changes nothing', async () => {
      const { org } = await tenancy.createOrg('tx', 1_000);
      await assert.rejects(
        storage.transaction(async (tx) => {
          await tx.ledger.apply({ id: 'led_rollback', orgId: org.id, amountMicro: 500, reason: 'x', ref: null, at: new Date().toISOString(), allowNegative: false });
          throw new Error('boom');
        }),
      );
      assert.equal((await storage.orgs.get(org.id))?.credits_micro, 1_000);
      assert.equal((await storage.ledger.entries(org.id, 10, 0)).length, 1);
    });

    test('app keys: typed, hashed, and regenerating revokes the old pair at once', async () => {
      const { org } = await tenancy.createOrg('apps');
      const created = await tenancy.createApp(org.id, { name: 'app', environment: 'production', allowedOrigins: ['https://a.example'] });
      assert.match(created.secretKey, /^csk_/);
      assert.match(created.publicKey, /^cpk_/);
      assert.equal((await authenticateAppKey(storage, created.secretKey, 'secret')).app.id, created.app.id);
      await assert.rejects(authenticateAppKey(storage, created.publicKey, 'secret'), (e: AppError) => e.status === 401);
      await assert.rejects(authenticateAppKey(storage, created.secretKey, 'public'), (e: AppError) => e.status === 401);
      const fresh = await tenancy.regenerateAppKeys(created.app.id);
      await assert.rejects(authenticateAppKey(storage, created.secretKey, 'secret'), (e: AppError) => e.status === 401);
      await assert.rejects(authenticateAppKey(storage, created.publicKey, 'public'), (e: AppError) => e.status === 401);
      assert.equal((await authenticateAppKey(storage, fresh.publicKey, 'public')).app.id, created.app.id);
      assert.deepEqual(JSON.parse((await storage.apps.get(created.app.id))?.allowed_origins ?? ''), ['https://a.example']);
    });

    test('hubs and contacts, with status changes', async () => {
      const { org } = await tenancy.createOrg('hubs');
      const hub = await tenancy.createHub(org.id, 'hub');
      const contact = await tenancy.createContact(hub.id, 'member');
      assert.equal((await storage.hubs.getContact(hub.id, contact.id))?.status, 'active');
      assert.equal(await storage.hubs.setContactStatus(hub.id, contact.id, 'banned', new Date().toISOString()), true);
      assert.equal((await storage.hubs.getContact(hub.id, contact.id))?.status, 'banned');
      const other = await tenancy.createHub(org.id, 'other');
      assert.equal(await storage.hubs.getContact(other.id, contact.id), undefined);
      await assert.rejects(tenancy.mintContactToken(hub.id, contact.id), (e: AppError) => e.status === 404);
    });

    test('settings: the first stored value wins', async () => {
      assert.equal(await storage.settings.getOrInit('k', 'one'), 'one');
      assert.equal(await storage.settings.getOrInit('k', 'two'), 'one');
    });

    test('console sessions: stored by digest, verified until expiry or sign-out, expired ones pruned in batches', async () => {
      let now = Date.parse('2030-01-01T00:00:00.000Z');
      const sessions = new ConsoleSessionService(storage.consoleSessions, 'admin-token', 600, () => now);
      await assert.rejects(sessions.open('wrong'), (e: AppError) => e.code === 'unauthorized');
      const opened = await sessions.open('admin-token');
      assert.equal(opened.expiresAt, '2030-01-01T00:10:00.000Z');
      const row = await storage.db.selectFrom('console_sessions').selectAll().executeTakeFirstOrThrow();
      assert.ok(!JSON.stringify(row).includes(opened.id) && !JSON.stringify(row).includes(opened.csrfToken), 'digests only');
      const verified = await sessions.verify(opened.id);
      assert.deepEqual({ expiresAt: verified.expiresAt, csrfToken: verified.csrfToken }, { expiresAt: opened.expiresAt, csrfToken: opened.csrfToken });
      assert.equal(await verified.stillOpen(), true);
      sessions.checkCsrf(opened.id, opened.csrfToken);
      assert.throws(() => sessions.checkCsrf(opened.id, opened.csrfToken.slice(1)), (e: AppError) => e.code === 'csrf_failed');
      // Last use is recorded, a write at most a minute.
      now += 1000;
      await sessions.verify(opened.id);
      assert.equal((await storage.consoleSessions.get(row.id_hash))?.last_seen_at, row.last_seen_at);
      now += 60_000;
      await sessions.verify(opened.id);
      assert.equal((await storage.consoleSessions.get(row.id_hash))?.last_seen_at, new Date(now).toISOString());
      now = Date.parse(opened.expiresAt);
      await assert.rejects(sessions.verify(opened.id), (e: AppError) => e.code === 'session_expired');

      const other = await sessions.open('admin-token');
      const otherVerified = await sessions.verify(other.id);
      await sessions.close(other.id);
      await assert.rejects(sessions.verify(other.id), (e: AppError) => e.code === 'unauthorized');
      assert.equal(await otherVerified.stillOpen(), false, 'a stream opened with it learns it was signed out');
      const live = await sessions.open('admin-token');
      const expired = [opened];
      for (let i = 0; i < 2; i++) {
        now -= 1_200_000;
        expired.push(await sessions.open('admin-token'));
      }
      now = Date.parse(live.expiresAt) - 1000;
      const at = new Date(now).toISOString();
      assert.equal(await storage.cleanup.deleteExpiredConsoleSessions(at, 2), 2);
      assert.equal(await storage.cleanup.deleteExpiredConsoleSessions(at, 2), 1);
      assert.equal(await storage.cleanup.deleteExpiredConsoleSessions(at, 2), 0);
      assert.equal((await sessions.verify(live.id)).csrfToken, live.csrfToken, 'a live session stays');
      for (const gone of expired) await assert.rejects(sessions.verify(gone.id), (e: AppError) => e.code === 'unauthorized');
    });

    test('nodes: a row is replaced by its node, gone rows are pruned, commands are taken once', async () => {
      const nodes = nodeRepo(storage.db);
      const row = { id: 'node_a', started_at: '2025-01-31T12:00:00.000Z', seen_at: '2025-01-31T12:00:05.000Z', version: '1', mode: 'scaled' as const, stats: '{}' };
      await nodes.upsert(row);
      await nodes.upsert({ ...row, seen_at: '2025-01-31T12:00:10.000Z', stats: '{"x":1}' });
      await nodes.upsert({ ...row, id: 'node_b', seen_at: '2025-01-31T11:00:00.000Z' });
      assert.deepEqual((await nodes.list()).map((n) => [n.id, n.seen_at, n.stats]), [['node_a', '2025-01-31T12:00:10.000Z', '{"x":1}'], ['node_b', '2025-01-31T11:00:00.000Z', '{}']]);
      assert.equal(await nodes.prune('2025-01-31T11:30:00.000Z'), 1);
      assert.deepEqual((await nodes.list()).map((n) => n.id), ['node_a']);
      await nodes.addCommand({ id: 'cmd_1', node_id: 'node_a', command: 'disconnect', target: 'c1', created_at: '2025-01-31T12:00:11.000Z' });
      assert.deepEqual((await nodes.takeCommands('node_a')).map((c) => c.target), ['c1']);
      assert.deepEqual(await nodes.takeCommands('node_a'), []);
    });
  });
}
