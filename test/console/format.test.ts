// The console's amounts: dollars rounded down to the cent, as the API gives them (a balance of 4,999
// micro-credits is $0.04 there; the console said $0.05), and event JSON with its bidi controls escaped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCredits, formatJson } from '../../packages/console/src/format.js';

test('credits read in dollars rounded down to the cent', () => {
  const dollars = (micro: number) => /\((.*)\)$/.exec(formatCredits(micro))?.[1];
  const cases: [number, string][] = [[0, '$0.00'], [999, '$0.00'], [4_999, '$0.04'], [5_000, '$0.05'], [99_999, '$0.99'], [123_456_789, '$1234.56'], [-4_999, '-$0.05']];
  for (const [micro, expected] of cases) assert.equal(dollars(micro), expected, String(micro));
  assert.match(formatCredits(4_999), /^4,999 µ /);
});

test('JSON shown as text writes bidi formatting characters as escapes, and stays the same JSON', () => {
  const value = { name: '\u202Eabc\u2066x\u2069\u200F', plain: 'שלום' };
  const text = formatJson(value);
  assert.doesNotMatch(text, /[\u202a-\u202e\u2066-\u2069\u200e\u200f]/);
  assert.match(text, /"name": "\\u202eabc\\u2066x\\u2069\\u200f"/);
  assert.deepEqual(JSON.parse(text), value);
  assert.equal(formatJson({ a: 1 }), JSON.stringify({ a: 1 }, null, 2));
});
