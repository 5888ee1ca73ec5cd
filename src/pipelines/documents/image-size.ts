// The size an image file says it is, read from its header before a byte of it is decoded, so a
// picture too big to decode in bounded memory (a few hundred kilobytes of PNG can inflate to a
// gigabyte of pixels) is refused instead of exhausting the worker.

/** Pixels of one decoded picture, in an upload or inside a PDF: a 600 dpi A3 scan is about 70 M. */
export const MAX_IMAGE_PIXELS = 80_000_000;

/**
 * Bytes one decoded picture may take: an 8-bit RGBA page at the pixel cap. Deep samples cost more
 * per pixel (16-bit RGBA is 8 bytes), so the pixel cap alone does not bound the memory.
 */
export const MAX_IMAGE_BYTES = MAX_IMAGE_PIXELS * 4;

export interface ImageSize {
  readonly width: number;
  readonly height: number;
  /** Bits of one decoded pixel: every sample of every channel (16-bit RGBA is 64). */
  readonly bitsPerPixel: number;
}

/** PNG, JPEG and TIFF headers; undefined for other bytes, or a header this cannot find. */
export function declaredImageSize(bytes: Uint8Array): ImageSize | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 26 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    const channels = PNG_CHANNELS[bytes[25]!] ?? 4;
    return { width: view.getUint32(16), height: view.getUint32(20), bitsPerPixel: bytes[24]! * channels };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) return jpegSize(bytes, view);
  const little = bytes[0] === 0x49 && bytes[1] === 0x49;
  if (bytes.length >= 8 && (little || (bytes[0] === 0x4d && bytes[1] === 0x4d))) return tiffSize(view, little);
  return undefined;
}

/** Why a picture of this size is refused before decoding, or undefined when it may be decoded. */
export function oversizeReason({ width, height, bitsPerPixel }: ImageSize): string | undefined {
  const pixels = width * height;
  if (pixels > MAX_IMAGE_PIXELS) {
    return `the image is ${width}×${height} pixels, more than the ${MAX_IMAGE_PIXELS / 1e6} M pixels a page may have`;
  }
  const bytes = (pixels * bitsPerPixel) / 8;
  if (bytes > MAX_IMAGE_BYTES) {
    return `the image is ${width}×${height} pixels of ${bitsPerPixel} bits, ${Math.ceil(bytes / 1e6)} MB decoded, more than the ${MAX_IMAGE_BYTES / 1e6} MB a page may take`;
  }
  return undefined;
}

/** Channels per PNG colour type: gray, RGB, palette index, gray + alpha, RGBA (an unknown type counts as the widest). */
const PNG_CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** The first frame header (SOF0–SOF15, except DHT, JPG and DAC) before the scan data starts. */
function jpegSize(bytes: Uint8Array, view: DataView): ImageSize | undefined {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return undefined;
    const length = view.getUint16(at + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      // Sample precision, height, width, then the number of components.
      if (at + 10 > bytes.length) return undefined;
      return { width: view.getUint16(at + 7), height: view.getUint16(at + 5), bitsPerPixel: bytes[at + 4]! * bytes[at + 9]! };
    }
    at += 2 + length;
  }
  return undefined;
}

const SHORT = 3;
const LONG = 4;

/** ImageWidth (256), ImageLength (257), BitsPerSample (258) and SamplesPerPixel (277) of the first image directory. */
function tiffSize(view: DataView, little: boolean): ImageSize | undefined {
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > view.byteLength) return undefined;
  let width: number | undefined;
  let height: number | undefined;
  // The TIFF defaults: one sample of one bit (a bilevel fax).
  let bitsPerSample = 1;
  let samplesPerPixel = 1;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > view.byteLength) break;
    const tag = view.getUint16(entry, little);
    const type = view.getUint16(entry + 2, little);
    const value = type === SHORT ? view.getUint16(entry + 8, little) : type === LONG ? view.getUint32(entry + 8, little) : undefined;
    if (tag === 256) width = value;
    else if (tag === 257) height = value;
    else if (tag === 258) bitsPerSample = firstShort(view, entry, little) ?? bitsPerSample;
    else if (tag === 277 && value !== undefined) samplesPerPixel = value;
  }
  return width !== undefined && height !== undefined ? { width, height, bitsPerPixel: bitsPerSample * samplesPerPixel } : undefined;
}

/** The first value of a SHORT entry: inline for up to two values, else at the offset the entry holds. */
function firstShort(view: DataView, entry: number, little: boolean): number | undefined {
  if (view.getUint16(entry + 2, little) !== SHORT) return undefined;
  const at = view.getUint32(entry + 4, little) <= 2 ? entry + 8 : view.getUint32(entry + 8, little);
  return at + 2 <= view.byteLength ? view.getUint16(at, little) : undefined;
}
