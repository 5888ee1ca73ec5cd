// Real OCR with tesseract.js and its installed English data: scans inside PDFs and uploaded images.
// One engine for the whole file, as the server keeps one: creating a worker is the slow part.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  buildStructure,
  DocumentError,
  lineItemsOf,
  type OcrEngine,
  type PageProgress,
} from '../../../src/pipelines/documents/index.js';
import { countPages, createTesseractOcr, extractPages } from '../../../src/pipelines/documents/in-process.js';
import {
  buildMixedPdf,
  buildRotatedScanPdf,
  buildScannedEstimate,
  buildScannedEstimatePdf,
  buildScannedPdf,
  buildMultiPageTiff,
  buildTextPng,
  buildTextTiff,
  SCANNED_LINES,
} from '../../fixtures/documents.js';
import { OFFICE_ESTIMATE_SECTIONS } from '../../fixtures/estimate-catalogue.js';
import { ocrWords } from './helpers.js';

const EXPECTED_WORDS = ['harbor', 'restoration', 'inspection', 'water', 'damage', 'kitchen', 'drywall', 'baseboard'];

function assertReads(text: string): void {
  const words = ocrWords(text);
  const missing = EXPECTED_WORDS.filter((w) => !words.includes(ocrWords(w)));
  // One misread word is OCR being OCR; more means it is not reading the image.
  assert.ok(missing.length <= 1, `OCR missed ${missing.join(', ')} in: ${text}`);
}

describe('OCR with tesseract.js', () => {
  let ocr: OcrEngine;
  before(() => {
    ocr = createTesseractOcr();
  });
  after(async () => {
    await ocr.close();
  });

  test('a PDF page that is only an image of text is OCR’d', async () => {
    const pages = await extractPages(await buildScannedPdf(), 'application/pdf', { ocr });
    assert.equal(pages.length, 1);
    assert.equal(pages[0]!.source, 'ocr');
    assertReads(pages[0]!.text);
    assert.equal(pages[0]!.text.split('\n').filter((l) => l.trim() !== '').length, SCANNED_LINES.length);
  });

  test('a scan drawn a quarter turn and turned back by the page’s /Rotate is read upright', async () => {
    const [page] = await extractPages(await buildRotatedScanPdf(), 'application/pdf', { ocr });
    assertReads(page!.text);
  });

  test('a page scanned sideways is turned upright: its rows, and every item with its numbers', async () => {
    const sections = OFFICE_ESTIMATE_SECTIONS.slice(0, 1);
    const pages = await extractPages(await buildScannedEstimate(sections, { dpi: 200, quarterTurn: true }), 'application/pdf', { ocr });
    const structure = buildStructure(pages);
    assert.equal(structure.kind, 'estimate');
    const numbers = (i: { quantity: number; unit: string | null; unit_price: number; total: number }) => [i.quantity, i.unit, i.unit_price, i.total];
    assert.deepEqual(lineItemsOf(structure).map(numbers), sections[0]!.items.map(numbers));
  });

  test('a PNG upload goes straight to OCR', async () => {
    const pages = await extractPages(buildTextPng(), 'image/png', { ocr });
    assert.deepEqual(
      pages.map((p) => [p.number, p.source]),
      [[1, 'ocr']],
    );
    assertReads(pages[0]!.text);
  });

  test('a TIFF upload is read too', async () => {
    const [page] = await extractPages(buildTextTiff(), 'image/tiff', { ocr });
    assertReads(page!.text);
  });

  test('a multi-page TIFF (a fax, a sheet feeder) is read page by page, each page counted', async () => {
    const tiff = buildMultiPageTiff([SCANNED_LINES, ['Second page of the scan', 'Replace water heater forty gallon']], { thumbnailOf: 0 });
    assert.equal(await countPages(tiff, 'image/tiff'), 2, 'billed per page; the thumbnail is no page');
    const progress: PageProgress[] = [];
    const pages = await extractPages(tiff, 'image/tiff', { ocr, onProgress: (p) => progress.push(p) });
    assert.deepEqual(pages.map((p) => [p.number, p.source]), [[1, 'ocr'], [2, 'ocr']]);
    assertReads(pages[0]!.text);
    assert.ok(ocrWords(pages[1]!.text).includes(ocrWords('heater')), pages[1]!.text);
    assert.deepEqual(progress, [0, 1, 2].map((done) => ({ done, total: 2 })));
    await assert.rejects(extractPages(tiff, 'image/tiff', { ocr, maxPages: 1 }), (e: unknown) => e instanceof DocumentError && e.reason === 'too_many_pages');
  });

  test('text layer and OCR mix page by page', async () => {
    const pages = await extractPages(await buildMixedPdf(), 'application/pdf', { ocr });
    assert.deepEqual(
      pages.map((p) => p.source),
      ['text_layer', 'ocr'],
    );
    assertReads(pages[1]!.text);
  });

  test('a scanned estimate still yields line items', async () => {
    const structure = buildStructure(await extractPages(await buildScannedEstimatePdf(), 'application/pdf', { ocr }));
    assert.equal(structure.kind, 'estimate');
    const items = structure.sections.flatMap((s) => s.line_items);
    assert.ok(items.length >= 3, JSON.stringify(structure));
    const paint = items.find((i) => /paint/i.test(i.description));
    assert.ok(paint, 'the painting row was read');
    assert.deepEqual([paint.quantity, paint.unit, paint.unit_price, paint.total], [1240, 'SF', 1.15, 1426]);
  });

  test('an image tesseract cannot decode is image_unreadable, and the engine keeps working', async () => {
    const png = buildTextPng();
    const broken = png.slice(0, 60);
    await assert.rejects(ocr.recognize(broken), (error: unknown) => {
      assert.ok(error instanceof DocumentError);
      assert.equal(error.reason, 'image_unreadable');
      return true;
    });
    assertReads((await ocr.recognize(png)).text);
  });

  test('a reading given up stops at once, and the engine goes on with a fresh worker', async () => {
    const controller = new AbortController();
    const reading = ocr.recognize(buildTextPng(), controller.signal);
    setTimeout(() => controller.abort(new Error('document given up')), 20);
    await assert.rejects(reading, /document given up/);
    assertReads((await ocr.recognize(buildTextPng())).text);
  });

  test('concurrent calls are queued on the one worker', async () => {
    const [a, b] = await Promise.all([ocr.recognize(buildTextPng()), ocr.recognize(buildTextPng(['Second image of text']))]);
    assertReads(a.text);
    assert.match(ocrWords(b.text), /second image/);
  });
});

describe('OCR past its time limit', () => {
  test('fails as ocr_timeout, which is not worth a retry, instead of waiting for tesseract', async () => {
    // 50 ms is less than the worker takes to start, let alone read a page.
    const ocr = createTesseractOcr({ timeoutMs: 50 });
    try {
      const started = Date.now();
      await assert.rejects(ocr.recognize(buildTextPng()), (error: unknown) => {
        assert.ok(error instanceof DocumentError, String(error));
        assert.equal(error.reason, 'ocr_timeout');
        assert.equal(error.permanent, true);
        return true;
      });
      assert.ok(Date.now() - started < 5_000, 'the call failed when its time was up, not when tesseract finished');
    } finally {
      await ocr.close();
    }
  });
});
