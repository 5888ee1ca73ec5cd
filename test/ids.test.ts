// Identifiers: random bytes come from a pool, so ids across many refills must stay well formed,
// unique and (for UUIDv7) in creation order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUuidV7, newId, randomToken, uuidv7, uuidv7Time } from '../src/util/ids.js';

test('UUIDv7s minted back to back are valid, unique and strictly increasing across pool refills', () => {
  const ids = Array.from({ length: 20_000 }, () => uuidv7());
  for (const id of ids) assert.ok(isUuidV7(id), id);
  assert.equal(new Set(ids).size, ids.length);
  for (let i = 1; i < ids.length; i++) assert.ok((ids[i] as string) > (ids[i - 1] as string), `${ids[i]} after ${ids[i - 1]}`);
  assert.ok(Math.abs(uuidv7Time(ids.at(-1) as string) - Date.now()) < 5_000);
});

test('random tokens use only their alphabet, have the asked length and never repeat', () => {
  const tokens = Array.from({ length: 20_000 }, () => randomToken(20));
  for (const t of tokens) assert.match(t, /^[0-9a-z]{20}$/);
  assert.equal(new Set(tokens).size, tokens.length);
  const long = randomToken(3000, 'ab');
  assert.match(long, /^[ab]{3000}$/, 'longer than one pool refill');
  // Every character of the alphabet turns up: the bytes are not stuck.
  assert.equal(new Set(tokens.join('')).size, 36);
  assert.match(newId('org'), /^org_[0-9a-z]{20}$/);
});
