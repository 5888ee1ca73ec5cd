// Extraction in the calling thread (it loads pdfjs, whose polyfills replace built-ins realm-wide):
// for tests, benchmarks and the extraction worker itself. The server uses isolated.ts instead.
import { createExtractHandler } from './extract-handler.js';
import type { ExtractWorker } from './isolated.js';
import type { OcrEngine } from './ocr.js';
import type { PdfLimits } from './pdf-budget.js';

export { extractPages, countPages } from './extract.js';
export { createTesseractOcr } from './ocr.js';
export { processDocument } from './process.js';

/**
 * A pool worker in this thread, with the given engine: createIsolatedExtractor({ spawn }) then runs the
 * pool's scheduling over it without threads. It cannot die or be stopped; terminate only forgets it.
 */
export function createInProcessWorker(ocr: OcrEngine, limits?: PdfLimits): ExtractWorker {
  const handler = createExtractHandler(() => ocr, limits);
  return {
    run: (job, signal) => handler.run(job, signal),
    notify: (notice) => handler.notify(notice),
    exited: new Promise<Error>(() => undefined),
    close: () => handler.close(),
    terminate: async () => undefined,
  };
}
