// Console sessions over HTTP: signing in with the admin token sets the cookie, the cookie opens every
// admin route (writes only with the CSRF token from the console's own origin), a forged, expired or
// signed-out cookie is refused, the admin token still works beside it, and a session opened on one
// node is accepted (and ended) on another sharing its PostgreSQL database.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';

type Body = Record<string, unknown>;

interface Answer {
  readonly status: number;
  readonly body: Body;
  readonly headers: Headers;
}

async function call(url: string, method: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Body) : {}, headers: res.headers };
}

function assertError(res: Answer, status: number, code: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.code, code, JSON.stringify(res.body));
  assert.equal(typeof res.body.error, 'string');
}

interface SignedIn {
  readonly cookie: string;
  readonly csrf: string;
  readonly setCookie: string;
  readonly body: Body;
}

async function signIn(url: string, token = ADMIN_TOKEN): Promise<SignedIn> {
  const res = await call(`${url}/admin/v1/session`, 'POST', {}, { token });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const setCookie = res.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0] ?? '';
  return { cookie, csrf: String(res.body.csrf_token), setCookie, body: res.body };
}

describe('console sessions', () => {
  let s: TestServer;
  let session: SignedIn;
  const admin = (path: string) => `${s.url}/admin/v1${path}`;

  before(async () => {
    s = await startServer();
    session = await signIn(s.url);
  });
  after(() => s.close());

  test('signing in sets an HttpOnly, SameSite=Strict cookie for the session lifetime and a day and answers its expiry and CSRF token', () => {
    assert.match(session.setCookie, /^capstan_console=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=90000$/);
    assert.deepEqual(Object.keys(session.body).sort(), ['csrf_token', 'expires_at']);
    assert.match(session.csrf, /^[A-Za-z0-9_-]{43}$/);
    const expires = Date.parse(String(session.body.expires_at));
    assert.ok(Math.abs(expires - (Date.now() + 3600_000)) < 60_000, 'expires an hour from now');
    assert.equal(new Date(expires).toISOString(), session.body.expires_at);
  });

  test('the session is stored by digest only: neither the cookie value nor the CSRF token is in the database', async () => {
    const rows = await s.server.ctx.storage.db.selectFrom('console_sessions').selectAll().execute();
    assert.ok(rows.length >= 1);
    const value = session.cookie.slice('capstan_console='.length);
    const dump = JSON.stringify(rows);
    assert.ok(!dump.includes(value) && !dump.includes(session.csrf));
  });

  test('over https (X-Forwarded-Proto from a trusted proxy) the cookie is also Secure', async () => {
    const proxied = await startServer({ trustProxy: ['127.0.0.1'] });
    try {
      const res = await call(`${proxied.url}/admin/v1/session`, 'POST', { 'x-forwarded-proto': 'https' }, { token: ADMIN_TOKEN });
      assert.equal(res.status, 201);
      assert.match(res.headers.get('set-cookie') ?? '', /; HttpOnly; SameSite=Strict; Max-Age=90000; Secure$/);
      // From an untrusted peer the header means nothing.
      const direct = await call(`${s.url}/admin/v1/session`, 'POST', { 'x-forwarded-proto': 'https' }, { token: ADMIN_TOKEN });
      assert.doesNotMatch(direct.headers.get('set-cookie') ?? '', /Secure/);
    } finally {
      await proxied.close();
    }
  });

  test('a wrong token is 401 unauthorized and sets no cookie', async () => {
    for (const token of ['wrong', `${ADMIN_TOKEN}x`, ADMIN_TOKEN.slice(0, -1)]) {
      const res = await call(admin('/session'), 'POST', {}, { token });
      assertError(res, 401, 'unauthorized');
      assert.equal(res.headers.get('set-cookie'), null);
    }
  });

  test('a missing, empty, oversized or non-string token, an unknown field or a non-JSON body is 400', async () => {
    for (const body of [{}, { token: '' }, { token: 'x'.repeat(4097) }, { token: 42 }, { token: null }, { token: ['a'] }, { token: ADMIN_TOKEN, remember: true }, []]) {
      assertError(await call(admin('/session'), 'POST', {}, body), 400, 'invalid_request');
    }
    assertError(await call(admin('/session'), 'POST', {}, '{"token":'), 400, 'malformed_json');
    const plain = await fetch(admin('/session'), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: ADMIN_TOKEN });
    assert.equal(plain.status, 415);
  });

  test('GET /session gives the expiry and CSRF token back to a reloaded page', async () => {
    const res = await call(admin('/session'), 'GET', { cookie: session.cookie });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, session.body);
    assertError(await call(admin('/session'), 'GET'), 401, 'unauthorized');
    assertError(await call(admin('/session'), 'GET', { cookie: 'capstan_console=nope' }), 401, 'unauthorized');
    assertError(await call(admin('/session'), 'GET', { authorization: `Bearer ${ADMIN_TOKEN}` }), 401, 'unauthorized');
  });

  test('the cookie opens admin reads', async () => {
    const res = await call(admin('/orgs'), 'GET', { cookie: session.cookie });
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.body.data));
    const other = await call(admin('/orgs'), 'GET', { cookie: `theme=dark; ${session.cookie}; lang=en` });
    assert.equal(other.status, 200, 'found among other cookies');
    // A proxy in front that asks for Basic credentials passes them on: not Capstan's, the cookie speaks.
    const behindBasic = await call(admin('/orgs'), 'GET', { cookie: session.cookie, authorization: 'Basic b3BzOnB3' });
    assert.equal(behindBasic.status, 200, 'a Basic Authorization does not hide the cookie');
  });

  test('a write with the cookie needs the CSRF token, and an Origin (when sent) that is the server\'s own', async () => {
    const body = { name: 'Console Org' };
    assertError(await call(admin('/orgs'), 'POST', { cookie: session.cookie }, body), 403, 'csrf_failed');
    assertError(await call(admin('/orgs'), 'POST', { cookie: session.cookie, 'x-csrf-token': 'x'.repeat(43) }, body), 403, 'csrf_failed');
    assertError(await call(admin('/orgs'), 'POST', { cookie: session.cookie, 'x-csrf-token': '' }, body), 403, 'csrf_failed');
    // A value with a trailing slash, a path or a user is no browser's Origin, though a URL parser finds the server's own in it.
    const lookalikes = [`${s.url}/`, `${s.url}/console`, s.url.replace('://', '://evil.example@')];
    for (const origin of ['https://evil.example', 'null', s.url.replace('127.0.0.1', 'localhost'), s.url.replace('http:', 'https:'), ...lookalikes]) {
      assertError(await call(admin('/orgs'), 'POST', { cookie: session.cookie, 'x-csrf-token': session.csrf, origin }, body), 403, 'csrf_failed');
    }
    const own = await call(admin('/orgs'), 'POST', { cookie: session.cookie, 'x-csrf-token': session.csrf, origin: s.url }, body);
    assert.equal(own.status, 201, JSON.stringify(own.body));
    const noOrigin = await call(admin('/orgs'), 'POST', { cookie: session.cookie, 'x-csrf-token': session.csrf }, body);
    assert.equal(noOrigin.status, 201, 'a client that sends no Origin is not a cross-site browser request');
    const orgId = String(own.body.id);
    // DELETE is a write too; the file lock route of the organizer is behind the same guard.
    const key = String(own.body.api_key_id);
    assertError(await call(admin(`/orgs/${orgId}/keys/${key}`), 'DELETE', { cookie: session.cookie }), 403, 'csrf_failed');
    assertError(await call(admin(`/orgs/${orgId}/files/file_x/lock`), 'PUT', { cookie: session.cookie }, { locked: true }), 403, 'csrf_failed');
    const revoked = await call(admin(`/orgs/${orgId}/keys/${key}`), 'DELETE', { cookie: session.cookie, 'x-csrf-token': session.csrf, origin: s.url });
    assert.equal(revoked.status, 200);
  });

  test('the other session\'s CSRF token does not pass', async () => {
    const second = await signIn(s.url);
    assert.notEqual(second.csrf, session.csrf);
    assertError(await call(admin('/orgs'), 'POST', { cookie: session.cookie, 'x-csrf-token': second.csrf }, { name: 'x' }), 403, 'csrf_failed');
  });

  test('a forged or malformed cookie is 401 unauthorized', async () => {
    const real = session.cookie.slice('capstan_console='.length);
    const altered = real.slice(0, -1) + (real.endsWith('A') ? 'B' : 'A');
    for (const value of ['A'.repeat(43), 'short', '', 'A'.repeat(42) + '!', altered, `${real}x`]) {
      assertError(await call(admin('/orgs'), 'GET', { cookie: `capstan_console=${value}` }), 401, 'unauthorized');
    }
    const missing = await call(admin('/orgs'), 'GET', { cookie: 'theme=dark' });
    assertError(missing, 401, 'unauthorized');
    assert.equal(missing.body.error, 'Missing admin token');
    assertError(await call(admin('/orgs'), 'GET'), 401, 'unauthorized');
  });

  test('the admin token still works, and a Bearer header wins over a cookie', async () => {
    assert.equal((await call(admin('/orgs'), 'GET', { authorization: `Bearer ${ADMIN_TOKEN}` })).status, 200);
    assert.equal((await call(admin('/orgs'), 'POST', { authorization: `Bearer ${ADMIN_TOKEN}` }, { name: 'Bearer' })).status, 201, 'no CSRF token needed');
    assertError(await call(admin('/orgs'), 'GET', { authorization: 'Bearer wrong', cookie: session.cookie }), 401, 'unauthorized');
    assert.equal((await call(admin('/orgs'), 'POST', { authorization: `Bearer ${ADMIN_TOKEN}`, cookie: 'capstan_console=forged' }, { name: 'b' })).status, 201);
  });

  test('signing out needs the CSRF token, clears the cookie, and the old cookie is refused afterwards', async () => {
    const mine = await signIn(s.url);
    assertError(await call(admin('/session'), 'DELETE', { cookie: mine.cookie }), 403, 'csrf_failed');
    assertError(await call(admin('/session'), 'DELETE', { cookie: mine.cookie, 'x-csrf-token': mine.csrf, origin: 'https://evil.example' }), 403, 'csrf_failed');
    assertError(await call(admin('/session'), 'DELETE'), 401, 'unauthorized');
    const out = await call(admin('/session'), 'DELETE', { cookie: mine.cookie, 'x-csrf-token': mine.csrf, origin: s.url });
    assert.equal(out.status, 200);
    assert.deepEqual(out.body, { success: true });
    assert.equal(out.headers.get('set-cookie'), 'capstan_console=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
    assertError(await call(admin('/orgs'), 'GET', { cookie: mine.cookie }), 401, 'unauthorized');
    assertError(await call(admin('/session'), 'GET', { cookie: mine.cookie }), 401, 'unauthorized');
    assertError(await call(admin('/session'), 'DELETE', { cookie: mine.cookie, 'x-csrf-token': mine.csrf }), 401, 'unauthorized');
    assert.equal((await call(admin('/orgs'), 'GET', { cookie: session.cookie })).status, 200, 'other sessions go on');
  });

  test('signing out ends the live streams the session opened (another tab stops receiving), and only those', async () => {
    const tab = await signIn(s.url);
    const other = await signIn(s.url);
    const streams = await Promise.all(['/live/system', '/live/events?org_id=org_nothing_here_0000'].map((path) => fetch(admin(path), { headers: { cookie: tab.cookie } })));
    const kept = new AbortController();
    const keptStream = await fetch(admin('/live/system'), { headers: { cookie: other.cookie }, signal: kept.signal });
    assert.equal(keptStream.status, 200);
    const live = streams.filter((r) => r.status === 200);
    assert.ok(live.length >= 1);
    const out = await call(admin('/session'), 'DELETE', { cookie: tab.cookie, 'x-csrf-token': tab.csrf, origin: s.url });
    assert.equal(out.status, 200);
    for (const res of live) {
      const text = await res.text(); // the server ends the stream within its recheck period
      assert.match(text, /event: stream\.expired\ndata: \{[^\n]*"reason":"signed_out"/);
    }
    // The other session's stream goes on.
    const reader = keptStream.body!.getReader();
    assert.doesNotMatch(new TextDecoder().decode((await reader.read()).value), /stream\.expired/);
    kept.abort();
  });

  test('wrong methods on /session are 405', async () => {
    const res = await call(admin('/session'), 'PUT', {}, { token: ADMIN_TOKEN });
    assertError(res, 405, 'method_not_allowed');
    assert.deepEqual((res.headers.get('allow') ?? '').split(', ').sort(), ['DELETE', 'GET', 'HEAD', 'POST']);
  });
});

