// Page extraction for the server process, on a pool of worker threads (ocr-pool.ts): pdfjs (and its
// global polyfills) and tesseract live in the workers, never in the server's thread. A PDF's text
// layers are read in one quick job; each page that needs OCR is then a job of its own, so one
// document's pages run on every worker at once, interleaved fairly with other documents' pages.
import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { DocumentType } from '../../util/sniff.js';
import { assertDocumentType, assertSomeText } from './document-checks.js';
import { DocumentError, type DocumentFailureReason } from './errors.js';
import type { ExtractedPage, ExtractPagesOptions, PageTextLayer } from './extract.js';
import { isOutOfMemory, OcrPool, PoolJobOutOfMemoryError, PoolJobTimeoutError, PoolWorkerLostError, type PoolWorker } from './ocr-pool.js';
import { imageLayers } from './image-pages.js';
import { pageCounter } from './page-progress.js';
import type { PdfLimits } from './pdf-budget.js';
import type { PdfInfo } from './pdf-info.js';

/** What a worker is asked to do (extract-handler.ts does it). */
export type ExtractJob =
  | { readonly op: 'count'; readonly bytes: Uint8Array; readonly type: DocumentType }
  | { readonly op: 'layers'; readonly doc: string; readonly bytes: Uint8Array; readonly maxPages?: number; readonly firstPages?: number }
  | { readonly op: 'info'; readonly bytes: Uint8Array }
  | { readonly op: 'page'; readonly doc: string; readonly bytes: Uint8Array; readonly layer: PageTextLayer }
  | { readonly op: 'image'; readonly bytes: Uint8Array; readonly type: DocumentType; readonly number: number };

/** The document's jobs are over: a worker drops the PDF it holds open for it. */
export interface ExtractNotice {
  readonly op: 'release';
  readonly doc: string;
}

/** Messages to a worker thread (extract-worker.ts). */
export type WorkerRequest = (ExtractJob & { readonly id: number }) | { readonly op: 'abort'; readonly id: number } | ExtractNotice | { readonly op: 'close' };

/** `retire`: the worker grew heavy (see ExtractHandler.heavy) and asks to be replaced once its jobs end. */
export type WorkerReply = { readonly retire?: true } & (
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly documentError?: { readonly reason: DocumentFailureReason; readonly message: string }; readonly message?: string }
);

/** Given to each worker thread at start, as its workerData. */
export interface WorkerSettings {
  readonly ocrTimeoutMs?: number;
  readonly pdfLimits?: PdfLimits;
}

export type ExtractWorker = PoolWorker<ExtractJob, unknown, ExtractNotice>;

export interface DocumentExtractor {
  /** Workers the pool runs at most. */
  readonly workers: number;
  countPages(bytes: Uint8Array, type: DocumentType): Promise<number>;
  extractPages(bytes: Uint8Array, type: DocumentType, options?: ExtractPagesOptions): Promise<ExtractedPage[]>;
  /** A PDF's metadata dates (see pdf-info.ts). */
  pdfInfo(bytes: Uint8Array): Promise<PdfInfo>;
  close(): Promise<void>;
}

export interface IsolatedExtractorOptions {
  /** Workers, each with its own pdfjs and OCR engine. Default: one per core. */
  readonly workers?: number;
  /** One image's OCR may take no longer than this; past it the worker's engine is restarted. */
  readonly ocrTimeoutMs?: number;
  /** A job taking longer than this has wedged its worker (a stuck thread never answers): it is replaced. */
  readonly jobTimeoutMs?: number;
  /** What reading one PDF may decode and parse (pdf-budget.ts); past it the document fails with pdf_too_complex. */
  readonly pdfLimits?: PdfLimits;
  /**
   * Each worker thread's V8 limits. A thread that reaches its heap limit dies alone (the process lives
   * on) and the document it was reading fails with out_of_memory.
   */
  readonly resourceLimits?: ResourceLimits;
  /** How a worker starts; by default a worker thread running extract-worker.ts. */
  readonly spawn?: () => ExtractWorker;
  /**
   * What a worker's OCR engine writes to stderr (its complaints about an image it cannot read), a line
   * at a time, for the server's log. Unset: the lines go to this process's stderr as they are.
   */
  readonly onEngineOutput?: (line: string) => void;
}

