// Ink or paper for every pixel. A scan's paper is rarely white and its toner rarely black, and light
// falls unevenly across the glass, so the threshold is local: Sauvola's rule on the mean and spread of
// the neighbourhood, computed on a coarse grid and interpolated, which keeps memory to a few bytes a pixel.
import type { RawImage } from './encode-png.js';

/** A bitmap the size of its image: 1 is ink, 0 is paper. */
export interface InkMask {
  readonly width: number;
  readonly height: number;
  readonly ink: Uint8Array;
}

/** Otsu's threshold of a 256-bin histogram: the level that best separates two classes. */
export function otsuThreshold(histogram: ArrayLike<number>): number {
  let total = 0;
  let sum = 0;
  for (let i = 0; i < 256; i++) {
    total += histogram[i]!;
    sum += i * histogram[i]!;
  }
  let background = 0;
  let backgroundSum = 0;
  let best = 0;
  let threshold = 127;
  for (let t = 0; t < 256; t++) {
    background += histogram[t]!;
    if (background === 0) continue;
    const foreground = total - background;
    if (foreground === 0) break;
    backgroundSum += t * histogram[t]!;
    const meanB = backgroundSum / background;
    const meanF = (sum - backgroundSum) / foreground;
    const between = background * foreground * (meanB - meanF) ** 2;
    if (between > best) {
      best = between;
      threshold = t;
    }
  }
  return threshold;
}

export function histogramOf(image: RawImage): Uint32Array {
  const histogram = new Uint32Array(256);
  for (const v of image.pixels) histogram[v]!++;
  return histogram;
}

/** Sauvola's sensitivity: how far below the local mean, relative to the spread, ink must be. */
const SAUVOLA_K = 0.2;
const SAUVOLA_R = 128;

/**
 * Ink where a pixel is darker than its neighbourhood's Sauvola threshold, and never where it is
 * lighter than the page's Otsu threshold (so blank paper with noise stays blank).
 * `window` is the neighbourhood's side in pixels: a few text lines high.
 */
export function binarize(image: RawImage, window: number): InkMask {
  const { width, height, pixels } = image;
  const cell = Math.max(4, Math.round(window / 4));
  const gw = Math.ceil(width / cell);
  const gh = Math.ceil(height / cell);
  // Per-cell sums, then box sums over the window around each cell centre.
  const sum = new Float64Array(gw * gh);
  const sq = new Float64Array(gw * gh);
  const count = new Float64Array(gw * gh);
  for (let y = 0; y < height; y++) {
    const gy = Math.floor(y / cell) * gw;
    for (let x = 0; x < width; x++) {
      const v = pixels[y * width + x]!;
      const g = gy + Math.floor(x / cell);
      sum[g]! += v;
      sq[g]! += v * v;
      count[g]!++;
    }
  }
  const reach = Math.max(1, Math.round(window / cell / 2));
  const threshold = new Float32Array(gw * gh);
  for (let gy = 0; gy < gh; gy++) {
    for (let gx = 0; gx < gw; gx++) {
      let s = 0;
      let q = 0;
      let n = 0;
      for (let dy = Math.max(0, gy - reach); dy <= Math.min(gh - 1, gy + reach); dy++) {
        for (let dx = Math.max(0, gx - reach); dx <= Math.min(gw - 1, gx + reach); dx++) {
          const g = dy * gw + dx;
          s += sum[g]!;
          q += sq[g]!;
          n += count[g]!;
        }
      }
      const mean = s / n;
      const std = Math.sqrt(Math.max(0, q / n - mean * mean));
      threshold[gy * gw + gx] = mean * (1 + SAUVOLA_K * (std / SAUVOLA_R - 1));
    }
  }
  const global = otsuThreshold(histogramOf(image));
  const ink = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    // Bilinear between cell centres.
    const fy = Math.min(gh - 1, Math.max(0, (y + 0.5) / cell - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(gh - 1, y0 + 1);
    const ty = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(gw - 1, Math.max(0, (x + 0.5) / cell - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(gw - 1, x0 + 1);
      const tx = fx - x0;
      const top = threshold[y0 * gw + x0]! * (1 - tx) + threshold[y0 * gw + x1]! * tx;
      const bottom = threshold[y1 * gw + x0]! * (1 - tx) + threshold[y1 * gw + x1]! * tx;
      const t = top * (1 - ty) + bottom * ty;
      const v = pixels[y * width + x]!;
      ink[y * width + x] = v < t && v <= global ? 1 : 0;
    }
  }
  return { width, height, ink };
}

/** The mask as an image for OCR: black ink on white paper. */
export function maskToImage(mask: InkMask): RawImage {
  const pixels = new Uint8Array(mask.ink.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = mask.ink[i] ? 0 : 255;
  return { width: mask.width, height: mask.height, channels: 1, pixels };
}