describe('console sessions expire', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ consoleSessionTtlSeconds: 2 });
  });
  after(() => s.close());

  test('past its absolute expiry a session is 401 session_expired, and unknown once the cleanup removed it', async () => {
    const session = await signIn(s.url);
    // The cookie outlives the session by a day: a browser still sends it after the expiry, so the
    // answer can say the session expired rather than that there is none.
    assert.match(session.setCookie, /Max-Age=86402$/);
    assert.equal((await call(`${s.url}/admin/v1/orgs`, 'GET', { cookie: session.cookie })).status, 200);
    await new Promise((r) => setTimeout(r, 2500));
    assertError(await call(`${s.url}/admin/v1/orgs`, 'GET', { cookie: session.cookie }), 401, 'session_expired');
    assertError(await call(`${s.url}/admin/v1/session`, 'GET', { cookie: session.cookie }), 401, 'session_expired');
    assertError(await call(`${s.url}/admin/v1/orgs`, 'POST', { cookie: session.cookie, 'x-csrf-token': session.csrf }, { name: 'late' }), 401, 'session_expired');
    assert.equal(await s.server.ctx.storage.cleanup.deleteExpiredConsoleSessions(new Date().toISOString(), 10), 1);
    assertError(await call(`${s.url}/admin/v1/orgs`, 'GET', { cookie: session.cookie }), 401, 'unauthorized');
  });

  test('an admin stream opened with a session ends with stream.expired when the session does; one opened with the token does not', async () => {
    const session = await signIn(s.url);
    const res = await fetch(`${s.url}/admin/v1/live/system`, { headers: { cookie: session.cookie } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const text = await res.text(); // the server ends the stream
    assert.match(text, /event: stream\.expired\ndata: \{[^\n]*"reason":"token_expired"/);
    const byToken = new AbortController();
    const tokenStream = await fetch(`${s.url}/admin/v1/live/system`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: byToken.signal });
    const reader = tokenStream.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.doesNotMatch(first, /stream\.expired/);
    byToken.abort();
  });
});

