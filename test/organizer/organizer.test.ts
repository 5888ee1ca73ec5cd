// The organizer surface as seed 002 describes it: the seed's browser and `ws` examples (only the base
// URL changed), uploads, organize jobs with their events, tenancy, coalesced progress, and bad input.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { launchChromium } from '../helpers/chromium.js';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { listen, only, PNG, pdfWithDate, refusal, until, uploadForm, uploadJson, waitForJob, type Msg } from './helpers.js';

describe('organizer', () => {
  let ts: TestServer;
  let org: TestOrg;
  let other: TestOrg;
  before(async () => {
    ts = await startServer({ organizerBatchSize: 7 });
    org = await makeOrg(ts);
    other = await makeOrg(ts);
  });
  after(() => ts.close());

  test("seed 002's `ws` example, as written: connected, then file_uploaded exactly as the seed shapes it", async () => {
    const require = createRequire(import.meta.url);
    const logged: unknown[][] = [];
    const console = { log: (...args: unknown[]) => logged.push(args) };
    const base = ts.url.replace('http://', '');
    const YOUR_API_KEY = org.apiKey;
    // --- the seed's code, with only the base URL (and the key) filled in ---
    const WebSocket = require('ws');
    const { randomUUID } = require('crypto');

    const clientId = randomUUID();
    const token = YOUR_API_KEY;

    const ws = new WebSocket(
      `ws://${base}/api/v1/ws/${clientId}?token=${token}`
    );

    ws.on('open', () => {
      console.log('Connected');
    });

    ws.on('message', (data: Buffer) => {
      const event = JSON.parse(String(data));
      console.log('Received:', event);
    });
    // --- end of the seed's code ---
    try {
      await until(() => logged.some((l) => l[0] === 'Connected'), 'open');
      const pdf = await pdfWithDate('2025-03-14');
      const up = await uploadForm(ts, org, [{ name: 'newfile.pdf', body: pdf, type: 'application/pdf' }]);
      assert.equal(up.status, 201, JSON.stringify(up.body));
      const file = (up.body.files as Msg[])[0]!;
      await until(() => logged.some((l) => (l[1] as Msg | undefined)?.type === 'file_uploaded'), 'file_uploaded');
      const event = logged.find((l) => (l[1] as Msg | undefined)?.type === 'file_uploaded')![1];
      assert.deepEqual(event, { type: 'file_uploaded', fileId: file.fileId, name: 'newfile.pdf', size: pdf.length });
    } finally {
      (ws as { close(): void }).close();
    }
  });

  test("seed 002's browser example, as written, in headless Chromium", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const logged: unknown[][] = [];
      page.on('console', (msg) => {
        void Promise.all(msg.args().map((a) => a.jsonValue())).then((args) => logged.push(args));
      });
      // A page on the server's origin: http://127.0.0.1 is a secure context, so crypto.randomUUID exists.
      await page.goto(`${ts.url}/version`);
      await page.evaluate(({ host, key }) => {
        const YOUR_API_KEY = key;
        // --- the seed's code, with only the base URL (and the key) filled in ---
        const clientId = crypto.randomUUID();
        const ws = new WebSocket(
          `ws://${host}/api/v1/ws/${clientId}?token=${YOUR_API_KEY}`
        );

        ws.onopen = () => {
          console.log('Connected');
        };

        ws.onmessage = (event) => {
          const data = JSON.parse(event.data);
          console.log('Received:', data);
        };
        // --- end of the seed's code ---
      }, { host: ts.url.replace('http://', ''), key: org.apiKey });
      await until(() => logged.some((l) => l[0] === 'Connected'), 'browser open');
      const ids = await uploadJson(org, [{ name: 'browser.txt', body: 'hello from 2024-12-01' }]);
      await until(() => logged.some((l) => (l[1] as Msg | undefined)?.fileId === ids[0]), 'browser file_uploaded');
      assert.deepEqual(logged.find((l) => (l[1] as Msg | undefined)?.fileId === ids[0])![1], { type: 'file_uploaded', fileId: ids[0], name: 'browser.txt', size: 21 });
    } finally {
      await browser.close();
    }
  });

  test('an organize job classifies and files every file, with progress, errors and completion as the seed shapes them', async () => {
    const a = await listen(ts, org.apiKey);
    const b = await listen(ts, org.apiKey);
    const stranger = await listen(ts, other.apiKey);
    try {
      const up = await uploadForm(ts, org, [
        { name: 'Invoice-ACME.pdf', body: await pdfWithDate('2025-03-14'), type: 'application/pdf' },
        { name: 'Screenshot 2024-11-02 at 10.00.png', body: PNG, type: 'image/png' },
        { name: 'signed contract.pdf', body: await pdfWithDate('2023-07-01') },
        { name: 'notes.txt', body: 'meeting on 2022-05-09' },
        { name: 'backup.zip', body: Buffer.from('504b030414000000', 'hex') },
        { name: 'mystery.bin', body: Buffer.from([0, 1, 2, 3, 0xff, 0xfe]) },
      ]);
      assert.equal(up.status, 201, JSON.stringify(up.body));
      const files = up.body.files as Msg[];
      assert.deepEqual(files.map((f) => f.type), ['pdf', 'image', 'pdf', 'text', 'archive', 'other']);
      const [locked] = await uploadJson(org, [{ name: 'receipt-locked.pdf', body: await pdfWithDate('2025-01-02') }]);
      const lock = await ts.admin('PUT', `/orgs/${org.id}/files/${locked}/lock`, { locked: true });
      assert.equal(lock.status, 200, JSON.stringify(lock.body));
      assert.equal(lock.body.locked, true);

      const created = await org.call('POST', '/api/v1/jobs', { file_ids: [...files.map((f) => f.fileId as string), locked] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const jobId = created.body.jobId as string;
      assert.equal(created.body.totalCount, 7);
      for (const l of [a, b]) await until(() => only(l.received, 'job_complete').length === 1, 'job_complete on every connection');

      for (const l of [a, b]) {
        const progress = only(l.received, 'job_progress');
        const last = progress.at(-1)!;
        assert.deepEqual(Object.keys(last).sort(), ['currentFile', 'jobId', 'processedCount', 'progress', 'totalCount', 'type']);
        assert.deepEqual({ ...last, currentFile: undefined }, { type: 'job_progress', jobId, progress: 100, processedCount: 7, totalCount: 7, currentFile: undefined });
        assert.deepEqual(only(l.received, 'job_complete'), [{ type: 'job_complete', jobId, status: 'completed', organized: 6, failed: 1 }]);
        assert.deepEqual(only(l.received, 'error'), [{ type: 'error', jobId, error: 'Permission denied: receipt-locked.pdf is locked', code: 'PERMISSION_ERROR' }]);
        assert.ok(l.received.findIndex((m) => m.type === 'job_progress' && m.progress === 100) < l.received.findIndex((m) => m.type === 'job_complete'), 'the 100 % comes before job_complete');
      }
      assert.equal(stranger.received.length, 0, 'another organization hears nothing');

      const folders = await Promise.all(files.map(async (f) => (await org.call('GET', `/api/v1/files/${f.fileId as string}`)).body.folder));
      assert.deepEqual(folders, ['Invoices/2025/03', 'Screenshots/2024/11', 'Contracts/2023', 'Documents/2022', 'Archives', 'Other']);
      assert.equal((await org.call('GET', `/api/v1/files/${locked}`)).body.folder, '', 'the locked file did not move');

      const job = await org.call('GET', `/api/v1/jobs/${jobId}`);
      assert.equal(job.body.status, 'completed');
      assert.equal(job.body.progress, 100);
      assert.deepEqual(job.body.errors, [{ fileId: locked, name: 'receipt-locked.pdf', code: 'PERMISSION_ERROR', error: 'Permission denied: receipt-locked.pdf is locked' }]);

      const inInvoices = await org.call('GET', '/api/v1/files?folder=Invoices&recursive=true');
      assert.deepEqual((inInvoices.body.files as Msg[]).map((f) => f.name), ['Invoice-ACME.pdf']);
      assert.equal(((await other.call('GET', '/api/v1/files')).body.files as Msg[]).length, 0);
    } finally {
      for (const l of [a, b, stranger]) l.close();
    }
  });

  test('a job over a folder; progress is coalesced: a bounded number of job_progress events, the last at 100 %', async () => {
    const ts2 = await startServer({ organizerBatchSize: 5, organizerProgressIntervalMs: 3_600_000 });
    try {
      const o = await makeOrg(ts2);
      const l = await listen(ts2, o.apiKey);
      for (let i = 0; i < 4; i++) await uploadJson(o, Array.from({ length: 100 }, (_, j) => ({ name: `invoice-2025-0${1 + (j % 9)}-${i}-${j}.txt`, body: `invoice ${i} ${j}` })));
      const created = await o.call('POST', '/api/v1/jobs', { folder: '/' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.totalCount, 400);
      await until(() => only(l.received, 'job_complete').length === 1, 'job_complete');
      const progress = only(l.received, 'job_progress');
      assert.ok(progress.length <= 2, `at most one per interval plus the final one, got ${progress.length}`);
      assert.equal(progress.at(-1)?.progress, 100);
      assert.equal(progress.at(-1)?.processedCount, 400);
      assert.deepEqual(only(l.received, 'job_complete')[0], { type: 'job_complete', jobId: created.body.jobId, status: 'completed', organized: 400, failed: 0 });
      const root = await o.call('GET', '/api/v1/files?folder=');
      assert.equal((root.body.files as Msg[]).length, 0, 'the root is empty: everything was filed');
      const march = await o.call('GET', '/api/v1/files?folder=Invoices/2025/03&limit=500');
      assert.ok((march.body.files as Msg[]).length > 0);
      l.close();
    } finally {
      await ts2.close();
    }
  });

  test('a new connection skips the job_progress its opening progress already shows, and gets everything after it', async () => {
    const ts2 = await startServer({ workflowConcurrency: 0 });
    const { publisher, organizer } = ts2.server.ctx;
    const activeProgress = organizer.activeProgress.bind(organizer);
    try {
      const o = await makeOrg(ts2);
      const ids = await uploadJson(o, [{ name: 'a.txt', body: 'a' }, { name: 'b.txt', body: 'b' }]);
      const jobId = (await o.call('POST', '/api/v1/jobs', { file_ids: ids })).body.jobId as string;
      const event = (type: string, data: Msg) => publisher.publish({ topic: `org:${o.id}`, orgId: o.id, type: `organizer.${type}`, scope: { job_id: jobId }, data: { jobId, ...data } });
      const progress = (currentFile: string, processedCount = 0) => event('job_progress', { progress: processedCount * 50, processedCount, totalCount: 2, currentFile });
      // The connection's read is late: events commit while it already hears the topic, so they reach
      // it while it is still reading (as a node's feed brings them late).
      let lateReads = 1;
      organizer.activeProgress = async (orgId) => {
        if (lateReads-- <= 0) return activeProgress(orgId);
        await progress('committed before the read');
        await event('error', { error: 'committed before the read', code: 'PERMISSION_ERROR' });
        await new Promise((r) => setTimeout(r, 50));
        return activeProgress(orgId);
      };
      const l = await listen(ts2, o.apiKey);
      await until(() => l.received.some((m) => m.type === 'error'), 'the error committed before the read');
      organizer.activeProgress = activeProgress;
      await new Promise((r) => setTimeout(r, 200));
      // Committed after the read but counting no more files than the opening progress (a job's
      // closing progress once its last batch was counted): it would repeat it.
      await progress('after the read, no further');
      await progress('committed after the read', 1);
      await until(() => only(l.received, 'job_progress').length >= 2, 'the progress committed after the read');
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(l.received.filter((m) => m.jobId === jobId).map((m) => `${String(m.type)} ${String(m.type === 'error' ? m.error : m.currentFile)}`), [
        'job_progress null',
        'error committed before the read',
        'job_progress committed after the read',
      ], 'the opening progress, the error it does not show, then only what came after it');
      l.close();
    } finally {
      organizer.activeProgress = activeProgress;
      await ts2.close();
    }
  });

  test('cancelling a queued job ends it with a final job_progress and job_complete status cancelled; cancelling it again is 409', async () => {
    const ts2 = await startServer({ workflowConcurrency: 0 });
    try {
      const o = await makeOrg(ts2);
      const l = await listen(ts2, o.apiKey);
      const ids = await uploadJson(o, [{ name: 'a.txt', body: 'a' }]);
      const created = await o.call('POST', '/api/v1/jobs', { file_ids: ids });
      const jobId = created.body.jobId as string;
      assert.deepEqual(only(l.received, 'job_progress'), []);
      const l2 = await listen(ts2, o.apiKey);
      await until(() => only(l2.received, 'job_progress').length === 1, 'snapshot of the running job');
      assert.deepEqual(only(l2.received, 'job_progress')[0], { type: 'job_progress', jobId, progress: 0, processedCount: 0, totalCount: 1, currentFile: null });
      const cancelled = await o.call('POST', `/api/v1/jobs/${jobId}/cancel`);
      assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
      assert.equal(cancelled.body.status, 'cancelled');
      await until(() => only(l.received, 'job_complete').length === 1, 'job_complete');
      assert.deepEqual(only(l.received, 'job_complete')[0], { type: 'job_complete', jobId, status: 'cancelled', organized: 0, failed: 0 });
      // A final job_progress, where it stopped, comes right before it.
      const last = l.received.filter((m) => m.jobId === jobId).slice(-2);
      assert.deepEqual(last[0], { type: 'job_progress', jobId, progress: 0, processedCount: 0, totalCount: 1, currentFile: null });
      const again = await o.call('POST', `/api/v1/jobs/${jobId}/cancel`);
      assert.equal(again.status, 409);
      l.close();
      l2.close();
    } finally {
      await ts2.close();
    }
  });

  describe('bad input', () => {
    test('a malformed client_id is 400 on the upgrade', async () => {
      const r = await refusal(`${ts.url.replace('http', 'ws')}/api/v1/ws/bad%20id!?token=${org.apiKey}`);
      assert.equal(r.status, 400);
      assert.equal(r.body.code, 'invalid_request');
      const long = await refusal(`${ts.url.replace('http', 'ws')}/api/v1/ws/${'x'.repeat(129)}?token=${org.apiKey}`);
      assert.equal(long.status, 400);
    });

    test('a missing, wrong or revoked token is 401 on the upgrade: no event flows', async () => {
      const ws = ts.url.replace('http', 'ws');
      assert.equal((await refusal(`${ws}/api/v1/ws/${crypto.randomUUID()}`)).status, 401);
      assert.equal((await refusal(`${ws}/api/v1/ws/${crypto.randomUUID()}?token=capout_test_nope`)).status, 401);
      const fresh = await makeOrg(ts);
      const detail = await ts.admin('GET', `/orgs/${fresh.id}`);
      const keyId = (detail.body.keys as Msg[])[0]!.id as string;
      assert.equal((await ts.admin('DELETE', `/orgs/${fresh.id}/keys/${keyId}`)).status < 300, true);
      const revoked = await refusal(`${ws}/api/v1/ws/${crypto.randomUUID()}?token=${fresh.apiKey}`);
      assert.equal(revoked.status, 401);
      assert.equal(revoked.body.code, 'unauthorized');
    });

    test('a second live connection with a client_id in use is 409; once closed, the id is free again', async () => {
      const id = crypto.randomUUID();
      const first = await listen(ts, org.apiKey, id);
      const r = await refusal(`${ts.url.replace('http', 'ws')}/api/v1/ws/${id}?token=${org.apiKey}`);
      assert.equal(r.status, 409);
      assert.equal(r.body.code, 'conflict');
      // The same client_id in another organization is another client.
      const elsewhere = await listen(ts, other.apiKey, id);
      elsewhere.close();
      first.close();
      let again: Awaited<ReturnType<typeof listen>> | undefined;
      for (let i = 0; i < 200 && !again; i++) {
        again = await listen(ts, org.apiKey, id).catch(() => undefined);
        if (!again) await new Promise((res) => setTimeout(res, 25));
      }
      assert.ok(again, 'the client_id can be used again after the close');
      again.close();
    });

    test('an empty upload is 400: an empty file, a form with no file, an empty base64 file', async () => {
      const empty = await uploadForm(ts, org, [{ name: 'empty.pdf', body: Buffer.alloc(0) }]);
      assert.equal(empty.status, 400);
      assert.match(empty.body.error as string, /empty/);
      const noFile = await fetch(`${ts.url}/api/v1/files`, { method: 'POST', headers: { 'capout-api-key': org.apiKey }, body: (() => { const f = new FormData(); f.append('note', 'hi'); return f; })() });
      assert.equal(noFile.status, 400);
      const json = await org.call('POST', '/api/v1/files', { name: 'e.txt', content_base64: '' });
      assert.equal(json.status, 400);
      const truncated = await fetch(`${ts.url}/api/v1/files`, { method: 'POST', headers: { 'capout-api-key': org.apiKey, 'content-type': 'multipart/form-data; boundary=XYZ' }, body: '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhalf a file' });
      assert.equal(truncated.status, 400);
      const nobody = await org.call('GET', '/api/v1/files?folder=&limit=500');
      assert.ok(!(nobody.body.files as Msg[]).some((f) => f.name === 'empty.pdf' || f.name === 'a.txt'), 'nothing of a refused upload is kept');
    });

    test('a multipart filename is read as browsers and curl write it: backslashes are themselves, %22 is a quote', async () => {
      const o = await makeOrg(ts);
      const names = ['C:\\Users\\ada\\drive.txt', '..\\..\\windows\\win.ini', 'say "hi" 100%.txt'];
      // fetch's FormData writes a name as the HTML standard says (" as %22, a backslash as it is).
      const viaForm = await uploadForm(ts, o, names.map((name, i) => ({ name, body: `form ${i}` })));
      assert.equal(viaForm.status, 201, JSON.stringify(viaForm.body));
      // curl -F 'file=@f.txt;filename=C:\Users\ada\curl.txt' sends the backslashes as they are.
      const boundary = 'curlish';
      const raw = await fetch(`${ts.url}/api/v1/files`, {
        method: 'POST',
        headers: { 'capout-api-key': o.apiKey, 'content-type': `multipart/form-data; boundary=${boundary}` },
        body: `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="C:\\Users\\ada\\curl.txt"\r\nContent-Type: text/plain\r\n\r\ncurl\r\n--${boundary}--\r\n`,
      });
      assert.equal(raw.status, 201);
      const viaJson = await org.call('POST', '/api/v1/files', { files: names.map((name, i) => ({ name, content_base64: Buffer.from(`json ${i}`).toString('base64') })) });
      assert.equal(viaJson.status, 201, JSON.stringify(viaJson.body));
      const stored = (await o.call('GET', '/api/v1/files?folder=&limit=500')).body.files as Msg[];
      const formNames = (viaForm.body.files as Msg[]).map((f) => f.name).sort();
      // The same names as the JSON upload keeps for the same input: the last segment of a path.
      const jsonNames = (viaJson.body.files as Msg[]).map((f) => f.name).sort();
      assert.deepEqual(formNames, jsonNames);
      assert.deepEqual(jsonNames, ['drive.txt', 'say "hi" 100%.txt', 'win.ini']);
      assert.ok(stored.some((f) => f.name === 'curl.txt'), JSON.stringify(stored.map((f) => f.name)));
    });

    test('a filename* (RFC 8187) in UTF-8 or ISO-8859-1 names the file; another charset alone is 400 saying so', async () => {
      const o = await makeOrg(ts);
      const boundary = 'extended';
      const upload = (disposition: string) =>
        fetch(`${ts.url}/api/v1/files`, {
          method: 'POST',
          headers: { 'capout-api-key': o.apiKey, 'content-type': `multipart/form-data; boundary=${boundary}` },
          body: `--${boundary}\r\nContent-Disposition: form-data; name="file"; ${disposition}\r\nContent-Type: text/plain\r\n\r\nhello\r\n--${boundary}--\r\n`,
        });
      const named = async (disposition: string): Promise<unknown> => {
        const res = await upload(disposition);
        const body = (await res.json()) as Msg;
        assert.equal(res.status, 201, `${disposition}: ${JSON.stringify(body)}`);
        return (body.files as Msg[])[0]?.name;
      };
      assert.equal(await named("filename*=ISO-8859-1''caf%E9.txt"), 'café.txt');
      assert.equal(await named("filename*=iso-8859-1'fr'd%E9j%E0.txt"), 'déjà.txt');
      assert.equal(await named("filename*=UTF-8''caf%C3%A9.txt"), 'café.txt');
      assert.equal(await named("filename*=utf-8'en'r%C3%A9sum%C3%A9.txt"), 'résumé.txt');
      // A plain filename beside it is there for recipients that cannot read the charset (RFC 6266 §4.3).
      assert.equal(await named("filename=\"plain.txt\"; filename*=KOI8-R''%C1.txt"), 'plain.txt');
      for (const [disposition, why] of [
        ["filename*=KOI8-R''%C1.txt", /charset "KOI8-R".*UTF-8 or ISO-8859-1/],
        ["filename*=UTF-8''%E9.txt", /filename\* is not valid UTF-8/],
        ["filename*=ISO-8859-1''caf%E.txt", /filename\* is not valid percent-encoding/],
      ] as const) {
        const res = await upload(disposition);
        const body = (await res.json()) as Msg;
        assert.equal(res.status, 400, `${disposition}: ${JSON.stringify(body)}`);
        assert.equal(body.code, 'invalid_request');
        assert.match(String(body.error), why);
      }
    });

    test('a 0-file job is 400 (no file_ids, an empty folder)', async () => {
      assert.equal((await org.call('POST', '/api/v1/jobs', { file_ids: [] })).status, 400);
      assert.equal((await org.call('POST', '/api/v1/jobs', { folder: 'Nothing/Here' })).status, 400);
      assert.equal((await org.call('POST', '/api/v1/jobs', {})).status, 400);
    });

    test("a job over another organization's files is 404, and so is its job", async () => {
      const [theirs] = await uploadJson(other, [{ name: 'theirs.txt', body: 'x' }]);
      const r = await org.call('POST', '/api/v1/jobs', { file_ids: [theirs] });
      assert.equal(r.status, 404);
      const job = await other.call('POST', '/api/v1/jobs', { file_ids: [theirs] });
      assert.equal((await org.call('GET', `/api/v1/jobs/${job.body.jobId as string}`)).status, 404);
      assert.equal((await org.call('GET', `/api/v1/files/${theirs}`)).status, 404);
    });

    test('cancelling a finished job is 409', async () => {
      const ids = await uploadJson(org, [{ name: 'done.txt', body: 'done' }]);
      const job = await org.call('POST', '/api/v1/jobs', { file_ids: ids });
      const finished = await waitForJob(org, job.body.jobId as string);
      assert.equal(finished.status, 'completed');
      const r = await org.call('POST', `/api/v1/jobs/${job.body.jobId as string}/cancel`);
      assert.equal(r.status, 409);
      assert.equal(r.body.code, 'conflict');
    });

    test('garbage frames get an error message and the connection keeps working', async () => {
      const l = await listen(ts, org.apiKey);
      try {
        l.ws.send('not json {');
        l.ws.send(Buffer.from([0, 1, 2]), { binary: true });
        l.ws.send('[1,2]');
        l.ws.send(JSON.stringify({ type: 'ping' }));
        await until(() => l.received.some((m) => m.type === 'pong'), 'pong');
        assert.equal(only(l.received, 'error').length, 3);
        for (const e of only(l.received, 'error')) assert.equal(e.code, 'INVALID_MESSAGE');
        const ids = await uploadJson(org, [{ name: 'after-garbage.txt', body: 'still here' }]);
        await until(() => l.received.some((m) => m.type === 'file_uploaded' && m.fileId === ids[0]), 'file_uploaded after garbage');
      } finally {
        l.close();
      }
    });

    test('REST without a key, or with a wrong one, is 401; Bearer works too', async () => {
      assert.equal((await fetch(`${ts.url}/api/v1/files`)).status, 401);
      assert.equal((await fetch(`${ts.url}/api/v1/files`, { headers: { 'capout-api-key': 'capout_test_wrong' } })).status, 401);
      assert.equal((await fetch(`${ts.url}/api/v1/files`, { headers: { authorization: `Bearer ${org.apiKey}` } })).status, 200);
    });
  });
});
