// Signed tokens live at least as long as asked: JWT expiry is in whole seconds, and a token issued
// late in a second must not lapse at the next one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenService } from '../../src/auth/index.js';

test('a token issued for N seconds expires no sooner than N seconds later, and within a second more', async () => {
  const tokens = new TokenService(TokenService.newSecret());
  for (const ttl of [1, 2, 60]) {
    for (let i = 0; i < 20; i++) {
      const before = Date.now();
      const issued = await tokens.issue('contact', 'c1', { hub_id: 'h1' }, ttl);
      const after = Date.now();
      assert.ok(issued.expiresAtMs >= before + ttl * 1000, `ttl ${ttl}: expires ${issued.expiresAtMs - before} ms after issue`);
      assert.ok(issued.expiresAtMs <= after + ttl * 1000 + 1000, `ttl ${ttl}: expires ${issued.expiresAtMs - after} ms after issue`);
      assert.equal(issued.expiresAtMs % 1000, 0, 'a whole second, as in the token');
      assert.equal(Date.parse(issued.expiresAt), issued.expiresAtMs);
      const verified = await tokens.verify('contact', issued.token);
      assert.equal(verified.expiresAtMs, issued.expiresAtMs);
      // Spread the issues over the second, so some land late in it.
      await new Promise((r) => setTimeout(r, 37));
    }
  }
});
