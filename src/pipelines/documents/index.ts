// The documents pipeline's public face for the server: page extraction runs isolated on a pool of
// worker threads (createIsolatedExtractor), the later steps are pure functions. Nothing exported here loads
// pdfjs into the importing thread; in-process.ts has the direct versions (tests, benchmarks).
export { sniffDocumentType, DOCUMENT_TYPES, type DocumentType } from '../../util/sniff.js';
export { DocumentError, isDocumentError, type DocumentFailureReason } from './errors.js';
export type { ExtractedPage, ExtractOptions, ExtractPagesOptions } from './extract.js';
export type { PageProgress } from './page-progress.js';
export { createIsolatedExtractor, type DocumentExtractor, type IsolatedExtractorOptions } from './isolated.js';
export type { PdfInfo } from './pdf-info.js';
export { DEFAULT_PDF_LIMITS, type PdfLimits } from './pdf-budget.js';
export type { OcrEngine, TesseractOcrOptions } from './ocr.js';
export { buildStructure, lineItemsOf, type DocumentStructure, type EstimateSection } from './structure.js';
export type { LineItem } from './line-items.js';
export type { TextSection } from './paragraphs.js';
export {
  classifyActions,
  classifyTrades,
  classifyCategories,
  FALLBACK_CONFIDENCE,
  type Classification,
  type Describable,
} from './classify.js';
export {
  mergeRules,
  parseRules,
  loadRulesFile,
  RulesError,
  RULE_STAGES,
  type DocumentRules,
  type RulesExtension,
  type RuleEntry,
  type RulePattern,
  type RuleStage,
} from './rules.js';
export { DEFAULT_RULES } from './default-rules.js';
export type { ProcessedDocument, ProcessOptions, ClassifiedLineItem } from './process.js';
