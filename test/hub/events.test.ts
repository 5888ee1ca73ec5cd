// Table-driven: every event type of seed 004 (but test.ping, which only the admin API publishes) is
// produced by a real member action, and reaches exactly the connections entitled to it: hub members,
// members of the granting segment (restricted space) and not the others, DM participants and not the
// non-participants, never an outsider (a member of another hub) nor a banned contact. Non-delivery is
// proven without sleeping: after each action a marker goes to every hub, and once every stream has its
// marker, whatever it did not get before the marker it will never get.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HUB_EVENT_TYPES } from '../../src/hubs/index.js';
import { as, expectStatus, memberWithRole } from '../helpers/community.js';
import { makeHub, type Member, type TestHub } from '../helpers/hub.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse, type SseFrame, type SseStream } from '../helpers/sse.js';

type Name = 'admin' | 'mod' | 'author' | 'granted' | 'plain' | 'outsider';
const HUB: readonly Name[] = ['admin', 'mod', 'author', 'granted', 'plain'];
const GOLD: readonly Name[] = ['admin', 'mod', 'author', 'granted'];
const EVERYONE: readonly Name[] = [...HUB, 'outsider'];

interface Row {
  readonly type: string;
  readonly note?: string;
  readonly act: () => Promise<void>;
  /** Exactly these connections receive the event. */
  readonly to: () => readonly Name[];
  /** Ids the payload carries. */
  readonly data: () => Record<string, unknown>;
}

