// The text kept on an organizer file: spaces and blank lines collapsed, control characters dropped (a
// PDF's text layer can carry U+0000 for a glyph it cannot map, and PostgreSQL's text cannot store
// one), cut to its limit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tidyText } from '../../src/organizer/content.js';

test('tidyText collapses spaces and blank lines and drops control characters, keeping lines', () => {
  assert.equal(tidyText('  INVOICE\u0000\u0000 No.\t 42 \n\n\n Amount\u0007 due\u001f: $5\u007f  ', 100), 'INVOICE No. 42\nAmount due: $5');
  assert.equal(tidyText('ab\u0000cd\nef', 100), 'abcd\nef');
  assert.equal(tidyText('x'.repeat(50), 10), 'x'.repeat(10));
});
