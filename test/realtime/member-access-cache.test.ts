// Hub members remembered for stream connects: one read per contact, not per connection, yet a ban or a
// segment change made through the API is seen by the very next connect, and a read that a change
// overtook is never remembered.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FeedMessage } from '../../src/events/index.js';
import { MemberAccessCache, memberAccess, type StreamMember } from '../../src/hubs/index.js';
import type { EventRow, Hub } from '../../src/storage/index.js';
import { makeHub, type TestHub } from '../helpers/hub.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse, type SseStream } from '../helpers/sse.js';

const HUB: Hub = { id: 'hub_a', org_id: 'org_a', name: 'a', created_at: '2026-01-01T00:00:00.000Z' } as Hub;

/** A feed whose subscriptions go live when the test says so, and that delivers what the test sends. */
class FakeFeed {
  readonly handlers = new Map<string, (m: FeedMessage) => void>();
  private readonly pending: (() => void)[] = [];
  subscribe(topic: string, handler: (m: FeedMessage) => void): Promise<() => void> {
    this.handlers.set(topic, handler);
    return new Promise((resolve) => this.pending.push(() => resolve(() => this.handlers.delete(topic))));
  }
  async goLive(): Promise<void> {
    for (const p of this.pending.splice(0)) p();
    await new Promise((r) => setImmediate(r));
  }
  send(topic: string, m: FeedMessage): void {
    this.handlers.get(topic)?.(m);
  }
}

const member = (contactId: string, segments: string[] = []): StreamMember => ({ hub: HUB, access: memberAccess(contactId, new Set(segments)) });

function counted(result: () => StreamMember | undefined) {
  const read = { count: 0, fn: async () => {
    read.count++;
    // What storage holds when the read starts, answered a moment later.
    const found = result();
    await new Promise((r) => setImmediate(r));
    return found;
  } };
  return read;
}

function row(type: string, contactIds: string[] | undefined, topic = 'hub:hub_a'): EventRow {
  return {
    id: '018f4b3c-1234-7abc-8def-000000000001', topic, org_id: 'org_a', type, seq: 1, created_at: '2026-01-01T00:00:00.000Z', data: '{}',
    scope: JSON.stringify(contactIds ? { contact_ids: contactIds } : {}),
  };
}

/** A contact read until it is remembered; its count is 0 once it is. */
async function warmed(feed: FakeFeed, cache: MemberAccessCache, contactId = 'ct_1') {
  const read = counted(() => member(contactId));
  await cache.get('hub_a', contactId, read.fn);
  await feed.goLive();
  await cache.get('hub_a', contactId, read.fn);
  read.count = 0;
  await cache.get('hub_a', contactId, read.fn);
  assert.equal(read.count, 0, 'remembered');
  return read;
}

describe('remembered hub members (unit)', () => {
  test('a connect storm reads once; nothing is remembered before the hub is followed, then it is', async () => {
    const feed = new FakeFeed();
    const cache = new MemberAccessCache(feed);
    const read = counted(() => member('ct_1'));
    const all = await Promise.all(Array.from({ length: 50 }, () => cache.get('hub_a', 'ct_1', read.fn)));
    assert.equal(read.count, 1);
    assert.ok(all.every((m) => m === all[0]));
    await cache.get('hub_a', 'ct_1', read.fn);
    assert.equal(read.count, 2, 'not followed yet: read again');
    await feed.goLive();
    await cache.get('hub_a', 'ct_1', read.fn);
    for (let i = 0; i < 10; i++) await cache.get('hub_a', 'ct_1', read.fn);
    assert.equal(read.count, 3);
    assert.equal(cache.size, 1);
    assert.equal(cache.followed, 1);
  });

  test('a contact that is not an active member is never remembered', async () => {
    const feed = new FakeFeed();
    const cache = new MemberAccessCache(feed);
    const read = counted(() => undefined);
    await cache.get('hub_a', 'ct_x', read.fn);
    await feed.goLive();
    for (let i = 0; i < 3; i++) assert.equal(await cache.get('hub_a', 'ct_x', read.fn), undefined);
    assert.equal(read.count, 4);
    assert.equal(cache.size, 0);
  });

  test('a committed ban or segment change forgets exactly the contacts it names', async () => {
    const feed = new FakeFeed();
    const cache = new MemberAccessCache(feed);
    const one = await warmed(feed, cache, 'ct_1');
    const two = await warmed(feed, cache, 'ct_2');
    cache.onCommit([row('access.contact_revoked', ['ct_1']), row('community.broadcast.published', ['ct_2'])]);
    await cache.get('hub_a', 'ct_1', one.fn);
    await cache.get('hub_a', 'ct_2', two.fn);
    assert.equal(one.count, 1);
    assert.equal(two.count, 0);
    cache.onCommit([row('access.contact_changed', ['ct_2'])]);
    await cache.get('hub_a', 'ct_2', two.fn);
    assert.equal(two.count, 1);
    // Another hub's change, or an organization's, leaves these alone.
    cache.onCommit([row('access.contact_changed', ['ct_2'], 'hub:hub_b'), row('access.key_revoked', undefined, 'org:org_a')]);
    await cache.get('hub_a', 'ct_2', two.fn);
    assert.equal(two.count, 1);
  });

  test('changes heard through the feed forget too; a resync or an unreadable change forgets the whole hub', async () => {
    const feed = new FakeFeed();
    const cache = new MemberAccessCache(feed);
    const one = await warmed(feed, cache, 'ct_1');
    const two = await warmed(feed, cache, 'ct_2');
    const event = (contactIds?: string[]) => ({ kind: 'event' as const, event: { id: 'e', seq: 2, topic: 'hub:hub_a', orgId: 'org_a', type: 'access.contact_revoked', scope: contactIds ? { contact_ids: contactIds } : {}, data: {}, createdAt: '' } });
    feed.send('hub:hub_a', event(['ct_1']));
    await cache.get('hub_a', 'ct_1', one.fn);
    await cache.get('hub_a', 'ct_2', two.fn);
    assert.deepEqual([one.count, two.count], [1, 0]);
    feed.send('hub:hub_a', { kind: 'resync' });
    await cache.get('hub_a', 'ct_1', one.fn);
    await cache.get('hub_a', 'ct_2', two.fn);
    assert.deepEqual([one.count, two.count], [2, 1]);
    feed.send('hub:hub_a', event(undefined));
    await cache.get('hub_a', 'ct_1', one.fn);
    await cache.get('hub_a', 'ct_2', two.fn);
    assert.deepEqual([one.count, two.count], [3, 2]);
  });

  test('a read that a change overtook is neither remembered nor joined by later connects', async () => {
    const feed = new FakeFeed();
    const cache = new MemberAccessCache(feed);
    await warmed(feed, cache, 'ct_0');
    let banned = false;
    const read = counted(() => (banned ? undefined : member('ct_1')));
    const early = cache.get('hub_a', 'ct_1', read.fn);
    banned = true;
    cache.onCommit([row('access.contact_revoked', ['ct_1'])]);
    const late = await cache.get('hub_a', 'ct_1', read.fn);
    assert.equal(late, undefined, 'a connect after the ban does not join the read that started before it');
    assert.ok(await early);
    assert.equal(await cache.get('hub_a', 'ct_1', read.fn), undefined, 'the overtaken read was not remembered');
    assert.equal(read.count, 3);
  });

  test('the least recently used member goes beyond capacity; a closed cache remembers nothing', async () => {
    const feed = new FakeFeed();
    const cache = new MemberAccessCache(feed, { capacity: 2, ttlMs: 60_000 });
    const reads = ['ct_1', 'ct_2', 'ct_3'].map((id) => ({ id, read: counted(() => member(id)) }));
    await cache.get('hub_a', 'ct_0', async () => member('ct_0'));
    await feed.goLive();
    for (const { id, read } of reads) await cache.get('hub_a', id, read.fn);
    assert.equal(cache.size, 2);
    await cache.get('hub_a', 'ct_1', reads[0]!.read.fn);
    assert.equal(reads[0]!.read.count, 2, 'the oldest went');
    cache.close();
    assert.equal(cache.size, 0);
    await cache.get('hub_a', 'ct_3', reads[2]!.read.fn);
    await cache.get('hub_a', 'ct_3', reads[2]!.read.fn);
    assert.equal(reads[2]!.read.count, 3);
  });
});

