// Shared by the documents pipeline tests: an OCR stand-in for tests that must not need tesseract.
import type { OcrEngine } from '../../../src/pipelines/documents/index.js';

export interface RecordingOcr extends OcrEngine {
  readonly calls: Uint8Array[];
}

/** Answers every image with `text` and remembers what it was asked. */
export function fakeOcr(text = ''): RecordingOcr {
  const calls: Uint8Array[] = [];
  return {
    calls,
    async recognize(image) {
      calls.push(image);
      return text;
    },
    async close() {},
  };
}

/** Lower-cased, with OCR's usual confusions folded, for tolerant word checks. */
export function ocrWords(text: string): string {
  return text.toLowerCase().replace(/[|!1]/g, 'l').replace(/0/g, 'o').replace(/\s+/g, ' ');
}
