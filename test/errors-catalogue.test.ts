// The error catalogue (src/http/errors.ts) and the API reference (docs/api.md) list the same codes
// with the same statuses, so the documentation cannot drift from what the server answers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERRORS } from '../src/http/index.js';

const HEADING = '### Error catalogue';

/** The rows `| \`code\` | status | meaning |` of the catalogue table in docs/api.md. */
function documentedCodes(): Map<string, number> {
  const doc = readFileSync(new URL('../docs/api.md', import.meta.url), 'utf8');
  const start = doc.indexOf(HEADING);
  assert.ok(start >= 0, `docs/api.md has a "${HEADING}" section`);
  const rest = doc.slice(start + HEADING.length);
  const next = rest.search(/^#{1,3} /m);
  const section = next >= 0 ? rest.slice(0, next) : rest;
  const rows = new Map<string, number>();
  for (const m of section.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| [^|\n]*\S[^|\n]* \|$/gm)) {
    assert.ok(!rows.has(m[1]!), `${m[1]} is listed once`);
    rows.set(m[1]!, Number(m[2]));
  }
  return rows;
}

test('every code in the catalogue is documented in docs/api.md with its status and a meaning', () => {
  const documented = documentedCodes();
  for (const [code, e] of Object.entries(ERRORS)) {
    assert.ok(documented.has(code), `docs/api.md lists ${code}`);
    assert.equal(documented.get(code), e.status, `docs/api.md gives ${code} the status ${e.status}`);
  }
});

test('docs/api.md lists no code the server does not have', () => {
  for (const code of documentedCodes().keys()) assert.ok(code in ERRORS, `${code} is in src/http/errors.ts`);
});
