// Puts OCR'd words back into the rows of the page. Tesseract reads a table as blocks (descriptions,
// then quantities, then prices), which loses which number belongs to which row; here words are grouped
// into lines by where they sit, so one estimate row becomes one line of text again. Two columns of
// prose are the exception: they are read column by column, as people read them.
import type { OcrWord } from './ocr.js';

export interface TextLine {
  readonly words: readonly OcrWord[];
  /** A vertical gap wider than the page's line spacing comes before this line: a new paragraph. */
  readonly paragraphBreak: boolean;
}

/** Words closer in height than this fraction of a word's height, measured at their centres, share a line. */
const SAME_LINE = 0.5;
/** A horizontal gap this many word heights wide separates columns, not words. */
const COLUMN_GAP = 1.5;
/** A gap this much wider than the usual line spacing starts a paragraph. */
const PARAGRAPH_GAP = 1.6;
/** Share of words on each side of a gutter that must be words of prose (letters, no figures) to read it as two columns. */
const PROSE_SHARE = 0.75;

const hasAlnum = (text: string) => /[\p{L}\p{N}]/u.test(text);
const centreY = (w: OcrWord) => (w.bbox.y0 + w.bbox.y1) / 2;
const centreX = (w: OcrWord) => (w.bbox.x0 + w.bbox.x1) / 2;
const heightOf = (w: OcrWord) => w.bbox.y1 - w.bbox.y0;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

interface Line {
  words: OcrWord[];
}

/** Words in reading order, grouped into the page's lines. */
export function layoutRows(input: readonly OcrWord[]): TextLine[] {
  const page = pageLines(input);
  return page ? readingOrder(page.lines, page.height) : [];
}

/**
 * True when the words are two columns of prose, which are read column by column. The text-layer
 * reader asks this: its own row grouping suits tables, but it would join the columns' lines.
 */
export function hasProseColumns(input: readonly OcrWord[]): boolean {
  const page = pageLines(input);
  return page !== undefined && proseGutter(page.lines, page.height) !== undefined;
}

function pageLines(input: readonly OcrWord[]): { lines: Line[]; height: number } | undefined {
  const boxed = input.filter((w) => w.text.trim() !== '' && w.bbox.x1 > w.bbox.x0 && w.bbox.y1 > w.bbox.y0);
  if (boxed.length === 0) return undefined;
  const height = median(boxed.filter((w) => hasAlnum(w.text)).map(heightOf)) || median(boxed.map(heightOf));
  // A tall, narrow "word" is a column of item numbers or a table rule that tesseract read downwards.
  const words = boxed.filter((w) => !(heightOf(w) > 2.5 * height && w.bbox.x1 - w.bbox.x0 < 0.6 * heightOf(w)));
  return { lines: groupLines(words, height), height };
}

/**
 * Lines are seeded by ordinary words only (letters or digits, of about the page's word height); marks,
 * dashes and odd-sized boxes then join the nearest line. A stray mark must not start a line of its own
 * that steals the words beside it.
 */
function groupLines(words: OcrWord[], height: number): Line[] {
  const ordinary = (w: OcrWord) => hasAlnum(w.text) && heightOf(w) >= 0.5 * height && heightOf(w) <= 2 * height;
  const byY = (a: OcrWord, b: OcrWord) => centreY(a) - centreY(b) || a.bbox.x0 - b.bbox.x0;
  const lines: Line[] = [];
  const yNear = (line: Line, word: OcrWord) => {
    // The line's height where this word is: its horizontally nearest word, which follows any residual lean.
    let nearest = line.words[0]!;
    for (const w of line.words) if (Math.abs(centreX(w) - centreX(word)) < Math.abs(centreX(nearest) - centreX(word))) nearest = w;
    return centreY(nearest);
  };
  const closest = (word: OcrWord, fits: (line: Line) => boolean): Line | undefined => {
    let best: Line | undefined;
    let bestDistance = SAME_LINE * height;
    for (const line of lines) {
      const distance = Math.abs(yNear(line, word) - centreY(word));
      if (distance <= bestDistance && fits(line)) {
        best = line;
        bestDistance = distance;
      }
    }
    return best;
  };
  for (const word of words.filter(ordinary).sort(byY)) {
    // Two words that cover the same stretch of a row are on different rows.
    const free = (line: Line) => !line.words.some((w) => Math.min(w.bbox.x1, word.bbox.x1) - Math.max(w.bbox.x0, word.bbox.x0) > 0.5 * Math.min(w.bbox.x1 - w.bbox.x0, word.bbox.x1 - word.bbox.x0));
    const line = closest(word, free);
    if (line) line.words.push(word);
    else lines.push({ words: [word] });
  }
  for (const word of words.filter((w) => !ordinary(w)).sort(byY)) {
    const line = closest(word, () => true);
    if (line) line.words.push(word);
    // A speck read as a quote or a point, alone on its row, is not text.
    else if (hasAlnum(word.text) || heightOf(word) >= 0.5 * height) lines.push({ words: [word] });
  }
  for (const line of lines) line.words.sort((a, b) => a.bbox.x0 - b.bbox.x0);
  return lines.sort((a, b) => lineY(a) - lineY(b));
}

