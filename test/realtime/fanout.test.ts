// Fan-out groups: members that share an Access are checked and encoded for once per event, members that
// filter on their own get every message, and the group follows its topic only while it has members.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EventRecord, FeedMessage } from '../../src/events/index.js';
import { Fanout, type Access, type Codec, type FanoutMember, type TopicFeed } from '../../src/realtime/index.js';

function event(n: number, type = 'hub.note'): EventRecord {
  return { id: `evt_${String(n).padStart(4, '0')}`, seq: n, topic: 't', type, scope: {}, data: { n }, created_at: '2026-12-02T00:00:00Z' } as unknown as EventRecord;
}

class StubFeed implements TopicFeed {
  handlers = new Set<(m: FeedMessage) => void>();
  subscribes = 0;
  fail: Error | undefined;
  async subscribe(_topic: string, handler: (m: FeedMessage) => void): Promise<() => void> {
    this.subscribes++;
    if (this.fail) throw this.fail;
    this.handlers.add(handler);
    return () => void this.handlers.delete(handler);
  }
  emit(m: FeedMessage): void {
    for (const h of this.handlers) h(m);
  }
}

function countingCodec(): Codec & { encoded: number } {
  const codec = {
    encoded: 0,
    event: (e: EventRecord) => {
      codec.encoded++;
      return Buffer.from(`frame ${e.id}`);
    },
    terminal: () => '',
    heartbeat: () => undefined,
  };
  return codec;
}

function countingAccess(allow: (e: EventRecord) => boolean): Access & { asked: number } {
  const access = {
    asked: 0,
    allows: (e: EventRecord) => {
      access.asked++;
      return allow(e);
    },
  };
  return access;
}

class Recorder implements FanoutMember {
  readonly own: FeedMessage[] = [];
  readonly taken: [string, string | undefined][] = [];
  onMessage(m: FeedMessage): void {
    this.own.push(m);
  }
  take(e: EventRecord, frame: Buffer | string | undefined): void {
    this.taken.push([e.id, frame === undefined ? undefined : frame.toString()]);
  }
}

