// The operator's reads and operations over HTTP: ledger, apps (list, patch), hubs, usage, key rotation,
// a hub's contacts and segments, and work in flight — a document seen through its stages to progress 1,
// a permanent failure that cannot be retried (409), and a failure whose attempts ran out retried end
// to end with its price debited again (402 first when the balance is short). Each route's bad inputs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodePng } from '../../src/pipelines/documents/encode-png.js';
import { buildEstimatePdf } from '../fixtures/documents.js';
import { makeOrg, waitForStatus, type TestOrg } from '../helpers/org.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';
import { organize } from '../organizer/helpers.js';

type Body = Record<string, unknown>;
type Res = { status: number; body: Body };

const MISSING = { org: 'org_doesnotexist000000', key: 'key_doesnotexist000000', app: 'app_doesnotexist000000', hub: 'hub_doesnotexist000000', run: 'wf_doesnotexist0000000' };
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const finished = (s: Body) => s.status !== 'processing';

function assertError(res: Res, status: number, code: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.code, code, JSON.stringify(res.body));
  assert.equal(typeof res.body.error, 'string');
}

const list = (res: Res) => {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data as Body[];
};

describe('admin operations', () => {
  let s: TestServer;

  before(async () => {
    // One attempt per stage: a stage that throws fails its run at once, not permanently.
    s = await startServer({ workflowMaxAttempts: 1, workflowBackoffMs: 1 });
  });
  after(() => s.close());

  /** Calls without credentials, and with a wrong token: 401 unauthorized. */
  async function unauthorized(method: string, path: string, body?: unknown): Promise<void> {
    const init = (headers: Record<string, string>): RequestInit => ({
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const headers of [{}, { authorization: `Bearer ${ADMIN_TOKEN}x` }] as Record<string, string>[]) {
      const res = await fetch(`${s.url}/admin/v1${path}`, init(headers));
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.equal(((await res.json()) as Body).code, 'unauthorized');
    }
  }

  async function newOrg(credits = 500_000): Promise<{ id: string; apiKey: string; keyId: string }> {
    const res = await s.admin('POST', '/orgs', { name: 'ops', credits_micro: credits });
    assert.equal(res.status, 201);
    return { id: res.body.id as string, apiKey: res.body.api_key as string, keyId: res.body.api_key_id as string };
  }

  test('GET /orgs/{org_id}/ledger: every entry newest first with the balance after it; bad inputs', async () => {
    const org = await newOrg(500_000);
    assert.equal((await s.admin('POST', `/orgs/${org.id}/credits`, { amount_micro: 1000 })).status, 200);
    assert.equal((await s.admin('POST', `/orgs/${org.id}/credits`, { amount_micro: -500, reason: 'correction' })).status, 200);
    const entries = list(await s.admin('GET', `/orgs/${org.id}/ledger`));
    assert.deepEqual(entries.map((e) => [e.amount_micro, e.balance_micro, e.reason, e.ref]), [[-500, 500_500, 'correction', null], [1000, 501_000, 'grant', null], [500_000, 500_000, 'grant', null]]);
    for (const e of entries) {
      assert.deepEqual(Object.keys(e).sort(), ['amount_micro', 'balance_micro', 'created_at', 'id', 'reason', 'ref']);
      assert.match(e.id as string, /^led_/);
    }
    assert.deepEqual(list(await s.admin('GET', `/orgs/${org.id}/ledger?limit=1&offset=1`)).map((e) => e.amount_micro), [1000]);

    assertError(await s.admin('GET', `/orgs/${MISSING.org}/ledger`), 404, 'not_found');
    for (const q of ['limit=0', 'limit=101', 'limit=abc', 'offset=-1'])
      assertError(await s.admin('GET', `/orgs/${org.id}/ledger?${q}`), 400, 'invalid_request');
    await unauthorized('GET', `/orgs/${org.id}/ledger`);
  });

  test('GET /orgs/{org_id}/apps and PATCH /apps/{app_id}: apps with their keys displayed, renamed and re-originated; bad inputs', async () => {
    const org = await newOrg();
    assert.deepEqual(list(await s.admin('GET', `/orgs/${org.id}/apps`)), []);
    const created = await s.admin('POST', `/orgs/${org.id}/apps`, { name: 'Recorder', environment: 'production', allowed_origins: ['https://a.example'] });
    assert.equal(created.status, 201);
    const appId = created.body.id as string;
    assert.equal((await s.admin('POST', `/apps/${appId}/regenerate-keys`, {})).status, 200);

    const [app] = list(await s.admin('GET', `/orgs/${org.id}/apps`));
    assert.ok(app);
    assert.equal(app.id, appId);
    assert.deepEqual(app.allowed_origins, ['https://a.example']);
    const keys = app.keys as Body[];
    assert.equal(keys.length, 4, 'both pairs, the first revoked');
    assert.deepEqual(keys.map((k) => k.kind).sort(), ['public', 'public', 'secret', 'secret']);
    assert.equal(keys.filter((k) => k.revoked_at !== null).length, 2);
    assert.deepEqual(keys.filter((k) => k.revoked_at === null).map((k) => k.created_at), keys.slice(2).map((k) => k.created_at), 'oldest first');
    const text = JSON.stringify(app);
    assert.ok(!text.includes(created.body.secret_key as string) && !text.includes(created.body.public_key as string), 'keys are displayed, never whole');
    for (const k of keys) assert.match(k.display as string, /^(csk|cpk)_/);

    // The public key is checked against the origins (and remembered) before the change, refused after it.
    const pair = await s.admin('POST', `/apps/${appId}/regenerate-keys`, {});
    const fromOrigin = async (origin: string) => {
      const res = await fetch(`${s.url}/api/developer/sdk/v1/upload/multipart/presign-part`, {
        method: 'POST', headers: { authorization: `Bearer ${pair.body.public_key as string}`, origin, 'content-type': 'application/json' }, body: JSON.stringify({ partNumber: 0 }),
      });
      return { status: res.status, code: ((await res.json()) as Body).code };
    };
    for (let i = 0; i < 2; i++) assert.deepEqual(await fromOrigin('https://a.example'), { status: 400, code: 'invalid_request' }, 'allowed: past the key, refused for its body');
    assert.deepEqual(await fromOrigin('https://b.example'), { status: 403, code: 'origin_not_allowed' });
    const moved = await s.admin('PATCH', `/apps/${appId}`, { allowed_origins: ['https://b.example'] });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual(await fromOrigin('https://a.example'), { status: 403, code: 'origin_not_allowed' }, 'the new origins apply to the next call');
    assert.deepEqual(await fromOrigin('https://b.example'), { status: 400, code: 'invalid_request' });

    const renamed = await s.admin('PATCH', `/apps/${appId}`, { name: 'Recorder 2', allowed_origins: ['https://b.example', '*'] });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.name, 'Recorder 2');
    assert.deepEqual(renamed.body.allowed_origins, ['https://b.example', '*']);
    assert.equal((renamed.body.keys as Body[]).length, 6);
    const only = await s.admin('PATCH', `/apps/${appId}`, { allowed_origins: [] });
    assert.equal(only.body.name, 'Recorder 2', 'a field not sent is kept');
    assert.deepEqual(only.body.allowed_origins, []);

    assertError(await s.admin('GET', `/orgs/${MISSING.org}/apps`), 404, 'not_found');
    assertError(await s.admin('PATCH', `/apps/${MISSING.app}`, { name: 'x' }), 404, 'not_found');
    for (const body of [{}, { name: '' }, { colour: 'red' }, { allowed_origins: ['ftp://x'] }, { allowed_origins: [{}] }, { name: null }])
      assertError(await s.admin('PATCH', `/apps/${appId}`, body), 400, 'invalid_request');
    await unauthorized('GET', `/orgs/${org.id}/apps`);
    await unauthorized('PATCH', `/apps/${appId}`, { name: 'x' });
  });

  test('GET /orgs/{org_id}/hubs, GET /hubs/{hub_id}/contacts and /segments; bad inputs', async () => {
    const org = await newOrg();
    const hubs = [];
    for (const name of ['One', 'Two']) hubs.push((await s.admin('POST', `/orgs/${org.id}/hubs`, { name })).body);
    assert.deepEqual(list(await s.admin('GET', `/orgs/${org.id}/hubs`)), hubs);
    const hubId = hubs[0]?.id as string;

    const contacts = [];
    for (const name of ['Ada', 'Grace', 'Edsger']) contacts.push((await s.admin('POST', `/hubs/${hubId}/contacts`, { name })).body);
    assert.equal((await s.admin('POST', `/hubs/${hubId}/contacts/${contacts[1]?.id as string}/ban`, {})).status, 200);
    const all = list(await s.admin('GET', `/hubs/${hubId}/contacts`));
    assert.deepEqual(all.map((c) => [c.name, c.status]), [['Ada', 'active'], ['Grace', 'banned'], ['Edsger', 'active']]);
    assert.deepEqual(list(await s.admin('GET', `/hubs/${hubId}/contacts?limit=2`)).map((c) => c.name), ['Ada', 'Grace']);
    assert.deepEqual(list(await s.admin('GET', `/hubs/${hubId}/contacts?limit=2&offset=2`)).map((c) => c.name), ['Edsger']);
    assert.deepEqual(list(await s.admin('GET', `/hubs/${hubs[1]?.id as string}/contacts`)), []);
    // A removed contact stays removed: banning it, removing it again or changing its role is 404.
    const removed = (await s.admin('POST', `/hubs/${hubs[1]?.id as string}/contacts`, { name: 'Gone' })).body.id as string;
    assert.equal((await s.admin('DELETE', `/hubs/${hubs[1]?.id as string}/contacts/${removed}`)).status, 200);
    for (const [method, path, body] of [['POST', 'ban', {}], ['DELETE', '', undefined]] as const) {
      assert.equal((await s.admin(method, `/hubs/${hubs[1]?.id as string}/contacts/${removed}${path ? `/${path}` : ''}`, body)).status, 404, `${method} ${path}`);
    }
    assert.equal((await s.admin('PUT', `/hubs/${hubs[1]?.id as string}/contacts/${removed}/role`, { role: 'moderator' })).status, 404);

    assert.deepEqual(list(await s.admin('GET', `/hubs/${hubId}/segments`)), []);
    const seg = await s.admin('POST', `/hubs/${hubId}/segments`, { name: 'Subscribers' });
    assert.deepEqual(list(await s.admin('GET', `/hubs/${hubId}/segments`)), [seg.body]);

    assertError(await s.admin('GET', `/orgs/${MISSING.org}/hubs`), 404, 'not_found');
    assertError(await s.admin('GET', `/hubs/${MISSING.hub}/contacts`), 404, 'not_found');
    assertError(await s.admin('GET', `/hubs/${MISSING.hub}/segments`), 404, 'not_found');
    for (const q of ['limit=0', 'limit=x', 'offset=-5']) assertError(await s.admin('GET', `/hubs/${hubId}/contacts?${q}`), 400, 'invalid_request');
    assertError(await s.admin('GET', `/hubs/bad%20id/segments`), 400, 'invalid_request');
    await unauthorized('GET', `/orgs/${org.id}/hubs`);
    await unauthorized('GET', `/hubs/${hubId}/contacts`);
    await unauthorized('GET', `/hubs/${hubId}/segments`);
  });

  test('POST /orgs/{org_id}/keys/{key_id}/rotate: a new key of the same mode, the old one revoked at once; bad inputs', async () => {
    const org = await newOrg();
    const live = await s.admin('POST', `/orgs/${org.id}/keys`, { mode: 'live' });
    const credits = (key: string) => fetch(`${s.url}/credits`, { headers: { 'capout-api-key': key } });
    assert.equal((await credits(live.body.api_key as string)).status, 200, 'the key is cached as valid before its rotation');

    const { token } = (await fetch(`${s.url}/ws/token`, { method: 'POST', headers: { 'capout-api-key': live.body.api_key as string } }).then((r) => r.json())) as { token: string };
    const stream = await openSse(`${s.url}/sse/status?token=${encodeURIComponent(token)}&recent=5`);
    assert.equal(stream.status, 200);

    const rotated = await s.admin('POST', `/orgs/${org.id}/keys/${live.body.id as string}/rotate`);
    assert.equal(rotated.status, 201, JSON.stringify(rotated.body));
    assert.equal(rotated.body.mode, 'live');
    assert.match(rotated.body.api_key as string, /^capout_live_/);
    assert.notEqual(rotated.body.id, live.body.id);
    assert.equal(rotated.body.revoked_at, null);
    assert.equal((await credits(live.body.api_key as string)).status, 401, 'the old key is refused at once');
    const end = await stream.next((f) => (f.data ?? '').includes('stream.unauthorized'), 5_000);
    assert.deepEqual(JSON.parse(end.data ?? '{}'), { type: 'stream.unauthorized', reason: 'key_revoked' }, 'its stream ends');
    await stream.ended;
    assert.equal((await credits(rotated.body.api_key as string)).status, 200);
    const keys = (await s.admin('GET', `/orgs/${org.id}`)).body.keys as Body[];
    assert.ok(keys.find((k) => k.id === live.body.id)?.revoked_at, 'the old key shows revoked');
    assert.equal((await s.admin('GET', `/orgs/${org.id}/usage`)).body.api_keys_active, 2);

    assertError(await s.admin('POST', `/orgs/${org.id}/keys/${live.body.id as string}/rotate`), 404, 'not_found');
    assertError(await s.admin('POST', `/orgs/${org.id}/keys/${MISSING.key}/rotate`), 404, 'not_found');
    assertError(await s.admin('POST', `/orgs/${MISSING.org}/keys/${org.keyId}/rotate`), 404, 'not_found');
    const other = await newOrg();
    assertError(await s.admin('POST', `/orgs/${other.id}/keys/${org.keyId}/rotate`), 404, 'not_found');
    assertError(await s.admin('POST', `/orgs/${org.id}/keys/${org.keyId}/rotate`, { mode: 'live' }), 400, 'invalid_request');
    await unauthorized('POST', `/orgs/${org.id}/keys/${org.keyId}/rotate`);
    assert.equal((await credits(org.apiKey)).status, 200, 'nothing happened to the key the refused calls named');
  });

  describe('work in flight', () => {
    let org: TestOrg;
    let pdf: Uint8Array;

    before(async () => {
      org = await makeOrg(s, 1_000_000);
      pdf = await buildEstimatePdf();
    });

    const balance = async () => (await org.call('GET', '/credits')).body.balance_micro_credits as number;
    const workOf = async (runId: string, query = 'status=all') => list(await s.admin('GET', `/work?${query}&org_id=${org.id}`)).find((w) => w.run_id === runId);

    test('a completed document: its run in /work with every stage completed and progress 1; usage counts it', async () => {
      const up = await org.call('POST', '/upload', { file_base64: b64(pdf), file_name: 'estimate.pdf' });
      assert.equal(up.status, 201, JSON.stringify(up.body));
      const status = await waitForStatus(org, up.body.document_id as string, finished, 2400);
      assert.equal(status.status, 'completed', JSON.stringify(status));

      const item = await workOf(up.body.workflow_id as string, 'status=completed');
      assert.ok(item);
      assert.equal(item.kind, 'document');
      assert.equal(item.resource_id, up.body.document_id);
      assert.equal(item.org_id, org.id);
      assert.equal(item.status, 'completed');
      assert.equal(item.progress, 1);
      assert.equal(item.retryable, false);
      assert.equal(item.error, null);
      assert.ok(item.completed_at);
      const stages = item.stages as Body[];
      assert.deepEqual(stages.map((st) => [st.name, st.status]), ['intake', 'ocr', 'structure', 'actions', 'trades', 'categories'].map((n) => [n, 'completed']));
      for (const st of stages) assert.ok(st.started_at && st.finished_at && st.error === null);
      assert.equal(await workOf(up.body.workflow_id as string, 'status=in_flight'), undefined, 'not in flight any more');
      assert.equal(await workOf(up.body.workflow_id as string, 'status=completed&kind=video'), undefined);
      assert.ok(list(await s.admin('GET', '/work?status=completed&kind=document')).some((w) => w.run_id === up.body.workflow_id), 'every organization by default');

      const usage = await s.admin('GET', `/orgs/${org.id}/usage`);
      assert.equal(usage.status, 200);
      assert.deepEqual(usage.body.documents, { total: 1, completed: 1, failed: 0, in_flight: 0 });
      assert.deepEqual(usage.body.videos, { total: 0, completed: 0, failed: 0, in_flight: 0 });
      assert.deepEqual(usage.body.organize_jobs, { total: 0, completed: 0, failed: 0, in_flight: 0 });
      assert.equal(usage.body.credits_granted_micro, 1_000_000);
      assert.equal(usage.body.credits_spent_micro, 1_000_000 - (await balance()));
      assert.equal(usage.body.api_keys_active, 1);
    });

    test('a permanent failure is not retryable: 409 conflict saying why, nothing charged', async () => {
      const rule = encodePng({ width: 1000, height: 1, channels: 1, pixels: new Uint8Array(1000) });
      const up = await org.call('POST', '/upload', { file_base64: b64(rule), file_name: 'rule.png' });
      assert.equal(up.status, 201, JSON.stringify(up.body));
      const status = await waitForStatus(org, up.body.document_id as string, finished, 2400);
      assert.equal(status.error, 'image_unreadable');

      const item = await workOf(up.body.workflow_id as string, 'status=failed');
      assert.ok(item);
      assert.equal(item.status, 'failed');
      assert.equal(item.error, 'image_unreadable');
      assert.equal(item.retryable, false);
      assert.match(item.retry_refusal as string, /for good/);
      assert.deepEqual((item.stages as Body[]).map((st) => st.status), ['completed', 'failed', 'skipped', 'skipped', 'skipped', 'skipped']);
      assert.equal(item.progress, 1 / 6);

      const before = await balance();
      const retried = await s.admin('POST', `/work/${up.body.workflow_id as string}/retry`);
      assertError(retried, 409, 'conflict');
      assert.match(retried.body.error as string, /image_unreadable/);
      assert.equal(await balance(), before);
      assert.equal((await org.call('GET', `/status/${up.body.document_id as string}`)).body.status, 'failed');
    });

    test('attempts run out: retryable; the retry charges again (402 when short, nothing changes), goes back to processing and completes', async () => {
      const { workflows, blobs } = s.server.ctx;
      // The workers stop while the document is uploaded, and its file then fails to read with an error
      // worth retrying, until the operator has dealt with it: its ocr stage throws on every attempt.
      // (A file gone from the store fails document_missing for good at once: test/documents/missing-file.)
      await workflows.stop();
      const up = await org.call('POST', '/upload', { file_base64: b64(pdf), file_name: 'lost.pdf' });
      assert.equal(up.status, 201, JSON.stringify(up.body));
      const documentId = up.body.document_id as string;
      const runId = up.body.workflow_id as string;
      const key = `documents/${org.id}/${documentId}/source`;
      const get = blobs.get.bind(blobs);
      blobs.get = async (k, ...rest) => {
        if (k === key) throw new Error('the disk returned garbage');
        return get(k, ...rest);
      };
      const charged = await balance();
      const inFlight = await workOf(runId, 'status=in_flight');
      assert.equal(inFlight?.status, 'queued');
      assert.equal(inFlight.progress, 0);
      assert.deepEqual((inFlight.stages as Body[]).map((st) => st.status), ['pending', 'pending', 'pending', 'pending', 'pending', 'pending']);
      workflows.start();

      const failed = await waitForStatus(org, documentId, finished, 2400);
      assert.equal(failed.status, 'failed', JSON.stringify(failed));
      const price = (await balance()) - charged;
      assert.ok(price > 0, 'the failure refunded the price');
      const item = await workOf(runId, 'status=failed');
      assert.ok(item);
      assert.equal(item.retryable, true, JSON.stringify(item));
      assert.equal(item.retry_refusal, null);

      // Short of the price: 402, and the run, the document and the balance stay as they were.
      const held = await balance();
      await s.admin('POST', `/orgs/${org.id}/credits`, { amount_micro: -(held - price + 1), reason: 'correction' });
      const short = await s.admin('POST', `/work/${runId}/retry`);
      assertError(short, 402, 'payment_required');
      assert.equal(short.body.required_micro, price);
      assert.equal((await workOf(runId, 'status=failed'))?.status, 'failed');
      assert.equal((await org.call('GET', `/status/${documentId}`)).body.status, 'failed');
      await s.admin('POST', `/orgs/${org.id}/credits`, { amount_micro: held - price + 1 });

      blobs.get = get;
      const retried = await s.admin('POST', `/work/${runId}/retry`);
      assert.equal(retried.status, 200, JSON.stringify(retried.body));
      assert.equal(retried.body.run_id, runId);
      assert.ok(['queued', 'running'].includes(retried.body.status as string));
      assert.equal(retried.body.error, null);
      assert.equal((retried.body.stages as Body[])[0]?.status, 'completed', 'a completed stage is kept');
      assert.equal(await balance(), held - price, 'the price is debited again with the retry');

      const done = await waitForStatus(org, documentId, finished, 2400);
      assert.equal(done.status, 'completed', JSON.stringify(done));
      assert.equal(await balance(), held - price);
      const ledger = list(await s.admin('GET', `/orgs/${org.id}/ledger?limit=100`)).filter((e) => e.ref === documentId);
      assert.deepEqual(ledger.map((e) => [e.reason, e.amount_micro]), [['document', -price], ['refund', price], ['document', -price]]);

      assertError(await s.admin('POST', `/work/${runId}/retry`), 409, 'conflict');

      // The document's stream told the story in order: failed, processing again (the retry), completed.
      const rows = await s.server.ctx.storage.db.selectFrom('events').select(['data', 'scope']).where('topic', '=', `org:${org.id}`).where('type', '=', 'document.status').orderBy('seq').execute();
      const statuses = rows.filter((r) => (JSON.parse(r.scope) as Body).document_id === documentId).map((r) => (JSON.parse(r.data) as Body).status);
      const firstFailed = statuses.indexOf('failed');
      assert.ok(firstFailed > 0, JSON.stringify(statuses));
      assert.deepEqual([...new Set(statuses.slice(firstFailed))], ['failed', 'processing', 'completed'], JSON.stringify(statuses));
    });

    test('an organize job: listed as kind organize with its one stage and progress 1, counted in usage; a retry is refused (409)', async () => {
      const { job } = await organize(org, [{ name: 'memo.txt', body: 'Memo, 2025-06-01' }]);
      const jobId = (job.jobId ?? job.id) as string;
      const item = list(await s.admin('GET', `/work?status=completed&kind=organize&org_id=${org.id}`)).find((w) => w.resource_id === jobId);
      assert.ok(item, JSON.stringify(job));
      assert.equal(item.kind, 'organize');
      assert.deepEqual((item.stages as Body[]).map((st) => [st.name, st.status]), [['organize', 'completed']]);
      assert.equal(item.progress, 1);
      assert.equal(item.retryable, false);
      assertError(await s.admin('POST', `/work/${item.run_id as string}/retry`), 409, 'conflict');
      assert.deepEqual((await s.admin('GET', `/orgs/${org.id}/usage`)).body.organize_jobs, { total: 1, completed: 1, failed: 0, in_flight: 0 });
    });

    test('GET /work and POST /work/{run_id}/retry: bad inputs', async () => {
      for (const q of ['status=done', 'kind=pdf', 'limit=0', 'limit=101', 'offset=-1', 'org_id=bad%20id', 'limit=abc'])
        assertError(await s.admin('GET', `/work?${q}`), 400, 'invalid_request');
      assertError(await s.admin('GET', `/work?org_id=${MISSING.org}`), 404, 'not_found');
      assertError(await s.admin('POST', `/work/${MISSING.run}/retry`), 404, 'not_found');
      const any = list(await s.admin('GET', '/work?status=all&limit=1'))[0];
      assert.ok(any);
      assertError(await s.admin('POST', `/work/${any.run_id as string}/retry`, { now: true }), 400, 'invalid_request');
      await unauthorized('GET', '/work');
      await unauthorized('POST', `/work/${any.run_id as string}/retry`);
      assertError(await s.admin('GET', `/orgs/${MISSING.org}/usage`), 404, 'not_found');
      await unauthorized('GET', `/orgs/${org.id}/usage`);
    });
  });
});
