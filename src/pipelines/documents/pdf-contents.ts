// A cheap look at a PDF's structure before it is accepted: a page whose /Contents array lists the same
// stream more than once has pdf.js decode that stream once per mention (a fuzzer's 200 KB file listed
// one 200 MB stream six times). No writer does that to draw a page, so the upload is refused before it
// is billed. The budget (pdf-budget.ts) is still what stops any other bomb, while it is being read.
import { DocumentError } from './errors.js';

const CONTENTS_ARRAY = /\/Contents\s*\[([^\]]*)\]/g;
const REFERENCE = /(\d+)\s+(\d+)\s+R/g;

/** Throws pdf_too_complex for a page dictionary, written in the clear, that repeats a /Contents entry. */
export function assertNoRepeatedContents(bytes: Uint8Array): void {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  for (const [, entries = ''] of text.matchAll(CONTENTS_ARRAY)) {
    const seen = new Set<string>();
    for (const [, number, generation] of entries.matchAll(REFERENCE)) {
      const ref = `${number} ${generation}`;
      if (seen.has(ref)) {
        throw new DocumentError('pdf_too_complex', `the PDF is too complex to read: a page lists its content stream ${ref} R more than once`);
      }
      seen.add(ref);
    }
  }
}
