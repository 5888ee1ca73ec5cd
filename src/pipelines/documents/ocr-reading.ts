// What page extraction keeps of an OCR result: the text, tidied, and how sure OCR was of it, page by
// page and line by line, so later stages can say which rows to trust. A page's text may join several
// readings (its short text layer, then each scanned picture on it), separated by blank lines.
import type { OcrPage } from './ocr.js';

export interface PageReading {
  readonly text: string;
  /** 0..1 for what OCR read; absent for text-layer text. */
  readonly confidence?: number;
  /** One per line of `text` (blank lines included), 0..1; absent for text-layer text. */
  readonly line_confidences?: number[];
}

/** Words in a line, counted the way OcrPage promises: `text` split on whitespace. */
const wordsIn = (line: string) => line.split(/\s+/).filter((w) => w !== '').length;

/** The page's text with single spaces, at most one blank line in a row, and each line's confidence. */
export function readingOf(page: OcrPage): PageReading {
  const lines: string[] = [];
  const confidences: number[] = [];
  let next = 0;
  for (const raw of page.text.split('\n')) {
    const line = raw.replace(/\s+/g, ' ').trim();
    const count = wordsIn(line);
    const words = page.words.slice(next, next + count);
    next += count;
    if (line === '' && (lines.length === 0 || lines.at(-1) === '')) continue;
    lines.push(line);
    // An engine that gives text without word boxes vouches for the text with the page's confidence.
    confidences.push(words.length === count && count > 0 ? words.reduce((s, w) => s + w.confidence, 0) / count : line === '' ? 1 : page.confidence);
  }
  while (lines.at(-1) === '') {
    lines.pop();
    confidences.pop();
  }
  return { text: lines.join('\n'), confidence: page.confidence, line_confidences: confidences };
}

/**
 * One page's text from its text layer and its OCR readings, blank lines between the parts that have
 * text; the page's confidence is that of its least certain reading.
 */
export function joinReadings(layer: string, readings: readonly PageReading[]): Required<PageReading> {
  const parts: Required<PageReading>[] = [];
  const layerText = layer.trim();
  if (layerText !== '') parts.push({ text: layerText, confidence: 1, line_confidences: layerText.split('\n').map(() => 1) });
  for (const r of readings) {
    if (r.text.trim() === '') continue;
    parts.push({ text: r.text, confidence: r.confidence ?? 1, line_confidences: r.line_confidences ?? r.text.split('\n').map(() => r.confidence ?? 1) });
  }
  const ocrParts = readings.filter((r) => r.text.trim() !== '');
  return {
    text: parts.map((p) => p.text).join('\n\n'),
    confidence: ocrParts.length ? Math.min(...ocrParts.map((r) => r.confidence ?? 1)) : 0,
    line_confidences: parts.flatMap((p, i) => (i === 0 ? p.line_confidences : [1, ...p.line_confidences])),
  };
}
