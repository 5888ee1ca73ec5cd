// The developer REST and SDK APIs of seed 003 through a real server: key kinds, origins, create,
// list / get / status / soft delete, usage, pagination and its bad input.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';
import { call, createVideo, makeApp, type TestApp } from '../helpers/videos.js';

describe('developer video API', () => {
  let ts: TestServer;
  let app: TestApp;

  before(async () => {
    ts = await startServer();
    app = await makeApp(ts);
  });
  after(() => ts.close());

  test('create answers the seed shape; the video then reads back through the REST API', async () => {
    const created = await app.sdk('/videos/create', { name: 'Product Demo', userId: 'user_42', metadata: { plan: 'pro', n: 1 } });
    assert.equal(created.status, 200);
    assert.deepEqual(Object.keys(created.body).sort(), ['embedUrl', 's3Key', 'shareUrl', 'videoId']);
    const id = created.body.videoId as string;
    assert.match(id, /^[a-z0-9]{12}$/);
    assert.equal(created.body.s3Key, `developer/${app.id}/${id}/result.mp4`);
    assert.equal(created.body.shareUrl, `${ts.url}/dev/${id}`);
    assert.equal(created.body.embedUrl, `${ts.url}/embed/${id}?sdk=1`);

    const got = await app.rest('GET', `/videos/${id}`);
    assert.equal(got.status, 200);
    const video = got.body.data as Record<string, unknown>;
    assert.deepEqual(Object.keys(video).sort(), ['appId', 'createdAt', 'deletedAt', 'duration', 'externalUserId', 'fps', 'height', 'id', 'metadata', 'name', 's3Key', 'transcriptionStatus', 'updatedAt', 'width'].sort());
    assert.equal(video.id, id);
    assert.equal(video.appId, app.id);
    assert.equal(video.externalUserId, 'user_42');
    assert.equal(video.name, 'Product Demo');
    assert.deepEqual(video.metadata, { plan: 'pro', n: 1 });
    assert.equal(video.duration, null);
    assert.equal(video.width, null);
    assert.equal(video.transcriptionStatus, null);
    assert.equal(video.deletedAt, null);
    assert.match(video.createdAt as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const status = await app.rest('GET', `/videos/${id}/status`);
    assert.deepEqual(status.body, { data: { id, duration: null, width: null, height: null, transcriptionStatus: null, ready: false } });
  });

  test('create without a body or name: "Untitled", no user, no metadata', async () => {
    const res = await fetch(`${ts.url}/api/developer/sdk/v1/videos/create`, { method: 'POST', headers: { authorization: `Bearer ${app.publicKey}` } });
    assert.equal(res.status, 200);
    const id = ((await res.json()) as { videoId: string }).videoId;
    const video = (await app.rest('GET', `/videos/${id}`)).body.data as Record<string, unknown>;
    assert.equal(video.name, 'Untitled');
    assert.equal(video.externalUserId, null);
    assert.equal(video.metadata, null);
  });

  test('create refuses bad fields', async () => {
    assert.equal((await app.sdk('/videos/create', { name: '' })).status, 400);
    assert.equal((await app.sdk('/videos/create', { metadata: [1, 2] })).status, 400);
    assert.equal((await app.sdk('/videos/create', { metadata: { big: 'x'.repeat(20_000) } })).status, 400);
    assert.equal((await app.sdk('/videos/create', { colour: 'red' })).status, 400);
  });

  test('402 below 5,000 micro-credits; exactly 5,000 is enough', async () => {
    const poor = await makeApp(ts, { creditsMicro: 4_999 });
    const refused = await poor.sdk('/videos/create', { name: 'x' });
    assert.equal(refused.status, 402);
    assert.equal(refused.body.code, 'payment_required');
    assert.equal(typeof refused.body.error, 'string');
    const enough = await makeApp(ts, { creditsMicro: 5_000 });
    assert.equal((await enough.sdk('/videos/create', {})).status, 200);
  });

  test('key kinds: csk_ only on the REST API, cpk_ only on the SDK API; missing, unknown and revoked keys are 401', async () => {
    const restUrl = `${ts.url}/api/developer/v1/videos`;
    const sdkUrl = `${ts.url}/api/developer/sdk/v1/videos/create`;
    assert.equal((await call(restUrl, 'GET', app.publicKey)).status, 401);
    assert.equal((await call(sdkUrl, 'POST', app.secretKey, {})).status, 401);
    assert.equal((await call(restUrl, 'GET', undefined)).status, 401);
    assert.equal((await call(restUrl, 'GET', 'csk_' + 'A'.repeat(40))).status, 401);
    assert.equal((await call(`${ts.url}/api/developer/v1/usage`, 'GET', 'not-a-key')).status, 401);

    const other = await makeApp(ts);
    assert.equal((await other.rest('GET', '/videos')).status, 200);
    const regenerated = await ts.admin('POST', `/apps/${other.id}/regenerate-keys`);
    assert.equal(regenerated.status, 200);
    const revokedRest = await other.rest('GET', '/videos');
    assert.equal(revokedRest.status, 401);
    assert.equal(revokedRest.body.code, 'unauthorized');
    assert.equal((await other.sdk('/videos/create', {})).status, 401);
    assert.equal((await call(restUrl, 'GET', regenerated.body.secret_key as string)).status, 200);
  });

  test('auth comes before validation: a bad body without a key is 401', async () => {
    assert.equal((await call(`${ts.url}/api/developer/sdk/v1/upload/multipart/presign-part`, 'POST', undefined, { partNumber: 0 })).status, 401);
  });

  test('production apps check Origin against their allow-list (403); development apps do not', async () => {
    const prod = await makeApp(ts, { environment: 'production', allowedOrigins: ['https://app.example.com', 'http://localhost:3000'] });
    assert.equal((await prod.sdk('/videos/create', {}, { origin: 'https://app.example.com' })).status, 200);
    assert.equal((await prod.sdk('/videos/create', {}, { origin: 'http://localhost:3000' })).status, 200);
    assert.equal((await prod.sdk('/videos/create', {}, { origin: 'HTTPS://APP.EXAMPLE.COM:443' })).status, 200);
    const wrong = await prod.sdk('/videos/create', {}, { origin: 'https://evil.example.com' });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.code, 'origin_not_allowed');
    assert.equal((await prod.sdk('/videos/create', {}, { origin: 'https://app.example.com.evil.com' })).status, 403);
    assert.equal((await prod.sdk('/videos/create', {}, { origin: 'null' })).status, 403);
    // Only an origin as a browser sends it matches: not one with a trailing slash, a path or a user.
    for (const origin of ['https://app.example.com/', 'https://app.example.com/page', 'https://evil.example@app.example.com', 'https://app.example.com:443/']) {
      const lookalike = await prod.sdk('/videos/create', {}, { origin });
      assert.deepEqual([lookalike.status, lookalike.body.code], [403, 'origin_not_allowed'], origin);
    }
    assert.equal((await prod.sdk('/videos/create', {})).status, 403, 'no Origin at all');
    // The REST API is server-side: its secret key needs no Origin.
    assert.equal((await prod.rest('GET', '/videos')).status, 200);

    const any = await makeApp(ts, { environment: 'production', allowedOrigins: ['*'] });
    assert.equal((await any.sdk('/videos/create', {}, { origin: 'https://anywhere.example' })).status, 200);
    const dev = await makeApp(ts, { environment: 'development', allowedOrigins: ['https://app.example.com'] });
    assert.equal((await dev.sdk('/videos/create', {}, { origin: 'https://evil.example.com' })).status, 200);
    assert.equal((await dev.sdk('/videos/create', {})).status, 200);
  });

  test("another app's video is 404, even in the same organization; unknown ids are 404", async () => {
    const id = await createVideo(app);
    const sibling = await makeApp(ts, { orgId: app.orgId });
    for (const path of [`/videos/${id}`, `/videos/${id}/status`]) {
      const r = await sibling.rest('GET', path);
      assert.equal(r.status, 404);
      assert.equal(r.body.error, 'Video not found');
    }
    assert.equal((await sibling.rest('DELETE', `/videos/${id}`)).status, 404);
    assert.equal((await sibling.sdk('/upload/multipart/initiate', { videoId: id })).status, 404);
    assert.equal((await app.rest('GET', '/videos/abc123def456')).status, 404);
    assert.equal((await app.rest('GET', '/videos/bad%20id')).status, 400);
    const list = await sibling.rest('GET', '/videos');
    assert.deepEqual(list.body, { data: [] });
  });

  test('soft delete: {success: true}; the video leaves list, get, status and its pages', async () => {
    const id = await createVideo(app, { name: 'to delete' });
    const deleted = await app.rest('DELETE', `/videos/${id}`);
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body, { success: true });
    assert.equal((await app.rest('GET', `/videos/${id}`)).status, 404);
    assert.equal((await app.rest('GET', `/videos/${id}/status`)).status, 404);
    assert.equal((await app.rest('DELETE', `/videos/${id}`)).status, 404);
    const listed = (await app.rest('GET', '/videos?limit=100')).body.data as { id: string }[];
    assert.ok(!listed.some((v) => v.id === id));
    assert.equal((await fetch(`${ts.url}/dev/${id}`)).status, 404);
    assert.equal((await fetch(`${ts.url}/embed/${id}?sdk=1`)).status, 404);
  });

  test('list: newest first, userId filter, limit and offset paginate to a short page', async () => {
    const fresh = await makeApp(ts);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await createVideo(fresh, { name: `v${i}`, userId: i % 2 === 0 ? 'even' : 'odd' }));
    const all = (await fresh.rest('GET', '/videos')).body.data as { id: string; createdAt: string }[];
    assert.deepEqual(all.map((v) => v.id).sort(), [...ids].sort());
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1]!.createdAt >= all[i]!.createdAt, 'newest first');
    const even = (await fresh.rest('GET', '/videos?userId=even')).body.data as { id: string; externalUserId: string }[];
    assert.deepEqual(even.map((v) => v.id).sort(), [ids[0], ids[2], ids[4]].sort());
    const seen: string[] = [];
    for (let offset = 0; ; offset += 2) {
      const page = (await fresh.rest('GET', `/videos?limit=2&offset=${offset}`)).body.data as { id: string }[];
      seen.push(...page.map((v) => v.id));
      if (page.length < 2) break;
    }
    assert.deepEqual(seen, all.map((v) => v.id));
    assert.deepEqual((await fresh.rest('GET', '/videos?offset=50')).body, { data: [] });
  });

  test('bad pagination: limit 0, -1, 1000 and "abc", offset -1 are 400', async () => {
    for (const query of ['limit=0', 'limit=-1', 'limit=1000', 'limit=abc', 'limit=101', 'offset=-1', 'offset=x']) {
      const r = await app.rest('GET', `/videos?${query}`);
      assert.equal(r.status, 400, query);
      assert.equal(r.body.code, 'invalid_request', query);
    }
    assert.equal((await app.rest('GET', '/videos?limit=100')).status, 200);
  });

  test('usage: balance in micro-credits and dollars, totals of live videos', async () => {
    const fresh = await makeApp(ts, { creditsMicro: 500_000 });
    const id = await createVideo(fresh);
    await createVideo(fresh);
    const usage = await fresh.rest('GET', '/usage');
    assert.equal(usage.status, 200);
    assert.deepEqual(usage.body, { data: { balanceMicroCredits: 500_000, balanceDollars: '5.00', totalVideos: 2, totalDurationMinutes: 0 } });
    await fresh.rest('DELETE', `/videos/${id}`);
    assert.equal(((await fresh.rest('GET', '/usage')).body.data as { totalVideos: number }).totalVideos, 1);
  });
});
