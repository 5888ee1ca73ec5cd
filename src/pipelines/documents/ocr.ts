// OCR behind a two-method interface, so the pipeline (and its tests) do not depend on tesseract.js.
// The tesseract engine reads English data from the @tesseract.js-data/eng package and its WASM core
// from tesseract.js-core in node_modules: nothing is downloaded, nothing is cached on disk. Before a
// page reaches tesseract it is cleaned up (preprocess.ts); after, its words are put back into the
// page's rows (layout-rows.ts), because tesseract's own block order splits tables into columns.
import { createRequire } from 'node:module';
import Tesseract from 'tesseract.js';
import { decodePngGray } from './decode-png.js';
import { encodePng, type RawImage } from './encode-png.js';
import { DocumentError } from './errors.js';
import { declaredImageSize, oversizeReason } from './image-size.js';
import { layoutRows, linesToText } from './layout-rows.js';
import { normalisePage, type NormalisedPage } from './preprocess.js';
import { turnHalf, turnQuarter } from './resample.js';

export interface OcrBox {
  readonly x0: number;
  readonly y0: number;
  /** Exclusive, like tesseract's: x1 - x0 is the width. */
  readonly x1: number;
  readonly y1: number;
}

export interface OcrWord {
  /** One word, no whitespace. */
  readonly text: string;
  /** 0..1, tesseract's own certainty about the word. */
  readonly confidence: number;
  /** Where the word is, in pixels of the image that was recognised. */
  readonly bbox: OcrBox;
}

export interface OcrPage {
  /** The page's lines in reading order, one table row per line, a blank line between paragraphs. */
  readonly text: string;
  /** 0..1: the words' confidences, weighted by their length; 0 when nothing was read. */
  readonly confidence: number;
  /** Every word of `text`, in the same order: splitting `text` on whitespace gives their texts. */
  readonly words: OcrWord[];
}

export interface OcrEngine {
  /**
   * Words and text of one image (PNG, JPEG, TIFF, BMP bytes). An aborted signal stops the reading at
   * once and rejects with the signal's reason.
   */
  recognize(image: Uint8Array, signal?: AbortSignal): Promise<OcrPage>;
  /** Releases the engine; pending calls finish first. */
  close(): Promise<void>;
}

export interface TesseractOcrOptions {
  /**
   * One image may take no longer than this; past it the worker is stopped (tesseract cannot be
   * interrupted mid-image, and a wedged WASM worker never answers), the call fails with ocr_timeout
   * and the next call starts a fresh worker. Default 120 000 ms.
   */
  readonly timeoutMs?: number;
  /** Directory holding `eng.traineddata.gz`; default: the installed @tesseract.js-data/eng package. */
  readonly langPath?: string;
}

const DEFAULT_TIMEOUT_MS = 120_000;
/**
 * Below this confidence a page may be upside down (tesseract reads turned text as confident-looking
 * noise at best), so it is read turned as well and the better reading kept.
 */
const DOUBTFUL_CONFIDENCE = 0.7;

function installedEnglishData(): string {
  const data: unknown = createRequire(import.meta.url)('@tesseract.js-data/eng');
  const langPath = typeof data === 'object' && data !== null && 'langPath' in data ? data.langPath : undefined;
  if (typeof langPath !== 'string') throw new Error('@tesseract.js-data/eng does not export a langPath');
  return langPath;
}

/** tesseract's TSV output, level 5 rows: one word each, with its box and confidence (0–100). */
export function parseTsvWords(tsv: string): OcrWord[] {
  const words: OcrWord[] = [];
  for (const row of tsv.split('\n')) {
    const cells = row.split('\t');
    if (cells[0] !== '5' || cells.length < 12) continue;
    const text = cells.slice(11).join('\t').trim();
    const [left, top, width, height, conf] = cells.slice(6, 11).map(Number) as [number, number, number, number, number];
    if (text === '' || !(width > 0) || !(height > 0)) continue;
    words.push({ text: text.replace(/\s+/g, ''), confidence: Math.max(0, Math.min(1, conf / 100)), bbox: { x0: left, y0: top, x1: left + width, y1: top + height } });
  }
  return words;
}

