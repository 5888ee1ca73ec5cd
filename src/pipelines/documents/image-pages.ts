// The pages of an uploaded image, each read by OCR on its own: one, or a TIFF's pages. Kept apart
// from extract.ts so that the main thread can plan a document's page jobs without loading pdfjs.
import type { DocumentType } from '../../util/sniff.js';
import { DocumentError } from './errors.js';
import type { ExtractPagesOptions, PageTextLayer } from './extract.js';
import { tiffPage, tiffPageCount } from './tiff-pages.js';

/**
 * The pages of an uploaded image, each to be read by OCR: one, or a TIFF's pages (a fax, a sheet
 * feeder's scan); `too_many_pages` first when they are over the limit.
 */
export function imageLayers(bytes: Uint8Array, type: DocumentType, options: Pick<ExtractPagesOptions, 'maxPages' | 'firstPages'> = {}): PageTextLayer[] {
  const count = type === 'image/tiff' ? tiffPageCount(bytes) : 1;
  if (options.maxPages !== undefined && count > options.maxPages) {
    throw new DocumentError('too_many_pages', `the TIFF has ${count} pages, the limit is ${options.maxPages}`);
  }
  return Array.from({ length: Math.min(count, options.firstPages ?? count) }, (_, i) => ({ number: i + 1, text: '', needsOcr: true }));
}

/** Page `number` (1-based) of an uploaded image, as bytes the OCR engine reads. */
export const imagePage = (bytes: Uint8Array, type: DocumentType, number: number): Uint8Array => (type === 'image/tiff' ? tiffPage(bytes, number - 1) : bytes);
