// The console's amounts: dollars rounded down to the cent, as the API gives them (a balance of 4,999
// micro-credits is $0.04 there; the console said $0.05).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCredits } from '../../packages/console/src/format.js';

test('credits read in dollars rounded down to the cent', () => {
  const dollars = (micro: number) => /\((.*)\)$/.exec(formatCredits(micro))?.[1];
  const cases: [number, string][] = [[0, '$0.00'], [999, '$0.00'], [4_999, '$0.04'], [5_000, '$0.05'], [99_999, '$0.99'], [123_456_789, '$1234.56'], [-4_999, '-$0.05']];
  for (const [micro, expected] of cases) assert.equal(dollars(micro), expected, String(micro));
  assert.match(formatCredits(4_999), /^4,999 µ /);
});
