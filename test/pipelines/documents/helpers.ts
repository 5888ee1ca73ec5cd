// Shared by the documents pipeline tests: an OCR stand-in for tests that must not need tesseract.
import type { OcrEngine } from '../../../src/pipelines/documents/index.js';
import type { OcrPage } from '../../../src/pipelines/documents/ocr.js';

export interface RecordingOcr extends OcrEngine {
  readonly calls: Uint8Array[];
}

/** Answers every image with `text`, read with `confidence`, and remembers what it was asked. */
export function fakeOcr(text = '', confidence = 0.95): RecordingOcr {
  const calls: Uint8Array[] = [];
  return {
    calls,
    async recognize(image) {
      calls.push(image);
      return ocrPage(text, confidence);
    },
    async close() {},
  };
}

/** An OcrPage for `text`, every word read with `confidence`, laid out on a notional 20-pixel grid. */
export function ocrPage(text: string, confidence = 0.95): OcrPage {
  const words = text.split('\n').flatMap((line, row) =>
    line
      .split(/\s+/)
      .filter((w) => w !== '')
      .map((w, col) => ({ text: w, confidence, bbox: { x0: col * 100, y0: row * 20, x1: col * 100 + 90, y1: row * 20 + 15 } })),
  );
  return { text, confidence: words.length ? confidence : 0, words };
}

/** Lower-cased, with OCR's usual confusions folded, for tolerant word checks. */
export function ocrWords(text: string): string {
  return text.toLowerCase().replace(/[|!1]/g, 'l').replace(/0/g, 'o').replace(/\s+/g, ' ');
}
