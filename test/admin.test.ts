// The admin API over HTTP: off without a token, 401 for a wrong one, and every tenancy operation
// (organizations, keys, credits, apps, hubs, contacts, contact tokens) with its bad inputs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { authenticateAppKey, authenticateOrgKey } from '../src/auth/index.js';
import { AppError } from '../src/http/index.js';
import { startServer, type TestServer } from './helpers/server.js';

type Body = Record<string, unknown>;

const MISSING = { org: 'org_doesnotexist000000', key: 'key_doesnotexist000000', app: 'app_doesnotexist000000', hub: 'hub_doesnotexist000000', contact: 'ct_doesnotexist0000000' };

function decodeJwt(token: string): { header: Body; payload: Body } {
  const parts = token.split('.');
  assert.equal(parts.length, 3, 'a JWT has three parts');
  const part = (p: string | undefined) => JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8')) as Body;
  return { header: part(parts[0]), payload: part(parts[1]) };
}

function assertError(res: { status: number; body: Body }, status: number, code: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.code, code);
  assert.equal(typeof res.body.error, 'string');
}

const is401 = (e: unknown) => e instanceof AppError && e.status === 401;

describe('admin API switched off', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ adminToken: null });
  });
  after(() => s.close());

  test('every admin route answers 404 when no admin token is configured, token or not', async () => {
    for (const [method, path] of [['GET', '/orgs'], ['POST', '/orgs'], ['GET', '/orgs/org_x'], ['POST', '/hubs/hub_x/contacts']] as const) {
      const res = await s.admin(method, path, method === 'POST' ? { name: 'x' } : undefined);
      assertError(res, 404, 'route_not_found');
      const bare = await fetch(`${s.url}/admin/v1${path}`, { method });
      assert.equal(bare.status, 404);
    }
  });
});

