// The remembered-key cache on its own: its bound, its backstop time limit, and what a revocation or
// a missed event drops — the parts a server test cannot see from outside.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CredentialCache, type RevocationFeed } from '../../src/auth/credential-cache.js';
import { KeyCache } from '../../src/auth/key-cache.js';
import type { FeedMessage } from '../../src/events/index.js';
import type { Org, OrgKey } from '../../src/storage/index.js';

const T0 = '2026-01-01T00:00:00.000Z';
const org = (id: string): Org => ({ id, name: id, credits_micro: 0, created_at: T0, updated_at: T0 });
const key = (id: string, orgId: string): OrgKey => ({ id, org_id: orgId, mode: 'test', display: 'capout_test_x…', key_hash: `h-${id}`, created_at: T0, revoked_at: null });

/** A feed whose subscriptions go live when the test says, and which delivers what the test sends. */
class TestFeed implements RevocationFeed {
  readonly handlers = new Map<string, (m: FeedMessage) => void>();
  private readonly pending: (() => void)[] = [];

  subscribe(topic: string, handler: (m: FeedMessage) => void): Promise<() => void> {
    return new Promise((resolve) => {
      this.pending.push(() => {
        this.handlers.set(topic, handler);
        resolve(() => this.handlers.delete(topic));
      });
    });
  }

  async goLive(): Promise<void> {
    for (const start of this.pending.splice(0)) start();
    await new Promise((r) => setImmediate(r));
  }

  send(topic: string, message: FeedMessage): void {
    this.handlers.get(topic)?.(message);
  }
}

const revoked = (orgId: string, keyIds: string[]): FeedMessage => ({
  kind: 'event',
  event: { id: 'e', seq: 1, topic: `org:${orgId}`, orgId, type: 'access.key_revoked', scope: {}, data: { key_ids: keyIds }, createdAt: T0 },
});

describe('KeyCache', () => {
  test('holds at most its capacity, the least recently used leaving first', () => {
    const cache = new KeyCache<string>(3, 60_000);
    for (const n of [1, 2, 3]) cache.set(`h${n}`, `k${n}`, 'org_a', `p${n}`, 0);
    assert.equal(cache.get('h1', 1), 'p1');
    for (const n of [4, 5, 6, 7]) cache.set(`h${n}`, `k${n}`, 'org_a', `p${n}`, 2);
    assert.equal(cache.size, 3);
    assert.deepEqual(['h5', 'h6', 'h7'].map((h) => cache.get(h, 3)), ['p5', 'p6', 'p7']);
    assert.equal(cache.get('h1', 3), undefined);
  });

  test('keeps the order of use when the key used last is used again, and after it leaves', () => {
    const cache = new KeyCache<string>(2, 60_000);
    cache.set('h1', 'k1', 'org_a', 'p1', 0);
    cache.set('h2', 'k2', 'org_a', 'p2', 0);
    // h2 is the newest: using it again changes nothing; using h1 makes h2 the oldest.
    assert.equal(cache.get('h2', 1), 'p2');
    assert.equal(cache.get('h1', 1), 'p1');
    assert.equal(cache.get('h1', 1), 'p1');
    cache.set('h3', 'k3', 'org_a', 'p3', 1);
    assert.equal(cache.get('h2', 2), undefined);
    assert.equal(cache.get('h1', 2), 'p1');
    // The newest leaves; the one used before it must still move when used.
    cache.forgetKeys(['k1']);
    cache.set('h4', 'k4', 'org_a', 'p4', 3);
    assert.equal(cache.get('h3', 3), 'p3');
    cache.set('h5', 'k5', 'org_a', 'p5', 3);
    assert.equal(cache.get('h4', 4), undefined);
    assert.deepEqual(['h3', 'h5'].map((h) => cache.get(h, 4)), ['p3', 'p5']);
  });

  test('forgets an entry at its time limit', () => {
    const cache = new KeyCache<string>(10, 1_000);
    cache.set('h1', 'k1', 'org_a', 'p1', 0);
    assert.equal(cache.get('h1', 999), 'p1');
    assert.equal(cache.get('h1', 1_000), undefined);
    assert.equal(cache.size, 0);
  });

  test('forgets keys by id and every key of an organization, and says when an organization is gone', () => {
    const gone: string[] = [];
    const cache = new KeyCache<string>(10, 60_000, (o) => gone.push(o));
    cache.set('h1', 'k1', 'org_a', 'p1', 0);
    cache.set('h2', 'k2', 'org_a', 'p2', 0);
    cache.set('h3', 'k3', 'org_b', 'p3', 0);
    cache.forgetKeys(['k1']);
    assert.equal(cache.get('h1', 1), undefined);
    assert.equal(cache.get('h2', 1), 'p2');
    assert.deepEqual(gone, []);
    cache.forgetOrg('org_a');
    assert.equal(cache.get('h2', 1), undefined);
    assert.equal(cache.get('h3', 1), 'p3');
    assert.deepEqual(gone, ['org_a']);
  });
});

