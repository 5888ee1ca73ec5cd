// Every default rule against the lines it must code and the look-alikes it must not, and every coded
// line (the estimate fixtures' among them) against the adjuster's action, trade and category.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  classifyActions,
  classifyCategories,
  classifyTrades,
  DEFAULT_RULES,
  RULE_STAGES,
} from '../../../src/pipelines/documents/index.js';
import { CODED_LINES, FIXTURE_DESCRIPTIONS, NEAR_MISSES, sharedCodings, type Coding } from './coded-lines.js';

const FIELD = { actions: 'action', trades: 'trade', categories: 'category' } as const;

const classified = new Map(
  classifyCategories(classifyTrades(classifyActions(CODED_LINES.map(({ description }) => ({ description })), DEFAULT_RULES), DEFAULT_RULES), DEFAULT_RULES).map(
    (item) => [item.description, item] as const,
  ),
);

function codingOf(description: string): Coding {
  const item = classified.get(description);
  assert.ok(item, `"${description}" is not a coded line`);
  return { action: item.action.value ?? '', trade: item.trade.value ?? '', category: item.category.value ?? '' };
}

for (const stage of RULE_STAGES) {
  const field = FIELD[stage];
  describe(`${stage} rule`, () => {
    for (const entry of DEFAULT_RULES[stage]) {
      describe(entry.value, () => {
        test('codes every line an adjuster codes with it', () => {
          const examples = CODED_LINES.filter((line) => line[field] === entry.value).map((line) => line.description);
          assert.ok(examples.length > 0, `no coded line shows what ${entry.value} is for`);
          assert.deepEqual(
            examples.map((d) => [d, codingOf(d)[field]]),
            examples.map((d) => [d, entry.value]),
          );
        });

        test('leaves its look-alikes to the value they are', () => {
          const nearMisses = NEAR_MISSES[stage][entry.value] ?? [];
          assert.ok(nearMisses.length > 0, `no near-miss for ${entry.value}`);
          for (const description of nearMisses) {
            const expected = CODED_LINES.find((line) => line.description === description);
            assert.ok(expected, `near-miss "${description}" needs its coding in coded-lines.ts`);
            assert.notEqual(expected[field], entry.value, `"${description}" is coded ${entry.value}, so it is no near-miss`);
            assert.equal(codingOf(description)[field], expected[field], description);
          }
        });
      });
    }
  });
}

test('near-misses are listed for rules that exist', () => {
  for (const stage of RULE_STAGES) {
    assert.deepEqual(Object.keys(NEAR_MISSES[stage]).sort(), DEFAULT_RULES[stage].map((e) => e.value).sort(), stage);
  }
});

describe('every coded line gets the adjuster’s action, trade and category', () => {
  for (const line of CODED_LINES) {
    test(line.description, () => {
      assert.deepEqual(codingOf(line.description), { action: line.action, trade: line.trade, category: line.category });
    });
  }
});

describe('the estimate fixtures', () => {
  test('every line of every estimate fixture has its coding', () => {
    const coded = new Set(CODED_LINES.map((line) => line.description));
    assert.deepEqual(FIXTURE_DESCRIPTIONS.filter((d) => !coded.has(d)), []);
  });

  test('where the table here and the estimate catalogue code the same line, they agree', () => {
    for (const { description, here, catalogue } of sharedCodings()) assert.deepEqual(here, catalogue, description);
  });

  test('all of them are classified as coded, stage by stage', () => {
    const lines = [...new Set(FIXTURE_DESCRIPTIONS)].map((d) => CODED_LINES.find((line) => line.description === d)!);
    const correct = (field: keyof Coding): number => lines.filter((line) => codingOf(line.description)[field] === line[field]).length;
    assert.deepEqual(
      { action: correct('action'), trade: correct('trade'), category: correct('category') },
      { action: lines.length, trade: lines.length, category: lines.length },
    );
  });
});
