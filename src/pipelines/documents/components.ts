// Connected blobs of ink (8-connected), found from horizontal runs with a union-find, so a page costs
// memory in proportion to its ink edges rather than its pixels. Glyphs, dust and rules are blobs; their
// sizes tell the text's scale, and the small isolated ones are the dust to remove.
import type { InkMask } from './binarize.js';

export interface Blob {
  x0: number;
  y0: number;
  /** Exclusive. */
  x1: number;
  y1: number;
  area: number;
}

interface Runs {
  /** Per run: row, first column, end column (exclusive), and the blob it belongs to. */
  readonly row: Int32Array;
  readonly from: Int32Array;
  readonly to: Int32Array;
  readonly blob: Int32Array;
  readonly count: number;
}

function findRuns(mask: InkMask): { runs: Runs; parent: Int32Array } {
  const { width, height, ink } = mask;
  let capacity = 1024;
  let row = new Int32Array(capacity);
  let from = new Int32Array(capacity);
  let to = new Int32Array(capacity);
  let count = 0;
  for (let y = 0; y < height; y++) {
    let x = 0;
    const base = y * width;
    while (x < width) {
      while (x < width && !ink[base + x]) x++;
      if (x >= width) break;
      const start = x;
      while (x < width && ink[base + x]) x++;
      if (count === capacity) {
        capacity *= 2;
        const grow = (a: Int32Array) => {
          const b = new Int32Array(capacity);
          b.set(a);
          return b;
        };
        row = grow(row);
        from = grow(from);
        to = grow(to);
      }
      row[count] = y;
      from[count] = start;
      to[count] = x;
      count++;
    }
  }
  const parent = new Int32Array(count);
  for (let i = 0; i < count; i++) parent[i] = i;
  const root = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  // Runs on consecutive rows touch (8-connected) when their column ranges overlap or meet diagonally.
  // Both rows' runs are sorted by column, so one pointer walks the row above.
  let above = 0;
  for (let i = 0; i < count; i++) {
    const y = row[i]!;
    while (above < i && (row[above]! < y - 1 || (row[above]! === y - 1 && to[above]! < from[i]!))) above++;
    for (let j = above; j < i && row[j]! === y - 1 && from[j]! <= to[i]!; j++) {
      const a = root(i);
      const b = root(j);
      if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
    }
  }
  const blob = new Int32Array(count);
  for (let i = 0; i < count; i++) blob[i] = root(i);
  return { runs: { row, from, to, blob, count }, parent };
}

export interface Components {
  readonly blobs: Blob[];
  /** Clears every run of the blobs `drop` selects from the mask. */
  erase(drop: (blob: Blob, index: number) => boolean): void;
}

export function components(mask: InkMask): Components {
  const { runs } = findRuns(mask);
  const index = new Map<number, number>();
  const blobs: Blob[] = [];
  for (let i = 0; i < runs.count; i++) {
    const id = runs.blob[i]!;
    let b = index.get(id);
    if (b === undefined) {
      b = blobs.length;
      index.set(id, b);
      blobs.push({ x0: runs.from[i]!, y0: runs.row[i]!, x1: runs.to[i]!, y1: runs.row[i]! + 1, area: 0 });
    }
    const blob = blobs[b]!;
    blob.x0 = Math.min(blob.x0, runs.from[i]!);
    blob.x1 = Math.max(blob.x1, runs.to[i]!);
    blob.y1 = Math.max(blob.y1, runs.row[i]! + 1);
    blob.area += runs.to[i]! - runs.from[i]!;
  }
  return {
    blobs,
    erase(drop) {
      const dropped = blobs.map((b, i) => drop(b, i));
      for (let i = 0; i < runs.count; i++) {
        if (!dropped[index.get(runs.blob[i]!)!]) continue;
        mask.ink.fill(0, runs.row[i]! * mask.width + runs.from[i]!, runs.row[i]! * mask.width + runs.to[i]!);
      }
    },
  };
}

/**
 * The typical height of a glyph in pixels: the median height of blobs shaped like letters (not
 * dust, not rules or pictures), or undefined when there are too few to tell.
 */
export function glyphHeight(blobs: readonly Blob[]): number | undefined {
  const heights = blobs
    .filter((b) => {
      const h = b.y1 - b.y0;
      const w = b.x1 - b.x0;
      return h >= 6 && h <= 400 && w <= 3 * h && w >= h / 8 && b.area >= 12;
    })
    .map((b) => b.y1 - b.y0)
    .sort((a, b) => a - b);
  if (heights.length < 20) return undefined;
  return heights[Math.floor(heights.length / 2)];
}
