// The pages of a TIFF: counted by their image directories (thumbnails are no pages), each cut out as a
// TIFF of its own, whatever a broken or hostile chain of directories does.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { tiffPage, tiffPageCount } from '../../../src/pipelines/documents/tiff-pages.js';
import { buildMultiPageTiff, buildTextTiff } from '../../fixtures/documents.js';

const firstDirectory = (tiff: Uint8Array): number => new DataView(tiff.buffer, tiff.byteOffset).getUint32(4, true);

describe('TIFF pages', () => {
  test('a page per image directory, a thumbnail directory not counted', () => {
    assert.equal(tiffPageCount(buildTextTiff()), 1);
    assert.equal(tiffPageCount(buildMultiPageTiff([['one'], ['two'], ['three']])), 3);
    assert.equal(tiffPageCount(buildMultiPageTiff([['one'], ['two']], { thumbnailOf: 0 })), 2);
  });

  test('each page is a TIFF whose one directory is that page; the upload itself is left as it was', () => {
    const tiff = buildMultiPageTiff([['one'], ['two'], ['three']], { thumbnailOf: 1 });
    const before = Uint8Array.from(tiff);
    const pages = [0, 1, 2].map((i) => tiffPage(tiff, i));
    assert.deepEqual(tiff, before, 'the upload is not changed');
    for (const page of pages) assert.equal(tiffPageCount(page), 1);
    assert.deepEqual(new Set(pages.map(firstDirectory)).size, 3, 'three different directories');
    assert.equal(tiffPage(buildTextTiff(), 0).length, buildTextTiff().length);
    assert.throws(() => tiffPage(tiff, 3), RangeError);
  });

  test('a chain that loops or points outside the file ends at its last whole directory', () => {
    const looped = buildMultiPageTiff([['one'], ['two']]);
    const view = new DataView(looped.buffer);
    const second = tiffPage(looped, 1);
    const secondAt = firstDirectory(second);
    // The second directory's link back to the first.
    view.setUint32(secondAt + 2 + view.getUint16(secondAt, true) * 12, 8, true);
    assert.equal(tiffPageCount(looped), 2);
    view.setUint32(secondAt + 2 + view.getUint16(secondAt, true) * 12, 0xfffffff0, true);
    assert.equal(tiffPageCount(looped), 2);
    view.setUint32(4, 0xfffffff0, true);
    assert.equal(tiffPageCount(looped), 1, 'an unreadable first directory: one page, for the OCR engine to judge');
  });

  test('anything at all: a count of at least one, and every counted page cut without throwing', () => {
    const tiff = buildMultiPageTiff([['one'], ['two']]);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(tiff.length - 1), fc.nat(255)), { maxLength: 12 }), fc.nat(tiff.length), (edits, cut) => {
        const bytes = Uint8Array.from(tiff.subarray(0, Math.max(8, cut)));
        for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
        const count = tiffPageCount(bytes);
        assert.ok(count >= 1);
        for (let i = 0; i < count; i++) assert.ok(tiffPage(bytes, i).length === bytes.length);
      }),
      { numRuns: 500 },
    );
    for (const bytes of [new Uint8Array(0), Uint8Array.from([0x49, 0x49, 43, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])]) assert.equal(tiffPageCount(bytes), 1);
  });
});
