// A PDF decompression bomb (a small file whose content stream inflates to far more than a page may)
// fails for good with pdf_too_complex while it is decoded, on the first attempt, refunded; the node
// and its OCR workers carry on, and an ordinary PDF uploaded after it is read. A page that lists one
// stream many times is refused at upload, before it is billed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildEstimatePdf, buildFlateBombPdf } from '../fixtures/documents.js';
import { makeOrg, waitForStatus, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';

const CREDITS = 1_000_000;
const MB = 1024 * 1024;
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe('documents: a PDF decompression bomb', () => {
  let ts: TestServer;
  let org: TestOrg;

  before(async () => {
    ts = await startServer({ workflowBackoffMs: 10, workflowMaxAttempts: 3, ocrWorkers: 1, pdfMaxDecodedMbPerPage: 1, pdfMaxDecodedMbPerDocument: 4 });
    org = await makeOrg(ts, CREDITS);
  });
  after(async () => {
    await ts.close();
  });

  test('fails pdf_too_complex at the first attempt, is refunded, and the next PDF is read', async () => {
    const up = await org.call('POST', '/upload', { file_base64: base64(buildFlateBombPdf({ decodedBytes: 16 * MB })), file_name: 'bomb.pdf' });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const id = up.body.document_id as string;
    const status = await waitForStatus(org, id, (s) => s.status !== 'processing', 600);
    assert.equal(status.status, 'failed', JSON.stringify(status));
    assert.equal(status.error, 'pdf_too_complex');
    assert.equal((await org.call('GET', '/credits')).body.balance_micro_credits, CREDITS, 'refunded');

    const work = await ts.admin('GET', `/work?status=failed&kind=document&org_id=${org.id}`);
    const item = (work.body.data as { resource_id: string; attempts: number; retryable: boolean }[]).find((i) => i.resource_id === id);
    assert.deepEqual([item?.attempts, item?.retryable], [1, false], JSON.stringify(item));

    const next = await org.call('POST', '/upload', { file_base64: base64(await buildEstimatePdf()), file_name: 'scope.pdf' });
    assert.equal(next.status, 201, JSON.stringify(next.body));
    const done = await waitForStatus(org, next.body.document_id as string, (s) => s.status !== 'processing', 600);
    assert.equal(done.status, 'completed', JSON.stringify(done));
  });

  test('a page listing one content stream several times is refused at upload, unbilled', async () => {
    const balance = (await org.call('GET', '/credits')).body.balance_micro_credits;
    const up = await org.call('POST', '/upload', { file_base64: base64(buildFlateBombPdf({ decodedBytes: 64 * 1024, references: 6 })), file_name: 'bomb.pdf' });
    assert.equal(up.status, 400, JSON.stringify(up.body));
    assert.equal(up.body.code, 'invalid_document');
    assert.match(up.body.error as string, /^pdf_too_complex: .*4 0 R more than once/);
    assert.equal((await org.call('GET', '/credits')).body.balance_micro_credits, balance);
  });
});
