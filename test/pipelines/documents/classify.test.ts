// How the classification stages behave, whatever the rules: they keep the item, explain the winner,
// read the trade for the category, and fall back when nothing matches. The default rules' outcomes
// are in classification-rules.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  classifyActions,
  classifyCategories,
  classifyTrades,
  DEFAULT_RULES,
} from '../../../src/pipelines/documents/index.js';

describe('classification stages', () => {
  test('stages keep the item’s other fields and explain themselves', () => {
    const [item] = classifyActions([{ description: 'Remove drywall', quantity: 120, page: 2 }], DEFAULT_RULES);
    assert.equal(item!.quantity, 120);
    assert.equal(item!.page, 2);
    assert.ok(item!.action.matched.includes('^remove'), JSON.stringify(item!.action));
  });

  test('item numbering and typographic quotes do not hide the verb', () => {
    const [item] = classifyActions([{ description: '12. Tear off composition shingles \u201c3 tab\u201d' }], DEFAULT_RULES);
    assert.equal(item!.action.value, 'remove');
  });

  test('OCR slips in a scanned description still code as the printed one: "viny!" is vinyl, tile work with a misread "floor" is flooring', () => {
    const code = (description: string) => {
      const [item] = classifyCategories(classifyTrades([{ description }], DEFAULT_RULES), DEFAULT_RULES);
      return [item!.trade.value, item!.category.value];
    };
    assert.deepEqual(code('Remove and replace viny! floor covering'), code('Remove and replace vinyl floor covering'));
    assert.deepEqual(code('Ceramic tile fioor - grout and seal'), ['flooring', 'FCT']);
  });

  test('a category uses the trade when the item has one, and still works without', () => {
    const [withTrade] = classifyCategories([{ description: 'Tear out wet carpet pad', trade: { value: 'water mitigation', confidence: 0.7, matched: [] } }], DEFAULT_RULES);
    const [withoutTrade] = classifyCategories([{ description: 'Tear out wet carpet pad' }], DEFAULT_RULES);
    assert.equal(withTrade!.category.value, 'WTR');
    assert.ok(withTrade!.category.matched.includes('trade:water mitigation'), JSON.stringify(withTrade!.category));
    assert.equal(withoutTrade!.category.value, 'FCC');
  });

  test('an item no rule knows gets the fallbacks', () => {
    const [item] = classifyCategories(classifyTrades(classifyActions([{ description: 'Gutter guard - mesh' }], DEFAULT_RULES), DEFAULT_RULES), DEFAULT_RULES);
    assert.deepEqual([item!.action.value, item!.trade.value, item!.category.value], ['replace', 'general', 'GEN']);
    assert.deepEqual([item!.action.matched, item!.trade.matched, item!.category.matched], [[], [], []]);
  });
});
