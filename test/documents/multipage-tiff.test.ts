// A multi-page TIFF (a fax, a sheet feeder's scan) through the real server: every page is read and
// billed, where the OCR engine alone would read the first and drop the rest without a word.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildMultiPageTiff, SCANNED_LINES } from '../fixtures/documents.js';
import { makeOrg, waitForStatus } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const finished = (s: Record<string, unknown>): boolean => s.status !== 'processing';

describe('documents: multi-page TIFF', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer({ documentPricePerPageMicro: 1000, documentMaxPages: 2 });
  });
  after(() => ts.close());

  test('a two-page TIFF (a fax) is read and billed page by page: nothing of its second page is lost', async () => {
    const o = await makeOrg(ts, 10_000);
    const tiff = buildMultiPageTiff([SCANNED_LINES, ['Second page of the fax', 'Replace water heater forty gallon']]);
    const up = await o.call('POST', '/upload', { file_base64: b64(tiff), file_name: 'fax.tif' });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const id = up.body.document_id as string;
    assert.equal((await o.call('GET', '/credits')).body.balance_micro_credits, 10_000 - 2 * 1000, 'billed for two pages at upload');
    const s = await waitForStatus(o, id, finished);
    assert.equal(s.status, 'completed', JSON.stringify(s));
    const result = await o.call('GET', `/documents/${id}/result`);
    assert.equal(result.body.page_count, 2);
    const pages = result.body.pages as { number: number; text: string; source: string }[];
    assert.deepEqual(pages.map((p) => [p.number, p.source]), [[1, 'ocr'], [2, 'ocr']]);
    assert.match(pages[1]!.text.toLowerCase(), /heater/);
  });

  test('a TIFF with more pages than the limit is refused at upload, before it is billed', async () => {
    const o = await makeOrg(ts, 10_000);
    const up = await o.call('POST', '/upload', { file_base64: b64(buildMultiPageTiff([['one'], ['two'], ['three']])), file_name: 'long-fax.tif' });
    assert.equal(up.status, 400, JSON.stringify(up.body));
    assert.equal(up.body.code, 'invalid_document');
    assert.match(up.body.error as string, /too_many_pages/);
    assert.equal((await o.call('GET', '/credits')).body.balance_micro_credits, 10_000);
  });
});
