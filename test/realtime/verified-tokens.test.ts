// A contact token's signature is checked once however many hub streams it opens, and remembered only
// until its expiry; a ban still refuses the next connect, and a forged token is refused every time.
import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import { makeHub, type TestHub } from '../helpers/hub.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse, type SseStream } from '../helpers/sse.js';
import { tokenExpiryMs } from '../helpers/tokens.js';

describe('hub streams verify each token once', () => {
  let ts: TestServer;
  let hub: TestHub;
  const streams: SseStream[] = [];
  // jose checks an HS256 signature through WebCrypto: each call here is one signature verified.
  const signatureChecks = mock.method(globalThis.crypto.subtle, 'verify');

  const connect = async (token: string) => {
    const s = await openSse(hub.streamUrl(), { token });
    streams.push(s);
    return s;
  };

  before(async () => {
    ts = await startServer({ realtimeMaxStreamsPerContact: 100 });
    hub = await makeHub(ts);
  });
  after(async () => {
    for (const s of streams) s.close();
    await ts.close();
    signatureChecks.mock.restore();
  });

  test('many connections with one token, together and one after another, verify it once', async () => {
    const member = await hub.member('many');
    const before = signatureChecks.mock.callCount();
    const together = await Promise.all(Array.from({ length: 20 }, () => connect(member.token)));
    for (const s of together) assert.equal(s.status, 200, s.body);
    for (let i = 0; i < 5; i++) assert.equal((await connect(member.token)).status, 200);
    assert.equal(signatureChecks.mock.callCount() - before, 1);
  });

  test('a banned member is refused on the next connect although its token is remembered', async () => {
    const member = await hub.member('banned');
    const open = await connect(member.token);
    assert.equal(open.status, 200);
    const ban = await ts.admin('POST', `/hubs/${hub.hubId}/contacts/${member.id}/ban`);
    assert.equal(ban.status, 200, JSON.stringify(ban.body));
    const ended = await open.next((f) => f.event === 'stream.unauthorized', 10_000);
    assert.match(ended.data ?? '', /access_revoked/);
    const again = await connect(member.token);
    assert.equal(again.status, 404, again.body);
  });

  test('a removed member is refused on the next connect too', async () => {
    const member = await hub.member('removed');
    assert.equal((await connect(member.token)).status, 200);
    assert.equal((await ts.admin('DELETE', `/hubs/${hub.hubId}/contacts/${member.id}`)).status, 200);
    assert.equal((await connect(member.token)).status, 404);
  });

  test('a remembered token still expires: its stream ends with stream.expired at exp, later connects get 401', async () => {
    const member = await hub.member('short', 2);
    const first = await connect(member.token);
    assert.equal(first.status, 200);
    const checks = signatureChecks.mock.callCount();
    const second = await connect(member.token);
    assert.equal(second.status, 200);
    assert.equal(signatureChecks.mock.callCount(), checks);
    const exp = tokenExpiryMs(member.token);
    for (const s of [first, second]) {
      const frame = await s.next((f) => f.event === 'stream.expired', 5_000);
      assert.match(frame.data ?? '', /token_expired/);
      assert.ok(Date.now() >= exp, 'the stream ended before the token expired');
    }
    const late = await connect(member.token);
    assert.equal(late.status, 401);
    assert.match(late.body, /expired/i);
  });

  test('a token with a forged signature is refused every time, never remembered', async () => {
    const member = await hub.member('forged');
    const [header, payload, signature] = member.token.split('.') as [string, string, string];
    // Another signature in canonical spelling (its last character kept): one that is not is refused
    // before any signature check (test/auth/token-spelling.test.ts).
    const forged = `${header}.${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    const before = signatureChecks.mock.callCount();
    for (let i = 0; i < 3; i++) {
      const s = await connect(forged);
      assert.equal(s.status, 401, s.body);
    }
    assert.equal(signatureChecks.mock.callCount() - before, 3);
    assert.equal((await connect(member.token)).status, 200);
  });
});
