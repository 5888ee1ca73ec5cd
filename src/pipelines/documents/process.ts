// All five stages in order, in one call: for the benchmark and for callers that do not need the
// workflow's per-stage durability.
import { classifyActions, classifyCategories, classifyTrades, type Classification } from './classify.js';
import { extractPages, type ExtractedPage } from './extract.js';
import type { LineItem } from './line-items.js';
import type { OcrEngine } from './ocr.js';
import type { DocumentRules } from './rules.js';
import type { DocumentType } from '../../util/sniff.js';
import { buildStructure, lineItemsOf, type DocumentStructure } from './structure.js';

export interface ClassifiedLineItem extends LineItem {
  readonly section: string | null;
  readonly action: Classification;
  readonly trade: Classification;
  readonly category: Classification;
}

export interface ProcessedDocument {
  readonly type: DocumentType;
  readonly pages: ExtractedPage[];
  readonly structure: DocumentStructure;
  /** The estimate's line items in reading order, classified; empty for other documents. */
  readonly line_items: ClassifiedLineItem[];
}

export interface ProcessOptions {
  readonly ocr: OcrEngine;
  readonly rules: DocumentRules;
  readonly maxPages?: number;
  readonly signal?: AbortSignal;
}

export async function processDocument(bytes: Uint8Array, type: DocumentType, options: ProcessOptions): Promise<ProcessedDocument> {
  const pages = await extractPages(bytes, type, { ocr: options.ocr, maxPages: options.maxPages, signal: options.signal });
  const structure = buildStructure(pages);
  const withActions = classifyActions(lineItemsOf(structure), options.rules);
  const withTrades = classifyTrades(withActions, options.rules);
  const line_items = classifyCategories(withTrades, options.rules);
  return { type, pages, structure, line_items };
}