/** Weighted by length: a long word read with confidence says more than a stray mark. */
export function meanConfidence(words: readonly OcrWord[]): number {
  let weight = 0;
  let sum = 0;
  for (const w of words) {
    const n = Math.max(1, w.text.replace(/[^\p{L}\p{N}]/gu, '').length);
    weight += n;
    sum += n * w.confidence;
  }
  return weight === 0 ? 0 : sum / weight;
}

/** How much real text a reading holds: confident letters count, unsure ones much less. */
function readingScore(words: readonly OcrWord[]): number {
  return words.reduce((s, w) => s + w.confidence ** 2 * w.text.replace(/[^\p{L}\p{N}]/gu, '').length, 0);
}

/**
 * A page whose words stand on end: most words of three or more letters are taller than they are
 * wide, which upright text never is.
 */
export function isSideways(words: readonly OcrWord[]): boolean {
  let tall = 0;
  let wide = 0;
  for (const w of words) {
    if (w.text.replace(/[^\p{L}\p{N}]/gu, '').length < 3) continue;
    const width = w.bbox.x1 - w.bbox.x0;
    const height = w.bbox.y1 - w.bbox.y0;
    if (height > 1.3 * width) tall++;
    else if (width > 1.3 * height) wide++;
  }
  return tall >= 5 && tall > 2 * wide;
}

/** The page from a normalised image's words, with boxes mapped back to the image that came in. */
export function pageFromWords(words: readonly OcrWord[], toSource: (x: number, y: number) => [number, number]): OcrPage {
  const lines = layoutRows(words);
  const ordered = lines.flatMap((line) =>
    line.words.map((w): OcrWord => {
      const corners = [toSource(w.bbox.x0, w.bbox.y0), toSource(w.bbox.x1, w.bbox.y0), toSource(w.bbox.x0, w.bbox.y1), toSource(w.bbox.x1, w.bbox.y1)];
      const xs = corners.map((c) => c[0]);
      const ys = corners.map((c) => c[1]);
      return { text: w.text.trim(), confidence: w.confidence, bbox: { x0: Math.round(Math.min(...xs)), y0: Math.round(Math.min(...ys)), x1: Math.round(Math.max(...xs)), y1: Math.round(Math.max(...ys)) } };
    }),
  );
  return { text: linesToText(lines), confidence: meanConfidence(ordered), words: ordered };
}

/**
 * One tesseract worker, created on first use (it takes about a second) and reused; calls are queued
 * because a worker recognises one image at a time.
 */
