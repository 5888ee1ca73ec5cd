// What a file is, judged from its bytes by the `file-type` package, never from its name or a client's
// claim; each surface asks its own question of the same answer: the documents pipeline which types it
// accepts, the organizer which kind of file it files, video probing which container failed to open.
import { fileTypeFromBuffer, fileTypeFromFile, fileTypeFromStream } from 'file-type';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';

export interface Sniffed {
  /** file-type's extension for the format, e.g. "pdf", "jpg", "docx". */
  readonly ext: string;
  readonly mime: string;
}

/** Bytes of a file's head to keep for sniffing: file-type needs 4 KiB for most formats, more for ZIP-based office files. */
export const SNIFF_HEAD_BYTES = 64 * 1024;

const PDF: Sniffed = { ext: 'pdf', mime: 'application/pdf' };
const PDF_HEADER = '%PDF-';
// Readers (Acrobat, pdf.js) accept a PDF header anywhere in the first KiB, after junk some generators
// prepend; file-type only looks at the first byte.
const PDF_HEADER_WINDOW = 1024;

function pdfHeaderNearStart(bytes: Uint8Array): boolean {
  const window = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, PDF_HEADER_WINDOW));
  return window.indexOf(PDF_HEADER, 0, 'latin1') >= 0;
}

const orPdf = (found: Sniffed | undefined, head: Uint8Array): Sniffed | undefined => found ?? (pdfHeaderNearStart(head) ? PDF : undefined);

/** The format of a whole file or of its head (a head too short for the format's signature is undefined). */
export async function sniffBytes(bytes: Uint8Array): Promise<Sniffed | undefined> {
  if (bytes.byteLength === 0) return undefined;
  return orPdf(await fileTypeFromBuffer(bytes), bytes);
}

/** As sniffBytes, reading only as much of the stream as the format needs; the caller closes the stream. */
export async function sniffStream(stream: Readable): Promise<Sniffed | undefined> {
  return fileTypeFromStream(stream);
}