describe('remembered hub members on a real server', () => {
  let ts: TestServer;
  let hub: TestHub;
  const streams: SseStream[] = [];

  const connect = async (token: string): Promise<SseStream> => {
    const s = await openSse(hub.streamUrl(), { token });
    streams.push(s);
    return s;
  };
  /** Connects until the member is remembered (the first connect starts following the hub). */
  const warm = async (token: string): Promise<void> => {
    for (let i = 0; i < 3; i++) {
      const s = await connect(token);
      assert.equal(s.status, 200);
      s.close();
    }
  };

  before(async () => {
    ts = await startServer({ realtimeMaxStreamsPerContact: 50 });
    hub = await makeHub(ts);
  });
  after(async () => {
    for (const s of streams) s.close();
    await ts.close();
  });

  test('a remembered member is not read again: a change made behind the server\'s back is not seen', async () => {
    const m = await hub.member('behind');
    await warm(m.token);
    // Straight in storage, without the access event: only the cache can still answer 200.
    assert.equal(await ts.server.ctx.storage.hubs.setContactStatus(hub.hubId, m.id, 'banned', new Date().toISOString()), true);
    const s = await connect(m.token);
    assert.equal(s.status, 200);
    s.close();
  });

  test('a member banned through the admin API gets 404 on its very next connect; the others go on', async () => {
    const m = await hub.member('banned');
    const other = await hub.member('other');
    await warm(m.token);
    await warm(other.token);
    assert.equal((await ts.admin('POST', `/hubs/${hub.hubId}/contacts/${m.id}/ban`)).status, 200);
    const refused = await connect(m.token);
    assert.equal(refused.status, 404);
    assert.equal(JSON.parse(refused.body).code, 'not_found');
    const s = await connect(other.token);
    assert.equal(s.status, 200);
    s.close();
  });

  test('new segments through the admin API apply to the very next connect', async () => {
    const segment = (await ts.admin('POST', `/hubs/${hub.hubId}/segments`, { name: 'gold' })).body.id as string;
    const space = (await ts.admin('POST', `/hubs/${hub.hubId}/spaces`, { name: 'vip', restricted: true, segment_ids: [segment] })).body.id as string;
    const m = await hub.member('promoted');
    await warm(m.token);
    assert.equal((await ts.admin('PUT', `/hubs/${hub.hubId}/contacts/${m.id}/segments`, { segment_ids: [segment] })).status, 200);
    const s = await connect(m.token);
    assert.equal(s.status, 200);
    await s.next((f) => f.retry !== undefined);
    const vip = await hub.publish({ type: 'community.discussion.published', space_id: space, data: { discussion_id: 'd1', space_id: space } });
    assert.equal((await s.next((f) => f.id === vip)).event, 'community.discussion.published');
    s.close();
  });
});
