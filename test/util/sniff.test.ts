// One sniffer (file-type behind src/util/sniff.ts) answers the three questions Capstan asks of a file's
// bytes: which document types the documents pipeline takes, which kind the organizer files by, and which
// container a video ffmpeg could not open announces. Types come from bytes, never from names.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { containerOf, documentTypeOf, fileKindOf, sniffBytes, sniffDocumentType, sniffFile } from '../../src/util/sniff.js';
import { buildEstimatePdf, buildFakePng, buildTextPng, buildTextTiff } from '../fixtures/documents.js';
import { tempDir } from '../helpers/server.js';
import { EMPTY_ZIP, photoJpeg, textPdf } from '../organizer/everyday-files.js';

/** A big-endian TIFF: header, one IFD with a 1×1 size, and its pixel. */
function bigEndianTiff(): Uint8Array {
  const b = Buffer.alloc(8 + 2 + 3 * 12 + 4 + 1);
  b.write('MM', 0, 'latin1');
  b.writeUInt16BE(42, 2);
  b.writeUInt32BE(8, 4);
  b.writeUInt16BE(3, 8);
  const entry = (i: number, tag: number, value: number) => {
    const at = 10 + i * 12;
    b.writeUInt16BE(tag, at);
    b.writeUInt16BE(3, at + 2);
    b.writeUInt32BE(1, at + 4);
    b.writeUInt16BE(value, at + 8);
  };
  entry(0, 0x0100, 1);
  entry(1, 0x0101, 1);
  entry(2, 0x0103, 1);
  return b;
}

describe('documents: PDF, PNG, JPEG and TIFF, from the bytes', () => {
  test('recognises generated PDF, PNG, TIFF and JPEG files, and big-endian TIFF', async () => {
    assert.equal(await sniffDocumentType(await buildEstimatePdf()), 'application/pdf');
    assert.equal(await sniffDocumentType(buildTextPng()), 'image/png');
    assert.equal(await sniffDocumentType(buildTextTiff()), 'image/tiff');
    assert.equal(await sniffDocumentType(photoJpeg('2024:07:14 16:02:11')), 'image/jpeg');
    assert.equal(await sniffDocumentType(bigEndianTiff()), 'image/tiff');
  });

  test('accepts a PDF header after leading junk within the first KiB, as readers do, not later', async () => {
    const pdf = new TextEncoder().encode('%PDF-1.7\n');
    const at = (offset: number): Uint8Array => {
      const bytes = new Uint8Array(offset + pdf.length).fill(0x20);
      bytes.set(pdf, offset);
      return bytes;
    };
    assert.equal(await sniffDocumentType(at(100)), 'application/pdf');
    assert.equal(await sniffDocumentType(at(2000)), undefined);
  });

  test('a "PNG" that is really text, an empty file, a truncated signature and a ZIP are not documents', async () => {
    assert.equal(await sniffDocumentType(buildFakePng()), undefined);
    assert.equal(await sniffDocumentType(new Uint8Array(0)), undefined);
    assert.equal(await sniffDocumentType(buildTextPng().slice(0, 4)), undefined);
    assert.equal(await sniffDocumentType(EMPTY_ZIP), undefined);
    assert.equal(documentTypeOf({ ext: 'gif', mime: 'image/gif' }), undefined);
  });
});

