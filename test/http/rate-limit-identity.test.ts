// Rate limits count who is calling: the key, contact or admin a credential verifies as (however it is
// spelled, on REST calls, stream connects and WebSocket upgrades alike), the client address when there
// is no credential, and the address's auth-failure bucket when a credential verifies as nothing. The
// in-memory counters stay within their bound whatever the number of made-up keys and addresses.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { CallerIdentifier } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config/index.js';
import { buildHttpApp, createLogger, createMetrics, memoryRateStore } from '../../src/http/index.js';
import { documentRoutes } from '../../src/surfaces/documents/index.js';
import { randomToken } from '../../src/util/ids.js';
import { refusal } from '../organizer/helpers.js';
import { makeHub } from '../helpers/hub.js';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';
import { pastExpiry } from '../helpers/tokens.js';
import { makeApp, type TestApp } from '../helpers/videos.js';

const madeUpKey = () => `capout_test_${randomToken(40)}`;

/** A 429 in the catalogue's shape, with Retry-After in whole seconds within the minute. */
async function assertRateLimited(res: Response, what: string): Promise<void> {
  assert.equal(res.status, 429, what);
  assert.deepEqual(await res.json().then((b: Record<string, unknown>) => [Object.keys(b).sort(), b.code]), [['code', 'error'], 'rate_limited'], what);
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `${what}: Retry-After ${retryAfter}`);
  assert.ok(res.headers.get('x-api-version'), `${what}: X-API-Version`);
}

async function openWs(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return ws;
}

describe('failed authentications are counted per address', () => {
  let s: TestServer;
  let org: TestOrg;
  before(async () => {
    s = await startServer({ rateLimitPerMinute: 100, authFailuresPerMinute: 5 });
    org = await makeOrg(s);
  });
  after(() => s.close());

  test('20 made-up keys: 401 for the first five, then 429 before any key is looked at', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${s.url}/credits`, { headers: { 'capout-api-key': madeUpKey() } });
      statuses.push(res.status);
      if (res.status === 429) await assertRateLimited(res, `made-up key ${i + 1}`);
      else await res.body?.cancel();
    }
    assert.deepEqual(statuses, [...Array<number>(5).fill(401), ...Array<number>(15).fill(429)]);

    await assertRateLimited(await fetch(`${s.url}/credits`, { headers: { 'capout-api-key': org.apiKey } }), 'a real key from that address is refused too: the check comes first');
    const upgrade = await refusal(`${s.url.replace('http', 'ws')}/api/v1/ws/c1?token=${org.apiKey}`);
    assert.equal(upgrade.status, 429, 'and so is a WebSocket upgrade');
    assert.equal(upgrade.body.code, 'rate_limited');
    assert.equal((await fetch(`${s.url}/openapi.json`)).status, 200, 'a request without a credential is still served');
  });
});

describe('an address locked out for guessing keeps serving the keys already working from it', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ rateLimitPerMinute: 100, authFailuresPerMinute: 3 });
  });
  after(() => s.close());

  test('a key verified moments ago passes the lockout; a key not seen yet and the admin token wait', async () => {
    const working = await makeOrg(s);
    const idle = await makeOrg(s);
    assert.equal((await fetch(`${s.url}/credits`, { headers: { 'capout-api-key': working.apiKey } })).status, 200);
    assert.equal((await fetch(`${s.url}/admin/v1/orgs`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status, 200);
    // Another client behind the same address guesses.
    for (let i = 0; i < 4; i++) await (await fetch(`${s.url}/credits`, { headers: { 'capout-api-key': madeUpKey() } })).body?.cancel();
    await assertRateLimited(await fetch(`${s.url}/credits`, { headers: { 'capout-api-key': madeUpKey() } }), 'guesses are refused');

    const still = await fetch(`${s.url}/credits`, { headers: { 'capout-api-key': working.apiKey } });
    assert.equal(still.status, 200, 'the key in use goes on');
    await still.body?.cancel();
    await assertRateLimited(await fetch(`${s.url}/credits`, { headers: { 'capout-api-key': idle.apiKey } }), 'a key not verified lately is not told apart from a guess');
    await assertRateLimited(await fetch(`${s.url}/admin/v1/orgs`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }), 'the admin token, which may be weak, is never let through');
  });
});

describe('an expired token is no failed authentication', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ rateLimitPerMinute: 100, authFailuresPerMinute: 1 });
  });
  after(() => s.close());

  test('a contact whose token ran out gets 401, and its address keeps its failure budget', async () => {
    const hub = await makeHub(s);
    const member = await hub.member('expiring', 1);
    await pastExpiry(member.token);
    const expired = await Promise.all([openSse(hub.streamUrl(), { token: member.token }), openSse(hub.streamUrl(), { token: member.token })]);
    assert.deepEqual(expired.map((r) => r.status), [401, 401]);
    const forged = `${member.token.slice(0, -4)}AAAA`;
    assert.deepEqual([(await openSse(hub.streamUrl(), { token: forged })).status, (await openSse(hub.streamUrl(), { token: forged })).status], [401, 429], 'a forged one is');
  });
});

describe('a credential is one caller however it is spelled', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ rateLimitPerMinute: 5, authFailuresPerMinute: 5 });
  });
  after(() => s.close());

  test('the admin token in five spellings uses one budget of five', async () => {
    const spellings = [`Bearer ${ADMIN_TOKEN}`, `bearer  ${ADMIN_TOKEN}`, `BEARER ${ADMIN_TOKEN}`, `Bearer    ${ADMIN_TOKEN}   `, `bEaReR ${ADMIN_TOKEN}`];
    for (const authorization of spellings) assert.equal((await fetch(`${s.url}/admin/v1/orgs`, { headers: { authorization } })).status, 200, authorization);
    for (const authorization of spellings) await assertRateLimited(await fetch(`${s.url}/admin/v1/orgs`, { headers: { authorization } }), `6th+ as ${JSON.stringify(authorization)}`);
  });

  test('without a credential, requests count against the address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${s.url}/openapi.json`)).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
    assert.equal((await fetch(`${s.url}/healthz`)).status, 200, 'health checks are never limited');
  });
});