describe('admin API', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
  });
  after(() => s.close());

  const createOrg = async (body: Body = { name: 'Acme' }) => {
    const res = await s.admin('POST', '/orgs', body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as Body & { id: string; api_key: string; api_key_id: string };
  };
  const createHub = async (orgId: string) => {
    const res = await s.admin('POST', `/orgs/${orgId}/hubs`, { name: 'Community' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as Body & { id: string };
  };
  const createContact = async (hubId: string, body: Body = { name: 'Ada' }) => {
    const res = await s.admin('POST', `/hubs/${hubId}/contacts`, body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as Body & { id: string };
  };

  describe('authentication', () => {
    test('a missing admin token → 401', async () => {
      const res = await fetch(`${s.url}/admin/v1/orgs`);
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as Body).code, 'unauthorized');
    });

    test('an invalid or malformed admin token → 401, on every route', async () => {
      for (const authorization of ['Bearer not-the-token', `Bearer ${'x'.repeat(4096)}`, 'Basic dGVzdDp0ZXN0', 'Bearer', 'test-admin-token-0123456789']) {
        for (const [method, path] of [['GET', '/orgs'], ['POST', '/orgs'], ['DELETE', '/orgs/org_a/keys/key_b']] as const) {
          const res = await fetch(`${s.url}/admin/v1${path}`, { method, headers: { authorization } });
          assert.equal(res.status, 401, `${method} ${path} with ${authorization.slice(0, 20)}`);
          assert.equal(((await res.json()) as Body).code, 'unauthorized');
        }
      }
    });

    test('a header that holds no single bearer token says it is malformed, not missing', async () => {
      for (const authorization of ['Bearer test-admin-token-0123456789, Bearer test-admin-token-0123456789', 'Basic dGVzdDp0ZXN0', 'Bearer']) {
        const res = await fetch(`${s.url}/admin/v1/orgs`, { headers: { authorization } });
        assert.equal(res.status, 401);
        assert.deepEqual(await res.json(), { error: 'Malformed admin token: send one `Authorization: Bearer <token>`', code: 'unauthorized' });
      }
    });

    test('the token is checked before the body is read', async () => {
      const res = await fetch(`${s.url}/admin/v1/orgs`, { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/json' }, body: '{bad json' });
      assert.equal(res.status, 401);
    });
  });

  describe('organizations and their keys', () => {
    test('create: 201 with the key shown once, typed by key_mode', async () => {
      const org = await createOrg({ name: 'Acme', credits_micro: 250_000 });
      assert.match(org.id, /^org_[a-z0-9]+$/);
      assert.equal(org.name, 'Acme');
      assert.equal(org.credits_micro, 250_000);
      assert.match(org.api_key, /^capout_test_[A-Za-z0-9]{40}$/);
      assert.match(org.api_key_id, /^key_/);
      assert.ok(typeof org.created_at === 'string' && !Number.isNaN(Date.parse(org.created_at)));
      assert.equal((await authenticateOrgKey(s.server.ctx.storage, org.api_key)).org.id, org.id, 'the key works');

      const live = await createOrg({ name: 'Acme live', key_mode: 'live' });
      assert.match(live.api_key, /^capout_live_[A-Za-z0-9]{40}$/);
      assert.equal(live.credits_micro, 0);
      assertError(await s.admin('POST', '/orgs', { name: 'x', key_mode: 'prod' }), 400, 'invalid_request');
    });

    test('get: shows keys by display only; the full key never appears again', async () => {
      const org = await createOrg();
      const res = await s.admin('GET', `/orgs/${org.id}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.id, org.id);
      const keys = res.body.keys as Body[];
      assert.equal(keys.length, 1);
      assert.deepEqual(Object.keys(keys[0]!).sort(), ['created_at', 'display', 'id', 'mode', 'revoked_at']);
      assert.equal(keys[0]!.id, org.api_key_id);
      assert.equal(keys[0]!.mode, 'test');
      assert.equal(keys[0]!.revoked_at, null);
      assert.equal(keys[0]!.display, `${org.api_key.slice(0, 'capout_test_'.length + 4)}…`);
      const text = JSON.stringify(res.body);
      assert.ok(!text.includes(org.api_key.slice('capout_test_'.length + 4)), 'no more of the key than its display');

      const list = await s.admin('GET', '/orgs?limit=100');
      assert.equal(list.status, 200);
      assert.ok((list.body.data as Body[]).some((o) => o.id === org.id));
      assert.ok(!JSON.stringify(list.body).includes(org.api_key));
    });

    test('create and revoke keys; a revoked key answers 401 and revoking it again is 404', async () => {
      const org = await createOrg();
      const created = await s.admin('POST', `/orgs/${org.id}/keys`, { mode: 'live' });
      assert.equal(created.status, 201);
      const key = created.body as Body & { id: string; api_key: string };
      assert.match(key.api_key, /^capout_live_/);
      assert.equal(key.mode, 'live');
      assert.equal(key.revoked_at, null);
      const defaultMode = await s.admin('POST', `/orgs/${org.id}/keys`);
      assert.equal(defaultMode.status, 201, 'a POST without a body means no options');
      assert.match(String(defaultMode.body.api_key), /^capout_test_/);

      // A DELETE takes no body: an option it does not have is refused, not ignored while the key goes.
      for (const body of [{ dry_run: true }, [], 'revoke', 1]) {
        const refused = await s.admin('DELETE', `/orgs/${org.id}/keys/${key.id}`, body);
        assertError(refused, 400, 'invalid_request');
      }
      assert.equal((await authenticateOrgKey(s.server.ctx.storage, key.api_key)).org.id, org.id, 'a refused DELETE revokes nothing');

      const revoked = await s.admin('DELETE', `/orgs/${org.id}/keys/${key.id}`, {});
      assert.equal(revoked.status, 200);
      assert.deepEqual(revoked.body, { success: true });
      await assert.rejects(authenticateOrgKey(s.server.ctx.storage, key.api_key), is401);
      assert.equal((await authenticateOrgKey(s.server.ctx.storage, org.api_key)).org.id, org.id, 'the other keys still work');

      const keys = (await s.admin('GET', `/orgs/${org.id}`)).body.keys as Body[];
      assert.equal(keys.length, 3);
      assert.ok(typeof keys.find((k) => k.id === key.id)?.revoked_at === 'string');
      assertError(await s.admin('DELETE', `/orgs/${org.id}/keys/${key.id}`), 404, 'not_found');
    });

    test("another organization's key, and nonexistent ids → 404", async () => {
      const a = await createOrg({ name: 'A' });
      const b = await createOrg({ name: 'B' });
      assertError(await s.admin('DELETE', `/orgs/${a.id}/keys/${b.api_key_id}`), 404, 'not_found');
      assert.equal((await authenticateOrgKey(s.server.ctx.storage, b.api_key)).org.id, b.id, "B's key was not revoked");
      assertError(await s.admin('DELETE', `/orgs/${a.id}/keys/${MISSING.key}`), 404, 'not_found');
      assertError(await s.admin('DELETE', `/orgs/${MISSING.org}/keys/${a.api_key_id}`), 404, 'not_found');
      assertError(await s.admin('GET', `/orgs/${MISSING.org}`), 404, 'not_found');
      assertError(await s.admin('POST', `/orgs/${MISSING.org}/keys`, {}), 404, 'not_found');
      assertError(await s.admin('GET', '/orgs/bad%20id'), 400, 'invalid_request');
    });
  });

  describe('credits', () => {
    test('grants and corrections are ledger entries whose balances add up', async () => {
      const org = await createOrg({ name: 'Ledger', credits_micro: 1_000 });
      const add = await s.admin('POST', `/orgs/${org.id}/credits`, { amount_micro: 500 });
      assert.equal(add.status, 200);
      assert.deepEqual(add.body, { org_id: org.id, credits_micro: 1_500 });
      const correct = await s.admin('POST', `/orgs/${org.id}/credits`, { amount_micro: -300, reason: 'correction' });
      assert.deepEqual(correct.body, { org_id: org.id, credits_micro: 1_200 });

      assertError(await s.admin('POST', `/orgs/${org.id}/credits`, { amount_micro: -5_000 }), 400, 'invalid_request');
      assertError(await s.admin('POST', `/orgs/${org.id}/credits`, { amount_micro: 0 }), 400, 'invalid_request');
      assertError(await s.admin('POST', `/orgs/${org.id}/credits`, { amount_micro: 1.5 }), 400, 'invalid_request');
      assertError(await s.admin('POST', `/orgs/${org.id}/credits`, {}), 400, 'invalid_request');
      assertError(await s.admin('POST', `/orgs/${org.id}/credits`, { amount_micro: 1, reason: 'Not A Word!' }), 400, 'invalid_request');
      // A balance stays a number that adds up: past 2^53 micro-credits a grant is refused, the ledger untouched.
      const rich = (await s.admin('POST', '/orgs', { name: 'rich' })).body as { id: string };
      for (let i = 0; i < 9; i++) assert.equal((await s.admin('POST', `/orgs/${rich.id}/credits`, { amount_micro: 1e15 })).status, 200);
      assert.equal((await s.admin('POST', `/orgs/${rich.id}/credits`, { amount_micro: Number.MAX_SAFE_INTEGER - 9e15 })).body.credits_micro, Number.MAX_SAFE_INTEGER);
      assertError(await s.admin('POST', `/orgs/${rich.id}/credits`, { amount_micro: 1 }), 400, 'invalid_request');
      assert.equal((await s.server.ctx.storage.ledger.entries(rich.id, 100, 0)).length, 10);
      // The reasons Capstan writes for its own charges and refunds: the usage report counts them so.
      for (const reason of ['refund', 'document', 'video']) assertError(await s.admin('POST', `/orgs/${org.id}/credits`, { amount_micro: 5000, reason }), 400, 'invalid_request');
      assertError(await s.admin('POST', `/orgs/${MISSING.org}/credits`, { amount_micro: 100 }), 404, 'not_found');

      assert.equal((await s.admin('GET', `/orgs/${org.id}`)).body.credits_micro, 1_200, 'refused changes left the balance alone');
      const entries = await s.server.ctx.storage.ledger.entries(org.id, 100, 0);
      assert.deepEqual(entries.map((e) => [e.amount_micro, e.balance_after_micro, e.reason]).reverse(), [
        [1_000, 1_000, 'grant'],
        [500, 1_500, 'grant'],
        [-300, 1_200, 'correction'],
      ]);
      assert.equal(entries.reduce((sum, e) => sum + e.amount_micro, 0), 1_200);
    });
  });

  describe('apps', () => {
    test('create with allowed origins: 201 with a csk_/cpk_ pair', async () => {
      const org = await createOrg();
      const origins = ['https://app.example.com', 'http://localhost:3000', '*'];
      const res = await s.admin('POST', `/orgs/${org.id}/apps`, { name: 'Web', environment: 'production', allowed_origins: origins });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.match(String(res.body.id), /^app_/);
      assert.equal(res.body.org_id, org.id);
      assert.equal(res.body.environment, 'production');
      assert.deepEqual(res.body.allowed_origins, origins);
      assert.match(String(res.body.secret_key), /^csk_[A-Za-z0-9]{40}$/);
      assert.match(String(res.body.public_key), /^cpk_[A-Za-z0-9]{40}$/);

      // Stored as browsers send Origin: lower case, no default port; compared the same way.
      const canonical = await s.admin('POST', `/orgs/${org.id}/apps`, { name: 'Web', environment: 'production', allowed_origins: ['HTTPS://App.Example.COM:443', 'http://[::1]:8080', 'http://bücher.example'] });
      assert.equal(canonical.status, 201, JSON.stringify(canonical.body));
      assert.deepEqual(canonical.body.allowed_origins, ['https://app.example.com', 'http://[::1]:8080', 'http://xn--bcher-kva.example']);

      // Entries that are one origin once normalised are stored once, in the order first given.
      const twice = await s.admin('POST', `/orgs/${org.id}/apps`, { name: 'Web', environment: 'production', allowed_origins: ['https://a.com', 'HTTPS://A.com:443', '*', 'https://b.com', 'https://a.com', '*'] });
      assert.equal(twice.status, 201, JSON.stringify(twice.body));
      assert.deepEqual(twice.body.allowed_origins, ['https://a.com', '*', 'https://b.com']);
      const patched = await s.admin('PATCH', `/apps/${twice.body.id as string}`, { allowed_origins: ['http://c.com:8080', 'http://C.com:8080'] });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.deepEqual(patched.body.allowed_origins, ['http://c.com:8080']);
      assertError(await s.admin('PATCH', `/apps/${twice.body.id as string}`, { allowed_origins: ['https://a.com:0'] }), 400, 'invalid_request');

      const minimal = await s.admin('POST', `/orgs/${org.id}/apps`, { name: 'Dev', environment: 'development' });
      assert.equal(minimal.status, 201);
      assert.deepEqual(minimal.body.allowed_origins, []);
    });

    test('bad origins and environments → 400; a missing organization → 404', async () => {
      const org = await createOrg();
      const bad = ['ftp://files.example.com', 'https://app.example.com/path', 'app.example.com', 'https://', 'https://a b.com', ''];
      // Forms a browser never sends in Origin, so they would never match: refused, not stored.
      bad.push('http://*.a.com', 'http://b.com:99999', 'http://a.com?x', 'http://user@a.com', 'https://a.com#x', 'http://a.com;x', 'http://*', 'https://a.com:0', 'http://a.com:000');
      for (const origin of bad) {
        assertError(await s.admin('POST', `/orgs/${org.id}/apps`, { name: 'Web', environment: 'development', allowed_origins: [origin] }), 400, 'invalid_request');
      }
      for (const environment of ['staging', 'Production', '', 1]) {
        assertError(await s.admin('POST', `/orgs/${org.id}/apps`, { name: 'Web', environment }), 400, 'invalid_request');
      }
      assertError(await s.admin('POST', `/orgs/${org.id}/apps`, { name: 'Web' }), 400, 'invalid_request');
      assertError(await s.admin('POST', `/orgs/${MISSING.org}/apps`, { name: 'Web', environment: 'development' }), 404, 'not_found');
    });

    test('regenerate-keys issues a new pair and revokes the old one at once', async () => {
      const org = await createOrg();
      const app = (await s.admin('POST', `/orgs/${org.id}/apps`, { name: 'Web', environment: 'development' })).body as Body & { id: string; secret_key: string; public_key: string };
      const storage = s.server.ctx.storage;
      assert.equal((await authenticateAppKey(storage, app.secret_key, 'secret')).app.id, app.id);

      const res = await s.admin('POST', `/apps/${app.id}/regenerate-keys`);
      assert.equal(res.status, 200);
      const pair = res.body as { app_id: string; secret_key: string; public_key: string };
      assert.equal(pair.app_id, app.id);
      assert.match(pair.secret_key, /^csk_/);
      assert.match(pair.public_key, /^cpk_/);
      assert.notEqual(pair.secret_key, app.secret_key);
      assert.notEqual(pair.public_key, app.public_key);
      await assert.rejects(authenticateAppKey(storage, app.secret_key, 'secret'), is401);
      await assert.rejects(authenticateAppKey(storage, app.public_key, 'public'), is401);
      assert.equal((await authenticateAppKey(storage, pair.secret_key, 'secret')).app.id, app.id);
      assert.equal((await authenticateAppKey(storage, pair.public_key, 'public')).app.id, app.id);

      assertError(await s.admin('POST', `/apps/${MISSING.app}/regenerate-keys`), 404, 'not_found');
      assertError(await s.admin('POST', `/apps/${app.id}/regenerate-keys`, { extra: true }), 400, 'invalid_request');
    });
  });

  describe('hubs, contacts and contact tokens', () => {
    test('create a hub and contacts', async () => {
      const org = await createOrg();
      const hub = await createHub(org.id);
      assert.match(hub.id, /^hub_/);
      assert.equal(hub.org_id, org.id);
      assert.equal(hub.name, 'Community');
      const member = await createContact(hub.id);
      assert.match(member.id, /^ct_/);
      assert.equal(member.hub_id, hub.id);
      assert.equal(member.role, 'member');
      assert.equal(member.status, 'active');
      const moderator = await createContact(hub.id, { name: 'Grace', role: 'moderator' });
      assert.equal(moderator.role, 'moderator');

      assertError(await s.admin('POST', `/hubs/${hub.id}/contacts`, { name: 'X', role: 'owner' }), 400, 'invalid_request');
      assertError(await s.admin('POST', `/orgs/${MISSING.org}/hubs`, { name: 'Nope' }), 404, 'not_found');
      assertError(await s.admin('POST', `/hubs/${MISSING.hub}/contacts`, { name: 'Nope' }), 404, 'not_found');
    });

    test('a contact token is a JWT naming the contact and its hub', async () => {
      const org = await createOrg();
      const hub = await createHub(org.id);
      const contact = await createContact(hub.id);
      const minted = Date.now();
      const res = await s.admin('POST', `/hubs/${hub.id}/contacts/${contact.id}/tokens`, { ttl_seconds: 600 });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.token_type, 'Bearer');
      const token = String(res.body.access_token);
      const { header, payload } = decodeJwt(token);
      assert.equal(header.alg, 'HS256');
      assert.equal(payload.sub, contact.id);
      assert.equal(payload.hub_id, hub.id);
      assert.equal(payload.aud, 'contact');
      // exp is the first whole second at least 600 s after the mint; iat is the mint's second.
      assert.ok(Number(payload.exp) * 1000 >= minted + 600_000);
      assert.ok([600, 601].includes(Number(payload.exp) - Number(payload.iat)), `exp - iat = ${Number(payload.exp) - Number(payload.iat)}`);
      assert.equal(Date.parse(String(res.body.expires_at)), Number(payload.exp) * 1000);
      const verified = await s.server.ctx.tokens.verify('contact', token);
      assert.equal(verified.subject, contact.id);

      const byDefault = await s.admin('POST', `/hubs/${hub.id}/contacts/${contact.id}/tokens`);
      assert.equal(byDefault.status, 201);
      const p = decodeJwt(String(byDefault.body.access_token)).payload;
      assert.ok([0, 1].includes(Number(p.exp) - Number(p.iat) - s.config.contactTokenTtlSeconds));
    });

    test('ttl_seconds out of range → 400', async () => {
      const org = await createOrg();
      const hub = await createHub(org.id);
      const contact = await createContact(hub.id);
      for (const ttl_seconds of [0, -1, 2_592_001, 1.5, 'soon']) {
        assertError(await s.admin('POST', `/hubs/${hub.id}/contacts/${contact.id}/tokens`, { ttl_seconds }), 400, 'invalid_request');
      }
      const max = await s.admin('POST', `/hubs/${hub.id}/contacts/${contact.id}/tokens`, { ttl_seconds: 2_592_000 });
      assert.equal(max.status, 201);
    });

    test("another hub's or organization's contact, and nonexistent ids → 404", async () => {
      const orgA = await createOrg({ name: 'A' });
      const orgB = await createOrg({ name: 'B' });
      const hubA = await createHub(orgA.id);
      const hubA2 = await createHub(orgA.id);
      const hubB = await createHub(orgB.id);
      const contactB = await createContact(hubB.id);
      const contactA2 = await createContact(hubA2.id);
      assertError(await s.admin('POST', `/hubs/${hubA.id}/contacts/${contactB.id}/tokens`, {}), 404, 'not_found');
      assertError(await s.admin('POST', `/hubs/${hubA.id}/contacts/${contactA2.id}/tokens`, {}), 404, 'not_found');
      assertError(await s.admin('POST', `/hubs/${hubA.id}/contacts/${MISSING.contact}/tokens`, {}), 404, 'not_found');
      assertError(await s.admin('POST', `/hubs/${MISSING.hub}/contacts/${contactB.id}/tokens`, {}), 404, 'not_found');
    });
  });

  describe('names and bodies', () => {
    const namedRoutes = async () => {
      const org = await createOrg();
      const hub = await createHub(org.id);
      return [
        ['/orgs', {}],
        [`/orgs/${org.id}/hubs`, {}],
        [`/orgs/${org.id}/apps`, { environment: 'development' }],
        [`/hubs/${hub.id}/contacts`, {}],
      ] as const;
    };

    test('names with SQL metacharacters are stored verbatim', async () => {
      const names = [`Robert'); DROP TABLE orgs;--`, `" OR 1=1 --`, '% _ \\ ` $1 ? ;', "O'Brien & Sons <b>"];
      for (const name of names) {
        const org = await createOrg({ name });
        assert.equal(org.name, name);
        assert.equal((await s.admin('GET', `/orgs/${org.id}`)).body.name, name);
        const hub = await s.admin('POST', `/orgs/${org.id}/hubs`, { name });
        assert.equal(hub.body.name, name);
        const contact = await s.admin('POST', `/hubs/${String(hub.body.id)}/contacts`, { name });
        assert.equal(contact.body.name, name);
      }
      assert.equal((await s.admin('GET', '/orgs?limit=100')).status, 200, 'the orgs table is still there');
    });

    test('control characters → 400', async () => {
      for (const [path, extra] of await namedRoutes()) {
        for (const name of ['line\nbreak', 'nul\u0000byte', 'tab\there', 'bell\u0007', 'del\u007f', '\u001b[31mred', 'next\u0085line', 'csi\u009b31m']) {
          assertError(await s.admin('POST', path, { ...extra, name }), 400, 'invalid_request');
        }
      }
    });

    test('201 characters → 400; 200 characters of multi-byte unicode are accepted', async () => {
      for (const [path, extra] of await namedRoutes()) {
        assertError(await s.admin('POST', path, { ...extra, name: 'a'.repeat(201) }), 400, 'invalid_request');
        assertError(await s.admin('POST', path, { ...extra, name: 'é'.repeat(201) }), 400, 'invalid_request');
        for (const name of ['é'.repeat(200), '团'.repeat(200), '🚀'.repeat(200)]) {
          const res = await s.admin('POST', path, { ...extra, name });
          assert.equal(res.status, 201, `${path}: ${name.slice(0, 4)}… ${JSON.stringify(res.body).slice(0, 200)}`);
          assert.equal(res.body.name, name);
        }
      }
    });

    test('empty, blank or missing names → 400', async () => {
      for (const [path, extra] of await namedRoutes()) {
        for (const body of [{ name: '' }, { name: '   ' }, {}, { name: { first: 'x' } }]) {
          assertError(await s.admin('POST', path, { ...extra, ...body }), 400, 'invalid_request');
        }
      }
    });

    test('unknown body properties → 400', async () => {
      const org = await createOrg();
      const hub = await createHub(org.id);
      const contact = await createContact(hub.id);
      const cases: [string, Body][] = [
        ['/orgs', { name: 'x', admin: true }],
        [`/orgs/${org.id}/keys`, { mode: 'test', scope: 'all' }],
        [`/orgs/${org.id}/credits`, { amount_micro: 1, currency: 'usd' }],
        [`/orgs/${org.id}/apps`, { name: 'x', environment: 'development', allowed_origins: [], secret_key: 'csk_mine' }],
        [`/orgs/${org.id}/hubs`, { name: 'x', org_id: 'org_other' }],
        [`/hubs/${hub.id}/contacts`, { name: 'x', status: 'banned' }],
        [`/hubs/${hub.id}/contacts/${contact.id}/tokens`, { ttl_seconds: 60, sub: 'someone_else' }],
      ];
      for (const [path, body] of cases) {
        const res = await s.admin('POST', path, body);
        assertError(res, 400, 'invalid_request');
        assert.match(String(res.body.error), /unknown property/);
      }
    });
  });
});
