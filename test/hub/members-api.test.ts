// The community hub's member API: permissions, pagination, tombstones, and every bad input of issue 7
// (ids of another hub, someone else's message, reacting twice, a restricted space without the segment,
// a DM to another hub's contact, oversized bodies, empty names), plus the admin-API equivalents.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { as, expectStatus, memberWithRole } from '../helpers/community.js';
import { makeHub, type Member, type TestHub } from '../helpers/hub.js';
import { startServer, type TestServer } from '../helpers/server.js';

describe('community hub member API', () => {
  let ts: TestServer;
  let hub: TestHub;
  let other: TestHub;
  let admin: Member;
  let mod: Member;
  let alice: Member;
  let bob: Member;
  let stranger: Member;
  let gold: string;
  let lobby: string;
  let vip: string;
  let foreignSpace: string;

  const call = (who: Member, method: string, path: string, body?: unknown) => as(ts, hub, who, method, path, body);

  before(async () => {
    ts = await startServer({ bodyLimitBytes: 4096 });
    hub = await makeHub(ts);
    other = await makeHub(ts);
    admin = await memberWithRole(ts, hub, 'admin', 'admin');
    mod = await memberWithRole(ts, hub, 'mod', 'moderator');
    alice = await hub.member('alice');
    bob = await hub.member('bob');
    stranger = await other.member('stranger');
    gold = (await ts.admin('POST', `/hubs/${hub.hubId}/segments`, { name: 'gold' })).body.id as string;
    for (const who of [admin, alice]) expectStatus(await ts.admin('PUT', `/hubs/${hub.hubId}/contacts/${who.id}/segments`, { segment_ids: [gold] }), 200);
    lobby = expectStatus(await call(admin, 'POST', '/spaces', { name: 'lobby' }), 201).id as string;
    vip = expectStatus(await call(admin, 'POST', '/spaces', { name: 'vip', restricted: true, segment_ids: [gold] }), 201).id as string;
    foreignSpace = (await ts.admin('POST', `/hubs/${other.hubId}/spaces`, { name: 'elsewhere' })).body.id as string;
    for (const who of [alice, bob, mod]) expectStatus(await call(who, 'POST', `/spaces/${lobby}/join`), 200);
  });
  after(() => ts.close());

  test('authentication: no token 401, a bad token 401, a token of another hub 404, a removed member 404', async () => {
    const res = await fetch(`${ts.url}/hubs/${hub.hubId}/spaces`);
    assert.equal(res.status, 401);
    assert.equal((await call({ id: 'x', token: 'not-a-jwt' }, 'GET', '/spaces')).status, 401);
    assert.equal((await call(stranger, 'GET', '/spaces')).status, 404);
    const gone = await hub.member('gone');
    expectStatus(await call(gone, 'GET', '/spaces'), 200);
    expectStatus(await ts.admin('DELETE', `/hubs/${hub.hubId}/contacts/${gone.id}`), 200);
    assert.equal((await call(gone, 'GET', '/spaces')).status, 404);
    // A malformed hub id is 400, as anywhere else, not a hub that was not found.
    for (const bad of ['bad!id', 'h'.repeat(65)]) {
      const res = await fetch(`${ts.url}/hubs/${bad}/spaces`, { headers: { authorization: `Bearer ${alice.token}` } });
      assert.equal(res.status, 400, bad);
      assert.equal(((await res.json()) as { code: string }).code, 'invalid_request');
    }
  });

  test('banned and removed contacts are no members to mute: 404, and the hub hears nothing', async () => {
    const banned = await hub.member('banned');
    const removed = await hub.member('removed');
    expectStatus(await ts.admin('POST', `/hubs/${hub.hubId}/contacts/${banned.id}/ban`), 200);
    expectStatus(await ts.admin('DELETE', `/hubs/${hub.hubId}/contacts/${removed.id}`), 200);
    for (const who of [banned, removed]) {
      assert.equal((await call(mod, 'POST', `/spaces/${lobby}/members/${who.id}/mute`)).status, 404);
      assert.equal((await ts.admin('POST', `/hubs/${hub.hubId}/spaces/${lobby}/members/${who.id}/mute`)).status, 404);
    }
    assert.equal((await ts.admin('PUT', `/hubs/${hub.hubId}/contacts/${removed.id}/role`, { role: 'admin' })).status, 404);
    assert.equal((await ts.admin('PUT', `/hubs/${hub.hubId}/contacts/${removed.id}/segments`, { segment_ids: [] })).status, 404);
    const refused = await call(mod, 'POST', `/spaces/${lobby}/members/${admin.id}/mute`);
    assert.equal(refused.body.error, 'You may not mute an admin');
  });

  test('restricted spaces: invisible without a granting segment (404), joining is 403; granted members see and join them', async () => {
    const bobSees = (expectStatus(await call(bob, 'GET', '/spaces'), 200).data as { id: string }[]).map((x) => x.id);
    assert.ok(bobSees.includes(lobby) && !bobSees.includes(vip));
    assert.equal((await call(bob, 'GET', `/spaces/${vip}`)).status, 404);
    assert.equal((await call(bob, 'GET', `/spaces/${vip}/discussions`)).status, 404);
    assert.equal(expectStatus(await call(bob, 'POST', `/spaces/${vip}/join`), 403).code, 'forbidden');
    const aliceSees = (expectStatus(await call(alice, 'GET', '/spaces'), 200).data as { id: string }[]).map((x) => x.id);
    assert.ok(aliceSees.includes(vip));
    expectStatus(await call(alice, 'POST', `/spaces/${vip}/join`), 200);
    assert.equal((await call(alice, 'POST', `/spaces/${vip}/join`)).status, 409, 'joining twice');
    const d = expectStatus(await call(alice, 'POST', `/spaces/${vip}/discussions`, { title: 'secret', body: 'for gold only' }), 201).id as string;
    assert.equal((await call(bob, 'GET', `/discussions/${d}`)).status, 404, 'a restricted discussion is invisible to bob');
    assert.equal((await call(bob, 'POST', `/discussions/${d}/reactions`, { reaction: 'eyes' })).status, 404);
    expectStatus(await call(alice, 'POST', `/spaces/${vip}/leave`), 200);
    assert.equal((await call(alice, 'POST', `/spaces/${vip}/leave`)).status, 404, 'leaving twice');
  });

  test('ids of another hub are 404 (paths) or 400 (bodies)', async () => {
    assert.equal((await call(alice, 'GET', `/spaces/${foreignSpace}`)).status, 404);
    assert.equal((await call(alice, 'POST', `/spaces/${foreignSpace}/join`)).status, 404);
    assert.equal((await call(alice, 'POST', `/spaces/${foreignSpace}/discussions`, { title: 't', body: 'b' })).status, 404);
    assert.equal((await call(admin, 'PATCH', `/spaces/${foreignSpace}`, { name: 'mine now' })).status, 404);
    assert.equal((await call(mod, 'POST', `/spaces/${lobby}/members/${stranger.id}/mute`)).status, 404);
    const foreignSegment = (await ts.admin('POST', `/hubs/${other.hubId}/segments`, { name: 'x' })).body.id as string;
    assert.equal((await call(admin, 'POST', '/spaces', { name: 'y', restricted: true, segment_ids: [foreignSegment] })).status, 400);
    const theirs = await as(ts, other, stranger, 'POST', '/conversations', { contact_ids: [(await other.member('pal')).id] });
    const foreignConversation = expectStatus(theirs, 201).id as string;
    assert.equal((await call(alice, 'GET', `/conversations/${foreignConversation}/messages`)).status, 404);
    assert.equal((await call(alice, 'POST', `/conversations/${foreignConversation}/messages`, { body: 'hi' })).status, 404);
    assert.equal((await call(alice, 'GET', `/contacts/${stranger.id}/profile`)).status, 404);
    // The same id through the hub it belongs to, with a token of this hub: still 404.
    assert.equal((await as(ts, other, alice, 'GET', `/spaces/${foreignSpace}`)).status, 404);
  });

  test('a DM to a contact of another hub (or a banned one) is 400; adding one to a group too', async () => {
    assert.equal(expectStatus(await call(alice, 'POST', '/conversations', { contact_ids: [stranger.id] }), 400).code, 'invalid_request');
    assert.equal((await call(alice, 'POST', '/conversations', { contact_ids: [alice.id] })).status, 400, 'only yourself');
    const banned = await hub.member('banned');
    expectStatus(await ts.admin('POST', `/hubs/${hub.hubId}/contacts/${banned.id}/ban`), 200);
    assert.equal((await call(alice, 'POST', '/conversations', { contact_ids: [banned.id] })).status, 400);
    const group = expectStatus(await call(alice, 'POST', '/conversations', { contact_ids: [bob.id, mod.id] }), 201).id as string;
    assert.equal((await call(alice, 'POST', `/conversations/${group}/members`, { contact_id: stranger.id })).status, 400);
    assert.equal((await call(alice, 'POST', `/conversations/${group}/members`, { contact_id: bob.id })).status, 409, 'already a member');
  });

  test('1:1 conversations: creating one that exists returns it (200); it takes no more members (409)', async () => {
    const first = expectStatus(await call(alice, 'POST', '/conversations', { contact_ids: [mod.id] }), 201);
    assert.equal(first.type, 'direct');
    const again = expectStatus(await call(mod, 'POST', '/conversations', { contact_ids: [alice.id] }), 200);
    assert.equal(again.id, first.id);
    assert.equal((await call(alice, 'POST', `/conversations/${first.id as string}/members`, { contact_id: bob.id })).status, 409);
  });

  test('messages: only your own can be edited or deleted (403); deletion leaves a tombstone; non-participants get 404', async () => {
    const c = expectStatus(await call(alice, 'POST', '/conversations', { contact_ids: [bob.id], name: 'pair' }), 201).id as string;
    const msg = expectStatus(await call(alice, 'POST', `/conversations/${c}/messages`, { body: 'mine' }), 201).id as string;
    assert.equal(expectStatus(await call(bob, 'PATCH', `/conversations/${c}/messages/${msg}`, { body: 'yours now' }), 403).code, 'forbidden');
    assert.equal((await call(bob, 'DELETE', `/conversations/${c}/messages/${msg}`)).status, 403);
    assert.equal((await call(mod, 'GET', `/conversations/${c}/messages`)).status, 404, 'a non-participant');
    assert.equal((await call(mod, 'POST', `/conversations/${c}/messages/${msg}/read`)).status, 404);
    assert.equal(expectStatus(await call(alice, 'PATCH', `/conversations/${c}/messages/${msg}`, { body: 'edited' }), 200).body, 'edited');
    expectStatus(await call(bob, 'POST', `/conversations/${c}/messages/${msg}/read`), 200);
    // The read marker only moves forward: the same message again, or an earlier one, is 409.
    assert.equal((await call(bob, 'POST', `/conversations/${c}/messages/${msg}/read`)).status, 409);
    const later = expectStatus(await call(alice, 'POST', `/conversations/${c}/messages`, { body: 'later' }), 201).id as string;
    expectStatus(await call(bob, 'POST', `/conversations/${c}/messages/${later}/read`), 200);
    assert.equal((await call(bob, 'POST', `/conversations/${c}/messages/${msg}/read`)).status, 409, 'back to an earlier message');
    expectStatus(await call(alice, 'DELETE', `/conversations/${c}/messages/${later}`), 200);
    const tomb = expectStatus(await call(alice, 'DELETE', `/conversations/${c}/messages/${msg}`), 200);
    assert.equal(tomb.deleted, true);
    assert.equal(tomb.body, null);
    assert.equal((await call(alice, 'PATCH', `/conversations/${c}/messages/${msg}`, { body: 'undo' })).status, 409);
    assert.equal((await call(alice, 'DELETE', `/conversations/${c}/messages/${msg}`)).status, 409);
    const listed = expectStatus(await call(bob, 'GET', `/conversations/${c}/messages`), 200).data as Record<string, unknown>[];
    assert.deepEqual(listed.map((x) => [x.id, x.deleted, x.body]), [[later, true, null], [msg, true, null]]);
    const conv = expectStatus(await call(bob, 'GET', `/conversations/${c}`), 200);
    assert.equal((conv.members as { contact_id: string; last_read_message_id: string | null }[]).find((x) => x.contact_id === bob.id)?.last_read_message_id, later);
    expectStatus(await call(bob, 'POST', `/conversations/${c}/leave`), 200);
    assert.equal((await call(bob, 'GET', `/conversations/${c}/messages`)).status, 404, 'after leaving');
  });

  test('reactions: reacting twice is 409, removing a missing reaction is 404', async () => {
    const d = expectStatus(await call(alice, 'POST', `/spaces/${lobby}/discussions`, { title: 'React to me', body: '…' }), 201).id as string;
    const added = expectStatus(await call(bob, 'POST', `/discussions/${d}/reactions`, { reaction: 'heart' }), 201);
    assert.deepEqual(added.reactions, { heart: 1 });
    assert.deepEqual(added.my_reactions, ['heart']);
    assert.equal(expectStatus(await call(bob, 'POST', `/discussions/${d}/reactions`, { reaction: 'heart' }), 409).code, 'conflict');
    expectStatus(await call(alice, 'POST', `/discussions/${d}/reactions`, { reaction: 'heart' }), 201);
    expectStatus(await call(bob, 'DELETE', `/discussions/${d}/reactions/heart`), 200);
    assert.equal(expectStatus(await call(bob, 'DELETE', `/discussions/${d}/reactions/heart`), 404).code, 'not_found');
    assert.equal((await call(bob, 'DELETE', `/discussions/${d}/reactions/party`)).status, 404);
    assert.equal((await call(bob, 'POST', `/discussions/${d}/reactions`, { reaction: 'NOT OK' })).status, 400);
  });

  test('locked discussions refuse replies and reactions (409); only moderators lock and pin', async () => {
    const d = expectStatus(await call(alice, 'POST', `/spaces/${lobby}/discussions`, { title: 'Lock me', body: '…' }), 201).id as string;
    assert.equal((await call(bob, 'POST', `/discussions/${d}/lock`)).status, 403);
    assert.equal((await call(alice, 'POST', `/discussions/${d}/pin`)).status, 403);
    expectStatus(await call(bob, 'POST', `/discussions/${d}/reactions`, { reaction: 'eyes' }), 201);
    assert.equal(expectStatus(await call(mod, 'POST', `/discussions/${d}/lock`), 200).locked, true);
    assert.equal((await call(mod, 'POST', `/discussions/${d}/lock`)).status, 409, 'locking twice');
    assert.equal((await call(bob, 'POST', `/discussions/${d}/replies`, { body: 'late' })).status, 409);
    assert.equal((await call(alice, 'POST', `/discussions/${d}/reactions`, { reaction: 'eyes' })).status, 409);
    assert.equal((await call(bob, 'DELETE', `/discussions/${d}/reactions/eyes`)).status, 409);
    expectStatus(await call(mod, 'POST', `/discussions/${d}/unlock`), 200);
    const reply = expectStatus(await call(bob, 'POST', `/discussions/${d}/replies`, { body: 'now open' }), 201);
    assert.equal(reply.parent_id, d);
    assert.equal((await call(mod, 'POST', `/discussions/${reply.id as string}/lock`)).status, 409, 'a reply is not locked on its own');
    const replies = expectStatus(await call(alice, 'GET', `/discussions/${d}/replies`), 200).data as { id: string }[];
    assert.deepEqual(replies.map((r) => r.id), [reply.id]);
  });

  test('posting: join first (403), a muted member cannot post (403); nobody mutes a peer or superior', async () => {
    const fresh = await hub.member('fresh');
    assert.equal((await call(fresh, 'POST', `/spaces/${lobby}/discussions`, { title: 't', body: 'b' })).status, 403);
    expectStatus(await call(fresh, 'POST', `/spaces/${lobby}/join`), 200);
    assert.equal((await call(bob, 'POST', `/spaces/${lobby}/members/${fresh.id}/mute`)).status, 403, 'members do not mute');
    assert.equal((await call(mod, 'POST', `/spaces/${lobby}/members/${admin.id}/mute`)).status, 403, 'a moderator does not mute an admin');
    expectStatus(await call(mod, 'POST', `/spaces/${lobby}/members/${fresh.id}/mute`), 200);
    assert.equal((await call(mod, 'POST', `/spaces/${lobby}/members/${fresh.id}/mute`)).status, 409, 'muting twice');
    assert.equal(expectStatus(await call(fresh, 'GET', `/spaces/${lobby}`), 200).muted, true);
    assert.equal(expectStatus(await call(fresh, 'POST', `/spaces/${lobby}/discussions`, { title: 't', body: 'b' }), 403).code, 'forbidden');
    const d = expectStatus(await call(alice, 'POST', `/spaces/${lobby}/discussions`, { title: 'open', body: 'b' }), 201).id as string;
    assert.equal((await call(fresh, 'POST', `/discussions/${d}/replies`, { body: 'muted' })).status, 403);
    expectStatus(await call(mod, 'DELETE', `/spaces/${lobby}/members/${fresh.id}/mute`), 200);
    assert.equal((await call(mod, 'DELETE', `/spaces/${lobby}/members/${fresh.id}/mute`)).status, 404, 'unmuting twice');
    expectStatus(await call(fresh, 'POST', `/spaces/${lobby}/discussions`, { title: 't', body: 'b' }), 201);
  });

  test('discussions: the author edits (others 403); author or moderator deletes to a tombstone', async () => {
    const d = expectStatus(await call(alice, 'POST', `/spaces/${lobby}/discussions`, { title: 'Mine', body: 'text' }), 201).id as string;
    assert.equal((await call(bob, 'PATCH', `/discussions/${d}`, { body: 'hijack' })).status, 403);
    assert.equal((await call(mod, 'PATCH', `/discussions/${d}`, { body: 'moderated' })).status, 403);
    assert.equal(expectStatus(await call(alice, 'PATCH', `/discussions/${d}`, { title: 'Mine, edited' }), 200).title, 'Mine, edited');
    assert.equal((await call(bob, 'DELETE', `/discussions/${d}`)).status, 403);
    const tomb = expectStatus(await call(mod, 'DELETE', `/discussions/${d}`), 200);
    assert.deepEqual([tomb.deleted, tomb.title, tomb.body], [true, null, null]);
    assert.equal((await call(mod, 'DELETE', `/discussions/${d}`)).status, 409);
    assert.equal((await call(alice, 'PATCH', `/discussions/${d}`, { body: 'back' })).status, 409);
    assert.equal((await call(bob, 'POST', `/discussions/${d}/replies`, { body: 'x' })).status, 409);
    const listed = (expectStatus(await call(bob, 'GET', `/spaces/${lobby}/discussions?limit=100`), 200).data as Record<string, unknown>[]).find((x) => x.id === d);
    assert.equal(listed?.deleted, true, 'the tombstone stays in the list');
  });

  test('roles: members create no spaces and publish no broadcasts (403); admins do', async () => {
    assert.equal((await call(mod, 'POST', '/spaces', { name: 'nope' })).status, 403);
    assert.equal((await call(alice, 'PATCH', `/spaces/${lobby}`, { name: 'nope' })).status, 403);
    assert.equal((await call(alice, 'DELETE', `/spaces/${lobby}`)).status, 403);
    assert.equal((await call(mod, 'POST', '/broadcasts', { title: 'x', body: 'y' })).status, 403);
    const b = expectStatus(await call(admin, 'POST', '/broadcasts', { title: 'Hello', body: 'everyone' }), 201);
    assert.equal((expectStatus(await call(bob, 'GET', '/broadcasts'), 200).data as { id: string }[])[0]?.id, b.id);
  });

  test('lists: limit/offset (default 20, max 100) with has_more', async () => {
    const space = expectStatus(await call(admin, 'POST', '/spaces', { name: 'busy' }), 201).id as string;
    expectStatus(await call(bob, 'POST', `/spaces/${space}/join`), 200);
    const ids: string[] = [];
    for (let i = 0; i < 22; i++) ids.push(expectStatus(await call(bob, 'POST', `/spaces/${space}/discussions`, { title: `t${i}`, body: 'b' }), 201).id as string);
    const first = expectStatus(await call(bob, 'GET', `/spaces/${space}/discussions`), 200);
    assert.equal((first.data as unknown[]).length, 20);
    assert.equal(first.has_more, true);
    assert.equal((first.data as { id: string }[])[0]?.id, ids[21], 'newest first');
    const rest = expectStatus(await call(bob, 'GET', `/spaces/${space}/discussions?limit=20&offset=20`), 200);
    assert.deepEqual((rest.data as { id: string }[]).map((x) => x.id), [ids[1], ids[0]]);
    assert.equal(rest.has_more, false);
    expectStatus(await call(mod, 'POST', `/discussions/${ids[3] ?? ''}/pin`), 200);
    assert.equal(((expectStatus(await call(bob, 'GET', `/spaces/${space}/discussions?limit=1`), 200).data as { id: string }[])[0]?.id), ids[3], 'pinned first');
    assert.equal((await call(bob, 'GET', `/spaces/${space}/discussions?limit=101`)).status, 400);
    assert.equal((await call(bob, 'GET', `/spaces/${space}/discussions?limit=0`)).status, 400);
    assert.equal((await call(bob, 'GET', '/spaces?offset=-1')).status, 400);
    const convs = expectStatus(await call(alice, 'GET', '/conversations?limit=1'), 200);
    assert.equal((convs.data as unknown[]).length, 1);
    assert.equal(convs.has_more, true);
  });

  test('empty names and texts are 400; oversized bodies are 413', async () => {
    for (const [path, body] of [
      ['/spaces', { name: '' }],
      ['/spaces', { name: '   ' }],
      [`/spaces/${lobby}/discussions`, { title: '', body: 'b' }],
      [`/spaces/${lobby}/discussions`, { title: 't', body: '  ' }],
      ['/conversations', { contact_ids: [bob.id], name: '' }],
      ['/conversations', { contact_ids: [] }],
      ['/broadcasts', { title: '', body: 'b' }],
    ] as const) {
      assert.equal((await call(admin, 'POST', path, body)).status, 400, `${path} ${JSON.stringify(body)}`);
    }
    assert.equal((await call(admin, 'PATCH', `/spaces/${lobby}`, { name: '' })).status, 400);
    assert.equal((await call(admin, 'PATCH', `/spaces/${lobby}`, {})).status, 400);
    assert.equal((await call(alice, 'PATCH', '/profile', { name: '' })).status, 400);
    assert.equal((await call(alice, 'PATCH', '/profile', { nickname: 'x' })).status, 400);
    const big = 'x'.repeat(5000);
    assert.equal(expectStatus(await call(alice, 'POST', `/spaces/${lobby}/discussions`, { title: 't', body: big }), 413).code, 'payload_too_large');
    const c = expectStatus(await call(alice, 'POST', '/conversations', { contact_ids: [bob.id, mod.id], name: 'big' }), 201).id as string;
    assert.equal((await call(alice, 'POST', `/conversations/${c}/messages`, { body: big })).status, 413);
    assert.equal((await call(alice, 'PATCH', '/profile', { bio: big })).status, 413);
  });

  test('profiles: update your own (name, bio, avatar); anyone reads an active member\'s', async () => {
    const p = expectStatus(await call(bob, 'PATCH', '/profile', { name: 'Bobby', bio: 'hi', avatar_url: 'https://example.com/a.png' }), 200);
    assert.deepEqual([p.contact_id, p.name, p.bio, p.avatar_url], [bob.id, 'Bobby', 'hi', 'https://example.com/a.png']);
    assert.equal(expectStatus(await call(alice, 'GET', `/contacts/${bob.id}/profile`), 200).name, 'Bobby');
    assert.equal(expectStatus(await call(bob, 'PATCH', '/profile', { bio: null }), 200).bio, null);
    assert.equal(expectStatus(await call(bob, 'GET', '/profile'), 200).avatar_url, 'https://example.com/a.png');
    assert.equal((await call(bob, 'PATCH', '/profile', { avatar_url: 'javascript:alert(1)' })).status, 400);
  });

  test('admin-API equivalents: every space, moderation, broadcasts and roles', async () => {
    const listed = (expectStatus(await ts.admin('GET', `/hubs/${hub.hubId}/spaces?limit=100`), 200).data as { id: string }[]).map((x) => x.id);
    assert.ok(listed.includes(vip) && listed.includes(lobby));
    const d = expectStatus(await call(alice, 'POST', `/spaces/${lobby}/discussions`, { title: 'x', body: 'y' }), 201).id as string;
    assert.equal(expectStatus(await ts.admin('POST', `/hubs/${hub.hubId}/discussions/${d}/pin`), 200).pinned, true);
    assert.equal(expectStatus(await ts.admin('POST', `/hubs/${hub.hubId}/discussions/${d}/lock`), 200).locked, true);
    assert.equal(expectStatus(await ts.admin('DELETE', `/hubs/${hub.hubId}/discussions/${d}`), 200).deleted, true);
    expectStatus(await ts.admin('POST', `/hubs/${hub.hubId}/spaces/${lobby}/members/${admin.id}/mute`), 200);
    expectStatus(await ts.admin('DELETE', `/hubs/${hub.hubId}/spaces/${lobby}/members/${admin.id}/mute`), 200);
    assert.equal(expectStatus(await ts.admin('POST', `/hubs/${hub.hubId}/broadcasts`, { title: 'Ops', body: 'maintenance' }), 201).author_id, null);
    assert.equal(expectStatus(await ts.admin('PATCH', `/hubs/${hub.hubId}/spaces/${vip}`, { restricted: false }), 200).restricted, false);
    assert.ok((expectStatus(await call(bob, 'GET', '/spaces?limit=100'), 200).data as { id: string }[]).some((x) => x.id === vip), 'an opened space becomes visible');
    expectStatus(await ts.admin('PUT', `/hubs/${hub.hubId}/contacts/${bob.id}/role`, { role: 'moderator' }), 200);
    expectStatus(await call(bob, 'POST', `/spaces/${lobby}/members/${alice.id}/mute`), 200);
    assert.equal((await ts.admin('PUT', `/hubs/${hub.hubId}/contacts/${stranger.id}/role`, { role: 'admin' })).status, 404);
    expectStatus(await ts.admin('DELETE', `/hubs/${hub.hubId}/spaces/${vip}`), 200);
    assert.equal((await ts.admin('DELETE', `/hubs/${hub.hubId}/spaces/${vip}`)).status, 404);
    assert.equal((await call(alice, 'GET', `/spaces/${vip}`)).status, 404, 'a deleted space is gone');
  });
});