/** Well past the OCR engine's own limit per image (120 s), so only a stuck thread reaches it. */
const DEFAULT_JOB_TIMEOUT_MS = 300_000;
/** A worker asked to close gets this long to finish its page before it is stopped. */
const CLOSE_GRACE_MS = 5_000;

const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './extract-worker.ts' : './extract-worker.js', import.meta.url);

/** Built, the worker is a .js file; run from source (tests, `npm run dev`), it registers tsx first. */
function spawnThread(settings: WorkerSettings, onOutput: ((line: string) => void) | undefined, resourceLimits: ResourceLimits | undefined): Worker {
  const options = { workerData: settings, stderr: onOutput !== undefined, ...(resourceLimits ? { resourceLimits } : {}) };
  let thread: Worker;
  if (!FROM_SOURCE) thread = new Worker(WORKER_URL, options);
  else {
    const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
    thread = new Worker(boot, { ...options, eval: true });
  }
  if (onOutput) {
    const lines = createInterface({ input: thread.stderr, crlfDelay: Infinity });
    lines.on('line', (line) => line.trim() !== '' && onOutput(line));
  }
  return thread;
}

/** One worker thread; it holds the process open only while it has jobs. */
export function threadWorker(settings: WorkerSettings = {}, onOutput?: (line: string) => void, resourceLimits?: ResourceLimits): ExtractWorker {
  const thread = spawnThread(settings, onOutput, resourceLimits);
  thread.unref();
  let nextId = 1;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  let died: (error: Error) => void = () => undefined;
  const exited = new Promise<Error>((resolve) => (died = resolve));
  const post = (message: WorkerRequest) => thread.postMessage(message);
  let retiring = false;

  thread.on('message', (msg: WorkerReply) => {
    if (msg.retire) retiring = true;
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (pending.size === 0) thread.unref();
    if (msg.ok) p.resolve(msg.result);
    else if (msg.documentError) p.reject(new DocumentError(msg.documentError.reason, msg.documentError.message));
    else p.reject(new Error(msg.message ?? 'extraction failed'));
  });
  const fail = (error: Error) => {
    // Out of memory, the pool tells which of the jobs running here caused it (see OcrPool.lose), so
    // it hears of the death before they do.
    if (isOutOfMemory(error)) died(error);
    for (const p of pending.values()) p.reject(error);
    pending.clear();
    died(error);
  };
  thread.on('error', fail);
  thread.on('exit', (code) => fail(new Error(`the OCR worker thread exited (${code})`)));

  return {
    exited,
    get retiring() {
      return retiring;
    },
    run(job, signal) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        thread.ref();
        post({ ...job, id });
        signal.addEventListener('abort', () => post({ op: 'abort', id }), { once: true });
      });
    },
    notify: post,
    async close() {
      post({ op: 'close' });
      const timer = setTimeout(() => void thread.terminate(), CLOSE_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
    async terminate() {
      await thread.terminate();
    },
  };
}

/** pdfjs may detach what it is given, and each worker reads the bytes: shared memory is copied once, not per page. */
function sharedCopy(bytes: Uint8Array): Uint8Array {
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  shared.set(bytes);
  return shared;
}

/**
 * A job whose worker died of its memory limit fails the document for good: it would again. Any other
 * page the pool could not finish is an OCR failure, which the workflow retries.
 */
function asPageError(error: unknown): unknown {
  if (error instanceof PoolJobOutOfMemoryError) return outOfMemory(error);
  if (error instanceof PoolJobTimeoutError || error instanceof PoolWorkerLostError) return new DocumentError('ocr_failed', error.message, { cause: error });
  return error;
}

