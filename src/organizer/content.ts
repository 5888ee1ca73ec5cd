// Reads what a file says, for the organize job: the text of a PDF's first pages (text layer, or OCR of
// a scan) and its metadata dates, an image's EXIF and, unless a camera took it, its OCR'd text. The
// documents pipeline's extractor does the reading, on its worker pool; this bounds it (first pages, a
// size cap, a time limit) and turns what it finds into the few facts kept on the file.
import type { BlobStore } from '../blobs/index.js';
import { isBlobError } from '../blobs/index.js';
import type { ExtractedPage, PdfInfo } from '../pipelines/documents/index.js';
import { isDocumentError } from '../pipelines/documents/index.js';
import type { OrganizerFile } from '../storage/index.js';
import { documentTypeOf as documentMediaType, sniffBytes, type DocumentType } from '../util/sniff.js';
import { metadataDate, pdfDate, type PartialDate } from './dates.js';
import { exifOf } from './exif.js';

/** What the organizer needs of the documents extractor. */
export interface ContentExtractor {
  extractPages(bytes: Uint8Array, type: DocumentType, options: { readonly firstPages: number; readonly signal?: AbortSignal }): Promise<ExtractedPage[]>;
  pdfInfo(bytes: Uint8Array): Promise<PdfInfo>;
}

export interface ContentLimits {
  /** Pages of a PDF read for its text. */
  readonly pages: number;
  /** A larger file is classified by its name and type alone. */
  readonly maxBytes: number;
  /** Reading one file's content may take no longer. */
  readonly timeoutMs: number;
  /** Characters of text kept on the file. */
  readonly textChars: number;
}

export const DEFAULT_CONTENT_LIMITS: ContentLimits = { pages: 3, maxBytes: 20 * 1024 * 1024, timeoutMs: 30_000, textChars: 4_000 };

/** What reading a file's content found; null fields were not found (or not looked for). */
export interface FileContent {
  readonly text: string | null;
  readonly metaDate: PartialDate | null;
  readonly camera: boolean | null;
}

const NOTHING: FileContent = { text: null, metaDate: null, camera: null };

/** Only PDFs and images need the job to read them; a text file's head is kept at upload. */
export const needsContentRead = (f: Pick<OrganizerFile, 'kind' | 'content_read_at'>): boolean => f.content_read_at === null && (f.kind === 'pdf' || f.kind === 'image');

export class ContentTimeoutError extends Error {
  override readonly name = 'ContentTimeoutError';
}

/**
 * Collapses runs of spaces (OCR pads lines) and blank lines, drops control characters (a PDF's text
 * layer may carry U+0000 for glyphs it cannot map, which PostgreSQL's text cannot store), and cuts to
 * `chars`.
 */
export function tidyText(text: string, chars: number): string {
  return text
    // eslint-disable-next-line no-control-regex -- control characters are what it drops
    .replace(/[\u0000-\u0008\u000e-\u001f\u007f]+/g, '')
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ *\n[\n ]*/g, '\n')
    .trim()
    .slice(0, chars);
}

async function readBlob(blobs: BlobStore, key: string, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of await blobs.get(key)) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > maxBytes) throw new RangeError('over the content size cap');
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>, timeoutMs: number, outer: AbortSignal): Promise<T> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  outer.addEventListener('abort', stop, { once: true });
  let timer: NodeJS.Timeout | undefined;
  // The extractor stops between pages; an OCR run already started finishes in its worker, unawaited.
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new ContentTimeoutError(`reading took longer than ${timeoutMs} ms`));
    }, timeoutMs);
  });
  return Promise.race([work(controller.signal), timeout]).finally(() => {
    clearTimeout(timer);
    outer.removeEventListener('abort', stop);
  });
}

function infoDate(info: PdfInfo): PartialDate | null {
  return pdfDate(info.creationDate) ?? (info.xmpCreateDate ? metadataDate(info.xmpCreateDate) : null) ?? pdfDate(info.modDate);
}

/** A document whose pages cannot be read (corrupt, encrypted, blank) has no text: that is an answer, not a failure. */
async function pagesText(extractor: ContentExtractor, bytes: Uint8Array, type: DocumentType, limits: ContentLimits, signal: AbortSignal): Promise<string> {
  try {
    const pages = await extractor.extractPages(bytes, type, { firstPages: limits.pages, signal });
    return tidyText(pages.map((p) => p.text).join('\n\n'), limits.textChars);
  } catch (e) {
    if (isDocumentError(e)) return '';
    throw e;
  }
}

/**
 * Reads a PDF's or an image's content. 'missing' when its bytes are gone (the file was deleted while
 * the job ran). Anything else that goes wrong (a timeout, a corrupt file) yields what was found so far:
 * the file is then classified by its name and type, and its content is not read again.
 */
export async function readContent(
  file: Pick<OrganizerFile, 'kind' | 'size_bytes' | 'blob_key'>,
  deps: { readonly blobs: BlobStore; readonly extractor: ContentExtractor; readonly limits: ContentLimits },
  signal: AbortSignal,
): Promise<FileContent | 'missing'> {
  const { limits, extractor } = deps;
  if (Number(file.size_bytes) > limits.maxBytes) return NOTHING;
  let bytes: Buffer;
  try {
    bytes = await readBlob(deps.blobs, file.blob_key, limits.maxBytes);
  } catch (e) {
    if (isBlobError(e, 'NoSuchKey')) return 'missing';
    if (e instanceof RangeError) return NOTHING;
    throw e;
  }
  const sniffed = await sniffBytes(bytes);
  const type = documentMediaType(sniffed);

  if (file.kind === 'image') {
    const exif = exifOf(bytes, sniffed?.mime ?? null);
    // A camera's picture is a photo: OCR would spend seconds to find no text worth filing by.
    if (exif.camera || !type) return { text: exif.camera ? '' : null, metaDate: exif.date, camera: exif.camera };
    const text = await withTimeout((s) => pagesText(extractor, bytes, type, limits, s), limits.timeoutMs, signal).catch((e: unknown) => {
      if (e instanceof ContentTimeoutError) return null;
      throw e;
    });
    return { text, metaDate: exif.date, camera: false };
  }

  if (type !== 'application/pdf') return NOTHING;
  let metaDate: PartialDate | null = null;
  let text: string | null = null;
  await withTimeout(async (s) => {
    const info = await extractor.pdfInfo(bytes).catch((e: unknown) => (isDocumentError(e) ? undefined : Promise.reject(e)));
    // A PDF pdf.js cannot open (corrupt, encrypted) has no pages to read either.
    if (!info) return;
    metaDate = infoDate(info);
    text = await pagesText(extractor, bytes, type, limits, s);
  }, limits.timeoutMs, signal).catch((e: unknown) => {
    if (!(e instanceof ContentTimeoutError)) throw e;
  });
  return { text, metaDate, camera: null };
}
