// Extraction in the calling thread (it loads pdfjs, whose polyfills replace built-ins realm-wide):
// for tests, benchmarks and the extraction worker itself. The server uses isolated.ts instead.
export { extractPages, countPages } from './extract.js';
export { createTesseractOcr } from './ocr.js';
export { processDocument } from './process.js';
