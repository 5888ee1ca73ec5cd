// Confidences an adjuster can sort by: in 0..1, a category never surer than its trade, ties settled
// the same way every time and shown as ties.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  classifyActions,
  classifyCategories,
  classifyTrades,
  DEFAULT_RULES,
  FALLBACK_CONFIDENCE,
  mergeRules,
  type DocumentRules,
} from '../../../src/pipelines/documents/index.js';
import { CODED_LINES } from './coded-lines.js';

const classifyAll = (descriptions: readonly string[], rules: DocumentRules = DEFAULT_RULES) =>
  classifyCategories(classifyTrades(classifyActions(descriptions.map((description) => ({ description })), rules), rules), rules);

const descriptions = CODED_LINES.map((line) => line.description);

describe('confidences with the default rules', () => {
  const items = classifyAll(descriptions);

  test('are in 0..1', () => {
    for (const item of items) {
      for (const c of [item.action, item.trade, item.category]) assert.ok(c.confidence >= 0 && c.confidence <= 1, `${item.description}: ${JSON.stringify(c)}`);
    }
  });

  test('a category is never surer than its trade', () => {
    for (const item of items) assert.ok(item.category.confidence <= item.trade.confidence, `${item.description}: ${JSON.stringify([item.trade, item.category])}`);
  });

  test('a decisive phrase scores higher than a guess; a guess says so', () => {
    const [rr, carpet] = classifyAll(['R&R Outlet or switch', 'Carpet - plush, 32 oz.']);
    assert.ok(rr!.action.confidence > 0.8, JSON.stringify(rr!.action));
    assert.deepEqual(carpet!.action, { value: 'replace', confidence: FALLBACK_CONFIDENCE, matched: [] });
  });

  test('the same lines in another order get the same classifications', () => {
    const reversed = classifyAll([...descriptions].reverse()).reverse();
    assert.deepEqual(reversed, items);
  });
});

describe('a category found through its trade', () => {
  test('takes the trade’s confidence when its own would be higher', () => {
    const rules = mergeRules(DEFAULT_RULES, { categories: [{ value: 'DRY', trades: { drywall: 50 } }] });
    const [item] = classifyAll(['Tape seams'], rules);
    assert.equal(item!.trade.value, 'drywall');
    assert.equal(item!.category.value, 'DRY');
    assert.ok(item!.trade.confidence < 0.5, JSON.stringify(item!.trade));
    assert.equal(item!.category.confidence, item!.trade.confidence);
  });

  test('given a trade from elsewhere, is capped by it, however weak', () => {
    const [item] = classifyCategories([{ description: 'Drywall', trade: { value: 'drywall', confidence: 0.3, matched: [] } }], DEFAULT_RULES);
    assert.deepEqual([item!.category.value, item!.category.confidence], ['DRY', 0.3]);
  });

  test('an unrecognized line falls back to general and GEN, equally unsure', () => {
    const [item] = classifyAll(['Gutter guard - mesh']);
    assert.deepEqual(
      [item!.trade.value, item!.trade.confidence, item!.category.value, item!.category.confidence],
      ['general', FALLBACK_CONFIDENCE, 'GEN', FALLBACK_CONFIDENCE],
    );
  });
});

describe('ties', () => {
  const rules = (actions: DocumentRules['actions']): DocumentRules => ({ actions, trades: [], categories: [], fallback: { actions: null, trades: null, categories: null } });
  const first = { value: 'first', patterns: [{ match: 'board', weight: 2 }] };
  const second = { value: 'second', patterns: [{ match: 'board', weight: 2 }] };

  test('go to the entry listed first, every time, at half the confidence of a clear win', () => {
    const [tie] = classifyActions([{ description: 'Board' }], rules([first, second]));
    const [flipped] = classifyActions([{ description: 'Board' }], rules([second, first]));
    const [alone] = classifyActions([{ description: 'Board' }], rules([first]));
    assert.equal(tie!.action.value, 'first');
    assert.equal(flipped!.action.value, 'second');
    assert.equal(tie!.action.confidence, flipped!.action.confidence);
    assert.ok(Math.abs(tie!.action.confidence - alone!.action.confidence / 2) <= 0.01, JSON.stringify([tie, alone]));
  });

  test('are ties when fractional weights sum a rounding error apart', () => {
    // 0.1 + 0.2 is 0.30000000000000004 in floating point: still a tie with 0.3.
    const sum = { value: 'sum', patterns: [{ match: 'board', weight: 0.1 }, { match: 'wall', weight: 0.2 }] };
    const single = { value: 'single', patterns: [{ match: 'board', weight: 0.3 }] };
    const [item] = classifyActions([{ description: 'Board wall' }], rules([single, sum]));
    assert.equal(item!.action.value, 'single');
  });

  test('with extreme or negative weights, confidence stays in 0..1', () => {
    const heavy = { value: 'heavy', patterns: [{ match: 'board', weight: 100 }, { match: 'wall', weight: 100 }] };
    const against = { value: 'against', patterns: [{ match: 'board', weight: 100 }, { match: 'wall', weight: -100 }] };
    const [item] = classifyActions([{ description: 'Board wall' }], rules([against, heavy]));
    assert.equal(item!.action.value, 'heavy');
    assert.ok(item!.action.confidence > 0.9 && item!.action.confidence <= 1, JSON.stringify(item!.action));
  });
});
