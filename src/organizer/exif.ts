// The two facts about an image its EXIF block tells the organizer: when it was taken, and whether a
// camera took it (a photo, which is not worth OCR) rather than a scanner or a screenshot tool. Reads
// JPEG (APP1), TIFF, PNG (eXIf) and WebP (EXIF chunk) heads; anything malformed is simply no EXIF.
import { metadataDate, type PartialDate } from './dates.js';

export interface ExifFacts {
  /** DateTimeOriginal, else DateTimeDigitized, else DateTime. */
  readonly date: PartialDate | null;
  /**
   * The picture has a capture time or an exposure (what cameras and phones write, and scanners and
   * screenshot tools do not: a scanner may well name its make and model).
   */
  readonly camera: boolean;
}

const NONE: ExifFacts = { date: null, camera: false };

const TAG = { dateTime: 0x0132, exifIfd: 0x8769, exposureTime: 0x829a, fNumber: 0x829d, original: 0x9003, digitized: 0x9004 } as const;
const ASCII = 2;
const MAX_ENTRIES = 512;

/** A TIFF structure (the body of every EXIF block) starting at `start`. */
function readTiff(b: Buffer, start: number): ExifFacts {
  if (start + 8 > b.length) return NONE;
  const order = b.toString('latin1', start, start + 2);
  if (order !== 'II' && order !== 'MM') return NONE;
  const le = order === 'II';
  const u16 = (at: number): number | undefined => (at + 2 <= b.length ? (le ? b.readUInt16LE(at) : b.readUInt16BE(at)) : undefined);
  const u32 = (at: number): number | undefined => (at + 4 <= b.length ? (le ? b.readUInt32LE(at) : b.readUInt32BE(at)) : undefined);
  if (u16(start + 2) !== 42) return NONE;

  const tags = new Map<number, string | number>();
  const seen = new Set<number>();
  const readIfd = (offset: number | undefined): void => {
    if (offset === undefined || offset === 0) return;
    const at = start + offset;
    const count = u16(at);
    if (count === undefined || count > MAX_ENTRIES) return;
    for (let i = 0; i < count; i++) {
      const entry = at + 2 + i * 12;
      const tag = u16(entry);
      const type = u16(entry + 2);
      const n = u32(entry + 4);
      if (tag === undefined || type === undefined || n === undefined) return;
      seen.add(tag);
      if (type === ASCII) {
        const from = n <= 4 ? entry + 8 : start + (u32(entry + 8) ?? b.length);
        if (from + n <= b.length) tags.set(tag, b.toString('latin1', from, from + n).replace(/\0+$/, '').trim());
      } else if (tag === TAG.exifIfd) {
        tags.set(tag, u32(entry + 8) ?? 0);
      }
    }
  };
  readIfd(u32(start + 4));
  const exifIfd = tags.get(TAG.exifIfd);
  if (typeof exifIfd === 'number') readIfd(exifIfd);

  const text = (tag: number): string => {
    const v = tags.get(tag);
    return typeof v === 'string' ? v : '';
  };
  const original = text(TAG.original) || text(TAG.digitized);
  const date = metadataDate(original) ?? metadataDate(text(TAG.dateTime));
  return { date, camera: original !== '' || seen.has(TAG.exposureTime) || seen.has(TAG.fNumber) };
}

function fromJpeg(b: Buffer): ExifFacts {
  let at = 2;
  while (at + 4 <= b.length && b[at] === 0xff) {
    const marker = b[at + 1]!;
    // Start of scan: the image data follows, no more metadata segments.
    if (marker === 0xda) break;
    const length = b.readUInt16BE(at + 2);
    if (marker === 0xe1 && b.toString('latin1', at + 4, at + 10) === 'Exif\0\0') return readTiff(b, at + 10);
    at += 2 + length;
  }
  return NONE;
}

function fromPng(b: Buffer): ExifFacts {
  let at = 8;
  while (at + 8 <= b.length) {
    const length = b.readUInt32BE(at);
    const type = b.toString('latin1', at + 4, at + 8);
    if (type === 'eXIf') return readTiff(b, at + 8);
    if (type === 'IDAT' || type === 'IEND') break;
    at += 12 + length;
  }
  return NONE;
}

function fromWebp(b: Buffer): ExifFacts {
  let at = 12;
  while (at + 8 <= b.length) {
    const type = b.toString('latin1', at, at + 4);
    const length = b.readUInt32LE(at + 4);
    if (type === 'EXIF') {
      const body = at + 8;
      // Some writers keep JPEG's "Exif\0\0" prefix inside the chunk.
      return readTiff(b, b.toString('latin1', body, body + 6) === 'Exif\0\0' ? body + 6 : body);
    }
    at += 8 + length + (length % 2);
  }
  return NONE;
}

/** EXIF facts of an image from its first bytes (EXIF sits near the start in every format read here). */
export function exifOf(head: Uint8Array, mime: string | null): ExifFacts {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  try {
    if (mime === 'image/jpeg') return fromJpeg(b);
    if (mime === 'image/tiff') return readTiff(b, 0);
    if (mime === 'image/png' || mime === 'image/apng') return fromPng(b);
    if (mime === 'image/webp') return fromWebp(b);
  } catch {
    // A segment length pointing past the head: treated as no EXIF, like any malformed block.
  }
  return NONE;
}
