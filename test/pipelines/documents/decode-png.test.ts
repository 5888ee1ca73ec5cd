// The PNG reader behind page clean-up: every colour type and bit depth, through all five row filters,
// comes out as the same gray picture. Rows are unfiltered in the inflated data itself, where each
// predictor reads bytes already restored.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { decodePngGray } from '../../../src/pipelines/documents/decode-png.js';
import { pngBomb, pngChunk as chunk, pngFile } from '../../fixtures/bad-documents.js';

const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Readonly<Record<number, readonly number[]>> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/** Deterministic bytes: the same picture on every run. */
function bytesOf(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

/** The packed rows `rows` (stride bytes each) as a PNG, row y written with filters[y % filters.length]. */
function png(width: number, height: number, depth: number, colorType: number, rows: Uint8Array, filters: readonly number[]): Uint8Array {
  const channels = CHANNELS[colorType]!;
  const stride = Math.ceil((width * depth * channels) / 8);
  const bpp = Math.max(1, (depth * channels) >> 3);
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const filter = filters[y % filters.length]!;
    raw[y * (stride + 1)] = filter;
    for (let i = 0; i < stride; i++) {
      const at = y * stride + i;
      const a = i >= bpp ? rows[at - bpp]! : 0;
      const b = y > 0 ? rows[at - stride]! : 0;
      const c = i >= bpp && y > 0 ? rows[at - stride - bpp]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter]!;
      raw[y * (stride + 1) + 1 + i] = (rows[at]! - predictor) & 0xff;
    }
  }
  const palette = colorType === 3 ? [chunk('PLTE', bytesOf(256 * 3, 7)), chunk('tRNS', bytesOf(256, 11))] : [];
  return pngFile(width, height, depth, colorType, deflateSync(raw), palette);
}

describe('PNG to gray', () => {
  // 13 pixels wide: rows that end mid-byte at low depths, and more bytes than one pixel's at high ones.
  const width = 13;
  const height = 6;

  test('every colour type and bit depth decodes the same through each row filter and through filters mixed row by row', () => {
    for (const [type, depths] of Object.entries(DEPTHS)) {
      const colorType = Number(type);
      for (const depth of depths) {
        const stride = Math.ceil((width * depth * CHANNELS[colorType]!) / 8);
        const rows = bytesOf(stride * height, colorType * 100 + depth);
        const plain = decodePngGray(png(width, height, depth, colorType, rows, [0]));
        assert.ok(plain, `colour type ${colorType}, depth ${depth}`);
        for (const filters of [[1], [2], [3], [4], [4, 3, 2, 1, 0]]) {
          assert.deepEqual(decodePngGray(png(width, height, depth, colorType, rows, filters)), plain, `colour type ${colorType}, depth ${depth}, filters ${filters.join(',')}`);
        }
      }
    }
  });

  test('gray samples keep their value at every depth: scaled to 8 bits, a 16-bit sample by its high byte', () => {
    for (const depth of DEPTHS[0]!) {
      const stride = Math.ceil((width * depth) / 8);
      const rows = bytesOf(stride * height, depth);
      const max = (1 << Math.min(depth, 8)) - 1;
      const expected = Uint8Array.from({ length: width * height }, (_, n) => {
        const y = Math.floor(n / width);
        const x = n % width;
        if (depth === 16) return rows[y * stride + x * 2]!;
        const bit = x * depth;
        const v = (rows[y * stride + (bit >> 3)]! >> (8 - depth - (bit & 7))) & max;
        return Math.round((v * 255) / max);
      });
      assert.deepEqual(decodePngGray(png(width, height, depth, 0, rows, [4, 1, 3, 2, 0]))?.pixels, expected, `depth ${depth}`);
    }
  });

  test('decoding holds the inflated rows and the gray picture, not another copy of the rows', () => {
    // 16-bit RGBA: 128 MB of rows for 16 MB of gray. Joined zlib chunks and a second unfiltered copy made it 400 MB.
    const [w, h] = [4000, 4000];
    const rows = (w * 8 + 1) * h;
    const file = pngBomb(w, h, { depth: 16, colorType: 6 });
    const before = process.memoryUsage().rss;
    const image = decodePngGray(file);
    const grown = process.resourceUsage().maxRSS * 1024 - before;
    assert.equal(image?.pixels.length, w * h);
    assert.ok(grown < rows * 1.5 + w * h, `decoding grew the process by ${Math.round(grown / 1e6)} MB for ${Math.round(rows / 1e6)} MB of rows`);
  });

  test('an unknown row filter is no picture', () => {
    assert.equal(decodePngGray(png(width, height, 8, 0, bytesOf(width * height, 1), [0, 5])), undefined);
  });
});
