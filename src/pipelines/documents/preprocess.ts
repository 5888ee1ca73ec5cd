// Makes a page image look like what tesseract reads best before it sees it: text at a size near
// 300 dpi (low-resolution scans are enlarged), lines level (the skew is measured and turned out in the
// same resampling), ink and paper separated by a local threshold, and dust that touches no text erased.
import { binarize, maskToImage, type InkMask } from './binarize.js';
import { components, glyphHeight, type Blob } from './components.js';
import { estimateSkew } from './deskew.js';
import type { RawImage } from './encode-png.js';
import { DocumentError } from './errors.js';
import { shrink, warp } from './resample.js';

export interface NormalisedPage {
  /** Black text on white, level, at OCR size. */
  readonly image: RawImage;
  /** The factor the page was enlarged (or shrunk) by. */
  readonly scale: number;
  /** The skew that was turned out, in degrees clockwise. */
  readonly skew: number;
  /** Where a point of `image` lies in the page image that came in. */
  toSource(x: number, y: number): [number, number];
}

/** An image this small in either direction cannot hold a line of text. */
export const MIN_SIDE = 8;
/** Glyph height (median letter blob, in pixels) of 10-point text at 300 dpi, where tesseract is at its best. */
const TARGET_GLYPH = 30;
/** Enlarging further only invents detail: a 75 dpi fax is as good as it gets at four times. */
const MAX_ENLARGE = 4;
const MAX_SHRINK = 0.5;
/** Bounds the memory and time of one page: about 40 M pixels (a letter page at 600 dpi is 34 M). */
const MAX_PIXELS = 40_000_000;
/** Skews smaller than this cost tesseract nothing; turning would only soften the glyphs. */
const MIN_SKEW = 0.1;

export function normalisePage(page: RawImage): NormalisedPage {
  const { width, height } = page;
  if (width < MIN_SIDE || height < MIN_SIDE) {
    throw new DocumentError('image_unreadable', `the image is ${width}×${height} pixels, too small to hold text`);
  }
  const fit = Math.ceil(Math.sqrt((width * height) / MAX_PIXELS));
  if (fit > 1) {
    // Too big to measure and clean in bounded memory (a huge page, a bomb): shrunk first, by averaging.
    const inner = normalisePage(shrink(page, fit));
    return { ...inner, scale: inner.scale / fit, toSource: (x, y) => inner.toSource(x, y).map((v) => v * fit) as [number, number] };
  }
  const first = binarize(page, Math.max(15, Math.round(Math.min(width, height) / 25)));
  const blobs = components(first).blobs;
  const glyph = glyphHeight(blobs);
  const paper = paperLevel(page);
  if (glyph === undefined) {
    // Too few letter-shaped blobs to measure: a picture, or a page with a word or two. Left as it is.
    return { image: page, scale: 1, skew: 0, toSource: (x, y) => [x, y] };
  }
  let scale = Math.min(MAX_ENLARGE, Math.max(MAX_SHRINK, TARGET_GLYPH / glyph));
  if (scale > 0.85 && scale < 1.2) scale = 1;
  scale = Math.min(scale, Math.sqrt(MAX_PIXELS / (width * height)));
  const measured = estimateSkew(blobs, glyph);
  const skew = Math.abs(measured) >= MIN_SKEW ? measured : 0;
  const warped = scale === 1 && skew === 0 ? { image: page, toSource: (x: number, y: number): [number, number] => [x, y] } : warp(page, scale, skew, paper);
  const size = glyph * scale;
  const mask = binarize(warped.image, Math.round(size * 4));
  despeckle(mask, size);
  return { image: maskToImage(mask), scale, skew, toSource: warped.toSource };
}

/** The gray of blank paper: a high percentile, so dark text and dust do not pull it down. */
function paperLevel(image: RawImage): number {
  const histogram = new Uint32Array(256);
  for (const v of image.pixels) histogram[v]!++;
  let seen = 0;
  const target = image.pixels.length * 0.9;
  for (let v = 0; v < 256; v++) {
    seen += histogram[v]!;
    if (seen >= target) return v;
  }
  return 255;
}

/**
 * Erases dust: blobs far smaller than a letter with no other ink within about a letter's height.
 * A decimal point is as small as dust but always has digits beside it, so it stays.
 */
function despeckle(mask: InkMask, glyph: number): void {
  const found = components(mask);
  const small = (b: Blob) => b.area < (glyph * glyph) / 12 && b.x1 - b.x0 < glyph / 2.5 && b.y1 - b.y0 < glyph / 2.5;
  const reach = glyph * 0.8;
  const cell = Math.max(8, Math.ceil(reach));
  const grid = new Map<number, number[]>();
  const key = (gx: number, gy: number) => gy * 100_003 + gx;
  found.blobs.forEach((b, i) => {
    if (small(b)) return;
    for (let gy = Math.floor(b.y0 / cell); gy <= Math.floor((b.y1 - 1) / cell); gy++) {
      for (let gx = Math.floor(b.x0 / cell); gx <= Math.floor((b.x1 - 1) / cell); gx++) {
        const list = grid.get(key(gx, gy));
        if (list) list.push(i);
        else grid.set(key(gx, gy), [i]);
      }
    }
  });
  const nearText = (b: Blob): boolean => {
    for (let gy = Math.floor((b.y0 - reach) / cell); gy <= Math.floor((b.y1 + reach) / cell); gy++) {
      for (let gx = Math.floor((b.x0 - reach) / cell); gx <= Math.floor((b.x1 + reach) / cell); gx++) {
        for (const j of grid.get(key(gx, gy)) ?? []) {
          const o = found.blobs[j]!;
          const dx = Math.max(0, o.x0 - b.x1, b.x0 - o.x1);
          const dy = Math.max(0, o.y0 - b.y1, b.y0 - o.y1);
          if (dx <= reach && dy <= reach) return true;
        }
      }
    }
    return false;
  };
  found.erase((b) => small(b) && !nearText(b));
}
