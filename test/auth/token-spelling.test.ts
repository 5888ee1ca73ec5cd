// A signed token verifies in one spelling only: the spare low bits of each part's last base64url
// character are ignored by a decoder, so a token with them flipped would verify as a second string.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenService } from '../../src/auth/index.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The part's other spellings of the same bytes: its last character with its unused low bits set. */
function respellings(part: string): string[] {
  const spare = [0, 0, 4, 2][part.length % 4]!; // bits of the last character that carry nothing
  const last = ALPHABET.indexOf(part.at(-1)!);
  const out: string[] = [];
  for (let bits = 1; bits < 1 << spare; bits++) out.push(part.slice(0, -1) + ALPHABET[last | bits]!);
  return out;
}

test('a token whose parts are spelled otherwise (same bytes) is refused, by verify and by holder', async () => {
  const tokens = new TokenService(TokenService.newSecret());
  const { token } = await tokens.issue('contact', 'c1', { hub_id: 'h1' }, 60);
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const variants = [
    ...respellings(signature).map((s) => `${header}.${payload}.${s}`),
    ...respellings(payload).map((p) => `${header}.${p}.${signature}`),
  ];
  assert.ok(variants.length >= 3, 'the HS256 signature (43 characters) has two spare bits');
  for (const v of variants) {
    assert.deepEqual(Buffer.from(v.split('.')[2]!, 'base64url'), Buffer.from(signature, 'base64url'), 'the same bytes');
    await assert.rejects(tokens.verify('contact', v), (e: Error & { code?: string }) => e.code === 'unauthorized', v);
    assert.equal(await tokens.holder('contact', v), undefined);
  }
  assert.equal((await tokens.verify('contact', token)).subject, 'c1', 'the token as issued still verifies');
  assert.equal((await tokens.holder('contact', token))?.subject, 'c1');
});
