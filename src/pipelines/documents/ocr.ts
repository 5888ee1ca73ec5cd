// OCR behind a two-method interface, so the pipeline (and its tests) do not depend on tesseract.js.
// The tesseract engine reads English data from the @tesseract.js-data/eng package and its WASM core
// from tesseract.js-core in node_modules: nothing is downloaded, nothing is cached on disk.
import { createRequire } from 'node:module';
import Tesseract from 'tesseract.js';
import { DocumentError } from './errors.js';

export interface OcrEngine {
  /** Text of one image (PNG, JPEG, TIFF, BMP bytes), lines separated by "\n". */
  recognize(image: Uint8Array): Promise<string>;
  /** Releases the engine; pending calls finish first. */
  close(): Promise<void>;
}

export interface TesseractOcrOptions {
  /**
   * One image may take no longer than this; past it the worker is discarded (a wedged WASM worker
   * never answers) and the next call starts a fresh one. Default 120 000 ms.
   */
  readonly timeoutMs?: number;
  /** Directory holding `eng.traineddata.gz`; default: the installed @tesseract.js-data/eng package. */
  readonly langPath?: string;
}

const DEFAULT_TIMEOUT_MS = 120_000;

function installedEnglishData(): string {
  const data: unknown = createRequire(import.meta.url)('@tesseract.js-data/eng');
  const langPath = typeof data === 'object' && data !== null && 'langPath' in data ? data.langPath : undefined;
  if (typeof langPath !== 'string') throw new Error('@tesseract.js-data/eng does not export a langPath');
  return langPath;
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
      // Full-page layout analysis: scans have columns and blocks, not one block of text.
      tessedit_pageseg_mode: Tesseract.PSM.AUTO,
      // Images decoded from PDFs carry no resolution; without one tesseract guesses 70 dpi.
      user_defined_dpi: '300',
    });
    return created;
  };

  const discardWorker = async (): Promise<void> => {
    const current = worker;
    worker = undefined;
    if (current) await current.then((w) => w.terminate()).catch(() => undefined);
  };

  const recognizeNow = async (image: Uint8Array): Promise<string> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DocumentError('ocr_failed', `OCR took longer than ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      worker ??= startWorker();
      const result = await Promise.race([worker.then((w) => w.recognize(Buffer.from(image.buffer, image.byteOffset, image.byteLength))), timeout]);
      return result.data.text;
    } catch (error) {
      // tesseract.js rejects with a bare message string; this one means leptonica could not decode the bytes.
      if (/attempting to read image/i.test(String(error))) {
        throw new DocumentError('image_unreadable', 'the image cannot be decoded', { cause: error });
      }
      await discardWorker();
      if (error instanceof DocumentError) throw error;
      throw new DocumentError('ocr_failed', `OCR failed: ${String(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    recognize(image) {
      if (closed) return Promise.reject(new Error('the OCR engine is closed'));
      const run = queue.then(() => recognizeNow(image));
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
