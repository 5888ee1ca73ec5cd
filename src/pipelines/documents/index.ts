// The documents pipeline's public face: pure processing steps the workflow engine calls stage by
// stage (extract → structure → actions → trades → categories), plus processDocument for all at once.
export { sniffDocumentType, DOCUMENT_TYPES, type DocumentType } from './sniff.js';
export { DocumentError, isDocumentError, type DocumentFailureReason } from './errors.js';
export { extractPages, countPages, type ExtractedPage, type ExtractOptions } from './extract.js';
export { createTesseractOcr, type OcrEngine, type TesseractOcrOptions } from './ocr.js';
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
export { processDocument, type ProcessedDocument, type ProcessOptions, type ClassifiedLineItem } from './process.js';
