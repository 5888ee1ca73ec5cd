// Checks on a whole document around its extraction, shared by the in-process and the pooled paths. No
// pdfjs here: the server's own thread runs them.
import { sniffDocumentType, type DocumentType } from '../../util/sniff.js';
import { DocumentError } from './errors.js';
import type { ExtractedPage } from './extract.js';
import { isUnreadable } from './warnings.js';

export async function assertDocumentType(bytes: Uint8Array, type: DocumentType): Promise<void> {
  const actual = await sniffDocumentType(bytes);
  if (actual !== type) {
    throw new DocumentError('unsupported_type', `expected ${type}, the bytes are ${actual ?? 'of no supported type'}`);
  }
}

/** Some page must have text the later stages use: OCR's guesses at a photo or a foreign script are not. */
export function assertSomeText(pages: ExtractedPage[]): ExtractedPage[] {
  if (pages.every((page) => page.text.trim() === '')) {
    throw new DocumentError('no_text', 'no text was found on any page, in the text layer or by OCR');
  }
  if (pages.every(isUnreadable)) {
    throw new DocumentError('no_text', 'OCR found no text it could read on any page: a picture, a damaged scan or a script other than Latin');
  }
  return pages;
}
