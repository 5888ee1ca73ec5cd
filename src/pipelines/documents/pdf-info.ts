// A PDF's dates as its metadata states them, read by pdf.js: it resolves the Info dictionary wherever
// the file keeps it, a compressed object stream included (pdf-lib's default), which no byte scan finds.
import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { openPdf, pdfError } from './pdf-document.js';

export interface PdfInfo {
  /** The Info dictionary's CreationDate as written ("D:20250314120000Z"), if any. */
  readonly creationDate: string | null;
  readonly modDate: string | null;
  /** XMP's xmp:CreateDate ("2025-03-14T12:00:00Z"), if the PDF has an XMP packet. */
  readonly xmpCreateDate: string | null;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null);

export async function readPdfInfo(pdf: PDFDocumentProxy): Promise<PdfInfo> {
  const { info, metadata } = await pdf.getMetadata().catch((error: unknown) => Promise.reject(pdfError(error)));
  const fields = (info ?? {}) as Record<string, unknown>;
  return { creationDate: text(fields.CreationDate), modDate: text(fields.ModDate), xmpCreateDate: text(metadata?.get('xmp:createdate')) };
}

export async function pdfInfo(bytes: Uint8Array): Promise<PdfInfo> {
  const pdf = await openPdf(bytes);
  try {
    return await readPdfInfo(pdf);
  } finally {
    await pdf.destroy();
  }
}
