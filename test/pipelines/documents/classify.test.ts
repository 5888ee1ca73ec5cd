// Action, trade and category for realistic restoration line items, with the default rules.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  classifyActions,
  classifyCategories,
  classifyTrades,
  DEFAULT_RULES,
  FALLBACK_CONFIDENCE,
} from '../../../src/pipelines/documents/index.js';

// description, action, trade, category
const TABLE: ReadonlyArray<readonly [string, string, string, string]> = [
  ['Remove drywall - water damaged', 'remove', 'drywall', 'DRY'],
  ['R&R Baseboard - 3 1/4"', 'R&R', 'carpentry', 'FNC'],
  ['Drywall - hung, taped, floated, ready for paint', 'install', 'drywall', 'DRY'],
  ['Seal/prime then paint the walls (2 coats)', 'paint', 'painting', 'PNT'],
  ['Detach & Reset Dishwasher', 'detach & reset', 'appliances', 'APP'],
  ['Tear out wet carpet pad and bag for disposal', 'remove', 'water mitigation', 'WTR'],
  ['Carpet - plush, 32 oz.', 'replace', 'flooring', 'FCC'],
  ['Clean and deodorize hardwood floor', 'clean', 'cleaning', 'CLN'],
  ['Apply anti-microbial agent to the surface area', 'apply', 'water mitigation', 'WTR'],
  ['Remove 3 tab - 25 yr. - composition shingle roofing', 'remove', 'roofing', 'RFG'],
  ['Laminated - comp. shingle rfg. - w/ felt', 'replace', 'roofing', 'RFG'],
  ['Air mover (per 24 hour period) - no monitoring', 'equipment', 'water mitigation', 'WTR'],
  ['Dehumidifier (per 24 hour period) - XLarge', 'equipment', 'water mitigation', 'WTR'],
  ['Water extraction from carpeted floor', 'extract', 'water mitigation', 'WTR'],
  ['Replace toilet supply line', 'replace', 'plumbing', 'PLM'],
  ['R&R Outlet or switch', 'R&R', 'electrical', 'ELE'],
  ['Remove blown-in insulation - 12" depth - R30', 'remove', 'insulation', 'INS'],
  ['Haul debris - per pickup truck load - including dump fees', 'haul', 'demolition', 'DMO'],
  ['Mask and prep for paint - plastic, paper, tape (per LF)', 'mask', 'painting', 'PNT'],
  ['Patch drywall - small hole', 'repair', 'drywall', 'DRY'],
  ['Install new water heater - 40 gallon', 'install', 'plumbing', 'PLM'],
  ['Content manipulation charge - per hour', 'move', 'contents', 'CON'],
  ['Paint baseboard - one coat', 'paint', 'painting', 'PNT'],
  ['Remove and replace vinyl floor covering', 'R&R', 'flooring', 'FCV'],
  ['Light fixture - detach & reset', 'detach & reset', 'electrical', 'ELE'],
  ['Seal the walls with stain blocker - one coat', 'seal', 'painting', 'PNT'],
  ['Tear out wet drywall, cleanup, bag for disposal', 'remove', 'water mitigation', 'WTR'],
  ['Ceramic tile floor - grout and seal', 'seal', 'flooring', 'FCT'],
];

const items = TABLE.map(([description]) => ({ description }));

describe('classification with the default rules', () => {
  const classified = classifyCategories(classifyTrades(classifyActions(items, DEFAULT_RULES), DEFAULT_RULES), DEFAULT_RULES);

  test('actions', () => {
    assert.deepEqual(
      classified.map((i) => [i.description, i.action.value]),
      TABLE.map(([d, action]) => [d, action]),
    );
  });

  test('trades', () => {
    assert.deepEqual(
      classified.map((i) => [i.description, i.trade.value]),
      TABLE.map(([d, , trade]) => [d, trade]),
    );
  });

  test('categories', () => {
    assert.deepEqual(
      classified.map((i) => [i.description, i.category.value]),
      TABLE.map(([d, , , category]) => [d, category]),
    );
  });

  test('confidences are in 0..1; a decisive phrase scores higher than a guess', () => {
    for (const item of classified) {
      for (const c of [item.action, item.trade, item.category]) assert.ok(c.confidence >= 0 && c.confidence <= 1, JSON.stringify(c));
    }
    const rr = classified.find((i) => i.description.startsWith('R&R Outlet'))!;
    const carpet = classified.find((i) => i.description.startsWith('Carpet'))!;
    assert.ok(rr.action.confidence > 0.8, JSON.stringify(rr.action));
    assert.deepEqual(carpet.action, { value: 'replace', confidence: FALLBACK_CONFIDENCE, matched: [] });
  });

  test('stages keep the item’s other fields and explain themselves', () => {
    const [item] = classifyActions([{ description: 'Remove drywall', quantity: 120, page: 2 }], DEFAULT_RULES);
    assert.equal(item!.quantity, 120);
    assert.equal(item!.page, 2);
    assert.ok(item!.action.matched.includes('^remove'), JSON.stringify(item!.action));
  });

  test('a category uses the trade when the item has one, and still works without', () => {
    const [withTrade] = classifyCategories([{ description: 'Tear out wet carpet pad', trade: { value: 'water mitigation', confidence: 0.7, matched: [] } }], DEFAULT_RULES);
    const [withoutTrade] = classifyCategories([{ description: 'Tear out wet carpet pad' }], DEFAULT_RULES);
    assert.equal(withTrade!.category.value, 'WTR');
    assert.equal(withoutTrade!.category.value, 'FCC');
  });

  test('an item no rule knows gets the fallbacks', () => {
    const [item] = classifyCategories(classifyTrades([{ description: 'Permit fee' }], DEFAULT_RULES), DEFAULT_RULES);
    assert.deepEqual([item!.trade.value, item!.category.value], ['general', 'GEN']);
  });
});