function outOfMemory(error: Error): DocumentError {
  return new DocumentError('out_of_memory', 'reading the document took more memory than a worker may use', { cause: error });
}

/** A job outside a document's pages (a page count, the metadata) that ran its worker out of memory. */
async function unlessOutOfMemory<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw error instanceof PoolJobOutOfMemoryError ? outOfMemory(error) : error;
  }
}

export function createIsolatedExtractor(options: IsolatedExtractorOptions = {}): DocumentExtractor {
  const settings: WorkerSettings = {
    ...(options.ocrTimeoutMs === undefined ? {} : { ocrTimeoutMs: options.ocrTimeoutMs }),
    ...(options.pdfLimits === undefined ? {} : { pdfLimits: options.pdfLimits }),
  };
  const pool = new OcrPool<ExtractJob, unknown, ExtractNotice>({
    size: options.workers ?? availableParallelism(),
    spawn: options.spawn ?? (() => threadWorker(settings, options.onEngineOutput, options.resourceLimits)),
    timeoutMs: options.jobTimeoutMs ?? DEFAULT_JOB_TIMEOUT_MS,
  });
  let documents = 0;

  return {
    workers: pool.size,
    async countPages(bytes, type) {
      return (await unlessOutOfMemory(pool.run({ op: 'count', bytes, type }, { exclusive: false }))) as number;
    },
    async extractPages(bytes, type, opts = {}) {
      await assertDocumentType(bytes, type);
      const group = `doc-${++documents}`;
      // One failed page fails the document: its other pages leave the queue at once.
      const failed = new AbortController();
      const signal = opts.signal ? AbortSignal.any([opts.signal, failed.signal]) : failed.signal;
      // Each page waiting for the pool listens to it, and lets go when it settles: a document of more
      // than ten pages is no listener leak.
      setMaxListeners(0, signal);
      const job = async <T>(payload: ExtractJob, exclusive: boolean): Promise<T> => {
        try {
          return (await pool.run(payload, { group, exclusive, signal })) as T;
        } catch (error) {
          failed.abort(error);
          throw asPageError(error);
        }
      };
      try {
        const shared = sharedCopy(bytes);
        if (type !== 'application/pdf') {
          const layers = imageLayers(bytes, type, opts);
          const progress = pageCounter(layers, opts.onProgress);
          // A TIFF's pages spread over the pool as a PDF's do; each worker cuts its page from the shared bytes.
          const pages = await Promise.all(layers.map(async (layer) => {
            const page = await job<ExtractedPage>({ op: 'image', bytes: shared, type, number: layer.number }, true);
            progress.pageDone();
            return page;
          }));
          return assertSomeText(pages);
        }
        const layers = await job<PageTextLayer[]>({
          op: 'layers', doc: group, bytes: shared,
          ...(opts.maxPages === undefined ? {} : { maxPages: opts.maxPages }),
          ...(opts.firstPages === undefined ? {} : { firstPages: opts.firstPages }),
        }, false);
        const progress = pageCounter(layers, opts.onProgress);
        const pages = await Promise.all(
          layers.map(async (layer): Promise<ExtractedPage> => {
            if (!layer.needsOcr) return { number: layer.number, text: layer.text, source: 'text_layer' };
            const page = await job<ExtractedPage>({ op: 'page', doc: group, bytes: shared, layer }, true);
            progress.pageDone();
            return page;
          }),
        );
        return assertSomeText(pages);
      } finally {
        failed.abort();
        pool.notify({ op: 'release', doc: group });
      }
    },
    async pdfInfo(bytes) {
      return (await unlessOutOfMemory(pool.run({ op: 'info', bytes }, { exclusive: false }))) as PdfInfo;
    },
    close: () => pool.close(),
  };
}
