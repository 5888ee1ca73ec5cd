// What reading one PDF may cost (pdf-budget.ts): a decompression bomb or a page of millions of
// operators fails for good with pdf_too_complex while pdf.js decodes it, long before its memory is
// spent; a worker that read one asks to be replaced; an ordinary PDF reads as before.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createIsolatedExtractor, DocumentError } from '../../../src/pipelines/documents/index.js';
import { createExtractHandler } from '../../../src/pipelines/documents/extract-handler.js';
import { createInProcessWorker } from '../../../src/pipelines/documents/in-process.js';
import { DEFAULT_PDF_LIMITS, type PdfLimits } from '../../../src/pipelines/documents/pdf-budget.js';
import { buildEstimatePdf, buildFlateBombPdf } from '../../fixtures/documents.js';
import { fakeOcr } from './helpers.js';

const MB = 1024 * 1024;
const LOW: PdfLimits = { maxDecodedBytesPerPage: 1 * MB, maxDecodedBytesPerDocument: 4 * MB, maxOperatorsPerPage: 10_000 };

async function extractWith(limits: PdfLimits, bytes: Uint8Array) {
  const extractor = createIsolatedExtractor({ workers: 1, spawn: () => createInProcessWorker(fakeOcr('page text read by OCR'), limits) });
  try {
    return await extractor.extractPages(bytes, 'application/pdf');
  } finally {
    await extractor.close();
  }
}

const tooComplex = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof DocumentError, String(error));
  assert.equal(error.reason, 'pdf_too_complex');
  assert.equal(error.permanent, true);
  assert.match(error.message, pattern);
  return true;
};

describe('PDF budget', () => {
  test('a page whose one content stream inflates past the page limit fails with pdf_too_complex', async () => {
    await assert.rejects(extractWith(LOW, buildFlateBombPdf({ decodedBytes: 8 * MB })), tooComplex(/page 1's streams decode to more than 1 MB/));
  });

  test('a stream pdf.js inflates itself (RunLengthDecode) is counted as it grows', async () => {
    await assert.rejects(extractWith(LOW, buildFlateBombPdf({ decodedBytes: 8 * MB, filter: 'RunLengthDecode' })), tooComplex(/page 1's streams decode to more than 1 MB/));
  });

  test('the same stream listed many times in /Contents counts every time it is decoded', async () => {
    // Each copy fits the page limit alone; six of them do not fit the document's.
    const limits = { ...LOW, maxDecodedBytesPerPage: 64 * MB };
    await assert.rejects(extractWith(limits, buildFlateBombPdf({ decodedBytes: 1 * MB, references: 6 })), tooComplex(/more than 4 MB in all/));
  });

  test('a page of more operators than allowed fails with pdf_too_complex', async () => {
    await assert.rejects(extractWith(LOW, buildFlateBombPdf({ decodedBytes: 100_000, operators: 20_000 })), tooComplex(/more than 10000 operators/));
  });

  test('an ordinary PDF reads within the default limits, and within low ones', async () => {
    const pdf = await buildEstimatePdf();
    for (const limits of [DEFAULT_PDF_LIMITS, LOW]) {
      const pages = await extractWith(limits, pdf);
      assert.ok(pages.length >= 1);
      assert.ok(pages.every((p) => p.source === 'text_layer'));
    }
  });

  test('the worker that read an over-budget PDF asks to be replaced; one that read an ordinary PDF does not', async () => {
    const ordinary = createExtractHandler(() => fakeOcr(), LOW);
    await ordinary.run({ op: 'layers', doc: 'a', bytes: await buildEstimatePdf() }, new AbortController().signal);
    assert.equal(ordinary.heavy(), false);
    await ordinary.close();
    const bombed = createExtractHandler(() => fakeOcr(), LOW);
    await assert.rejects(bombed.run({ op: 'layers', doc: 'b', bytes: buildFlateBombPdf({ decodedBytes: 8 * MB }) }, new AbortController().signal), tooComplex(/page 1/));
    assert.equal(bombed.heavy(), true);
    await bombed.close();
  });
});