/** As sniffBytes, for a file on disk (random access: formats whose directory sits at the end are found too). */
export async function sniffFile(path: string): Promise<Sniffed | undefined> {
  const found = await fileTypeFromFile(path);
  if (found) return found;
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(PDF_HEADER_WINDOW);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return orPdf(undefined, head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

// ---- the documents pipeline: what it can read (text layer or OCR) ----

export type DocumentType = 'application/pdf' | 'image/png' | 'image/jpeg' | 'image/tiff';

export const DOCUMENT_TYPES: readonly DocumentType[] = ['application/pdf', 'image/png', 'image/jpeg', 'image/tiff'];

/** An animated PNG is still a PNG to an OCR engine: its first frame is the picture. */
const AS_DOCUMENT: Readonly<Record<string, DocumentType>> = { 'image/apng': 'image/png' };

export function documentTypeOf(sniffed: Sniffed | undefined): DocumentType | undefined {
  if (!sniffed) return undefined;
  const mime = AS_DOCUMENT[sniffed.mime] ?? sniffed.mime;
  return (DOCUMENT_TYPES as readonly string[]).includes(mime) ? (mime as DocumentType) : undefined;
}

export async function sniffDocumentType(bytes: Uint8Array): Promise<DocumentType | undefined> {
  return documentTypeOf(await sniffBytes(bytes));
}

// ---- the organizer: the kind of file a folder rule can name ----

export const FILE_KINDS = ['pdf', 'image', 'video', 'audio', 'archive', 'document', 'text', 'other'] as const;
export type FileKind = (typeof FILE_KINDS)[number];

const ARCHIVES = new Set([
  'application/zip', 'application/x-tar', 'application/gzip', 'application/x-bzip2', 'application/x-7z-compressed', 'application/x-rar-compressed',
  'application/vnd.rar', 'application/x-xz', 'application/zstd', 'application/x-lzip', 'application/x-compress', 'application/x-lzh-compressed',
  'application/vnd.ms-cab-compressed', 'application/x-rpm', 'application/x-deb', 'application/vnd.debian.binary-package', 'application/x-apple-diskimage',
  'application/x-iso9660-image', 'application/java-archive', 'application/x-cpio', 'application/x-unix-archive', 'application/x-arj', 'application/x-lz4',
]);

const DOCUMENTS = new Set([
  'application/x-cfb', 'application/msword', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint', 'application/rtf', 'application/epub+zip',
  'application/x-mobipocket-ebook', 'application/vnd.ms-outlook',
]);
const DOCUMENT_PREFIXES = ['application/vnd.openxmlformats-officedocument.', 'application/vnd.oasis.opendocument.', 'application/vnd.ms-'];

/** Ogg without a recognised codec inside is, far more often than not, audio. */
const AUDIO = new Set(['application/ogg']);

export function fileKindOf(sniffed: Sniffed | undefined, head: Uint8Array): FileKind {
  if (!sniffed) return looksLikeText(head) ? 'text' : 'other';
  const { mime } = sniffed;
  if (mime === 'application/pdf') return 'pdf';
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('video/')) return 'video';
  if (mime.startsWith('audio/') || AUDIO.has(mime)) return 'audio';
  if (ARCHIVES.has(mime)) return 'archive';
  if (DOCUMENTS.has(mime) || DOCUMENT_PREFIXES.some((p) => mime.startsWith(p))) return 'document';
  if (mime.startsWith('text/') || mime === 'application/xml') return 'text';
  return 'other';
}

/**
 * Text in UTF-16 with its byte order mark, as Windows writes "Unicode" text: its text, or undefined.
 * Sniffed before any binary format, since `FF FE` also starts an MP3 frame header.
 */
export function utf16Text(head: Uint8Array): { readonly charset: 'utf-16le' | 'utf-16be'; readonly text: string } | undefined {
  if (head.byteLength < 4) return undefined;
  const charset = head[0] === 0xff && head[1] === 0xfe ? 'utf-16le' : head[0] === 0xfe && head[1] === 0xff ? 'utf-16be' : undefined;
  if (charset === undefined) return undefined;
  // Whole code units only, and not the first half of a surrogate pair cut at the end of the head: that
  // is no reason to refuse it. The last whole character is kept.
  let end = head.byteLength - (head.byteLength % 2);
  const last = charset === 'utf-16le' ? head[end - 2]! | (head[end - 1]! << 8) : (head[end - 2]! << 8) | head[end - 1]!;
  if (last >= 0xd800 && last <= 0xdbff) end -= 2;
  const text = new TextDecoder(charset, { fatal: false }).decode(head.subarray(2, end));
  let bad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Undecodable, or a control character text does not hold (tab, line ends and form feed it does).
    if (c === 0xfffd || (c < 0x20 && (c < 0x09 || c > 0x0d))) bad++;
  }
  return text.length > 0 && bad <= text.length / 100 ? { charset, text } : undefined;
}

/** UTF-8 (or ASCII) without NUL bytes: what file-type, which only knows binary formats, leaves to us. */
export function looksLikeText(head: Uint8Array): boolean {
  if (head.byteLength === 0 || head.includes(0)) return false;
  // A multi-byte character cut at the end of the head is not a reason to call it binary.
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head.subarray(0, Math.max(0, head.byteLength - 4)));
  const bad = (text.match(/\uFFFD/g) ?? []).length;
  return bad <= text.length / 100;
}

// ---- video probing: which container a file that ffmpeg could not open announces ----

export type Container = 'iso-bmff' | 'matroska' | 'ogg' | 'avi' | 'mpeg-ts' | 'flv';

const CONTAINERS: Readonly<Record<string, Container>> = {
  'video/mp4': 'iso-bmff', 'video/quicktime': 'iso-bmff', 'video/x-m4v': 'iso-bmff', 'audio/mp4': 'iso-bmff', 'audio/x-m4a': 'iso-bmff',
  'video/3gpp': 'iso-bmff', 'video/3gpp2': 'iso-bmff', 'video/mj2': 'iso-bmff',
  'video/webm': 'matroska', 'video/matroska': 'matroska', 'video/x-matroska': 'matroska', 'audio/webm': 'matroska', 'audio/x-matroska': 'matroska',
  'application/ogg': 'ogg', 'audio/ogg': 'ogg', 'video/ogg': 'ogg', 'audio/opus': 'ogg', 'audio/ogg; codecs=opus': 'ogg',
  'video/vnd.avi': 'avi', 'video/x-msvideo': 'avi',
  'video/mp2t': 'mpeg-ts',
  'video/x-flv': 'flv',
};

export function containerOf(sniffed: Sniffed | undefined): Container | undefined {
  return sniffed ? CONTAINERS[sniffed.mime] : undefined;
}
