// Opens PDFs with pdf.js configured for a server: every resource it may need (standard fonts, CMaps,
// image decoders) is read from the installed pdfjs-dist package, nothing is fetched, no script runs.
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { getDocument, VerbosityLevel } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { DocumentError } from './errors.js';
import { MAX_IMAGE_PIXELS } from './image-size.js';

const PDFJS_DIR = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
// pdf.js joins file names onto these, so they need the trailing separator.
const resourceDir = (name: string): string => join(PDFJS_DIR, name) + sep;

export async function openPdf(bytes: Uint8Array): Promise<PDFDocumentProxy> {
  const task = getDocument({
    // pdf.js takes ownership of (and may detach) the buffer it is given; the caller keeps theirs.
    // It also refuses Node Buffers, so the copy is a plain Uint8Array.
    data: new Uint8Array(bytes),
    standardFontDataUrl: resourceDir('standard_fonts'),
    cMapUrl: resourceDir('cmaps'),
    cMapPacked: true,
    wasmUrl: resourceDir('wasm'),
    iccUrl: resourceDir('iccs'),
    useWorkerFetch: false,
    useSystemFonts: false,
    disableFontFace: true,
    isEvalSupported: false,
    isOffscreenCanvasSupported: false,
    isImageDecoderSupported: false,
    enableXfa: false,
    disableAutoFetch: true,
    disableStream: true,
    disableRange: true,
    // Larger pictures are skipped undecoded (pdf.js checks the declared size first) rather than exhausting memory.
    maxImageSize: MAX_IMAGE_PIXELS,
    verbosity: VerbosityLevel.ERRORS,
  });
  let pdf: PDFDocumentProxy;
  try {
    pdf = await task.promise;
  } catch (error) {
    await task.destroy().catch(() => undefined);
    throw pdfError(error);
  }
  // pdf.js takes the page tree's /Count as written, which a damaged or crafted file may give as zero,
  // negative or far beyond any page it holds: it is what a document is billed for.
  if (!Number.isSafeInteger(pdf.numPages) || pdf.numPages < 1) {
    const declared = pdf.numPages;
    await pdf.destroy().catch(() => undefined);
    throw new DocumentError('pdf_corrupt', `the PDF cannot be read: its page tree declares ${String(declared)} pages`);
  }
  return pdf;
}

/** Maps pdf.js exceptions, which it identifies by name, onto the pipeline's failure reasons. */
export function pdfError(error: unknown): DocumentError {
  if (error instanceof DocumentError) return error;
  const name = error instanceof Error ? error.name : '';
  if (name === 'PasswordException') {
    return new DocumentError('pdf_encrypted', 'the PDF is password-protected', { cause: error });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new DocumentError('pdf_corrupt', `the PDF cannot be read: ${detail}`, { cause: error });
}
