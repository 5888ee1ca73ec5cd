// Turns a page's text layer into reading-order lines. pdf.js hands out text runs in content-stream
// order, which for tabular PDFs (estimates) is often column by column; regrouping runs by baseline
// gives back the rows. A blank line marks a vertical gap wider than the page's usual line spacing,
// so paragraphs survive into the plain text. A page set in two columns of prose is the exception:
// its words go through the same layout reader as OCR'd words (layout-rows.ts), which reads the left
// column before the right.
import type { PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { hasProseColumns, layoutRows, linesToText as layoutText } from './layout-rows.js';
import type { OcrWord } from './ocr.js';

interface Run {
  readonly text: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly size: number;
}

interface Line {
  readonly y: number;
  readonly size: number;
  readonly runs: Run[];
}

/** Runs closer than this fraction of the font size are parts of one word (kerning, font changes). */
const WORD_GAP = 0.15;
/** Baselines within this fraction of the font size are the same line (subscripts, mixed fonts). */
const SAME_LINE = 0.4;
/**
 * A gap this much wider than the page's line spacing starts a new paragraph. The spacing is a low
 * percentile of the gaps, not the median: a short letter can have as many paragraph gaps as lines.
 */
const PARAGRAPH_GAP = 1.4;

function isTextRun(item: unknown): item is { str: string; transform: number[]; width: number; height: number } {
  return typeof item === 'object' && item !== null && 'str' in item && 'transform' in item;
}

export async function pageTextLayer(page: PDFPageProxy): Promise<string> {
  const content = await page.getTextContent();
  const runs: Run[] = [];
  for (const item of content.items) {
    if (!isTextRun(item) || item.str.trim() === '') continue;
    const [a = 0, b = 0, , , x = 0, y = 0] = item.transform;
    const size = Math.hypot(a, b) || item.height || 1;
    runs.push({ text: item.str, x, y, width: item.width, size });
  }
  const lines = groupLines(runs);
  const words = lines.flatMap(lineWords);
  return hasProseColumns(words) ? layoutText(layoutRows(words)) : linesToText(lines);
}

/**
 * A line's words with boxes in a y-down frame, as OCR gives them: runs that touch are one word (a
 * font change or kerning mid-word), and a run's words share its width by their length.
 */
function lineWords(line: Line): OcrWord[] {
  const words: Array<{ text: string; x0: number; x1: number; size: number; y: number }> = [];
  let end = -Infinity;
  for (const run of [...line.runs].sort((p, q) => p.x - q.x)) {
    const perChar = run.width / Math.max(1, run.text.length);
    const touches = run.x - end <= WORD_GAP * run.size && !/^\s/.test(run.text);
    let offset = 0;
    for (const token of run.text.split(/(\s+)/)) {
      const x0 = run.x + offset * perChar;
      offset += token.length;
      if (token.trim() === '') continue;
      const last = words.at(-1);
      if (touches && last && x0 === run.x) {
        last.text += token;
        last.x1 = x0 + token.length * perChar;
      } else words.push({ text: token, x0, x1: x0 + token.length * perChar, size: run.size, y: run.y });
    }
    end = Math.max(end, run.x + run.width);
  }
  // Baselines from the bottom of the page become tops and bottoms measured downwards.
  return words.map((w) => ({ text: w.text, confidence: 1, bbox: { x0: w.x0, x1: Math.max(w.x1, w.x0 + 0.1), y0: -(w.y + 0.75 * w.size), y1: -(w.y - 0.25 * w.size) } }));
}

function groupLines(runs: Run[]): Line[] {
  const sorted = [...runs].sort((p, q) => q.y - p.y || p.x - q.x);
  const lines: Line[] = [];
  for (const run of sorted) {
    const line = lines.at(-1);
    if (line && Math.abs(line.y - run.y) <= SAME_LINE * Math.max(line.size, run.size)) line.runs.push(run);
    else lines.push({ y: run.y, size: run.size, runs: [run] });
  }
  return lines;
}

function lineText(line: Line): string {
  const runs = [...line.runs].sort((p, q) => p.x - q.x);
  let text = '';
  let end = -Infinity;
  for (const run of runs) {
    const gap = run.x - end;
    if (text !== '' && gap > WORD_GAP * run.size && !text.endsWith(' ') && !run.text.startsWith(' ')) text += ' ';
    text += run.text;
    end = run.x + run.width;
  }
  return text.replace(/\s+/g, ' ').trim();
}

function linesToText(lines: Line[]): string {
  const gaps = lines.slice(1).map((line, i) => lines[i]!.y - line.y);
  const spacing = [...gaps].sort((p, q) => p - q)[Math.floor(gaps.length / 4)] ?? 0;
  const out: string[] = [];
  lines.forEach((line, i) => {
    const gap = gaps[i - 1];
    if (gap !== undefined && gap > PARAGRAPH_GAP * spacing && gap > 1.5 * line.size) out.push('');
    out.push(lineText(line));
  });
  return out.join('\n');
}
