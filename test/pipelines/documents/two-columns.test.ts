// A page set in two columns of prose is read as a person reads it, left column then right, whether
// it has a text layer or is a scan; and a heading set directly above its paragraph stays a heading.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { buildStructure, type DocumentStructure } from '../../../src/pipelines/documents/index.js';
import { createTesseractOcr, extractPages } from '../../../src/pipelines/documents/in-process.js';
import { layoutPdf, scanImage, scanPdf } from '../../fixtures/documents.js';
import { TWO_COLUMN_FOOTER, TWO_COLUMN_PARAGRAPHS, TWO_COLUMN_TITLE, twoColumnLayout } from '../../fixtures/two-column.js';
import { fakeOcr } from './helpers.js';

const words = (s: string) => s.toLowerCase().replace(/[^a-z0-9 ]+/g, ' ').split(/\s+/).filter(Boolean);

/** Every paragraph under its own heading, in the order a person reads them. */
function assertReadInOrder(structure: DocumentStructure, exactWords: boolean): void {
  assert.equal(structure.kind, 'document');
  const sections = structure.sections.filter((s) => s.title !== TWO_COLUMN_TITLE);
  assert.deepEqual(sections.map((s) => s.title), TWO_COLUMN_PARAGRAPHS.map((p) => p.heading));
  sections.forEach((section, i) => {
    // The footer across the page comes last, after the right column's last paragraph.
    const expected = i === sections.length - 1 ? [TWO_COLUMN_FOOTER] : [];
    assert.deepEqual(section.paragraphs.slice(1).map(words), expected.map(words), `${section.title}: ${JSON.stringify(section.paragraphs)}`);
    const got = words(section.paragraphs[0]!);
    const want = words(TWO_COLUMN_PARAGRAPHS[i]!.text);
    if (exactWords) assert.deepEqual(got, want);
    else {
      // OCR may misread a word or two; no word from the other column may be mixed in.
      const shared = got.filter((w) => want.includes(w)).length;
      assert.ok(shared >= 0.9 * want.length && got.length <= want.length + 3, `${section.title}: ${got.join(' ')}`);
    }
  });
}

describe('two columns of prose', () => {
  const ocr = createTesseractOcr();
  after(() => ocr.close());

  test('from a text layer: the left column, then the right, each paragraph under its heading', async () => {
    const pages = await extractPages(await layoutPdf([twoColumnLayout()]), 'application/pdf', { ocr: fakeOcr() });
    assertReadInOrder(buildStructure(pages), true);
  });

  test('from a scan (200 dpi): the same order', async () => {
    const pdf = await scanPdf([scanImage(twoColumnLayout(), { dpi: 200 })]);
    const pages = await extractPages(pdf, 'application/pdf', { ocr });
    assertReadInOrder(buildStructure(pages), false);
  });

  test('a table is not mistaken for columns: an estimate row keeps its numbers on its line', async () => {
    const pages = [{ number: 1, source: 'text_layer' as const, text: 'ESTIMATE\nKitchen\nRemove drywall 120.00 SF $1.25 $150.00\nPaint the walls 310.00 SF $1.12 $347.20' }];
    const structure = buildStructure(pages);
    assert.equal(structure.kind, 'estimate');
  });
});
