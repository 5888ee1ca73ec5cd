// The size an image declares in its header, bits per pixel included, and which sizes are refused
// before decoding: the pixel cap, and the byte budget deep samples reach under it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { declaredImageSize, MAX_IMAGE_BYTES, oversizeReason } from '../../../src/pipelines/documents/image-size.js';
import { pngBomb } from '../../fixtures/bad-documents.js';

/** A little-endian TIFF header and one directory of SHORT entries; a value list longer than two is written after it. */
function tiffHeader(entries: readonly [tag: number, values: readonly number[]][]): Uint8Array {
  const directory = 8;
  let extra = directory + 2 + entries.length * 12 + 4;
  const out = new Uint8Array(extra + entries.reduce((sum, [, values]) => sum + (values.length > 2 ? values.length * 2 : 0), 0));
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, directory, true);
  view.setUint16(directory, entries.length, true);
  entries.forEach(([tag, values], i) => {
    const entry = directory + 2 + i * 12;
    view.setUint16(entry, tag, true);
    view.setUint16(entry + 2, 3, true);
    view.setUint32(entry + 4, values.length, true);
    const at = values.length > 2 ? extra : entry + 8;
    if (values.length > 2) {
      view.setUint32(entry + 8, extra, true);
      extra += values.length * 2;
    }
    values.forEach((value, n) => view.setUint16(at + n * 2, value, true));
  });
  return out;
}

describe('declared image size', () => {
  test('a PNG counts bit depth × channels of its colour type', () => {
    assert.deepEqual(declaredImageSize(pngBomb(8940, 8940, { depth: 16, colorType: 6 })), { width: 8940, height: 8940, bitsPerPixel: 64 });
    assert.deepEqual(declaredImageSize(pngBomb(100, 50, { depth: 8, colorType: 2 })), { width: 100, height: 50, bitsPerPixel: 24 });
    assert.deepEqual(declaredImageSize(pngBomb(100, 50, { depth: 4, colorType: 3 })), { width: 100, height: 50, bitsPerPixel: 4 });
    assert.deepEqual(declaredImageSize(pngBomb(100, 50)), { width: 100, height: 50, bitsPerPixel: 8 });
  });

  test('a TIFF counts BitsPerSample × SamplesPerPixel, a per-sample list read where it is stored; absent tags are one bit', () => {
    assert.deepEqual(declaredImageSize(tiffHeader([[256, [3000]], [257, [2000]], [258, [16, 16, 16]], [277, [3]]])), { width: 3000, height: 2000, bitsPerPixel: 48 });
    assert.deepEqual(declaredImageSize(tiffHeader([[256, [3000]], [257, [2000]], [258, [8, 8]], [277, [2]]])), { width: 3000, height: 2000, bitsPerPixel: 16 });
    assert.deepEqual(declaredImageSize(tiffHeader([[256, [1728]], [257, [2200]]])), { width: 1728, height: 2200, bitsPerPixel: 1 });
  });

  test('deep pictures under the pixel cap are refused by the bytes they decode to; the same pixels shallower are not', () => {
    assert.match(oversizeReason({ width: 8940, height: 8940, bitsPerPixel: 64 }) ?? '', /8940×8940 pixels of 64 bits, 640 MB decoded, more than the 320 MB a page may take/);
    assert.match(oversizeReason({ width: 8000, height: 8000, bitsPerPixel: 48 }) ?? '', /8000×8000 pixels of 48 bits, 384 MB decoded/);
    // An 8-bit RGBA page at the pixel cap is the budget itself.
    assert.equal(MAX_IMAGE_BYTES, 320_000_000);
    assert.equal(oversizeReason({ width: 8940, height: 8940, bitsPerPixel: 32 }), undefined);
    assert.equal(oversizeReason({ width: 8940, height: 8940, bitsPerPixel: 16 }), undefined);
    assert.match(oversizeReason({ width: 9000, height: 9000, bitsPerPixel: 1 }) ?? '', /9000×9000 pixels, more than the 80 M pixels/);
  });
});
