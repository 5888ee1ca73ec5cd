// The size an image file says it is, read from its header before a byte of it is decoded, so a
// picture too big to decode in bounded memory (a few hundred kilobytes of PNG can inflate to a
// gigabyte of pixels) is refused instead of exhausting the worker.

/** Pixels of one decoded picture, in an upload or inside a PDF: a 600 dpi A3 scan is about 70 M. */
export const MAX_IMAGE_PIXELS = 80_000_000;

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

/** PNG, JPEG and TIFF headers; undefined for other bytes, or a header this cannot find. */
export function declaredImageSize(bytes: Uint8Array): ImageSize | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 24 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) return jpegSize(bytes, view);
  const little = bytes[0] === 0x49 && bytes[1] === 0x49;
  if (bytes.length >= 8 && (little || (bytes[0] === 0x4d && bytes[1] === 0x4d))) return tiffSize(view, little);
  return undefined;
}

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
      return at + 9 <= bytes.length ? { width: view.getUint16(at + 7), height: view.getUint16(at + 5) } : undefined;
    }
    at += 2 + length;
  }
  return undefined;
}

/** ImageWidth (256) and ImageLength (257) of the first image directory. */
function tiffSize(view: DataView, little: boolean): ImageSize | undefined {
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > view.byteLength) return undefined;
  let width: number | undefined;
  let height: number | undefined;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > view.byteLength) break;
    const tag = view.getUint16(entry, little);
    const type = view.getUint16(entry + 2, little);
    const value = type === 3 ? view.getUint16(entry + 8, little) : type === 4 ? view.getUint32(entry + 8, little) : undefined;
    if (tag === 256) width = value;
    else if (tag === 257) height = value;
  }
  return width !== undefined && height !== undefined ? { width, height } : undefined;
}
