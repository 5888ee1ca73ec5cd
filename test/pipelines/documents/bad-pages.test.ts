// The bad pages a documents API meets, through the real pipeline with real tesseract (one engine for
// the file): an upside-down scan, blank and noisy pages, a photo, images a pixel high, PDF bombs and
// text in other scripts. Each ends in an exact outcome — items read, a page warning, or a failure code —
// never a crash, a hang or line items made up from noise.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_RULES, DocumentError, type OcrEngine, type ProcessedDocument } from '../../../src/pipelines/documents/index.js';
import { countPages, createTesseractOcr, extractPages, processDocument } from '../../../src/pipelines/documents/in-process.js';
import { encodePng } from '../../../src/pipelines/documents/encode-png.js';
import { normalisePage } from '../../../src/pipelines/documents/preprocess.js';
import type { DocumentType } from '../../../src/util/sniff.js';
import { buildBlankPdf, buildTextPng, buildTextTiff, estimateLayout, ESTIMATE_SECTIONS, scanImage, scanPdf, textImage, type FixtureSection } from '../../fixtures/documents.js';
import { OFFICE_ESTIMATE_SECTIONS } from '../../fixtures/estimate-catalogue.js';
import { cropToContent, foreignTextPdf, imageBombPdf, manyPagesPdf, mixedPdf, noisyBlankScan, pngBomb, whiteImage } from '../../fixtures/bad-documents.js';
import { photo } from '../../fixtures/scan-effects.js';
import { rasterizeText } from '../../fixtures/text-raster.js';
import { fakeOcr, ocrWords } from './helpers.js';

const PDF: DocumentType = 'application/pdf';
const PNG: DocumentType = 'image/png';

const itemsOf = (sections: readonly FixtureSection[]) => sections.flatMap((s) => s.items.map((i) => ({ description: i.description, quantity: i.quantity, unit: i.unit, unit_price: i.unit_price, total: i.total })));
const numbersOf = (doc: ProcessedDocument) => doc.line_items.map((i) => ({ description: i.description, quantity: i.quantity, unit: i.unit, unit_price: i.unit_price, total: i.total }));
const pageWarnings = (doc: ProcessedDocument) => doc.structure.warnings.map((w) => [w.code, w.page]);

