// Geometry on 8-bit gray images: one bilinear resampling that scales and straightens a page at once
// (two passes would blur it twice), and the map from the result back to the original's pixels.
import type { RawImage } from './encode-png.js';

export interface Warp {
  readonly image: RawImage;
  /** Where a point of the warped image lies in the original. */
  toSource(x: number, y: number): [number, number];
}

/**
 * Scales by `scale` and turns by `degrees` counter-clockwise (undoing a clockwise skew of the same
 * size), onto a canvas that holds the whole turned page; uncovered corners get `fill`.
 */
export function warp(image: RawImage, scale: number, degrees: number, fill: number): Warp {
  const a = (degrees * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const w = image.width * scale;
  const h = image.height * scale;
  const width = Math.max(1, Math.round(Math.abs(w * cos) + Math.abs(h * sin)));
  const height = Math.max(1, Math.round(Math.abs(w * sin) + Math.abs(h * cos)));
  const cx = image.width / 2;
  const cy = image.height / 2;
  const ox = width / 2;
  const oy = height / 2;
  // Output → source: undo the turn (the output is the source turned by -degrees in image space, y down), then the scale.
  const toSource = (x: number, y: number): [number, number] => {
    const dx = x - ox;
    const dy = y - oy;
    return [(cos * dx - sin * dy) / scale + cx, (sin * dx + cos * dy) / scale + cy];
  };
  const src = image.pixels;
  const sw = image.width;
  const sh = image.height;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const dy = y + 0.5 - oy;
    for (let x = 0; x < width; x++) {
      const dx = x + 0.5 - ox;
      const sx = (cos * dx - sin * dy) / scale + cx - 0.5;
      const sy = (sin * dx + cos * dy) / scale + cy - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < -1 || y0 < -1 || x0 >= sw || y0 >= sh) {
        out[y * width + x] = fill;
        continue;
      }
      const fx = sx - x0;
      const fy = sy - y0;
      const x1 = x0 + 1;
      const y1 = y0 + 1;
      const p00 = x0 >= 0 && y0 >= 0 ? src[y0 * sw + x0]! : fill;
      const p10 = x1 < sw && y0 >= 0 ? src[y0 * sw + x1]! : fill;
      const p01 = x0 >= 0 && y1 < sh ? src[y1 * sw + x0]! : fill;
      const p11 = x1 < sw && y1 < sh ? src[y1 * sw + x1]! : fill;
      out[y * width + x] = Math.round((p00 * (1 - fx) + p10 * fx) * (1 - fy) + (p01 * (1 - fx) + p11 * fx) * fy);
    }
  }
  return { image: { width, height, channels: 1, pixels: out }, toSource };
}

/** Half a turn. */
export function turnHalf(image: RawImage): RawImage {
  return { ...image, pixels: image.pixels.slice().reverse() };
}

/** A quarter turn clockwise (`clockwise`) or anticlockwise: a page scanned sideways, set upright. */
export function turnQuarter(image: RawImage, clockwise: boolean): RawImage {
  const { width, height, pixels } = image;
  const out = new Uint8Array(pixels.length);
  // The turned image is `height` wide and `width` high; each of its rows is a column of the source.
  for (let y = 0; y < width; y++) {
    for (let x = 0; x < height; x++) {
      out[y * height + x] = clockwise ? pixels[(height - 1 - x) * width + y]! : pixels[x * width + (width - 1 - y)]!;
    }
  }
  return { width: height, height: width, channels: 1, pixels: out };
}

/** Shrinks by a whole factor, averaging each block: keeps thin strokes that sampling would drop. */
export function shrink(image: RawImage, factor: number): RawImage {
  if (factor < 2) return image;
  const width = Math.max(1, Math.floor(image.width / factor));
  const height = Math.max(1, Math.floor(image.height / factor));
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let dy = 0; dy < factor; dy++) {
        const row = (y * factor + dy) * image.width + x * factor;
        for (let dx = 0; dx < factor; dx++) sum += image.pixels[row + dx]!;
      }
      pixels[y * width + x] = Math.round(sum / (factor * factor));
    }
  }
  return { width, height, channels: 1, pixels };
}