describe("a key's requests, stream connects and WebSocket upgrades count against that key", () => {
  let s: TestServer;
  let org: TestOrg;
  let other: TestOrg;
  before(async () => {
    s = await startServer({ rateLimitPerMinute: 7, authFailuresPerMinute: 5 });
    org = await makeOrg(s);
    other = await makeOrg(s);
  });
  after(() => s.close());

  test('header, Bearer, realtime token and ?token= are all the same key', async () => {
    const wsBase = s.url.replace('http', 'ws');
    const token = (await org.call('POST', '/ws/token')).body.token as string;
    assert.equal((await fetch(`${s.url}/api/v1/files`, { headers: { authorization: `bearer ${org.apiKey}` } })).status, 200);
    const sse = await openSse(`${s.url}/sse/status?token=${encodeURIComponent(token)}&recent=1`);
    assert.equal(sse.status, 200, sse.body);
    sse.close();
    (await openWs(`${wsBase}/ws/status?token=${encodeURIComponent(token)}&recent=1`)).close();
    (await openWs(`${wsBase}/api/v1/ws/client-1?token=${org.apiKey}`)).close();
    assert.equal((await org.call('GET', '/credits')).status, 200);
    assert.equal((await fetch(`${s.url}/credits`, { headers: { 'capout-api-key': ` ${org.apiKey}  ` } })).status, 200, 'seventh: padded, still the same key');

    await assertRateLimited(await fetch(`${s.url}/credits`, { headers: { 'capout-api-key': org.apiKey } }), 'REST');
    const refusedSse = await openSse(`${s.url}/sse/status?token=${encodeURIComponent(token)}&recent=1`);
    assert.equal(refusedSse.status, 429, 'SSE connect');
    assert.equal(JSON.parse(refusedSse.body).code, 'rate_limited');
    for (const url of [`${wsBase}/ws/status?token=${encodeURIComponent(token)}&recent=1`, `${wsBase}/api/v1/ws/client-2?token=${org.apiKey}`]) {
      const refused = await refusal(url);
      assert.equal(refused.status, 429, url);
      assert.deepEqual(refused.body, { error: 'Too many requests', code: 'rate_limited' });
    }
    assert.equal((await other.call('GET', '/credits')).status, 200, 'another key from the same address has its own budget');
  });
});