function failsWith(reason: string, message?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof DocumentError, `expected a DocumentError, got ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    if (message) assert.match(error.message, message);
    return true;
  };
}

const gray = (width: number, height: number, value: number) => encodePng({ width, height, channels: 1, pixels: new Uint8Array(width * height).fill(value) });

/** The fixture TIFF of text with its ImageWidth, ImageLength, BitsPerSample and SamplesPerPixel entries rewritten. */
function tiffDeclaring(width: number, height: number, bitsPerSample = 8, samplesPerPixel = 1): Uint8Array {
  const tiff = buildTextTiff();
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  // ImageWidth (256) and ImageLength (257) LONG, BitsPerSample (258) and SamplesPerPixel (277) SHORT, in the one directory at 8.
  for (let i = 0, at = 10; i < view.getUint16(8, true); i++, at += 12) {
    const tag = view.getUint16(at, true);
    if (tag === 256) view.setUint32(at + 8, width, true);
    if (tag === 257) view.setUint32(at + 8, height, true);
    if (tag === 258) view.setUint16(at + 8, bitsPerSample, true);
    if (tag === 277) view.setUint16(at + 8, samplesPerPixel, true);
  }
  return tiff;
}

/** The head of a JPEG: JFIF marker, then a frame header declaring width × height pixels of `components` samples of `precision` bits. */
function jpegDeclaring(width: number, height: number, precision = 8, components = 1): Uint8Array {
  const app0 = [0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
  // SOF1 (extended sequential) allows 12-bit samples; each component is id, sampling factors, table.
  const specs = Array.from({ length: components }, (_, i) => [i + 1, 0x11, 0]).flat();
  const sof = [0xff, precision === 8 ? 0xc0 : 0xc1, 0, 8 + specs.length, precision, height >> 8, height & 0xff, width >> 8, width & 0xff, components, ...specs];
  return new Uint8Array([0xff, 0xd8, ...app0, ...sof, 0xff, 0xd9]);
}

/** Estimate-like rows in Russian (units and money included) and a Greek note: scripts the English OCR data does not know. */
const CYRILLIC_LINES = ['Смета на ремонт кухни', 'Демонтаж гипсокартона 120 м2 1,25 150,00', 'Покраска стен в два слоя 384 м2 1,12 430,08', 'Итого по смете 580,08'];
const GREEK_LINES = ['Εκτίμηση επισκευής κουζίνας', 'Αφαίρεση γυψοσανίδας και καθαρισμός', 'Βάψιμο τοίχων σε δύο στρώσεις'];

describe('bad pages, read by tesseract through the pipeline', () => {
  let ocr: OcrEngine;
  const run = (bytes: Uint8Array, type: DocumentType) => processDocument(bytes, type, { ocr, rules: DEFAULT_RULES });

  before(() => {
    ocr = createTesseractOcr();
  });
  after(async () => {
    await ocr.close();
  });

  test('an upside-down scan is read upright: every item with its exact numbers, no warning', async () => {
    const sections = OFFICE_ESTIMATE_SECTIONS.slice(0, 1);
    const [page] = estimateLayout(sections, { quantityDecimals: 2 });
    const doc = await run(await scanPdf([scanImage(cropToContent(page!), { dpi: 200, upsideDown: true })]), PDF);
    assert.equal(doc.pages[0]!.source, 'ocr');
    assert.ok(doc.pages[0]!.confidence! > 0.75, `confidence ${doc.pages[0]!.confidence}`);
    assert.equal(doc.structure.kind, 'estimate');
    assert.deepEqual(doc.structure.warnings, []);
    assert.deepEqual(numbersOf(doc), itemsOf(sections));
    for (const item of doc.line_items) assert.deepEqual([item.flags, item.repairs], [[], []], item.description);
  });

  test('a blank page between text pages is page_unreadable, the others give every item; only blank pages is no_text', async () => {
    const [first, second] = estimateLayout(ESTIMATE_SECTIONS, { breakBefore: [2] });
    for (const blank of [{ kind: 'blank' as const }, { kind: 'image' as const, image: noisyBlankScan() }]) {
      const doc = await run(await mixedPdf([{ kind: 'text', layout: first! }, blank, { kind: 'text', layout: second! }]), PDF);
      assert.deepEqual(doc.pages.map((p) => [p.source, p.text === '']), [['text_layer', false], [blank.kind === 'blank' ? 'text_layer' : 'ocr', true], ['text_layer', false]]);
      assert.deepEqual(pageWarnings(doc), [['page_unreadable', 2]], blank.kind);
      assert.deepEqual(numbersOf(doc), itemsOf(ESTIMATE_SECTIONS));
      assert.deepEqual([...new Set(doc.line_items.map((i) => i.page))], [1, 3]);
    }
    await assert.rejects(run(await buildBlankPdf(), PDF), failsWith('no_text'));
    await assert.rejects(run(encodePng(noisyBlankScan(9)), PNG), failsWith('no_text'));
  });

  test('a photo invents no line items: page_unreadable beside a text page, no_text on its own', async () => {
    const sections = ESTIMATE_SECTIONS.slice(0, 1);
    const doc = await run(await mixedPdf([{ kind: 'text', layout: estimateLayout(sections)[0]! }, { kind: 'image', image: photo(480, 360, 3) }]), PDF);
    assert.equal(doc.pages[1]!.source, 'ocr');
    assert.deepEqual(pageWarnings(doc), [['page_unreadable', 2]]);
    assert.deepEqual(numbersOf(doc), itemsOf(sections));
    // Alone, OCR's guesses at it ("ee fe 25 3 Sens", at 17 %) are all there is: no text, not a document of noise.
    await assert.rejects(run(encodePng(photo(480, 360, 5)), PNG), failsWith('no_text', /OCR found no text it could read/));
  });

  test('images a pixel high are image_unreadable (no_text inside a PDF), and the engine reads the next image', async () => {
    await assert.rejects(run(gray(1000, 1, 0), PNG), failsWith('image_unreadable', /1000×1 pixels, too small/));
    await assert.rejects(run(gray(1, 1, 0), PNG), failsWith('image_unreadable', /1×1 pixels, too small/));
    // A PDF's sliver of a picture is decoration, skipped: the page has nothing else.
    const sliver = await mixedPdf([{ kind: 'image', image: { width: 2000, height: 1, channels: 1, pixels: new Uint8Array(2000) } }]);
    await assert.rejects(run(sliver, PDF), failsWith('no_text'));
    const [page] = await extractPages(buildTextPng(['Still reading after the slivers']), PNG, { ocr });
    assert.match(ocrWords(page!.text), /still reading after the slivers/);
  });

  test('PDF bombs: 5,000 pages fail too_many_pages before any page is read; huge pictures are refused or never decoded; memory stays bounded', async () => {
    const many = manyPagesPdf(5000);
    assert.equal(await countPages(many, PDF), 5000);
    const untouched = fakeOcr('never asked');
    let started = Date.now();
    await assert.rejects(extractPages(many, PDF, { ocr: untouched, maxPages: 200 }), failsWith('too_many_pages', /5000 pages, the limit is 200/));
    assert.ok(Date.now() - started < 3000, `too_many_pages took ${Date.now() - started} ms`);
    assert.equal(untouched.calls.length, 0);

    // 0.9 MB of PNG that inflates to 900 MB: refused from its header, before a byte is inflated.
    started = Date.now();
    await assert.rejects(run(pngBomb(30000, 30000), PNG), failsWith('image_unreadable', /30000×30000 pixels, more than the 80 M pixels/));
    // TIFF and JPEG, which leptonica decodes, are refused from their headers the same way.
    await assert.rejects(run(tiffDeclaring(30000, 30000), 'image/tiff'), failsWith('image_unreadable', /30000×30000 pixels/));
    await assert.rejects(run(jpegDeclaring(60000, 60000), 'image/jpeg'), failsWith('image_unreadable', /60000×60000 pixels/));
    // Under the pixel cap but deep: 0.6 MB of 16-bit RGBA PNG decodes to 640 MB, so its bytes refuse it, as they do a TIFF's or a 12-bit JPEG's.
    await assert.rejects(run(pngBomb(8940, 8940, { depth: 16, colorType: 6 }), PNG), failsWith('image_unreadable', /8940×8940 pixels of 64 bits, 640 MB decoded, more than the 320 MB a page may take/));
    await assert.rejects(run(tiffDeclaring(8940, 8940, 16, 4), 'image/tiff'), failsWith('image_unreadable', /8940×8940 pixels of 64 bits, 640 MB decoded/));
    await assert.rejects(run(jpegDeclaring(65000, 1200, 12, 3), 'image/jpeg'), failsWith('image_unreadable', /65000×1200 pixels of 36 bits, 351 MB decoded/));
    // The same picture inside a PDF: pdf.js skips it undecoded, so the page has nothing to read.
    await assert.rejects(run(await imageBombPdf(612, 30000, 30000), PDF), failsWith('no_text'));
    assert.ok(Date.now() - started < 5000, `the bombs took ${Date.now() - started} ms`);

    // A page of the largest size PDF allows (200 × 200 in) is never rendered at that size: its picture is read as it is.
    const huge = await run(await mixedPdf([{ kind: 'image', image: textImage(), size: [14400, 14400] }]), PDF);
    assert.match(ocrWords(huge.pages[0]!.text), /harbor restoration inspection notes/);
    assert.deepEqual(huge.structure.warnings, []);

    // A picture over the preprocessing cap (40 M pixels) is shrunk by averaging before it is measured.
    const big = normalisePage(whiteImage(6500, 6500));
    assert.deepEqual([big.image.width, big.image.height, big.scale], [3250, 3250, 0.5]);
    assert.deepEqual(big.toSource(100, 200), [200, 400]);

    const peakMb = process.resourceUsage().maxRSS / 1024;
    assert.ok(peakMb < 1500, `peak RSS ${Math.round(peakMb)} MB`);
  });

  test('text in another script: kept exactly from a text layer; from a scan, low_confidence (its priced rows row_unreadable) or page_unreadable with no items, no_text alone', async () => {
    const letter = ['Уважаемая Мария Ивановна,', 'смета на ремонт кухни готова: 1 250,00 руб.', 'Ωμέγα λόγος'];
    const layer = await run(await foreignTextPdf(letter), PDF);
    assert.equal(layer.pages[0]!.text, letter.join('\n'));
    assert.deepEqual([layer.structure.kind, layer.structure.warnings, layer.line_items], ['document', [], []]);

    // Cyrillic read with English data comes out as look-alike Latin letters ("CmeTa Ha PEMOHT"): in doubt,
    // and no item; its two priced rows are named as rows that could not be read.
    const cyrillic = await run(encodePng(rasterizeText(CYRILLIC_LINES, { size: 32 })), PNG);
    assert.deepEqual(pageWarnings(cyrillic), [['low_confidence', 1], ['row_unreadable', 1], ['row_unreadable', 1]]);
    assert.deepEqual([cyrillic.structure.kind, cyrillic.line_items], ['document', []]);

    const greek = rasterizeText(GREEK_LINES, { size: 32 });
    const [first] = estimateLayout(ESTIMATE_SECTIONS.slice(0, 1));
    const mixed = await run(await mixedPdf([{ kind: 'text', layout: first! }, { kind: 'image', image: greek }]), PDF);
    assert.deepEqual(pageWarnings(mixed), [['page_unreadable', 2]]);
    assert.deepEqual(numbersOf(mixed), itemsOf(ESTIMATE_SECTIONS.slice(0, 1)));
    await assert.rejects(run(encodePng(greek), PNG), failsWith('no_text', /OCR found no text it could read/));
  });
});
