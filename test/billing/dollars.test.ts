// Balances in dollars: two decimals, rounded down to the cent, so a balance never reads as enough for
// something it cannot pay for. Through GET /credits and the developer usage too.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formatDollars } from '../../src/billing/credits.js';
import { makeOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';

describe('balances in dollars', () => {
  test('rounded down to the cent, whatever the amount', () => {
    const cases: [number, string][] = [
      [0, '0.00'], [999, '0.00'], [1_000, '0.01'], [4_999, '0.04'], [5_000, '0.05'], [99_999, '0.99'],
      [100_000, '1.00'], [500_000, '5.00'], [123_456_789, '1234.56'], [10 ** 15, '10000000000.00'],
      [-1, '-0.01'], [-4_999, '-0.05'], [-100_000, '-1.00'],
    ];
    for (const [micro, dollars] of cases) assert.equal(formatDollars(micro), dollars, String(micro));
  });

  describe('through the API', () => {
    let ts: TestServer;
    before(async () => {
      ts = await startServer();
    });
    after(() => ts.close());

    test('4,999 micro-credits read $0.04 on GET /credits', async () => {
      const org = await makeOrg(ts, 4_999);
      const credits = await org.call('GET', '/credits');
      assert.equal(credits.status, 200);
      assert.equal(credits.body.balance_micro_credits, 4_999);
      assert.equal(credits.body.balance_dollars, '0.04');
    });
  });
});