describe('organizer: the kind of a file', () => {
  const kind = async (bytes: Uint8Array) => fileKindOf(await sniffBytes(bytes), bytes);

  test('pdf, image, archive, text and other', async () => {
    assert.equal(await kind(await textPdf(['hello'])), 'pdf');
    assert.equal(await kind(buildTextPng()), 'image');
    assert.equal(await kind(photoJpeg('2024:07:14 16:02:11')), 'image');
    assert.equal(await kind(EMPTY_ZIP), 'archive');
    assert.equal(await kind(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3])), 'archive');
    assert.equal(await kind(Buffer.from('meeting on 2022-05-09\n')), 'text');
    assert.equal(await kind(Buffer.from('naïve café — ünïcödé\n')), 'text');
    assert.equal(await kind(Buffer.from([0, 1, 2, 3, 0xff, 0xfe])), 'other');
  });

  test('video and audio containers', async () => {
    const ftyp = (brand: string) => Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from(`ftyp${brand}\0\0\0\0isomiso2`, 'latin1')]);
    assert.equal(await kind(ftyp('isom')), 'video');
    assert.equal(await kind(ftyp('qt  ')), 'video');
    assert.equal(await kind(ftyp('M4A ')), 'audio');
    assert.equal(await kind(ftyp('heic')), 'image');
    assert.equal(await kind(Buffer.from('RIFF\0\0\0\0WAVEfmt ', 'latin1')), 'audio');
  });

  test('an office document is told from a plain ZIP by its entries, not by its name', async () => {
    // A ZIP with word/document.xml, stored (no compression), as Word writes a .docx.
    const entry = (name: string, body: string) => {
      const header = Buffer.alloc(30);
      header.writeUInt32LE(0x04034b50, 0);
      header.writeUInt16LE(20, 4);
      header.writeUInt32LE(Buffer.byteLength(body), 18);
      header.writeUInt32LE(Buffer.byteLength(body), 22);
      header.writeUInt16LE(Buffer.byteLength(name), 26);
      return Buffer.concat([header, Buffer.from(name), Buffer.from(body)]);
    };
    const types = '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" '
      + 'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';
    const docx = Buffer.concat([entry('[Content_Types].xml', types), entry('word/document.xml', '<w:document/>'), EMPTY_ZIP]);
    assert.equal(await kind(docx), 'document');
    const plain = Buffer.concat([entry('report.docx', 'not really'), EMPTY_ZIP]);
    assert.equal(await kind(plain), 'archive');
  });
});

describe('videos: the container a file announces', () => {
  const dir = tempDir('capstan-sniff-');
  after(() => rmSync(dir, { recursive: true, force: true }));
  const onDisk = (name: string, bytes: Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };

  test('ISO-BMFF (any of its first boxes), Matroska/WebM, Ogg, AVI, FLV and MPEG-TS', async () => {
    const box = (type: string) => Buffer.concat([Buffer.from([0, 0, 0, 8]), Buffer.from(type, 'latin1'), Buffer.alloc(64)]);
    const webm = Buffer.from('1a45dfa39f4286810142f7810142f2810442f381084282847765626d42878102428581021853806701', 'hex');
    const ts = Buffer.alloc(188 * 3);
    for (let i = 0; i < 3; i++) ts[i * 188] = 0x47;
    const cases: [string, Uint8Array, string | undefined][] = [
      ['moov', box('moov'), 'iso-bmff'],
      ['mdat', box('mdat'), 'iso-bmff'],
      ['ftyp', Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom\0\0\0\0isomiso2', 'latin1'), Buffer.alloc(64)]), 'iso-bmff'],
      ['webm header, cut short', webm, 'matroska'],
      ['ogg', Buffer.concat([Buffer.from('OggS\0\x02', 'latin1'), Buffer.alloc(64)]), 'ogg'],
      ['avi', Buffer.concat([Buffer.from('RIFF\0\0\0\0AVI LIST', 'latin1'), Buffer.alloc(64)]), 'avi'],
      ['flv', Buffer.concat([Buffer.from('FLV\x01\x05\0\0\0\x09', 'latin1'), Buffer.alloc(64)]), 'flv'],
      ['mpeg-ts', ts, 'mpeg-ts'],
      ['text', Buffer.from('x'.repeat(2048)), undefined],
      ['empty', Buffer.alloc(0), undefined],
      ['jpeg', photoJpeg('2024:07:14 16:02:11'), undefined],
    ];
    for (const [name, bytes, expected] of cases) {
      assert.equal(containerOf(await sniffFile(onDisk(name.replace(/\W/g, '_'), bytes))), expected, name);
    }
  });
});
