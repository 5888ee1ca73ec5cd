// What a file is, from its first bytes (the name only refines a ZIP into an office document), and
// the date it carries in its content or metadata: EXIF, PDF CreationDate, or an ISO date in text.

export const FILE_KINDS = ['pdf', 'image', 'video', 'audio', 'archive', 'document', 'text', 'other'] as const;
export type FileKind = (typeof FILE_KINDS)[number];

/** Bytes of the head kept for sniffing and date search. */
export const HEAD_BYTES = 64 * 1024;

const OFFICE = /\.(docx|xlsx|pptx|odt|ods|odp|pages|numbers|key|epub)$/i;

const startsWith = (b: Buffer, sig: readonly number[], at = 0): boolean => sig.every((v, i) => b[at + i] === v);
const ascii = (b: Buffer, text: string, at = 0): boolean => b.length >= at + text.length && b.toString('latin1', at, at + text.length) === text;

export function sniffKind(head: Buffer, name: string): FileKind {
  if (ascii(head, '%PDF-')) return 'pdf';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47]) || startsWith(head, [0xff, 0xd8, 0xff]) || ascii(head, 'GIF8') || ascii(head, 'BM')) return 'image';
  if (ascii(head, 'RIFF') && ascii(head, 'WEBP', 8)) return 'image';
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return 'image';
  if (ascii(head, 'ftyp', 4)) {
    const brand = head.toString('latin1', 8, 12);
    if (/^(heic|heix|mif1|avif)/.test(brand)) return 'image';
    if (/^M4A /.test(brand)) return 'audio';
    return 'video';
  }
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return 'video';
  if (ascii(head, 'RIFF') && ascii(head, 'AVI ', 8)) return 'video';
  if (ascii(head, 'RIFF') && ascii(head, 'WAVE', 8)) return 'audio';
  if (ascii(head, 'ID3') || ascii(head, 'OggS') || ascii(head, 'fLaC') || (head[0] === 0xff && ((head[1] ?? 0) & 0xe0) === 0xe0)) return 'audio';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) return OFFICE.test(name) ? 'document' : 'archive';
  if (startsWith(head, [0x1f, 0x8b]) || ascii(head, '7z\xbc\xaf\x27\x1c') || ascii(head, 'Rar!') || ascii(head, 'ustar', 257) || startsWith(head, [0x42, 0x5a, 0x68]) || startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a])) return 'archive';
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0])) return 'document';
  if (looksLikeText(head)) return 'text';
  return 'other';
}

function looksLikeText(head: Buffer): boolean {
  if (head.length === 0 || head.includes(0)) return false;
  // A multi-byte character cut at the end of the head is not a reason to call it binary.
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head.subarray(0, Math.max(0, head.length - 4)));
  const bad = (text.match(/\uFFFD/g) ?? []).length;
  return bad <= text.length / 100;
}

const valid = (y: number, m: number, d: number): boolean => y >= 1970 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
const iso = (y: number, m: number, d: number): string => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

const CONTENT_DATES: readonly RegExp[] = [
  // EXIF DateTimeOriginal / DateTime
  /(\d{4}):(\d{2}):(\d{2}) \d{2}:\d{2}:\d{2}/,
  // PDF info dictionary or XMP
  /CreationDate\s*\(D:(\d{4})(\d{2})(\d{2})/,
  /CreateDate>(\d{4})-(\d{2})-(\d{2})/,
  /\b(\d{4})-(\d{2})-(\d{2})\b/,
];

/** The first plausible date in the head of a file, as YYYY-MM-DD. */
export function contentDate(head: Buffer, kind: FileKind): string | null {
  if (kind !== 'pdf' && kind !== 'image' && kind !== 'text' && kind !== 'video') return null;
  const text = head.toString('latin1');
  for (const pattern of CONTENT_DATES) {
    const m = pattern.exec(text);
    if (!m) continue;
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (valid(y, mo, d)) return iso(y, mo, d);
  }
  return null;
}

/** A date in a file name: 2025-03-14, 20250314, 2025_03, 2025.03.14. Day defaults to the 1st. */
export function nameDate(name: string): string | null {
  const m = /(?:^|[^\d])((?:19|20)\d{2})[-_.]?(0[1-9]|1[0-2])(?:[-_.]?(0[1-9]|[12]\d|3[01]))?(?!\d)/.exec(name);
  if (!m) return null;
  return iso(Number(m[1]), Number(m[2]), m[3] ? Number(m[3]) : 1);
}
