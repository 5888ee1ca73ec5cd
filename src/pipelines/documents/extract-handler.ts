// What one pool worker does with the jobs it is given (see isolated.ts for the jobs): pdfjs and one OCR
// engine of its own. A document's PDF is opened once per worker and kept for the document's later
// pages until the document is released, so a page job parses nothing twice. Every pdf.js call runs
// under the document's budget (pdf-budget.ts), which it shares with the document's later jobs here.
import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { countPages, extractImage, extractPdfPage, readTextLayers } from './extract.js';
import { imagePage } from './image-pages.js';
import type { ExtractJob, ExtractNotice } from './isolated.js';
import type { OcrEngine } from './ocr.js';
import { DEFAULT_PDF_LIMITS, PdfBudget, underBudget, type PdfLimits } from './pdf-budget.js';
import { openPdf } from './pdf-document.js';
import { pdfInfo } from './pdf-info.js';

export interface ExtractHandler {
  run(job: ExtractJob, signal: AbortSignal): Promise<unknown>;
  notify(notice: ExtractNotice): void;
  /** Waits for the OCR engine's pending work, then releases it and every open PDF. */
  close(): Promise<void>;
  /**
   * The worker should be replaced once its jobs end: a document went over its budget here, or the
   * worker has decoded a document's worth of bytes. What pdf.js decoded lives outside the V8 heap,
   * and only a thread's end surely gives that memory back to the system.
   */
  heavy(): boolean;
}

interface OpenPdf {
  readonly pdf: Promise<PDFDocumentProxy>;
  readonly budget: PdfBudget;
  users: number;
  released: boolean;
}

/** `engine` is called on the first OCR job, so a worker that only reads text layers never loads one. */
export function createExtractHandler(engine: () => OcrEngine, limits: PdfLimits = DEFAULT_PDF_LIMITS): ExtractHandler {
  let ocr: OcrEngine | undefined;
  const open = new Map<string, OpenPdf>();
  let overran = false;
  let decoded = 0;
  const budget = () => new PdfBudget(limits, (bytes) => (decoded += bytes));

  /** A job that opens the PDF for itself alone (a page count, the metadata) has a budget of its own. */
  const alone = async <T>(work: () => Promise<T>): Promise<T> => {
    const own = budget();
    try {
      return await underBudget(own, work);
    } finally {
      overran ||= own.exceeded;
    }
  };

  const destroy = (doc: string, entry: OpenPdf) => {
    if (open.get(doc) === entry) open.delete(doc);
    void entry.pdf.then((pdf) => pdf.destroy()).catch(() => undefined);
  };

  const withPdf = async <T>(doc: string, bytes: Uint8Array, use: (pdf: PDFDocumentProxy) => Promise<T>): Promise<T> => {
    let entry = open.get(doc);
    if (!entry) {
      const shared = budget();
      entry = { pdf: underBudget(shared, () => openPdf(bytes)), budget: shared, users: 0, released: false };
      open.set(doc, entry);
    }
    const current = entry;
    current.users++;
    try {
      return await underBudget(current.budget, async () => use(await current.pdf));
    } catch (error) {
      overran ||= current.budget.exceeded;
      // A PDF that failed to open is not kept: a retry opens it afresh.
      const opened = await current.pdf.then(() => true, () => false);
      if (!opened && open.get(doc) === current) open.delete(doc);
      throw error;
    } finally {
      current.users--;
      if (current.released && current.users === 0) destroy(doc, current);
    }
  };

  return {
    async run(job, signal) {
      signal.throwIfAborted();
      switch (job.op) {
        case 'count':
          return alone(() => countPages(job.bytes, job.type));
        case 'layers':
          return withPdf(job.doc, job.bytes, (pdf) => readTextLayers(pdf, { maxPages: job.maxPages, firstPages: job.firstPages, signal }));
        case 'info':
          return alone(() => pdfInfo(job.bytes));
        case 'page':
          ocr ??= engine();
          return withPdf(job.doc, job.bytes, (pdf) => extractPdfPage(pdf, job.layer, ocr!, signal));
        case 'image':
          ocr ??= engine();
          return extractImage(imagePage(job.bytes, job.type, job.number), { ocr, signal, number: job.number });
      }
    },
    notify(notice) {
      const entry = open.get(notice.doc);
      if (!entry) return;
      entry.released = true;
      if (entry.users === 0) destroy(notice.doc, entry);
    },
    async close() {
      await ocr?.close();
      for (const [doc, entry] of open) destroy(doc, entry);
    },
    heavy: () => overran || decoded > limits.maxDecodedBytesPerDocument,
  };
}
