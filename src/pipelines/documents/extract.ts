// Stage one of the pipeline: the text of every page. A PDF page's own text layer is used when it has
// one; a page without (a scan) has its embedded images OCR'd, and an uploaded image is OCR'd whole
// (a TIFF page by page).
// The work comes in pieces a pool can spread over threads: the text layers of a whole PDF (cheap), then
// one OCR job per page that needs it (expensive); extractPages runs them one after another.
import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { DocumentType } from '../../util/sniff.js';
import { assertDocumentType, assertSomeText } from './document-checks.js';
import { encodePng } from './encode-png.js';
import { DocumentError } from './errors.js';
import type { OcrEngine } from './ocr.js';
import { joinReadings, readingOf, type PageReading } from './ocr-reading.js';
import { pageCounter, type ProgressListener } from './page-progress.js';
import { assertNoRepeatedContents } from './pdf-contents.js';
import { openPdf, pdfError } from './pdf-document.js';
import { startBudgetPage } from './pdf-budget.js';
import { pageImages } from './pdf-images.js';
import { pageTextLayer } from './pdf-text.js';
import { imageLayers, imagePage } from './image-pages.js';
import { tiffPageCount } from './tiff-pages.js';

export interface ExtractedPage {
  /** 1-based, as people count pages. */
  readonly number: number;
  readonly text: string;
  readonly source: 'text_layer' | 'ocr';
  /** OCR pages: how sure OCR was of the page's text, 0..1 (its least certain picture). */
  readonly confidence?: number;
  /** OCR pages: one confidence per line of `text`, so later stages can tell which rows to trust. */
  readonly line_confidences?: number[];
}

/** A PDF page's text layer, and whether the page must go through OCR because the layer says too little. */
export interface PageTextLayer {
  readonly number: number;
  readonly text: string;
  readonly needsOcr: boolean;
}

export interface ExtractPagesOptions {
  /** A document with more pages fails with `too_many_pages` before any page is read. */
  readonly maxPages?: number;
  /** Only the first this many pages are read; the others are left out, not refused (a preview). */
  readonly firstPages?: number;
  /** Checked between pages, so a worker giving up its lease can stop a long document. */
  readonly signal?: AbortSignal;
  /** Pages done so far, once some page needs OCR (see pageCounter). */
  readonly onProgress?: ProgressListener;
}

export interface ExtractOptions extends ExtractPagesOptions {
  readonly ocr: OcrEngine;
}

/**
 * A text layer this short (a page number, a scanner's stamp) says nothing about the page's content,
 * so such a page is treated as a scan if it has images.
 */
const MIN_TEXT_LAYER_CHARS = 16;

export async function extractPages(bytes: Uint8Array, type: DocumentType, options: ExtractOptions): Promise<ExtractedPage[]> {
  await assertDocumentType(bytes, type);
  if (type === 'application/pdf') return assertSomeText(await extractPdf(bytes, options));
  const layers = imageLayers(bytes, type, options);
  const progress = pageCounter(layers, options.onProgress);
  const pages: ExtractedPage[] = [];
  for (const layer of layers) {
    pages.push(await extractImage(imagePage(bytes, type, layer.number), { ...options, number: layer.number }));
    progress.pageDone();
  }
  return assertSomeText(pages);
}

/** Pages a document will be billed for, without extracting anything: one per image, one per page of a TIFF. */
export async function countPages(bytes: Uint8Array, type: DocumentType): Promise<number> {
  if (type === 'image/tiff') return tiffPageCount(bytes);
  if (type !== 'application/pdf') return 1;
  assertNoRepeatedContents(bytes);
  const pdf = await openPdf(bytes);
  try {
    return pdf.numPages;
  } finally {
    await pdf.destroy();
  }
}

/** Every page's text layer, in order; fails with `too_many_pages` first when the PDF is over the limit. */
export async function readTextLayers(pdf: PDFDocumentProxy, options: Pick<ExtractPagesOptions, 'maxPages' | 'firstPages' | 'signal'> = {}): Promise<PageTextLayer[]> {
  if (options.maxPages !== undefined && pdf.numPages > options.maxPages) {
    throw new DocumentError('too_many_pages', `the PDF has ${pdf.numPages} pages, the limit is ${options.maxPages}`);
  }
  const layers: PageTextLayer[] = [];
  const last = Math.min(pdf.numPages, options.firstPages ?? pdf.numPages);
  for (let number = 1; number <= last; number++) {
    options.signal?.throwIfAborted();
    startBudgetPage(number);
    const page = await pdf.getPage(number).catch((error: unknown) => Promise.reject(pdfError(error)));
    try {
      const text = await pageTextLayer(page).catch((error: unknown) => Promise.reject(pdfError(error)));
      layers.push({ number, text, needsOcr: text.replace(/\s/g, '').length < MIN_TEXT_LAYER_CHARS });
    } finally {
      page.cleanup();
    }
  }
  return layers;
}

/** The page as text-layer text when it needs no OCR; otherwise its pictures OCR'd, after its short layer. */
export async function extractPdfPage(pdf: PDFDocumentProxy, layer: PageTextLayer, ocr: OcrEngine, signal?: AbortSignal): Promise<ExtractedPage> {
  if (!layer.needsOcr) return { number: layer.number, text: layer.text, source: 'text_layer' };
  startBudgetPage(layer.number);
  const page = await pdf.getPage(layer.number).catch((error: unknown) => Promise.reject(pdfError(error)));
  try {
    const images = await pageImages(page).catch((error: unknown) => Promise.reject(pdfError(error)));
    if (images.length === 0) return { number: layer.number, text: layer.text, source: 'text_layer' };
    const readings: PageReading[] = [];
    for (const image of images) {
      signal?.throwIfAborted();
      readings.push(await recognize(ocr, encodePng(image), signal));
    }
    return { number: layer.number, source: 'ocr', ...joinReadings(layer.text, readings) };
  } finally {
    page.cleanup();
  }
}

export async function extractImage(bytes: Uint8Array, options: Pick<ExtractOptions, 'ocr' | 'signal'> & { readonly number?: number }): Promise<ExtractedPage> {
  options.signal?.throwIfAborted();
  return { number: options.number ?? 1, source: 'ocr', ...joinReadings('', [await recognize(options.ocr, bytes, options.signal)]) };
}

async function extractPdf(bytes: Uint8Array, options: ExtractOptions): Promise<ExtractedPage[]> {
  const pdf = await openPdf(bytes);
  try {
    const layers = await readTextLayers(pdf, options);
    const progress = pageCounter(layers, options.onProgress);
    const pages: ExtractedPage[] = [];
    for (const layer of layers) {
      options.signal?.throwIfAborted();
      pages.push(await extractPdfPage(pdf, layer, options.ocr, options.signal));
      if (layer.needsOcr) progress.pageDone();
    }
    return pages;
  } finally {
    await pdf.destroy();
  }
}

/** `signal` stops a page being read when its document is given up (another page failed, the run was cancelled). */
async function recognize(ocr: OcrEngine, image: Uint8Array, signal: AbortSignal | undefined): Promise<PageReading> {
  try {
    return readingOf(await ocr.recognize(image, signal));
  } catch (error) {
    if (error instanceof DocumentError) throw error;
    if (signal?.aborted) throw signal.reason;
    throw new DocumentError('ocr_failed', `OCR failed: ${String(error)}`, { cause: error });
  }
}