describe('counters in memory stay within their bound', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
  });
  after(() => s.close());

  test('made-up keys from 5,000 addresses fill the store to its bound and no further, and no key is remembered', async () => {
    const capacity = 500;
    const store = memoryRateStore(capacity);
    const { storage, tokens } = s.server.ctx;
    const callers = new CallerIdentifier(storage, tokens, ADMIN_TOKEN);
    const config = loadConfig({ env: {}, overrides: { logLevel: 'silent', dataDir: s.dataDir, devCredentials: false, rateLimitPerMinute: 5, authFailuresPerMinute: 5, trustProxy: ['127.0.0.1'] } });
    const app = await buildHttpApp(
      { config, logger: createLogger('silent'), metrics: createMetrics(false), ready: async () => true, rateLimits: { counters: { memory: store }, identify: (c) => callers.identify(c) } },
      [documentRoutes(s.server.ctx)],
    );
    const guess = (address: string) => app.inject({ method: 'GET', url: '/credits', headers: { 'capout-api-key': madeUpKey(), 'x-forwarded-for': address } });
    try {
      for (let i = 0; i < 5000; i++) {
        const res = await guess(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
        assert.equal(res.statusCode, 401, 'each address failed once, well within its budget');
        assert.ok(store.size() <= capacity, `after request ${i + 1}: ${store.size()} buckets`);
      }
      assert.equal(store.size(), capacity, 'the store is full, and no fuller');
      assert.equal(callers.size, 0, 'no made-up key is remembered');

      const statuses = new Map<number, number>();
      for (let i = 0; i < 2000; i++) {
        const { statusCode } = await guess('192.0.2.1');
        statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
      }
      assert.deepEqual([...statuses], [[401, 5], [429, 1995]], 'from one address, made-up keys share one bucket');
      assert.equal(store.size(), capacity);
      assert.equal(callers.size, 0);
    } finally {
      await app.close();
    }
  });

  test('100,000 distinct buckets: the least recently used go, the one still in use stays', () => {
    let now = 0;
    const { Store, size } = memoryRateStore(1000, () => now);
    const store = new Store({});
    const hit = (key: string) => {
      let current = 0;
      store.incr(key, (_e, r) => (current = r?.current ?? 0), 60_000, 5);
      return current;
    };
    hit('busy');
    for (let i = 0; i < 100_000; i++) {
      hit(`ip:${i}`);
      if (i % 500 === 0) hit('busy');
    }
    assert.equal(size(), 1000);
    assert.equal(hit('busy'), 202, 'a bucket hit often is never the one dropped');
    assert.equal(hit('ip:0'), 1, 'a bucket unused since long ago was dropped and starts again');
    now += 60_000;
    assert.equal(hit('busy'), 1, 'a new window starts from zero');
  });
});

describe('a public key counts per address: every browser of its app holds it', () => {
  let s: TestServer;
  let app: TestApp;
  const ORIGIN = 'https://shop.example';
  before(async () => {
    s = await startServer({ trustProxy: ['127.0.0.1'], rateLimitPerMinute: 5, authFailuresPerMinute: 3 });
    app = await makeApp(s, { environment: 'production', allowedOrigins: [ORIGIN] });
  });
  after(() => s.close());

  const from = (address: string, path: string, init: { key?: string; origin?: string } = {}) =>
    fetch(`${s.url}/api/developer/sdk/v1${path}`, { headers: { 'x-forwarded-for': address, ...(init.key ? { authorization: `Bearer ${init.key}` } : {}), ...(init.origin ? { origin: init.origin } : {}) } });

  test('one address spending the key\'s budget (refused Origins too) leaves the others theirs', async () => {
    const videoId = (await app.sdk('/videos/create', {}, { origin: ORIGIN, 'x-forwarded-for': '203.0.113.9' })).body.videoId as string;
    for (let i = 0; i < 5; i++) {
      const res = await from('198.51.100.7', `/videos/${videoId}/status`, { key: app.publicKey, origin: 'https://attacker.example' });
      assert.equal(res.status, 403);
      await res.body?.cancel();
    }
    await assertRateLimited(await from('198.51.100.7', `/videos/${videoId}/status`, { key: app.publicKey, origin: ORIGIN }), 'the spender');
    // Another user of the app, from another address, is served: the key has no budget of its own.
    const user = await from('203.0.113.20', `/videos/${videoId}/status`, { key: app.publicKey, origin: ORIGIN });
    assert.equal(user.status, 200, await user.text());
    // The secret key still counts as one caller wherever it comes from.
    for (const address of ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5']) {
      const res = await fetch(`${s.url}/api/developer/v1/usage`, { headers: { 'x-forwarded-for': address, authorization: `Bearer ${app.secretKey}` } });
      assert.equal(res.status, 200);
      await res.body?.cancel();
    }
    await assertRateLimited(await fetch(`${s.url}/api/developer/v1/usage`, { headers: { 'x-forwarded-for': '192.0.2.6', authorization: `Bearer ${app.secretKey}` } }), 'the secret key from a sixth address');
  });

  test('?key= is the same credential as Bearer: its budget, and wrong guesses spend the failure bucket', async () => {
    const videoId = (await app.sdk('/videos/create', {}, { origin: ORIGIN, 'x-forwarded-for': '203.0.113.30' })).body.videoId as string;
    const watch = (address: string, key: string) => openSse(`${s.url}/api/developer/sdk/v1/videos/${videoId}/events?key=${key}`, { headers: { 'x-forwarded-for': address, origin: ORIGIN } });
    // The address's own bucket (no credential) is spent; the key's per-address bucket is not.
    for (let i = 0; i < 5; i++) await (await fetch(`${s.url}/openapi.json`, { headers: { 'x-forwarded-for': '198.51.100.40' } })).body?.cancel();
    await assertRateLimited(await fetch(`${s.url}/openapi.json`, { headers: { 'x-forwarded-for': '198.51.100.40' } }), 'no credential');
    const ok = await watch('198.51.100.40', app.publicKey);
    assert.equal(ok.status, 200, ok.body);
    ok.close();

    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const guess = await watch('198.51.100.50', `cpk_${randomToken(40)}`);
      statuses.push(guess.status);
      guess.close();
    }
    assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
  });
});
