// Reads a PNG into one 8-bit gray channel, so page images can be cleaned up in plain JavaScript before
// OCR. Covers what scanners, pdf.js (through encode-png.ts) and leptonica write: every bit depth and
// colour type, all five row filters. Interlaced files are left to the caller's fallback.
import { inflateSync } from 'node:zlib';
import type { RawImage } from './encode-png.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length > 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Channels per colour type: gray, RGB, palette index, gray + alpha, RGBA. */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * The PNG as 8-bit gray, or undefined when it is not a PNG this reader handles (interlaced, or
 * damaged); transparent pixels show white paper.
 */
export function decodePngGray(bytes: Uint8Array): RawImage | undefined {
  if (!isPng(bytes)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = -1;
  let palette: Uint8Array | undefined;
  let alphaTable: Uint8Array | undefined;
  const data: Uint8Array[] = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (body.length < length) return undefined;
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      depth = bytes[at + 16]!;
      colorType = bytes[at + 17]!;
      if (bytes[at + 20] !== 0) return undefined;
    } else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS') alphaTable = body;
    else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  const channels = CHANNELS[colorType];
  if (!channels || width === 0 || height === 0 || ![1, 2, 4, 8, 16].includes(depth)) return undefined;
  const bitsPerPixel = channels * depth;
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  const rowBytes = (stride + 1) * height;
  let raw: Uint8Array;
  try {
    // Never more than the rows the header declares: data that inflates past them is a bomb, not a picture.
    // One output chunk a byte larger than the rows, so zlib neither joins pieces into a copy nor opens a spare chunk.
    raw = inflateSync(Buffer.concat(data), { maxOutputLength: rowBytes, chunkSize: Math.max(64, rowBytes + 1) });
  } catch {
    return undefined;
  }
  if (raw.length < rowBytes) return undefined;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  if (!unfilter(raw, stride, height, bpp)) return undefined;

  // Row y's samples follow its filter byte in the inflated data, unfiltered where they lie.
  const max = (1 << depth) - 1;
  const sample = (row: number, index: number): number => {
    const start = row * (stride + 1) + 1;
    if (depth === 8) return raw[start + index]!;
    if (depth === 16) return raw[start + index * 2]!;
    const bit = index * depth;
    return (raw[start + (bit >> 3)]! >> (8 - depth - (bit & 7))) & max;
  };
  const scale = (v: number): number => (depth === 16 || depth === 8 ? v : Math.round((v * 255) / max));
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let luma: number;
      let alpha = 255;
      const s = x * channels;
      if (colorType === 3) {
        const index = sample(y, x);
        const p = palette ?? new Uint8Array(0);
        luma = (299 * (p[index * 3] ?? 0) + 587 * (p[index * 3 + 1] ?? 0) + 114 * (p[index * 3 + 2] ?? 0)) / 1000;
        alpha = alphaTable?.[index] ?? 255;
      } else if (channels <= 2) {
        luma = scale(sample(y, s));
        if (channels === 2) alpha = scale(sample(y, s + 1));
      } else {
        luma = (299 * scale(sample(y, s)) + 587 * scale(sample(y, s + 1)) + 114 * scale(sample(y, s + 2))) / 1000;
        if (channels === 4) alpha = scale(sample(y, s + 3));
      }
      pixels[y * width + x] = Math.round((luma * alpha + 255 * (255 - alpha)) / 255);
    }
  }
  return { width, height, channels: 1, pixels };
}

/**
 * Reverses the row filters in place: every predictor reads bytes to the left or in the row above,
 * which are already unfiltered, so the rows need no second buffer of their size. False on an
 * unknown filter.
 */
function unfilter(raw: Uint8Array, stride: number, height: number, bpp: number): boolean {
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const row = y * (stride + 1) + 1;
    const prev = row - (stride + 1);
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? raw[row + i - bpp]! : 0;
      const b = y > 0 ? raw[prev + i]! : 0;
      const c = i >= bpp && y > 0 ? raw[prev + i - bpp]! : 0;
      let predictor: number;
      if (filter === 0) predictor = 0;
      else if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else return false;
      raw[row + i] = (raw[row + i]! + predictor) & 0xff;
    }
  }
  return true;
}