describe('console sign-in under the auth-failure limit', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ rateLimitPerMinute: 1000, authFailuresPerMinute: 3 });
  });
  after(() => s.close());

  test('wrong tokens count as failed authentications of the address: past the limit sign-in is 429, even with the right token', async () => {
    const url = `${s.url}/admin/v1/session`;
    for (let i = 0; i < 3; i++) assertError(await call(url, 'POST', {}, { token: `guess-${i}` }), 401, 'unauthorized');
    const refused = await call(url, 'POST', {}, { token: 'guess-3' });
    assertError(refused, 429, 'rate_limited');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1, 'Retry-After says when to come back');
    const right = await call(url, 'POST', {}, { token: ADMIN_TOKEN });
    assertError(right, 429, 'rate_limited');
    assert.equal(right.headers.get('set-cookie'), null, 'no session is opened while the address is refused');
    // The same bucket as a wrong key in a header: that is refused too.
    assertError(await call(`${s.url}/admin/v1/orgs`, 'GET', { authorization: 'Bearer another-guess' }), 429, 'rate_limited');
  });
});

describe('console sessions with the admin API off', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ adminToken: null });
  });
  after(() => s.close());

  test('/admin/v1/session does not exist, whatever the method or body', async () => {
    for (const [method, body] of [['POST', { token: ADMIN_TOKEN }], ['POST', { token: '' }], ['GET', undefined], ['DELETE', undefined], ['PUT', undefined]] as const) {
      assertError(await call(`${s.url}/admin/v1/session`, method, {}, body), 404, 'route_not_found');
    }
  });
});

