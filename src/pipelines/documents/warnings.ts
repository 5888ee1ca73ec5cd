// What the structure stage could not vouch for, as stable codes a client can act on: never a silent
// loss. Page-level warnings come from how each page was read; item-level ones from item-checks.ts.
import type { ExtractedPage } from './extract.js';

export type WarningCode =
  /** Nothing usable on the page: blank, or OCR found no text it was sure of (a photo, another script). */
  | 'page_unreadable'
  /** The page was read, but OCR was unsure of much of it; its items are listed when they are in doubt. */
  | 'low_confidence'
  /** Items whose quantity × unit price does not give their total, and no single re-reading fixes it. */
  | 'items_unbalanced'
  /** Items with a number changed from what OCR read, because only the changed reading adds up. */
  | 'items_repaired'
  /** A section's items do not add up to its printed total: an item may be missing or misread. */
  | 'section_total_mismatch'
  /** All items do not add up to the estimate's printed total. */
  | 'document_total_mismatch'
  /** A line that ends in money amounts like an item (two, or one after a quantity and unit) but could not be read as one. */
  | 'row_unreadable'
  /** A row read as a line item in a document that does not read as an estimate (too few such rows): not in line_items. */
  | 'row_not_listed';

export interface DocumentWarning {
  readonly code: WarningCode;
  /** The page it concerns; null when it concerns the whole document. */
  readonly page: number | null;
  /** Indexes into the document's line_items (reading order) it concerns. */
  readonly items?: number[];
  /** The estimate section it concerns. */
  readonly section?: string | null;
  readonly message: string;
}

/** Below this an OCR page is noise, not text: its words are not used. */
export const UNREADABLE_CONFIDENCE = 0.45;
/** Below this an OCR page is read, with a warning. */
export const LOW_CONFIDENCE = 0.75;

const percent = (c: number) => `${Math.round(c * 100)} %`;

/** True for pages whose text should not be used: nothing on them, or OCR's guesses at a picture. */
export function isUnreadable(page: ExtractedPage): boolean {
  return page.text.trim() === '' || (page.source === 'ocr' && (page.confidence ?? 1) < UNREADABLE_CONFIDENCE);
}

export function pageWarnings(pages: readonly ExtractedPage[]): DocumentWarning[] {
  const warnings: DocumentWarning[] = [];
  for (const page of pages) {
    const confidence = page.confidence ?? 1;
    if (page.text.trim() === '') {
      warnings.push({
        code: 'page_unreadable',
        page: page.number,
        message: page.source === 'ocr' ? 'OCR found no text on the page' : 'the page is blank: no text layer and no picture of text',
      });
    } else if (page.source === 'ocr' && confidence < UNREADABLE_CONFIDENCE) {
      warnings.push({ code: 'page_unreadable', page: page.number, message: `OCR could not read the page (confidence ${percent(confidence)}): a picture, a damaged scan or a script other than Latin; its text is not used` });
    } else if (page.source === 'ocr' && confidence < LOW_CONFIDENCE) {
      warnings.push({ code: 'low_confidence', page: page.number, message: `OCR was unsure of the page (confidence ${percent(confidence)})` });
    }
  }
  return warnings;
}