describe('fan-out groups', () => {
  test('members sharing an access are checked and encoded for once per event', async () => {
    const feed = new StubFeed();
    const fanout = new Fanout(feed);
    const codec = countingCodec();
    const everyone = countingAccess(() => true);
    const nobody = countingAccess(() => false);
    const members = [new Recorder(), new Recorder(), new Recorder(), new Recorder()];
    const memberships = await Promise.all(members.map((m) => fanout.join('t', codec, m)));
    assert.equal(feed.subscribes, 1, 'one subscription for the group');
    memberships[0]!.share(everyone);
    memberships[1]!.share(everyone);
    memberships[2]!.share(nobody);
    // members[3] filters on its own.
    feed.emit({ kind: 'event', event: event(1) });
    feed.emit({ kind: 'event', event: event(2) });
    assert.equal(everyone.asked, 2);
    assert.equal(nobody.asked, 2);
    assert.equal(codec.encoded, 2, 'one encoding per event, shared by the bucket');
    assert.deepEqual(members[0]!.taken, [['evt_0001', 'frame evt_0001'], ['evt_0002', 'frame evt_0002']]);
    assert.deepEqual(members[1]!.taken, members[0]!.taken);
    assert.deepEqual(members[2]!.taken, [['evt_0001', undefined], ['evt_0002', undefined]], 'a hidden event still moves the cursor');
    assert.deepEqual(members[3]!.own.map((m) => (m.kind === 'event' ? m.event.id : m.kind)), ['evt_0001', 'evt_0002']);
    assert.equal(members[3]!.taken.length, 0);
  });

  test('accesses with the same scope share a bucket; a personal event goes to each member\'s own check', async () => {
    const feed = new StubFeed();
    const fanout = new Fanout(feed);
    const codec = countingCodec();
    let asked = 0;
    // Hub members with the same segments: the same for everything but direct events.
    const memberOf = (contactId: string): Access => ({
      scopeKey: 'segments:s1',
      personal: (e) => e.scope.contact_ids !== undefined,
      allows: (e) => {
        asked++;
        return e.scope.contact_ids ? e.scope.contact_ids.includes(contactId) : true;
      },
    });
    const [alice, bob] = [new Recorder(), new Recorder()];
    (await fanout.join('t', codec, alice)).share(memberOf('ct_alice'));
    (await fanout.join('t', codec, bob)).share(memberOf('ct_bob'));
    feed.emit({ kind: 'event', event: event(1) });
    assert.equal(asked, 1, 'one check for the bucket');
    assert.equal(codec.encoded, 1);
    const direct = { ...event(2), scope: { contact_ids: ['ct_bob'] } } as EventRecord;
    feed.emit({ kind: 'event', event: direct });
    assert.deepEqual(alice.taken.map(([id]) => id), ['evt_0001']);
    assert.deepEqual(bob.taken.map(([id]) => id), ['evt_0001']);
    assert.deepEqual(alice.own.map((m) => (m.kind === 'event' ? m.event.id : m.kind)), ['evt_0002'], 'each member decides on a personal event');
    assert.deepEqual(bob.own.map((m) => (m.kind === 'event' ? m.event.id : m.kind)), ['evt_0002']);
  });

  test('a member moves between its own filtering and a bucket without losing or repeating an event', async () => {
    const feed = new StubFeed();
    const fanout = new Fanout(feed);
    const codec = countingCodec();
    const a = countingAccess(() => true);
    const b = countingAccess(() => true);
    const member = new Recorder();
    const membership = await fanout.join('t', codec, member);
    feed.emit({ kind: 'event', event: event(1) });
    membership.share(a);
    feed.emit({ kind: 'event', event: event(2) });
    membership.share(b);
    feed.emit({ kind: 'event', event: event(3) });
    membership.own();
    feed.emit({ kind: 'event', event: event(4) });
    assert.deepEqual(member.own.map((m) => (m.kind === 'event' ? m.event.id : m.kind)), ['evt_0001', 'evt_0004']);
    assert.deepEqual(member.taken.map(([id]) => id), ['evt_0002', 'evt_0003']);
    assert.equal(a.asked, 1);
    assert.equal(b.asked, 1);
  });

  test('access changes and resyncs reach every member once, even one that leaves its bucket on hearing it', async () => {
    const feed = new StubFeed();
    const fanout = new Fanout(feed);
    const codec = countingCodec();
    const access = countingAccess(() => true);
    const heard: string[] = [];
    const memberships: { own(): void; share(a: Access): void }[] = [];
    const member = (name: string): FanoutMember => ({
      onMessage: (m) => {
        heard.push(`${name}:${m.kind === 'event' ? m.event.type : m.kind}`);
        // What a connection does on an access change: it holds events while it reloads.
        memberships[Number(name)]?.own();
      },
      take: () => assert.fail('an access event is never shared'),
    });
    for (const name of ['0', '1', '2']) {
      const m = await fanout.join('t', codec, member(name));
      m.share(access);
      memberships.push(m);
    }
    feed.emit({ kind: 'event', event: event(1, 'access.contact_changed') });
    feed.emit({ kind: 'resync' });
    assert.deepEqual(heard.sort(), ['0:access.contact_changed', '0:resync', '1:access.contact_changed', '1:resync', '2:access.contact_changed', '2:resync']);
    assert.equal(access.asked, 0);
    assert.equal(codec.encoded, 0);
  });

  test('a throwing member does not stop delivery to the others', async () => {
    const feed = new StubFeed();
    const fanout = new Fanout(feed);
    const codec = countingCodec();
    const access = countingAccess(() => true);
    const bad: FanoutMember = { onMessage: () => { throw new Error('boom'); }, take: () => { throw new Error('boom'); } };
    const good = new Recorder();
    const goodOwn = new Recorder();
    (await fanout.join('t', codec, bad)).share(access);
    (await fanout.join('t', codec, good)).share(access);
    await fanout.join('t', codec, { onMessage: () => { throw new Error('boom'); }, take: () => undefined });
    await fanout.join('t', codec, goodOwn);
    feed.emit({ kind: 'event', event: event(1) });
    assert.equal(good.taken.length, 1);
    assert.equal(goodOwn.own.length, 1);
  });

  test('the group follows its topic only while it has members; a failed subscription is not remembered', async () => {
    const feed = new StubFeed();
    const fanout = new Fanout(feed);
    const codec = countingCodec();
    const first = await fanout.join('t', codec, new Recorder());
    const second = await fanout.join('t', codec, new Recorder());
    const other = await fanout.join('t', countingCodec(), new Recorder());
    assert.equal(fanout.size, 2, 'one group per codec');
    assert.equal(feed.handlers.size, 2);
    first.leave();
    first.leave();
    assert.equal(feed.handlers.size, 2);
    second.leave();
    other.leave();
    assert.equal(feed.handlers.size, 0);
    assert.equal(fanout.size, 0);
    // After leaving, a membership's calls change nothing.
    second.share(countingAccess(() => true));
    assert.equal(fanout.size, 0);

    feed.fail = new Error('log unreachable');
    await assert.rejects(fanout.join('t', codec, new Recorder()), /log unreachable/);
    assert.equal(fanout.size, 0);
    feed.fail = undefined;
    const again = new Recorder();
    (await fanout.join('t', codec, again)).share(countingAccess(() => true));
    feed.emit({ kind: 'event', event: event(5) });
    assert.deepEqual(again.taken.map(([id]) => id), ['evt_0005']);
  });

  test('members joining while the subscription is being made share it, and it ends with the last of them', async () => {
    let release: (() => void) | undefined;
    let subscribes = 0;
    let unsubscribed = 0;
    const slow: TopicFeed = {
      subscribe: () => {
        subscribes++;
        return new Promise((resolve) => (release = () => resolve(() => void unsubscribed++)));
      },
    };
    const fanout = new Fanout(slow);
    const codec = countingCodec();
    const joining = [fanout.join('t', codec, new Recorder()), fanout.join('t', codec, new Recorder())];
    release?.();
    const [a, b] = await Promise.all(joining);
    assert.equal(subscribes, 1);
    a!.leave();
    assert.equal(unsubscribed, 0);
    b!.leave();
    assert.equal(unsubscribed, 1);
  });
});