describe('console sessions across nodes sharing PostgreSQL', () => {
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    db = await createTestDatabase();
    a = await startServer({ databaseUrl: db.url });
    b = await startServer({ databaseUrl: db.url });
  });
  after(async () => {
    await a.close();
    await b.close();
    await db.drop();
  });

  test('a session opened on one node works on the other, and signing out on one ends it on both', async () => {
    const session = await signIn(a.url);
    assert.equal((await call(`${b.url}/admin/v1/orgs`, 'GET', { cookie: session.cookie })).status, 200);
    const got = await call(`${b.url}/admin/v1/session`, 'GET', { cookie: session.cookie });
    assert.deepEqual(got.body, session.body, 'the CSRF token is the same on every node');
    const created = await call(`${b.url}/admin/v1/orgs`, 'POST', { cookie: session.cookie, 'x-csrf-token': session.csrf, origin: b.url }, { name: 'Cluster' });
    assert.equal(created.status, 201);
    const out = await call(`${b.url}/admin/v1/session`, 'DELETE', { cookie: session.cookie, 'x-csrf-token': session.csrf });
    assert.equal(out.status, 200);
    assertError(await call(`${a.url}/admin/v1/orgs`, 'GET', { cookie: session.cookie }), 401, 'unauthorized');
  });
});
