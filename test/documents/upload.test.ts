// The documents REST surface end to end: upload (base64 and URL), the five-stage pipeline, status,
// results, list, credits and refunds, idempotency, and every bad input the seed's users can send.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { buildBlankPdf, buildEncryptedPdf, buildEstimatePdf, buildFakePng, buildLetterPdf, buildTruncatedPdf, layoutPdf } from '../fixtures/documents.js';
import { makeOrg, waitForStatus, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const wrapped = (bytes: Uint8Array) => b64(bytes).replace(/.{64}/g, '$&\r\n');
const finished = (s: Record<string, unknown>) => s.status !== 'processing';

describe('documents: upload and processing', () => {
  let ts: TestServer;
  let org: TestOrg;
  let fixtures: http.Server;
  let fixtureUrl: string;
  let estimate: Uint8Array;
  let busyOnce = false;

  before(async () => {
    estimate = await buildEstimatePdf();
    const letter = await buildLetterPdf();
    fixtures = http.createServer((req, res) => {
      if (req.url === '/estimate.pdf') return res.writeHead(200, { 'content-type': 'application/pdf' }).end(Buffer.from(estimate));
      if (req.url === '/letter.pdf') return res.writeHead(200).end(Buffer.from(letter));
      if (req.url === '/redirect-to-letter') return res.writeHead(302, { location: '/letter.pdf' }).end();
      if (req.url === '/redirect-to-metadata') return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
      if (req.url === '/big') return res.writeHead(200).end(Buffer.alloc(300_000, 1));
      // Busy the first time it is asked, then there.
      if (req.url === '/busy-then-letter.pdf') {
        busyOnce = !busyOnce;
        return busyOnce ? res.writeHead(503).end() : res.writeHead(200).end(Buffer.from(letter));
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => fixtures.listen(0, '127.0.0.2', r));
    fixtureUrl = `http://127.0.0.2:${(fixtures.address() as AddressInfo).port}`;
    ts = await startServer({ fetchAllowHosts: ['127.0.0.2'], documentMaxBytes: 200_000, documentPricePerPageMicro: 1000, workflowBackoffMs: 10 });
    org = await makeOrg(ts, 100_000);
  });
  after(async () => {
    await ts.close();
    fixtures.close();
  });

  test('a base64 estimate goes through all five stages; status, result, list and credits agree', async () => {
    const up = await org.call('POST', '/upload', { file_base64: b64(estimate), file_name: 'claim-123-scope.pdf', xn_address: 'restoration-team@example.xn' });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const id = up.body.document_id as string;
    assert.equal(up.body.status, 'processing');
    assert.equal(up.body.status_url, `/status/${id}`);
    assert.equal(up.body.ws_url, '/ws/status');
    assert.match(up.body.workflow_id as string, /^wf_/);
    assert.ok(!Number.isNaN(Date.parse(up.body.created_at as string)));
    const s = await waitForStatus(org, id, finished);
    assert.equal(s.status, 'completed', JSON.stringify(s));
    assert.deepEqual(s.progress, { ocr: 'complete', structure: 'complete', actions: 'complete', trades: 'complete', categories: 'complete' });
    assert.equal(s.workflow_complete, true);
    assert.ok(s.completed_at);
    const result = await org.call('GET', `/documents/${id}/result`);
    assert.equal(result.status, 200);
    const items = result.body.line_items as { description: string; quantity: number; unit: string; action: { value: string; confidence: number }; trade: { value: string }; category: { value: string } }[];
    assert.ok(items.length >= 5, 'line items were found');
    for (const item of items) {
      assert.ok(item.action.value && item.trade.value && item.category.value);
      assert.ok(item.action.confidence > 0 && item.action.confidence <= 1);
    }
    assert.equal((result.body.structure as { kind: string }).kind, 'estimate');
    const list = await org.call('GET', '/documents?limit=5');
    assert.ok((list.body.data as { document_id: string }[]).some((d) => d.document_id === id));
    const credits = await org.call('GET', '/credits');
    assert.equal(credits.body.balance_micro_credits, 100_000 - 1000 * (result.body.page_count as number));
    // pdfjs ran in the extraction worker: the server's own built-ins are still native, not polyfilled.
    assert.match(JSON.stringify.toString(), /\[native code\]/);
    assert.match(Array.prototype.push.toString(), /\[native code\]/);
  });

  test('an invoice without a unit column gives its items with unit null; a letter\'s lone priced row is named in warnings', async () => {
    const run = (text: string) => ({ text, x: 50, y: 0, size: 10, bold: false });
    const lines = ['Harbor Office Supply', 'Invoice No. INV-20931', 'Description Qty Price Total', '1. Copy paper, letter, 10 ream case 3 $42.99 $128.97', '2. Toner cartridge 2 $89.50 $179.00', 'Total $307.97'];
    const invoice = await layoutPdf([{ width: 612, height: 792, runs: lines.map((line, i) => ({ ...run(line), y: 740 - 20 * i })) }]);
    const up = await org.call('POST', '/upload', { file_base64: b64(invoice), file_name: 'invoice.pdf' });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.equal((await waitForStatus(org, up.body.document_id as string, finished)).status, 'completed');
    const result = await org.call('GET', `/documents/${up.body.document_id as string}/result`);
    assert.deepEqual((result.body.line_items as Record<string, unknown>[]).map((i) => [i.description, i.quantity, i.unit, i.unit_price, i.total, i.section]), [
      ['Copy paper, letter, 10 ream case', 3, null, 42.99, 128.97, null],
      ['Toner cartridge', 2, null, 89.5, 179, null],
    ]);
    assert.deepEqual(result.body.warnings, []);

    const note = ['Dear Ms. Alvarez,', 'We priced the repair at: Remove drywall 120 SF $1.25 $150.00', 'Regards,'];
    const letter = await layoutPdf([{ width: 612, height: 792, runs: note.map((line, i) => ({ ...run(line), y: 740 - 20 * i })) }]);
    const sent = await org.call('POST', '/upload', { file_base64: b64(letter), file_name: 'letter.pdf' });
    assert.equal((await waitForStatus(org, sent.body.document_id as string, finished)).status, 'completed');
    const read = await org.call('GET', `/documents/${sent.body.document_id as string}/result`);
    assert.deepEqual([(read.body.structure as { kind: string }).kind, read.body.line_items], ['document', []]);
    assert.deepEqual((read.body.warnings as { code: string }[]).map((w) => w.code), ['row_not_listed']);
  });

  test('a URL upload is fetched (through a redirect) and processed', async () => {
    const up = await org.call('POST', '/upload', { url: `${fixtureUrl}/redirect-to-letter`, file_name: 'letter.pdf' });
    assert.equal(up.status, 201);
    const s = await waitForStatus(org, up.body.document_id as string, finished);
    assert.equal(s.status, 'completed', JSON.stringify(s));
    const result = await org.call('GET', `/documents/${up.body.document_id as string}/result`);
    assert.equal((result.body.structure as { kind: string }).kind, 'document');
  });

  test('SSRF: non-http schemes and literal private addresses are refused at once; names and redirects that lead inside fail the document, refunded', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.com/x.pdf', 'http://[::1]/x.pdf', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/x.pdf', 'not a url']) {
      const r = await org.call('POST', '/upload', { url, file_name: 'x.pdf' });
      assert.equal(r.status, 400, url);
      assert.equal(r.body.code, 'invalid_request');
    }
    const before = (await org.call('GET', '/credits')).body.balance_micro_credits as number;
    for (const url of [`http://localhost:${new URL(fixtureUrl).port}/letter.pdf`, `${fixtureUrl}/redirect-to-metadata`]) {
      const r = await org.call('POST', '/upload', { url, file_name: 'x.pdf' });
      assert.equal(r.status, 201, url);
      const s = await waitForStatus(org, r.body.document_id as string, finished);
      assert.equal(s.status, 'failed', url);
      assert.equal(s.error, 'blocked_address', url);
    }
    const tooBig = await org.call('POST', '/upload', { url: `${fixtureUrl}/big`, file_name: 'big.pdf' });
    assert.equal((await waitForStatus(org, tooBig.body.document_id as string, finished)).error, 'too_large');
    const missing = await org.call('POST', '/upload', { url: `${fixtureUrl}/nope.pdf`, file_name: 'x.pdf' });
    assert.equal((await waitForStatus(org, missing.body.document_id as string, finished)).error, 'http_status');
    assert.equal((await org.call('GET', '/credits')).body.balance_micro_credits, before, 'failed fetches cost nothing');
  });

  test('a URL that is busy or cannot be reached for a moment is fetched again; one that stays unreachable fails network, retryable', async () => {
    const busy = await org.call('POST', '/upload', { url: `${fixtureUrl}/busy-then-letter.pdf`, file_name: 'letter.pdf' });
    assert.equal(busy.status, 201);
    assert.equal((await waitForStatus(org, busy.body.document_id as string, finished)).status, 'completed');

    // A port nothing listens on: refused at every attempt.
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.2', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const down = await org.call('POST', '/upload', { url: `http://127.0.0.2:${port}/x.pdf`, file_name: 'x.pdf' });
    const failed = await waitForStatus(org, down.body.document_id as string, finished);
    assert.deepEqual([failed.status, failed.error], ['failed', 'network']);
    const work = await ts.admin('GET', `/work?status=failed&org_id=${org.id}`);
    const run = (work.body.data as { run_id: string; retryable: boolean; attempts?: number }[]).find((w) => w.run_id === down.body.workflow_id);
    assert.equal(run?.retryable, true, JSON.stringify(run));
  });

  test('bad inputs: both or neither source, invalid base64, empty file, too large, not a document, encrypted or truncated PDF', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ url: `${fixtureUrl}/letter.pdf`, file_base64: b64(estimate), file_name: 'x.pdf' }, 400, 'invalid_request'],
      [{ file_name: 'x.pdf' }, 400, 'invalid_request'],
      [{ file_base64: 'not base64!!', file_name: 'x.pdf' }, 400, 'invalid_request'],
      [{ file_base64: 'abc', file_name: 'x.pdf' }, 400, 'invalid_request'],
      [{ file_base64: '', file_name: 'x.pdf' }, 400, 'invalid_request'],
      [{ file_base64: b64(Buffer.alloc(250_000, 7)), file_name: 'x.pdf' }, 413, 'payload_too_large'],
      [{ file_base64: b64(buildFakePng()), file_name: 'really-text.png' }, 415, 'unsupported_media_type'],
      [{ file_base64: b64(await buildEncryptedPdf()), file_name: 'locked.pdf' }, 400, 'invalid_document'],
      [{ file_base64: b64(await buildTruncatedPdf()), file_name: 'cut.pdf' }, 400, 'invalid_document'],
      [{ file_base64: b64(estimate) }, 400, 'invalid_request'],
      [{ file_base64: b64(estimate), file_name: 'a\u0000b.pdf' }, 400, 'invalid_request'],
      [{ file_base64: b64(estimate), file_name: 'a\u0085b.pdf' }, 400, 'invalid_request'],
      [{ file_base64: b64(estimate), file_name: 'x.pdf', xn_address: 'team\u009b@example.xn' }, 400, 'invalid_request'],
      // Whitespace in base64 is ignored, so a file just under the limit, wrapped at 64 characters with
      // CRLF as PEM and MIME tools write it, is not refused for its size.
      [{ file_base64: wrapped(Buffer.alloc(199_000, 7)), file_name: 'x.pdf' }, 415, 'unsupported_media_type'],
      [{ file_base64: wrapped(Buffer.alloc(200_001, 7)), file_name: 'x.pdf' }, 413, 'payload_too_large'],
    ];
    const balance = (await org.call('GET', '/credits')).body.balance_micro_credits;
    for (const [body, status, code] of cases) {
      const r = await org.call('POST', '/upload', body);
      assert.equal(r.status, status, `${JSON.stringify(body).slice(0, 80)} → ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, code);
    }
    assert.equal((await org.call('GET', '/credits')).body.balance_micro_credits, balance, 'refused uploads cost nothing');
  });

  test('402 before any work when credits are short; keys are checked first', async () => {
    const poor = await makeOrg(ts, 0);
    const r = await poor.call('POST', '/upload', { file_base64: b64(estimate), file_name: 'x.pdf' });
    assert.equal(r.status, 402);
    assert.equal(r.body.code, 'payment_required');
    assert.equal(((await poor.call('GET', '/documents')).body.data as unknown[]).length, 0);
    const viaUrl = await poor.call('POST', '/upload', { url: `${fixtureUrl}/letter.pdf`, file_name: 'x.pdf' });
    assert.equal(viaUrl.status, 402);
    for (const key of [undefined, 'capout_test_nope', 'garbage']) {
      const res = await fetch(`${ts.url}/upload`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { 'capout-api-key': key } : {}) }, body: JSON.stringify({ file_base64: b64(estimate), file_name: 'x.pdf' }) });
      assert.equal(res.status, 401);
    }
  });

  test('a document that fails during processing is refunded in full and says why', async () => {
    const before = (await org.call('GET', '/credits')).body.balance_micro_credits as number;
    const up = await org.call('POST', '/upload', { file_base64: b64(await buildBlankPdf()), file_name: 'blank.pdf' });
    assert.equal(up.status, 201);
    assert.ok(((await org.call('GET', '/credits')).body.balance_micro_credits as number) < before, 'billed when accepted');
    const s = await waitForStatus(org, up.body.document_id as string, finished);
    assert.equal(s.status, 'failed');
    assert.equal(s.error, 'no_text');
    assert.equal((s.progress as Record<string, unknown>).ocr, 'failed');
    assert.equal((await org.call('GET', '/credits')).body.balance_micro_credits, before, 'refunded');
  });

  test("another organization's document is 404 everywhere", async () => {
    const up = await org.call('POST', '/upload', { file_base64: b64(estimate), file_name: 'mine.pdf' });
    const other = await makeOrg(ts);
    const id = up.body.document_id as string;
    assert.equal((await other.call('GET', `/status/${id}`)).status, 404);
    assert.equal((await other.call('GET', `/documents/${id}/result`)).status, 404);
    assert.ok(!((await other.call('GET', '/documents')).body.data as { document_id: string }[]).some((d) => d.document_id === id));
    assert.equal((await org.call('GET', '/status/doc_doesnotexist')).status, 404);
  });

  test('Idempotency-Key: same key and body → the first response; same key, other body → 409', async () => {
    const body = { file_base64: b64(estimate), file_name: 'idem.pdf' };
    const first = await org.call('POST', '/upload', body, { 'idempotency-key': 'upload-1' });
    const again = await org.call('POST', '/upload', body, { 'idempotency-key': 'upload-1' });
    assert.equal(again.status, first.status);
    assert.deepEqual(again.body, first.body);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    assert.equal(again.headers.get('idempotent-replayed'), 'true', 'a replay is marked as one');
    const kept = await ts.server.ctx.storage.db.selectFrom('idempotency_keys').select('response').where('key', '=', 'upload-1').executeTakeFirstOrThrow();
    assert.ok(kept.response.startsWith('v1.') && !kept.response.includes(first.body.document_id as string), 'the kept answer is sealed');
    // The same file with its base64 wrapped (as `base64` and most libraries write it) is the same upload.
    const wrappedBody = { ...body, file_base64: body.file_base64.replace(/(.{76})/g, '$1\r\n') };
    assert.notEqual(wrappedBody.file_base64, body.file_base64);
    const rewrapped = await org.call('POST', '/upload', wrappedBody, { 'idempotency-key': 'upload-1' });
    assert.equal(rewrapped.status, 201, JSON.stringify(rewrapped.body));
    assert.equal(rewrapped.body.document_id, first.body.document_id);
    assert.equal(rewrapped.headers.get('idempotent-replayed'), 'true');
    const otherFile = { ...body, file_base64: Buffer.concat([estimate, Buffer.from('\n')]).toString('base64') };
    assert.equal((await org.call('POST', '/upload', otherFile, { 'idempotency-key': 'upload-1' })).status, 409, 'another file under the key');
    const clash = await org.call('POST', '/upload', { ...body, file_name: 'other.pdf' }, { 'idempotency-key': 'upload-1' });
    assert.equal(clash.status, 409);
    assert.equal(clash.body.code, 'idempotency_conflict');
    assert.equal(clash.headers.get('retry-after'), null, 'another body under the key does not pass: no Retry-After');
    assert.equal((await org.call('POST', '/upload', body, { 'idempotency-key': 'has space' })).status, 400);
  });

  test('Idempotency-Key sent twice at once: one document; a loser gets the first answer, or waits for Retry-After and then gets it', async () => {
    const body = { file_base64: b64(estimate), file_name: 'twice.pdf' };
    const headers = { 'idempotency-key': 'upload-twice' };
    const answers = await Promise.all([1, 2, 3].map(() => org.call('POST', '/upload', body, headers)));
    const won = answers.filter((a) => a.status === 201);
    assert.ok(won.length >= 1, JSON.stringify(answers.map((a) => a.status)));
    for (const a of answers) {
      if (a.status === 201) continue;
      // Still held by the request that got there first: a conflict that passes.
      assert.equal(a.status, 409, JSON.stringify(a.body));
      assert.equal(a.body.code, 'idempotency_conflict');
      assert.equal(a.headers.get('retry-after'), '1');
    }
    const id = won[0]!.body.document_id;
    for (const a of won) assert.equal(a.body.document_id, id);
    const retry = await org.call('POST', '/upload', body, headers);
    assert.equal(retry.status, 201);
    assert.equal(retry.body.document_id, id);
    const listed = await org.call('GET', '/documents?limit=100');
    const docs = listed.body.data as { file_name: string }[];
    assert.equal(docs.filter((d) => d.file_name === 'twice.pdf').length, 1, 'one document for the key');
  });

  test('Idempotency-Key sent twice at once on a balance that pays for one: no 402 for the document taken and billed', async () => {
    const body = { file_base64: b64(estimate), file_name: 'one-paid.pdf' };
    const probe = await makeOrg(ts, 1_000_000);
    assert.equal((await probe.call('POST', '/upload', body)).status, 201);
    const cost = 1_000_000 - ((await probe.call('GET', '/credits')).body.balance_micro_credits as number);
    for (let round = 0; round < 4; round++) {
      const tight = await makeOrg(ts, cost);
      const headers = { 'idempotency-key': `one-paid-${round}` };
      const answers = await Promise.all([1, 2, 3].map(() => tight.call('POST', '/upload', body, headers)));
      const statuses = answers.map((a) => a.status);
      assert.ok(statuses.every((st) => st === 201 || st === 409), JSON.stringify(answers.map((a) => a.body)));
      const ids = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.document_id));
      assert.equal(ids.size, 1, 'one document for the key');
      const retry = await tight.call('POST', '/upload', body, headers);
      assert.equal(retry.status, 201);
      assert.ok(ids.has(retry.body.document_id));
      assert.equal((await tight.call('GET', '/credits')).body.balance_micro_credits, 0, 'billed once');
    }
  });

  test('Idempotency-Key sent at once with other bodies: one document, and every other request is a conflict that does not pass', async () => {
    const headers = { 'idempotency-key': 'upload-clash' };
    const names = ['a.pdf', 'b.pdf', 'c.pdf', 'd.pdf'];
    const answers = await Promise.all(names.map((file_name) => org.call('POST', '/upload', { file_base64: b64(estimate), file_name }, headers)));
    const won = answers.filter((a) => a.status === 201);
    assert.equal(won.length, 1, JSON.stringify(answers.map((a) => a.body)));
    for (const a of answers) {
      if (a.status === 201) continue;
      // The key is taken by another request: retrying this one would never pass.
      assert.equal(a.status, 409, JSON.stringify(a.body));
      assert.equal(a.body.code, 'idempotency_conflict');
      assert.equal(a.headers.get('retry-after'), null, JSON.stringify(a.body));
    }
    const listed = (await org.call('GET', '/documents?limit=100')).body.data as { document_id: string; file_name: string }[];
    assert.deepEqual(listed.filter((d) => names.includes(d.file_name)).map((d) => d.document_id), [won[0]!.body.document_id]);
  });

  test('list pagination bounds', async () => {
    for (const q of ['limit=0', 'limit=-1', 'limit=1000', 'limit=abc', 'offset=-1']) {
      assert.equal((await org.call('GET', `/documents?${q}`)).status, 400, q);
    }
  });
});
