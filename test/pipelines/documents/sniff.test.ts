// Upload types come from magic bytes, never from names.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sniffDocumentType } from '../../../src/pipelines/documents/index.js';
import { buildEstimatePdf, buildFakePng, buildTextPng, buildTextTiff } from '../../fixtures/documents.js';

describe('sniffDocumentType', () => {
  test('recognises generated PDF, PNG and TIFF files', async () => {
    assert.equal(sniffDocumentType(await buildEstimatePdf()), 'application/pdf');
    assert.equal(sniffDocumentType(buildTextPng()), 'image/png');
    assert.equal(sniffDocumentType(buildTextTiff()), 'image/tiff');
  });

  test('recognises JPEG and big-endian TIFF by their signatures', () => {
    assert.equal(sniffDocumentType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46])), 'image/jpeg');
    assert.equal(sniffDocumentType(new Uint8Array([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8])), 'image/tiff');
  });

  test('accepts a PDF header after leading junk within the first KiB, not later', () => {
    const pdf = new TextEncoder().encode('%PDF-1.7\n');
    const at = (offset: number): Uint8Array => {
      const bytes = new Uint8Array(offset + pdf.length).fill(0x20);
      bytes.set(pdf, offset);
      return bytes;
    };
    assert.equal(sniffDocumentType(at(100)), 'application/pdf');
    assert.equal(sniffDocumentType(at(2000)), undefined);
  });

  test('a "PNG" that is really text, an empty file and a truncated signature are not documents', () => {
    assert.equal(sniffDocumentType(buildFakePng()), undefined);
    assert.equal(sniffDocumentType(new Uint8Array(0)), undefined);
    assert.equal(sniffDocumentType(buildTextPng().slice(0, 4)), undefined);
  });
});