describe('CredentialCache', () => {
  test('remembers a key only once its organization is followed, and forgets it when the feed says it was revoked', async () => {
    const feed = new TestFeed();
    const cache = new CredentialCache(feed, { capacity: 10, ttlMs: 60_000 });
    const found = { org: org('org_a'), key: key('k1', 'org_a') };
    cache.rememberOrgKey(cache.ticket(), 'h1', found);
    assert.equal(cache.orgKeys.size, 0, 'not followed yet: a revocation could be missed');
    await feed.goLive();
    cache.rememberOrgKey(cache.ticket(), 'h1', found);
    assert.equal(cache.orgKeys.get('h1', Date.now()), found);
    feed.send('org:org_a', revoked('org_a', ['k1']));
    assert.equal(cache.orgKeys.get('h1', Date.now()), undefined);
  });

  test('does not remember a read that a revocation overtook', async () => {
    const feed = new TestFeed();
    const cache = new CredentialCache(feed, { capacity: 10, ttlMs: 60_000 });
    cache.rememberOrgKey(cache.ticket(), 'h0', { org: org('org_a'), key: key('k0', 'org_a') });
    await feed.goLive();
    const ticket = cache.ticket();
    // The key is revoked while its row is being read as still active.
    feed.send('org:org_a', revoked('org_a', ['k1']));
    cache.rememberOrgKey(ticket, 'h1', { org: org('org_a'), key: key('k1', 'org_a') });
    assert.equal(cache.orgKeys.size, 0);
  });

  test('a resync (missed events) or a deleted organization drops all its keys, org and app keys alike', async () => {
    const feed = new TestFeed();
    const cache = new CredentialCache(feed, { capacity: 10, ttlMs: 60_000 });
    const app = { id: 'app_1', org_id: 'org_a', name: 'a', environment: 'development' as const, allowed_origins: '[]', created_at: T0, updated_at: T0 };
    cache.rememberOrgKey(cache.ticket(), 'h1', { org: org('org_a'), key: key('k1', 'org_a') });
    cache.rememberOrgKey(cache.ticket(), 'h9', { org: org('org_b'), key: key('k9', 'org_b') });
    await feed.goLive();
    cache.rememberOrgKey(cache.ticket(), 'h1', { org: org('org_a'), key: key('k1', 'org_a') });
    cache.rememberAppKey(cache.ticket(), 'h2', { app, kind: 'secret', keyId: 'k2' });
    cache.rememberOrgKey(cache.ticket(), 'h9', { org: org('org_b'), key: key('k9', 'org_b') });
    assert.equal(cache.orgKeys.size + cache.appKeys.size, 3);
    feed.send('org:org_a', { kind: 'resync' });
    assert.equal(cache.orgKeys.get('h1', Date.now()), undefined);
    assert.equal(cache.appKeys.get('h2', Date.now()), undefined);
    assert.ok(cache.orgKeys.get('h9', Date.now()));
    cache.forgetOrg('org_b');
    assert.equal(cache.orgKeys.size, 0);
    // Organizations with nothing remembered are no longer followed.
    assert.equal(cache.followed, 0);
  });

  test('revocations committed in this process are dropped at commit', async () => {
    const feed = new TestFeed();
    const cache = new CredentialCache(feed, { capacity: 10, ttlMs: 60_000 });
    cache.rememberOrgKey(cache.ticket(), 'h1', { org: org('org_a'), key: key('k1', 'org_a') });
    await feed.goLive();
    cache.rememberOrgKey(cache.ticket(), 'h1', { org: org('org_a'), key: key('k1', 'org_a') });
    cache.onCommit([{ id: 'e', seq: 1, topic: 'org:org_a', org_id: 'org_a', type: 'access.key_revoked', scope: '{}', data: '{"key_ids":["k1"]}', created_at: T0 }]);
    assert.equal(cache.orgKeys.size, 0);
  });
});