export function createTesseractOcr(options: TesseractOcrOptions = {}): OcrEngine {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let worker: Promise<Tesseract.Worker> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  const startWorker = async (): Promise<Tesseract.Worker> => {
    const created = await Tesseract.createWorker('eng', Tesseract.OEM.LSTM_ONLY, {
      langPath: options.langPath ?? installedEnglishData(),
      gzip: true,
      cacheMethod: 'none',
      logger: () => undefined,
      // Without a handler tesseract.js rethrows job failures from its message listener, which
      // would crash the process; the rejected job promise already carries the error.
      errorHandler: () => undefined,
    });
    await created.setParameters({
      // Full-page layout analysis finds the words; their rows are rebuilt from the boxes afterwards.
      tessedit_pageseg_mode: (process.env.CAP_PSM as Tesseract.PSM | undefined) ?? Tesseract.PSM.AUTO,
      // Pages reach tesseract with their text at the size of a 300 dpi scan (preprocess.ts).
      user_defined_dpi: '300',
    });
    return created;
  };

  const discardWorker = async (): Promise<void> => {
    const current = worker;
    worker = undefined;
    if (current) await current.then((w) => w.terminate()).catch(() => undefined);
  };

  /** Leptonica decodes what this process cannot (JPEG, TIFF, BMP) and hands it back as a gray PNG. */
  const decode = async (w: Tesseract.Worker, image: Uint8Array): Promise<RawImage> => {
    const own = decodePngGray(image);
    if (own) return own;
    const result = await w.recognize(Buffer.from(image.buffer, image.byteOffset, image.byteLength), {}, { text: false, imageGrey: true });
    const url = (result.data as { imageGrey?: string | null }).imageGrey ?? '';
    const decoded = decodePngGray(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'));
    if (!decoded) throw new DocumentError('image_unreadable', 'the image cannot be decoded');
    return decoded;
  };

  const wordsOf = async (w: Tesseract.Worker, image: RawImage): Promise<OcrWord[]> => {
    const result = await w.recognize(Buffer.from(encodePng(image)), {}, { text: false, tsv: true });
    return parseTsvWords(result.data.tsv ?? '');
  };

  /** `stop` aborted means the call already failed and its worker is gone: a late step goes no further. */
  const read = async (image: Uint8Array, stop: AbortSignal): Promise<OcrPage> => {
    const size = declaredImageSize(image);
    const oversize = size && oversizeReason(size);
    if (oversize) throw new DocumentError('image_unreadable', oversize);
    worker ??= startWorker();
    const w = await worker;
    stop.throwIfAborted();
    const decoded = await decode(w, image);
    stop.throwIfAborted();
    const page: NormalisedPage = normalisePage(decoded);
    const upright = await wordsOf(w, page.image);
    stop.throwIfAborted();
    const { width, height } = page.image;
    // Nothing at all upright (a blank page) is nothing turned either: no second reading.
    if (upright.length === 0) return pageFromWords(upright, page.toSource);
    if (isSideways(upright)) {
      // Tesseract reads sideways lines word by word, but its rows then run down the page: turn the
      // page upright, whichever way reads better.
      const clockwise = await wordsOf(w, turnQuarter(page.image, true));
      const fromClockwise = (x: number, y: number) => page.toSource(y, height - x);
      if (meanConfidence(clockwise) >= DOUBTFUL_CONFIDENCE) return pageFromWords(clockwise, fromClockwise);
      const anticlockwise = await wordsOf(w, turnQuarter(page.image, false));
      return readingScore(anticlockwise) > readingScore(clockwise)
        ? pageFromWords(anticlockwise, (x, y) => page.toSource(width - y, x))
        : pageFromWords(clockwise, fromClockwise);
    }
    if (meanConfidence(upright) >= DOUBTFUL_CONFIDENCE) return pageFromWords(upright, page.toSource);
    const turned = await wordsOf(w, turnHalf(page.image));
    if (readingScore(turned) <= readingScore(upright)) return pageFromWords(upright, page.toSource);
    return pageFromWords(turned, (x, y) => page.toSource(width - x, height - y));
  };

  const recognizeNow = async (image: Uint8Array, signal: AbortSignal | undefined): Promise<OcrPage> => {
    signal?.throwIfAborted();
    // Past the time limit, or when the caller gives up, the call fails at once and the worker is
    // stopped, so no CPU goes on an answer nobody will read.
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(new DocumentError('ocr_timeout', `OCR took longer than ${timeoutMs} ms`)), timeoutMs);
    const giveUp = () => stop.abort(signal?.reason);
    signal?.addEventListener('abort', giveUp, { once: true });
    const stopped = new Promise<never>((_, reject) => stop.signal.addEventListener('abort', () => reject(stop.signal.reason), { once: true }));
    try {
      return await Promise.race([read(image, stop.signal), stopped]);
    } catch (error) {
      if (stop.signal.aborted) {
        await discardWorker();
        throw stop.signal.reason;
      }
      if (error instanceof DocumentError && error.reason === 'image_unreadable') throw error;
      // tesseract.js rejects with a bare message string; this one means leptonica could not decode the bytes.
      if (/attempting to read image/i.test(String(error))) {
        throw new DocumentError('image_unreadable', 'the image cannot be decoded', { cause: error });
      }
      await discardWorker();
      if (error instanceof DocumentError) throw error;
      throw new DocumentError('ocr_failed', `OCR failed: ${String(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', giveUp);
    }
  };

  return {
    recognize(image, signal) {
      if (closed) return Promise.reject(new Error('the OCR engine is closed'));
      const run = queue.then(() => recognizeNow(image, signal));
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      closed = true;
      await queue;
      await discardWorker();
    },
  };
}
