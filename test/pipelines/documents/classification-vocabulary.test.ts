// One list of actions, trades and categories: what the default rules can produce is exactly the
// vocabulary, and docs/documents.md prints that vocabulary.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULT_RULES, RULE_STAGES } from '../../../src/pipelines/documents/index.js';
import { DEFAULT_VOCABULARY, type ClassificationVocabulary } from '../../../src/pipelines/documents/default-rules.js';
import { CODED_LINES } from './coded-lines.js';

const DOCS = new URL('../../../docs/documents.md', import.meta.url);
const START = '<!-- classification-vocabulary:start -->';
const END = '<!-- classification-vocabulary:end -->';

const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/** The docs' tables, as DEFAULT_VOCABULARY renders them. */
function renderVocabulary(vocabulary: ClassificationVocabulary): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const code = (s: string): string => `\`${s}\``;
  return [
    '| action | for |',
    '|---|---|',
    ...vocabulary.actions.map((a) => `| ${code(a.value)} | ${cell(a.meaning)} |`),
    '',
    '| trade | categories | for |',
    '|---|---|---|',
    ...vocabulary.trades.map((t) => {
      const categories = vocabulary.categories.filter((c) => c.trade === t.value).map((c) => code(c.value));
      return `| ${code(t.value)} | ${categories.join(' ')} | ${cell(t.meaning)} |`;
    }),
    '',
    '| category | trade | for |',
    '|---|---|---|',
    ...vocabulary.categories.map((c) => `| ${code(c.value)} | ${code(c.trade)} | ${cell(c.meaning)} |`),
  ].join('\n');
}

test('the rules produce exactly the documented actions, trades and categories (fallbacks included)', () => {
  for (const stage of RULE_STAGES) {
    const producible = [...DEFAULT_RULES[stage].map((e) => e.value), DEFAULT_RULES.fallback[stage] ?? ''];
    assert.deepEqual(sorted(producible), sorted(DEFAULT_VOCABULARY[stage].map((t) => t.value)), stage);
  }
});

test('each category belongs to one documented trade, and its rule weighs no other trade', () => {
  const trades = new Set(DEFAULT_VOCABULARY.trades.map((t) => t.value));
  for (const category of DEFAULT_VOCABULARY.categories) {
    assert.ok(trades.has(category.trade), `${category.value}: ${category.trade}`);
    const entry = DEFAULT_RULES.categories.find((e) => e.value === category.value);
    for (const trade of Object.keys(entry?.trades ?? {})) assert.equal(trade, category.trade, category.value);
  }
  for (const trade of trades) assert.ok(DEFAULT_VOCABULARY.categories.some((c) => c.trade === trade), `${trade} has no category`);
});

test('no value is documented twice', () => {
  for (const stage of RULE_STAGES) {
    const values = DEFAULT_VOCABULARY[stage].map((t) => t.value);
    assert.equal(new Set(values).size, values.length, stage);
  }
});

test('every coded line’s category belongs to its trade', () => {
  const tradeOf = new Map(DEFAULT_VOCABULARY.categories.map((c) => [c.value, c.trade]));
  for (const line of CODED_LINES) assert.equal(tradeOf.get(line.category), line.trade, line.description);
});

test('docs/documents.md prints the vocabulary', () => {
  const docs = readFileSync(DOCS, 'utf8');
  const start = docs.indexOf(START);
  const end = docs.indexOf(END);
  assert.ok(start >= 0 && end > start, `docs/documents.md needs the ${START} … ${END} block`);
  const printed = docs.slice(start + START.length, end).trim();
  // On a mismatch the diff shows the text to put between the markers.
  assert.equal(printed, renderVocabulary(DEFAULT_VOCABULARY));
});
