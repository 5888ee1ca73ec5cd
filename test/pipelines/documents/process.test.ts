// processDocument runs every stage in order and returns each stage's output.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_RULES,
} from '../../../src/pipelines/documents/index.js';
import { processDocument } from '../../../src/pipelines/documents/in-process.js';
import { buildEstimatePdf, buildLetterPdf, ESTIMATE_SECTIONS } from '../../fixtures/documents.js';
import { fakeOcr } from './helpers.js';

describe('processDocument', () => {
  test('an estimate comes back with pages, structure and classified line items', async () => {
    const result = await processDocument(await buildEstimatePdf(), 'application/pdf', { ocr: fakeOcr(), rules: DEFAULT_RULES });
    assert.equal(result.type, 'application/pdf');
    assert.equal(result.pages.length, 2);
    assert.equal(result.structure.kind, 'estimate');
    assert.equal(result.line_items.length, ESTIMATE_SECTIONS.flatMap((s) => s.items).length);
    const first = result.line_items[0]!;
    assert.equal(first.section, 'Kitchen');
    assert.deepEqual([first.action.value, first.trade.value, first.category.value], ['remove', 'drywall', 'DRY']);
    assert.doesNotThrow(() => JSON.stringify(result), 'the result is plain data the workflow can store');
  });

  test('a letter has a structure and no line items', async () => {
    const result = await processDocument(await buildLetterPdf(), 'application/pdf', { ocr: fakeOcr(), rules: DEFAULT_RULES });
    assert.equal(result.structure.kind, 'document');
    assert.deepEqual(result.line_items, []);
  });
});
