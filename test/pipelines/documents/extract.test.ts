// Text-layer extraction and the typed failures, with an OCR stand-in: no tesseract needed here.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import {
  DocumentError,
} from '../../../src/pipelines/documents/index.js';
import { countPages, extractPages } from '../../../src/pipelines/documents/in-process.js';
import {
  buildBlankPdf,
  buildEncryptedPdf,
  buildEstimatePdf,
  buildFakePng,
  buildLetterPdf,
  buildMixedPdf,
  buildTruncatedPdf,
  ESTIMATE_SECTIONS,
  LETTER_PARAGRAPHS,
} from '../../fixtures/documents.js';
import { fakeOcr } from './helpers.js';

function rejectsWith(reason: string) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof DocumentError, `expected a DocumentError, got ${String(error)}`);
    assert.equal(error.reason, reason);
    return true;
  };
}

describe('extractPages: text layer', () => {
  test('reads every page of the estimate from its text layer, rows in reading order', async () => {
    const ocr = fakeOcr();
    const pages = await extractPages(await buildEstimatePdf(), 'application/pdf', { ocr });
    assert.deepEqual(
      pages.map((p) => [p.number, p.source]),
      [
        [1, 'text_layer'],
        [2, 'text_layer'],
      ],
    );
    assert.equal(ocr.calls.length, 0, 'a page with a text layer is never OCR’d');
    const lines = pages[0]!.text.split('\n');
    assert.ok(lines.includes('1. Remove drywall - water damaged 120 SF $1.25 $150.00'), pages[0]!.text);
    assert.ok(pages[1]!.text.includes('Laminated - comp. shingle rfg. - w/ felt 31.33 SQ $285.00 $8,929.05'));
    for (const section of ESTIMATE_SECTIONS) assert.ok(pages.some((p) => p.text.includes(section.title)));
  });

  test('keeps paragraph breaks of a letter as blank lines', async () => {
    const [page] = await extractPages(await buildLetterPdf(), 'application/pdf', { ocr: fakeOcr() });
    const blocks = page!.text.split('\n\n');
    assert.ok(blocks.includes('Inspection Findings'));
    assert.ok(blocks.some((b) => b.replace(/\n/g, ' ') === LETTER_PARAGRAPHS.findings));
  });

  test('only the page without a text layer goes to OCR', async () => {
    const ocr = fakeOcr('text seen by OCR');
    const pages = await extractPages(await buildMixedPdf(), 'application/pdf', { ocr });
    assert.deepEqual(
      pages.map((p) => [p.source, p.text]),
      [
        ['text_layer', 'Cover page with a real text layer'],
        ['ocr', 'text seen by OCR'],
      ],
    );
    assert.equal(ocr.calls.length, 1);
    assert.equal(Buffer.from(ocr.calls[0]!.subarray(1, 4)).toString('latin1'), 'PNG', 'the scan reaches OCR as a PNG');
  });

  test('counts pages without extracting', async () => {
    assert.equal(await countPages(await buildEstimatePdf(), 'application/pdf'), 2);
    assert.equal(await countPages(new Uint8Array([0x89]), 'image/png'), 1);
  });
});

describe('extractPages: failures carry a stable reason', () => {
  test('an encrypted PDF is pdf_encrypted', async () => {
    await assert.rejects(extractPages(await buildEncryptedPdf(), 'application/pdf', { ocr: fakeOcr() }), rejectsWith('pdf_encrypted'));
  });

  test('a truncated PDF is pdf_corrupt', async () => {
    await assert.rejects(extractPages(await buildTruncatedPdf(), 'application/pdf', { ocr: fakeOcr() }), rejectsWith('pdf_corrupt'));
  });

  test('a PDF with no pages is pdf_corrupt, counted as none billable; pdf-lib saves an empty document with one blank page unless told not to', async () => {
    const empty = await (await PDFDocument.create()).save({ addDefaultPage: false });
    await assert.rejects(countPages(empty, 'application/pdf'), rejectsWith('pdf_corrupt'));
    await assert.rejects(extractPages(empty, 'application/pdf', { ocr: fakeOcr() }), rejectsWith('pdf_corrupt'));
    const blank = await (await PDFDocument.create()).save();
    assert.equal(await countPages(blank, 'application/pdf'), 1, 'a blank page is a page (it fails no_text, refunded)');
    await assert.rejects(extractPages(blank, 'application/pdf', { ocr: fakeOcr() }), rejectsWith('no_text'));
  });

  test('a "PNG" that is really text is unsupported_type, before any OCR', async () => {
    const ocr = fakeOcr('should not be used');
    await assert.rejects(extractPages(buildFakePng(), 'image/png', { ocr }), rejectsWith('unsupported_type'));
    assert.equal(ocr.calls.length, 0);
  });

  test('bytes that are not the declared type are unsupported_type', async () => {
    await assert.rejects(extractPages(await buildLetterPdf(), 'image/png', { ocr: fakeOcr() }), rejectsWith('unsupported_type'));
  });

  test('more pages than allowed is too_many_pages', async () => {
    await assert.rejects(extractPages(await buildEstimatePdf(), 'application/pdf', { ocr: fakeOcr(), maxPages: 1 }), rejectsWith('too_many_pages'));
  });

  test('a document with no text anywhere is no_text', async () => {
    await assert.rejects(extractPages(await buildBlankPdf(), 'application/pdf', { ocr: fakeOcr() }), rejectsWith('no_text'));
    const pages = await extractPages(await buildMixedPdf(), 'application/pdf', { ocr: fakeOcr('  \n ') });
    assert.equal(pages[1]!.text, '', 'one blank page among others is not a failure');
  });

  test('an OCR engine that throws makes ocr_failed, which is the one reason worth retrying', async () => {
    const failing = { recognize: () => Promise.reject(new Error('worker died')), close: async () => {} };
    await assert.rejects(extractPages(await buildMixedPdf(), 'application/pdf', { ocr: failing }), (error: unknown) => {
      assert.ok(error instanceof DocumentError);
      assert.equal(error.reason, 'ocr_failed');
      assert.equal(error.permanent, false);
      return true;
    });
  });

  test('an aborted signal stops before the next page', async () => {
    const controller = new AbortController();
    controller.abort(new Error('lease lost'));
    await assert.rejects(extractPages(await buildEstimatePdf(), 'application/pdf', { ocr: fakeOcr(), signal: controller.signal }), /lease lost/);
  });
});