const lineY = (line: Line) => median(line.words.map(centreY));

/** The x-range of a gutter between two columns of prose, if the page has one. */
function proseGutter(lines: readonly Line[], height: number): { from: number; to: number } | undefined {
  if (lines.length < 6) return undefined;
  const left = Math.min(...lines.flatMap((l) => l.words.map((w) => w.bbox.x0)));
  const right = Math.max(...lines.flatMap((l) => l.words.map((w) => w.bbox.x1)));
  const span = right - left;
  if (span < 20 * height) return undefined;
  // How many lines have ink (words joined across their ordinary spaces) over each x.
  const bins = Math.ceil(span / (height / 4));
  const cover = new Uint32Array(bins);
  for (const line of lines) {
    let start = line.words[0]!.bbox.x0;
    let end = line.words[0]!.bbox.x1;
    const flush = () => {
      for (let b = Math.floor((start - left) / (height / 4)); b < Math.min(bins, Math.ceil((end - left) / (height / 4))); b++) cover[b]!++;
    };
    for (const w of line.words.slice(1)) {
      if (w.bbox.x0 - end > COLUMN_GAP * height) {
        flush();
        start = w.bbox.x0;
      }
      end = Math.max(end, w.bbox.x1);
    }
    flush();
  }
  // The widest run of nearly empty bins in the middle of the page: titles and footers may cross it.
  const quiet = Math.max(1, Math.floor(lines.length * 0.15));
  let best: { from: number; to: number } | undefined;
  for (let b = Math.floor(bins * 0.3); b < Math.ceil(bins * 0.7); b++) {
    if (cover[b]! > quiet) continue;
    let e = b;
    while (e + 1 < bins && cover[e + 1]! <= quiet) e++;
    let s = b;
    while (s > 0 && cover[s - 1]! <= quiet) s--;
    const from = left + s * (height / 4);
    const to = left + (e + 1) * (height / 4);
    if (to - from >= COLUMN_GAP * height && (!best || to - from > best.to - best.from)) best = { from, to };
    b = e;
  }
  if (!best) return undefined;
  const gutter = best;
  const side = (pick: (w: OcrWord) => boolean) => lines.flatMap((l) => l.words.filter(pick));
  const isProse = (ws: readonly OcrWord[]) => ws.length >= 15 && ws.filter((w) => /^[\p{L}'’(),.;:!?"“”-]+$/u.test(w.text) && /\p{L}{2}/u.test(w.text)).length >= PROSE_SHARE * ws.length;
  return isProse(side((w) => w.bbox.x1 <= gutter.from)) && isProse(side((w) => w.bbox.x0 >= gutter.to)) ? gutter : undefined;
}

function readingOrder(lines: Line[], height: number): TextLine[] {
  const gutter = proseGutter(lines, height);
  const ordered: Line[] = [];
  if (!gutter) ordered.push(...lines);
  else {
    // Lines crossing the gutter (titles, footers) separate runs of two columns; each run is read left column first.
    let leftRun: Line[] = [];
    let rightRun: Line[] = [];
    const flush = () => {
      ordered.push(...leftRun, ...rightRun);
      leftRun = [];
      rightRun = [];
    };
    // A ragged-right line may reach into the gutter as measured; what tells a column's line from one
    // across the page is whether the words part at the gutter's middle by more than a word space.
    const middle = (gutter.from + gutter.to) / 2;
    for (const line of lines) {
      const leftWords = line.words.filter((w) => centreX(w) < middle);
      const rightWords = line.words.filter((w) => centreX(w) >= middle);
      const leftEnd = Math.max(...leftWords.map((w) => w.bbox.x1));
      const rightStart = Math.min(...rightWords.map((w) => w.bbox.x0));
      const across = line.words.some((w) => w.bbox.x0 < middle && w.bbox.x1 > middle) || (leftWords.length > 0 && rightWords.length > 0 && rightStart - leftEnd < COLUMN_GAP * height);
      if (across) {
        flush();
        ordered.push(line);
        continue;
      }
      if (leftWords.length) leftRun.push({ words: leftWords });
      if (rightWords.length) rightRun.push({ words: rightWords });
    }
    flush();
  }
  const gaps = ordered.slice(1).map((line, i) => lineY(line) - lineY(ordered[i]!)).filter((g) => g > 0);
  const spacing = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 4)] ?? 0;
  return ordered.map((line, i) => {
    const gap = i === 0 ? 0 : lineY(line) - lineY(ordered[i - 1]!);
    return { words: line.words, paragraphBreak: i > 0 && (gap < 0 || (spacing > 0 && gap > PARAGRAPH_GAP * spacing)) };
  });
}

/** The lines as plain text: words joined by spaces, a blank line before each paragraph. */
export function linesToText(lines: readonly TextLine[]): string {
  return lines.map((line) => `${line.paragraphBreak ? '\n' : ''}${line.words.map((w) => w.text.trim()).join(' ')}`).join('\n');
}
