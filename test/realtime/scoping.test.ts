// Access scoping on the hub stream: hub-wide, restricted spaces (by segment) and direct events, and an
// access change that takes effect on an open stream without a reconnect.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeHub, type Member, type TestHub } from '../helpers/hub.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { eventsOf, openSse, type SseStream } from '../helpers/sse.js';

describe('hub access scoping', () => {
  let ts: TestServer;
  let hub: TestHub;
  let segment: string;
  let restricted: string;
  let open: string;
  let insider: Member;
  let outsider: Member;
  let dmTarget: Member;
  const streams: SseStream[] = [];

  async function stream(m: Member): Promise<SseStream> {
    const s = await openSse(hub.streamUrl(), { token: m.token });
    assert.equal(s.status, 200);
    streams.push(s);
    return s;
  }

  /** Publishes a marker to everyone and waits until `s` has it, so earlier events have had their chance. */
  async function settle(...ss: SseStream[]): Promise<void> {
    const id = await hub.publish({ type: 'test.ping', data: { marker: true } });
    for (const s of ss) await s.next((f) => f.id === id);
  }

  before(async () => {
    ts = await startServer();
    hub = await makeHub(ts);
    segment = (await ts.admin('POST', `/hubs/${hub.hubId}/segments`, { name: 'gold' })).body.id as string;
    restricted = (await ts.admin('POST', `/hubs/${hub.hubId}/spaces`, { name: 'vip', restricted: true, segment_ids: [segment] })).body.id as string;
    open = (await ts.admin('POST', `/hubs/${hub.hubId}/spaces`, { name: 'lobby' })).body.id as string;
    insider = await hub.member('insider');
    outsider = await hub.member('outsider');
    dmTarget = await hub.member('dm target');
    assert.equal((await ts.admin('PUT', `/hubs/${hub.hubId}/contacts/${insider.id}/segments`, { segment_ids: [segment] })).status, 200);
  });
  after(async () => {
    for (const s of streams) s.close();
    await ts.close();
  });

  test('hub-scoped events reach every member; restricted-space events only the granted segment; direct events only the named contacts', async () => {
    const [sIn, sOut, sDm] = [await stream(insider), await stream(outsider), await stream(dmTarget)];
    const hubWide = await hub.publish({ type: 'community.broadcast.published', data: { broadcast_id: 'b1' } });
    const vip = await hub.publish({ type: 'community.discussion.published', space_id: restricted, data: { discussion_id: 'd1', space_id: restricted } });
    const lobby = await hub.publish({ type: 'community.discussion.published', space_id: open, data: { discussion_id: 'd2', space_id: open } });
    const dm = await hub.publish({ type: 'community.message.created', contact_ids: [dmTarget.id], data: { message_id: 'm1', conversation_id: 'c1' } });
    await settle(sIn, sOut, sDm);
    const ids = (s: SseStream) => eventsOf(s).map((f) => f.id);
    assert.deepEqual(ids(sIn).filter((i) => i !== undefined).slice(0, 3), [hubWide, vip, lobby]);
    assert.ok(!ids(sIn).includes(dm));
    assert.ok(ids(sOut).includes(hubWide) && ids(sOut).includes(lobby));
    assert.ok(!ids(sOut).includes(vip) && !ids(sOut).includes(dm));
    assert.ok(ids(sDm).includes(dm) && ids(sDm).includes(hubWide) && !ids(sDm).includes(vip));
    for (const s of [sIn, sOut, sDm]) s.close();
  });

  test('an event of a restricted space addressed to contacts reaches the named ones the space lets in, live and on replay', async () => {
    const [sIn, sOut, sDm] = [await stream(insider), await stream(outsider), await stream(dmTarget)];
    const cursor = await hub.publish({ type: 'test.ping', data: { before: true } });
    const both = await hub.publish({ type: 'test.ping', space_id: restricted, contact_ids: [insider.id, outsider.id], data: { both: true } });
    await settle(sIn, sOut, sDm);
    const ids = (s: SseStream) => eventsOf(s).map((f) => f.id);
    assert.ok(ids(sIn).includes(both), 'named and granted');
    assert.ok(!ids(sOut).includes(both), 'named but kept out by the space');
    assert.ok(!ids(sDm).includes(both), 'not named');
    for (const s of [sIn, sOut, sDm]) s.close();
    // The same rule on a replay from before it.
    const replayOut = await openSse(hub.streamUrl(), { token: outsider.token, lastEventId: cursor });
    const replayIn = await openSse(hub.streamUrl(), { token: insider.token, lastEventId: cursor });
    streams.push(replayOut, replayIn);
    await settle(replayOut, replayIn);
    assert.ok(ids(replayIn).includes(both));
    assert.ok(!ids(replayOut).includes(both));
  });

  test('a restricted space is announced only to members who can see it', async () => {
    const sIn = await stream(insider);
    const sOut = await stream(outsider);
    const created = await ts.admin('POST', `/hubs/${hub.hubId}/spaces`, { name: 'secret', restricted: true, segment_ids: [segment] });
    const f = await sIn.next((x) => x.event === 'community.space.created');
    assert.equal(JSON.parse(f.data ?? '{}').space_id, created.body.id);
    await settle(sIn, sOut);
    assert.ok(!eventsOf(sOut).some((x) => x.event === 'community.space.created'));
    sIn.close();
    sOut.close();
  });

  test('granting and revoking a segment changes an open stream without a reconnect', async () => {
    const late = await hub.member('late');
    const s = await stream(late);
    const before = await hub.publish({ type: 'community.discussion.published', space_id: restricted, data: { discussion_id: 'd3' } });
    await settle(s);
    assert.ok(!eventsOf(s).some((f) => f.id === before));
    assert.equal((await ts.admin('PUT', `/hubs/${hub.hubId}/contacts/${late.id}/segments`, { segment_ids: [segment] })).status, 200);
    const granted = await hub.publish({ type: 'community.discussion.published', space_id: restricted, data: { discussion_id: 'd4' } });
    assert.equal((await s.next((f) => f.id === granted)).event, 'community.discussion.published');
    assert.equal((await ts.admin('PUT', `/hubs/${hub.hubId}/contacts/${late.id}/segments`, { segment_ids: [] })).status, 200);
    const revoked = await hub.publish({ type: 'community.discussion.published', space_id: restricted, data: { discussion_id: 'd5' } });
    await settle(s);
    assert.ok(!eventsOf(s).some((f) => f.id === revoked));
    s.close();
  });

  test('segment bad inputs: segments of another hub, unknown contact', async () => {
    const other = await makeHub(ts, hub.orgId);
    const foreign = (await ts.admin('POST', `/hubs/${other.hubId}/segments`, { name: 'x' })).body.id as string;
    assert.equal((await ts.admin('PUT', `/hubs/${hub.hubId}/contacts/${insider.id}/segments`, { segment_ids: [foreign] })).status, 400);
    assert.equal((await ts.admin('POST', `/hubs/${hub.hubId}/spaces`, { name: 'y', restricted: true, segment_ids: [foreign] })).status, 400);
    assert.equal((await ts.admin('PUT', `/hubs/${hub.hubId}/contacts/ct_nobody/segments`, { segment_ids: [] })).status, 404);
    assert.equal((await ts.admin('POST', `/hubs/${hub.hubId}/segments`, { name: '' })).status, 400);
  });
});
