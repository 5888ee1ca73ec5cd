// Stage one of the pipeline: the text of every page. A PDF page's own text layer is used when it has
// one; a page without (a scan) has its embedded images OCR'd, and an uploaded image is OCR'd whole.
import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { encodePng } from './encode-png.js';
import { DocumentError } from './errors.js';
import type { OcrEngine } from './ocr.js';
import { openPdf, pdfError } from './pdf-document.js';
import { pageImages } from './pdf-images.js';
import { pageTextLayer } from './pdf-text.js';
import { sniffDocumentType, type DocumentType } from './sniff.js';

export interface ExtractedPage {
  /** 1-based, as people count pages. */
  readonly number: number;
  readonly text: string;
  readonly source: 'text_layer' | 'ocr';
}

export interface ExtractOptions {
  readonly ocr: OcrEngine;
  /** A document with more pages fails with `too_many_pages` before any page is read. */
  readonly maxPages?: number;
  /** Checked between pages, so a worker giving up its lease can stop a long document. */
  readonly signal?: AbortSignal;
}

/**
 * A text layer this short (a page number, a scanner's stamp) says nothing about the page's content,
 * so such a page is treated as a scan if it has images.
 */
const MIN_TEXT_LAYER_CHARS = 16;

export async function extractPages(bytes: Uint8Array, type: DocumentType, options: ExtractOptions): Promise<ExtractedPage[]> {
  const actual = sniffDocumentType(bytes);
  if (actual !== type) {
    throw new DocumentError('unsupported_type', `expected ${type}, the bytes are ${actual ?? 'of no supported type'}`);
  }
  const pages = type === 'application/pdf' ? await extractPdf(bytes, options) : [await extractImage(bytes, options)];
  if (pages.every((page) => page.text.trim() === '')) {
    throw new DocumentError('no_text', 'no text was found on any page, in the text layer or by OCR');
  }
  return pages;
}

/** Pages a document will be billed for, without extracting anything: one per image upload. */
export async function countPages(bytes: Uint8Array, type: DocumentType): Promise<number> {
  if (type !== 'application/pdf') return 1;
  const pdf = await openPdf(bytes);
  try {
    return pdf.numPages;
  } finally {
    await pdf.destroy();
  }
}

async function extractImage(bytes: Uint8Array, options: ExtractOptions): Promise<ExtractedPage> {
  options.signal?.throwIfAborted();
  return { number: 1, text: await recognize(options.ocr, bytes), source: 'ocr' };
}

async function extractPdf(bytes: Uint8Array, options: ExtractOptions): Promise<ExtractedPage[]> {
  const pdf = await openPdf(bytes);
  try {
    if (options.maxPages !== undefined && pdf.numPages > options.maxPages) {
      throw new DocumentError('too_many_pages', `the PDF has ${pdf.numPages} pages, the limit is ${options.maxPages}`);
    }
    const pages: ExtractedPage[] = [];
    for (let number = 1; number <= pdf.numPages; number++) {
      options.signal?.throwIfAborted();
      pages.push(await extractPdfPage(pdf, number, options.ocr));
    }
    return pages;
  } finally {
    await pdf.destroy();
  }
}

async function extractPdfPage(pdf: PDFDocumentProxy, number: number, ocr: OcrEngine): Promise<ExtractedPage> {
  const page = await pdf.getPage(number).catch((error: unknown) => Promise.reject(pdfError(error)));
  try {
    const layer = await pageTextLayer(page).catch((error: unknown) => Promise.reject(pdfError(error)));
    if (layer.replace(/\s/g, '').length >= MIN_TEXT_LAYER_CHARS) return { number, text: layer, source: 'text_layer' };

    const images = await pageImages(page).catch((error: unknown) => Promise.reject(pdfError(error)));
    if (images.length === 0) return { number, text: layer, source: 'text_layer' };
    const texts = [layer];
    for (const image of images) texts.push(await recognize(ocr, encodePng(image)));
    return { number, text: texts.filter((t) => t.trim() !== '').join('\n\n'), source: 'ocr' };
  } finally {
    page.cleanup();
  }
}

async function recognize(ocr: OcrEngine, image: Uint8Array): Promise<string> {
  try {
    return tidyOcrText(await ocr.recognize(image));
  } catch (error) {
    if (error instanceof DocumentError) throw error;
    throw new DocumentError('ocr_failed', `OCR failed: ${String(error)}`, { cause: error });
  }
}

/** Tesseract pads lines with spaces and separates blocks with runs of blank lines; keep one. */
function tidyOcrText(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