describe('every hub event comes from a real action and reaches exactly the entitled connections', () => {
  let ts: TestServer;
  let hub: TestHub;
  let other: TestHub;
  const m = {} as Record<Name, Member>;
  const streams = {} as Record<Name, SseStream>;
  const cursor = {} as Record<Name, number>;
  let exiled: Member;
  let exiledStream: SseStream;
  let exiledFrames = 0;
  const s: Record<string, string> = {};

  const call = (who: Name, method: string, path: string, body?: unknown) => as(ts, hub, m[who], method, path, body);

  /** Events each stream received since the previous marker. */
  async function sinceLastMarker(): Promise<Record<Name, SseFrame[]>> {
    const here = await hub.publish({ type: 'test.ping', data: { marker: true } });
    const there = await other.publish({ type: 'test.ping', data: { marker: true } });
    const out = {} as Record<Name, SseFrame[]>;
    for (const name of EVERYONE) {
      const marker = name === 'outsider' ? there : here;
      await streams[name].next((f) => f.id === marker);
      const end = streams[name].frames.findIndex((f) => f.id === marker);
      out[name] = streams[name].frames.slice(cursor[name], end).filter((f) => f.event !== undefined);
      cursor[name] = end + 1;
    }
    return out;
  }

  before(async () => {
    ts = await startServer();
    hub = await makeHub(ts);
    other = await makeHub(ts);
    const gold = (await ts.admin('POST', `/hubs/${hub.hubId}/segments`, { name: 'gold' })).body.id as string;
    s.gold = gold;
    s.lobby = (await ts.admin('POST', `/hubs/${hub.hubId}/spaces`, { name: 'lobby' })).body.id as string;
    m.admin = await memberWithRole(ts, hub, 'admin', 'admin');
    m.mod = await memberWithRole(ts, hub, 'mod', 'moderator');
    m.author = await memberWithRole(ts, hub, 'author', 'member');
    m.granted = await memberWithRole(ts, hub, 'granted', 'member');
    m.plain = await memberWithRole(ts, hub, 'plain', 'member');
    m.outsider = await other.member('outsider');
    for (const name of GOLD) expectStatus(await ts.admin('PUT', `/hubs/${hub.hubId}/contacts/${m[name].id}/segments`, { segment_ids: [gold] }), 200);

    // A banned contact: it shares a DM with the author, its stream ends at the ban, and it cannot come back.
    exiled = await hub.member('exiled');
    s.exiledDm = expectStatus(await call('author', 'POST', '/conversations', { contact_ids: [exiled.id] }), 201).id as string;
    exiledStream = await openSse(hub.streamUrl(), { token: exiled.token });
    assert.equal(exiledStream.status, 200);
    expectStatus(await ts.admin('POST', `/hubs/${hub.hubId}/contacts/${exiled.id}/ban`), 200);
    await exiledStream.next((f) => f.event === 'stream.unauthorized');
    await exiledStream.ended;
    exiledFrames = exiledStream.frames.length;

    for (const name of EVERYONE) {
      streams[name] = await openSse(name === 'outsider' ? other.streamUrl() : hub.streamUrl(), { token: m[name].token });
      assert.equal(streams[name].status, 200, streams[name].body);
      cursor[name] = 0;
    }
    await sinceLastMarker();
  });

  after(async () => {
    for (const st of Object.values(streams)) st.close();
    await ts.close();
  });

  const rows: Row[] = [
    {
      type: 'community.space.created', note: 'restricted: only the granting segment',
      act: async () => { s.vip = expectStatus(await call('admin', 'POST', '/spaces', { name: 'vip', restricted: true, segment_ids: [s.gold] }), 201).id as string; },
      to: () => GOLD, data: () => ({ space_id: s.vip }),
    },
    {
      type: 'community.space.created', note: 'open: the whole hub',
      act: async () => { s.open = expectStatus(await call('admin', 'POST', '/spaces', { name: 'open' }), 201).id as string; },
      to: () => HUB, data: () => ({ space_id: s.open }),
    },
    {
      type: 'community.space.updated',
      act: async () => { expectStatus(await call('admin', 'PATCH', `/spaces/${s.vip}`, { name: 'very important' }), 200); },
      to: () => GOLD, data: () => ({ space_id: s.vip }),
    },
    {
      type: 'community.space.member_joined', note: 'restricted space',
      act: async () => { expectStatus(await call('author', 'POST', `/spaces/${s.vip}/join`), 200); },
      to: () => GOLD, data: () => ({ space_id: s.vip, contact_id: m.author.id }),
    },
    {
      type: 'community.space.member_joined', note: 'open space',
      act: async () => { expectStatus(await call('plain', 'POST', `/spaces/${s.lobby}/join`), 200); },
      to: () => HUB, data: () => ({ space_id: s.lobby, contact_id: m.plain.id }),
    },
    {
      type: 'community.space.member_muted',
      act: async () => { expectStatus(await call('mod', 'POST', `/spaces/${s.vip}/members/${m.granted.id}/mute`), 200); },
      to: () => GOLD, data: () => ({ space_id: s.vip, contact_id: m.granted.id }),
    },
    {
      type: 'community.space.member_unmuted',
      act: async () => { expectStatus(await call('mod', 'DELETE', `/spaces/${s.vip}/members/${m.granted.id}/mute`), 200); },
      to: () => GOLD, data: () => ({ space_id: s.vip, contact_id: m.granted.id }),
    },
    {
      type: 'community.discussion.published', note: 'restricted space',
      act: async () => { s.d = expectStatus(await call('author', 'POST', `/spaces/${s.vip}/discussions`, { title: 'Hello', body: 'First post' }), 201).id as string; },
      to: () => GOLD, data: () => ({ discussion_id: s.d, space_id: s.vip, contact_id: m.author.id }),
    },
    {
      type: 'community.discussion.published', note: 'a reply',
      act: async () => { s.reply = expectStatus(await call('author', 'POST', `/discussions/${s.d}/replies`, { body: 'And a reply' }), 201).id as string; },
      to: () => GOLD, data: () => ({ discussion_id: s.reply, space_id: s.vip, parent_id: s.d }),
    },
    {
      type: 'community.discussion.updated',
      act: async () => { expectStatus(await call('author', 'PATCH', `/discussions/${s.d}`, { body: 'First post, edited' }), 200); },
      to: () => GOLD, data: () => ({ discussion_id: s.d, space_id: s.vip }),
    },
    {
      type: 'community.discussion.reaction_added',
      act: async () => { expectStatus(await call('granted', 'POST', `/discussions/${s.d}/reactions`, { reaction: 'thumbsup' }), 201); },
      to: () => GOLD, data: () => ({ discussion_id: s.d, space_id: s.vip, contact_id: m.granted.id, reaction: 'thumbsup' }),
    },
    {
      type: 'community.discussion.reaction_removed',
      act: async () => { expectStatus(await call('granted', 'DELETE', `/discussions/${s.d}/reactions/thumbsup`), 200); },
      to: () => GOLD, data: () => ({ discussion_id: s.d, space_id: s.vip, contact_id: m.granted.id, reaction: 'thumbsup' }),
    },
    {
      type: 'community.discussion.locked',
      act: async () => { expectStatus(await call('mod', 'POST', `/discussions/${s.d}/lock`), 200); },
      to: () => GOLD, data: () => ({ discussion_id: s.d, space_id: s.vip }),
    },
    {
      type: 'community.discussion.unlocked',
      act: async () => { expectStatus(await call('mod', 'POST', `/discussions/${s.d}/unlock`), 200); },
      to: () => GOLD, data: () => ({ discussion_id: s.d, space_id: s.vip }),
    },
    {
      type: 'community.discussion.pinned',
      act: async () => { expectStatus(await call('mod', 'POST', `/discussions/${s.d}/pin`), 200); },
      to: () => GOLD, data: () => ({ discussion_id: s.d, space_id: s.vip }),
    },
    {
      type: 'community.discussion.unpinned',
      act: async () => { expectStatus(await call('mod', 'POST', `/discussions/${s.d}/unpin`), 200); },
      to: () => GOLD, data: () => ({ discussion_id: s.d, space_id: s.vip }),
    },
    {
      type: 'community.discussion.deleted',
      act: async () => { expectStatus(await call('author', 'DELETE', `/discussions/${s.d}`), 200); },
      to: () => GOLD, data: () => ({ discussion_id: s.d, space_id: s.vip }),
    },
    {
      type: 'community.discussion.published', note: 'open space: the whole hub',
      act: async () => { s.lobbyPost = expectStatus(await call('plain', 'POST', `/spaces/${s.lobby}/discussions`, { title: 'Hi all', body: 'Open post' }), 201).id as string; },
      to: () => HUB, data: () => ({ discussion_id: s.lobbyPost, space_id: s.lobby, contact_id: m.plain.id }),
    },
    {
      type: 'community.space.member_left',
      act: async () => { expectStatus(await call('author', 'POST', `/spaces/${s.vip}/leave`), 200); },
      to: () => GOLD, data: () => ({ space_id: s.vip, contact_id: m.author.id }),
    },
    {
      type: 'community.profile.updated',
      act: async () => { expectStatus(await call('plain', 'PATCH', '/profile', { bio: 'Hello there' }), 200); },
      to: () => HUB, data: () => ({ contact_id: m.plain.id }),
    },
    {
      type: 'community.conversation.created', note: 'group: only its participants',
      act: async () => { s.group = expectStatus(await call('author', 'POST', '/conversations', { contact_ids: [m.plain.id, m.mod.id], name: 'trio' }), 201).id as string; },
      to: () => ['author', 'plain', 'mod'], data: () => ({ conversation_id: s.group, contact_id: m.author.id }),
    },
    {
      type: 'community.conversation.created', note: '1:1',
      act: async () => { s.pair = expectStatus(await call('granted', 'POST', '/conversations', { contact_ids: [m.plain.id] }), 201).id as string; },
      to: () => ['granted', 'plain'], data: () => ({ conversation_id: s.pair, contact_id: m.granted.id }),
    },
    {
      type: 'community.conversation.member_added',
      act: async () => { expectStatus(await call('plain', 'POST', `/conversations/${s.group}/members`, { contact_id: m.admin.id }), 200); },
      to: () => ['author', 'plain', 'mod', 'admin'], data: () => ({ conversation_id: s.group, contact_id: m.admin.id }),
    },
    {
      type: 'community.message.created',
      act: async () => { s.msg = expectStatus(await call('plain', 'POST', `/conversations/${s.group}/messages`, { body: 'hi' }), 201).id as string; },
      to: () => ['author', 'plain', 'mod', 'admin'], data: () => ({ conversation_id: s.group, message_id: s.msg, contact_id: m.plain.id }),
    },
    {
      type: 'community.message.edited',
      act: async () => { expectStatus(await call('plain', 'PATCH', `/conversations/${s.group}/messages/${s.msg}`, { body: 'hello' }), 200); },
      to: () => ['author', 'plain', 'mod', 'admin'], data: () => ({ conversation_id: s.group, message_id: s.msg }),
    },
    {
      type: 'community.message.read',
      act: async () => { expectStatus(await call('author', 'POST', `/conversations/${s.group}/messages/${s.msg}/read`), 200); },
      to: () => ['author', 'plain', 'mod', 'admin'], data: () => ({ conversation_id: s.group, message_id: s.msg, contact_id: m.author.id }),
    },
    {
      type: 'community.message.deleted',
      act: async () => { expectStatus(await call('plain', 'DELETE', `/conversations/${s.group}/messages/${s.msg}`), 200); },
      to: () => ['author', 'plain', 'mod', 'admin'], data: () => ({ conversation_id: s.group, message_id: s.msg }),
    },
    {
      type: 'community.conversation.member_left', note: 'the leaver is told too',
      act: async () => { expectStatus(await call('admin', 'POST', `/conversations/${s.group}/leave`), 200); },
      to: () => ['author', 'plain', 'mod', 'admin'], data: () => ({ conversation_id: s.group, contact_id: m.admin.id }),
    },
    {
      type: 'community.message.created', note: 'after leaving, the leaver gets nothing',
      act: async () => { s.msg2 = expectStatus(await call('mod', 'POST', `/conversations/${s.group}/messages`, { body: 'bye admin' }), 201).id as string; },
      to: () => ['author', 'plain', 'mod'], data: () => ({ conversation_id: s.group, message_id: s.msg2 }),
    },
    {
      type: 'community.message.created', note: 'to a banned participant: it gets nothing',
      act: async () => { s.msg3 = expectStatus(await call('author', 'POST', `/conversations/${s.exiledDm}/messages`, { body: 'still there?' }), 201).id as string; },
      to: () => ['author'], data: () => ({ conversation_id: s.exiledDm, message_id: s.msg3 }),
    },
    {
      type: 'community.broadcast.published',
      act: async () => { s.broadcast = expectStatus(await call('admin', 'POST', '/broadcasts', { title: 'News', body: 'Big news' }), 201).id as string; },
      to: () => HUB, data: () => ({ broadcast_id: s.broadcast }),
    },
    {
      type: 'community.space.deleted',
      act: async () => { expectStatus(await call('admin', 'DELETE', `/spaces/${s.vip}`), 200); },
      to: () => GOLD, data: () => ({ space_id: s.vip }),
    },
  ];

  test('the table covers every seed event type but test.ping', () => {
    const covered = new Set(rows.map((r) => r.type));
    for (const { type } of HUB_EVENT_TYPES) if (type !== 'test.ping') assert.ok(covered.has(type), `a row produces ${type}`);
  });

  for (const row of rows) {
    test(`${row.type}${row.note ? ` (${row.note})` : ''}`, async () => {
      await row.act();
      const got = await sinceLastMarker();
      const entitled = new Set(row.to());
      for (const name of EVERYONE) {
        const types = got[name].map((f) => f.event);
        if (!entitled.has(name)) {
          assert.deepEqual(types, [], `${name} must not receive ${row.type}`);
          continue;
        }
        assert.deepEqual(types, [row.type], `${name} receives exactly one ${row.type}`);
        const frame = got[name][0];
        assert.ok(frame?.id, 'a logged event with an id');
        const data = JSON.parse(frame.data ?? '{}') as Record<string, unknown>;
        for (const [k, v] of Object.entries(row.data())) assert.equal(data[k], v, `${row.type}.${k}`);
      }
      assert.equal(exiledStream.frames.length, exiledFrames, 'the banned contact\'s stream got nothing after its ban');
    });
  }

  test('the banned contact cannot reconnect, nor use the REST API', async () => {
    const again = await openSse(hub.streamUrl(), { token: exiled.token });
    assert.equal(again.status, 404);
    assert.equal((await as(ts, hub, exiled, 'GET', `/conversations/${s.exiledDm}/messages`)).status, 404);
    assert.equal((await as(ts, hub, exiled, 'GET', '/spaces')).status, 404);
  });
});
