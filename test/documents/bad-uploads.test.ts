// Bad documents as a client sends them, through a real server and its OCR worker pool: a
// password-protected PDF, files whose name (or claimed type) lies, pages with nothing to read, and
// bombs. Each ends in the documented answer — a 4xx at upload, or a `failed` document with its reason,
// refunded — or in a completed document read for what its bytes are; never a 500, never a dead pool.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { encodePng } from '../../src/pipelines/documents/encode-png.js';
import { buildEncryptedPdf, buildEstimatePdf, buildFakePng, buildTextPng, estimateLayout, ESTIMATE_SECTIONS, SCANNED_ESTIMATE_LINES } from '../fixtures/documents.js';
import { imageBombPdf, manyPagesPdf, mixedPdf, pngBomb } from '../fixtures/bad-documents.js';
import { photo } from '../fixtures/scan-effects.js';
import { makeOrg, waitForStatus, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const finished = (s: Record<string, unknown>) => s.status !== 'processing';

interface Result {
  readonly status: string;
  readonly mime_type: string | null;
  readonly page_count: number | null;
  readonly pages: { number: number; text: string; source: string }[] | null;
  readonly structure: { kind: string; warnings: { code: string; page: number | null }[] } | null;
  readonly line_items: { description: string; quantity: number; unit: string; unit_price: number; total: number }[] | null;
  readonly error?: string;
}

const numbers = (items: Result['line_items']) => (items ?? []).map((i) => [i.description, i.quantity, i.unit, i.unit_price, i.total]);
const ESTIMATE_NUMBERS = ESTIMATE_SECTIONS.flatMap((s) => s.items.map((i) => [i.description, i.quantity, i.unit, i.unit_price, i.total]));

describe('documents: bad uploads, end to end', () => {
  let ts: TestServer;
  let org: TestOrg;
  let fixtures: http.Server;
  let fixtureUrl: string;
  let estimate: Uint8Array;

  const balance = async () => (await org.call('GET', '/credits')).body.balance_micro_credits as number;

  /** Upload, wait for the end, and the document's status and result. */
  async function processed(body: Record<string, unknown>): Promise<{ status: Record<string, unknown>; result: Result }> {
    const up = await org.call('POST', '/upload', body);
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const id = up.body.document_id as string;
    const status = await waitForStatus(org, id, finished, 2400);
    const result = await org.call('GET', `/documents/${id}/result`);
    assert.equal(result.status, 200, JSON.stringify(result.body));
    return { status, result: result.body as unknown as Result };
  }

  /** A document that fails in processing: the reason in GET /status and the result, and its price refunded. */
  async function failsWith(body: Record<string, unknown>, reason: string, stage = 'ocr'): Promise<Record<string, unknown>> {
    const before = await balance();
    const { status, result } = await processed(body);
    assert.equal(status.status, 'failed', JSON.stringify(status));
    assert.equal(status.error, reason, `${String(body.file_name)}: ${JSON.stringify(status)}`);
    assert.equal(result.error, reason);
    if (stage === 'ocr') assert.equal((status.progress as Record<string, unknown>).ocr, 'failed');
    assert.equal(await balance(), before, `${String(body.file_name)} is refunded`);
    return status;
  }

  before(async () => {
    estimate = await buildEstimatePdf();
    const locked = await buildEncryptedPdf();
    fixtures = http.createServer((req, res) => {
      // What a careless (or hostile) host claims about what it serves: the bytes decide.
      if (req.url === '/scan.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from(estimate));
      if (req.url === '/notes.pdf') return res.writeHead(200, { 'content-type': 'application/pdf' }).end(Buffer.from(buildFakePng()));
      if (req.url === '/locked.pdf') return res.writeHead(200, { 'content-type': 'application/pdf' }).end(Buffer.from(locked));
      if (req.url === '/miscounted.pdf') return res.writeHead(200, { 'content-type': 'application/pdf' }).end(Buffer.from(manyPagesPdf(3, 72, -5)));
      if (req.url === '/pageless.pdf') return res.writeHead(200, { 'content-type': 'application/pdf' }).end(Buffer.from(manyPagesPdf(0)));
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => fixtures.listen(0, '127.0.0.2', r));
    fixtureUrl = `http://127.0.0.2:${(fixtures.address() as AddressInfo).port}`;
    ts = await startServer({ fetchAllowHosts: ['127.0.0.2'], workflowBackoffMs: 10, ocrWorkers: 1 });
    org = await makeOrg(ts, 100_000_000);
  });
  after(async () => {
    await ts.close();
    fixtures.close();
  });

  test('a password-protected PDF: 400 invalid_document (pdf_encrypted) inline, a failed pdf_encrypted document by URL, nothing billed', async () => {
    const before = await balance();
    const inline = await org.call('POST', '/upload', { file_base64: b64(await buildEncryptedPdf()), file_name: 'locked.pdf' });
    assert.equal(inline.status, 400);
    assert.equal(inline.body.code, 'invalid_document');
    assert.match(inline.body.error as string, /^pdf_encrypted: /);
    await failsWith({ url: `${fixtureUrl}/locked.pdf`, file_name: 'locked.pdf' }, 'pdf_encrypted', 'intake');
    assert.equal(await balance(), before);
  });

  test('a PDF with no pages, or a page tree that declares none or fewer than none, is 400 invalid_document (pdf_corrupt) inline and a failed document by URL, nothing billed', async () => {
    const poor = await makeOrg(ts, 0);
    // Last, a page tree that holds no page at all and says so: a PDF with no pages.
    for (const [declared, pdf] of [...[-5, 0, -1e15].map((n) => [n, manyPagesPdf(3, 72, n)] as const), [0, manyPagesPdf(0)] as const]) {
      const inline = await poor.call('POST', '/upload', { file_base64: b64(pdf), file_name: 'miscounted.pdf' });
      assert.equal(inline.status, 400, `${declared}: ${JSON.stringify(inline.body)}`);
      assert.equal(inline.body.code, 'invalid_document');
      assert.match(String(inline.body.error), /^pdf_corrupt: the PDF cannot be read/);
    }
    assert.deepEqual((await poor.call('GET', '/documents')).body.data, [], 'nothing was stored');
    const before = await balance();
    await failsWith({ url: `${fixtureUrl}/miscounted.pdf`, file_name: 'miscounted.pdf' }, 'pdf_corrupt', 'intake');
    await failsWith({ url: `${fixtureUrl}/pageless.pdf`, file_name: 'pageless.pdf' }, 'pdf_corrupt', 'intake');
    assert.equal(await balance(), before);
  });

  test('an extension that lies: the bytes decide — a PDF named .png is read as the PDF, a PNG named .pdf is OCR’d, text named .pdf is refused', async () => {
    for (const body of [
      { file_base64: b64(estimate), file_name: 'scan.png' },
      { url: `${fixtureUrl}/scan.png`, file_name: 'scan.png' },
    ]) {
      const { status, result } = await processed(body);
      assert.equal(status.status, 'completed', JSON.stringify(status));
      assert.deepEqual([result.mime_type, result.page_count, result.pages!.map((p) => p.source)], ['application/pdf', 2, ['text_layer', 'text_layer']]);
      assert.deepEqual(numbers(result.line_items), ESTIMATE_NUMBERS);
    }

    const { status, result } = await processed({ file_base64: b64(buildTextPng(SCANNED_ESTIMATE_LINES)), file_name: 'scope.pdf' });
    assert.equal(status.status, 'completed', JSON.stringify(status));
    assert.deepEqual([result.mime_type, result.page_count, result.pages!.map((p) => p.source)], ['image/png', 1, ['ocr']]);
    assert.deepEqual(numbers(result.line_items), [
      ['Remove vanity cabinet', 1, 'EA', 45, 45],
      ['Tile floor covering', 64, 'SF', 12.5, 800],
      ['Replace toilet supply line', 2, 'EA', 18.25, 36.5],
      ['Paint the walls - two coats', 1240, 'SF', 1.15, 1426],
    ]);

    const text = await org.call('POST', '/upload', { file_base64: b64(buildFakePng()), file_name: 'estimate.pdf' });
    assert.equal(text.status, 415);
    assert.equal(text.body.code, 'unsupported_media_type');
    await failsWith({ url: `${fixtureUrl}/notes.pdf`, file_name: 'notes.pdf' }, 'unsupported_type', 'intake');
  });

  test('pages with nothing to read: a blank page is a warning in a completed document; a photo alone is no_text, a one-pixel-high image image_unreadable', async () => {
    const [first, second] = estimateLayout(ESTIMATE_SECTIONS, { breakBefore: [2] });
    const { status, result } = await processed({ file_base64: b64(await mixedPdf([{ kind: 'text', layout: first! }, { kind: 'blank' }, { kind: 'text', layout: second! }])), file_name: 'with-blank.pdf' });
    assert.equal(status.status, 'completed', JSON.stringify(status));
    assert.deepEqual(result.structure!.warnings.map((w) => [w.code, w.page]), [['page_unreadable', 2]]);
    assert.deepEqual(numbers(result.line_items), ESTIMATE_NUMBERS);

    await failsWith({ file_base64: b64(encodePng(photo(480, 360, 5))), file_name: 'wall.png' }, 'no_text');
    // Every page was read and none had text: the count the failure leaves says so, not whichever
    // count was written last before it.
    const blank = await failsWith({ file_base64: b64(await mixedPdf(Array.from({ length: 6 }, () => ({ kind: 'blank' as const })))), file_name: 'blank.pdf' }, 'no_text');
    assert.deepEqual(blank.ocr_pages, { done: 6, total: 6 });
    await failsWith({ file_base64: b64(encodePng({ width: 1000, height: 1, channels: 1, pixels: new Uint8Array(1000) })), file_name: 'rule.png' }, 'image_unreadable');
  });

  test('bombs: 5,000 pages is 400 invalid_document (too_many_pages) at upload, unbilled, even without the credit; a 30000 × 30000 PNG and a PDF image of that size fail and are refunded; the OCR pool reads the next scan', async () => {
    const poor = await makeOrg(ts, 1_000);
    const before = await balance();
    for (const who of [org, poor]) {
      const many = await who.call('POST', '/upload', { file_base64: b64(manyPagesPdf(5000)), file_name: 'pages.pdf' });
      assert.equal(many.status, 400, JSON.stringify(many.body));
      assert.equal(many.body.code, 'invalid_document');
      assert.match(String(many.body.error), /^too_many_pages: the document has 5000 pages; at most 200/);
    }
    assert.equal(await balance(), before, 'nothing billed');
    await failsWith({ file_base64: b64(pngBomb(30000, 30000)), file_name: 'bomb.png' }, 'image_unreadable');
    await failsWith({ file_base64: b64(await imageBombPdf(612, 30000, 30000)), file_name: 'bomb.pdf' }, 'no_text');

    const { status, result } = await processed({ file_base64: b64(buildTextPng()), file_name: 'after.png' });
    assert.equal(status.status, 'completed', JSON.stringify(status));
    assert.match(result.pages![0]!.text, /Harbor Restoration inspection notes/);
    const peakMb = process.resourceUsage().maxRSS / 1024;
    assert.ok(peakMb < 1500, `peak RSS ${Math.round(peakMb)} MB`);
  });
});
