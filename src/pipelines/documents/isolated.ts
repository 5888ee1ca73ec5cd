// Page extraction behind a worker thread, for the server process: the same countPages/extractPages as
// extract.ts, but pdfjs (and its global polyfills) and tesseract live in the worker. One worker,
// started on first use and restarted if it dies; requests run concurrently inside it.
import { Worker } from 'node:worker_threads';
import { DocumentError, type DocumentFailureReason } from './errors.js';
import type { ExtractedPage } from './extract.js';
import type { DocumentType } from './sniff.js';

export type ExtractRequest =
  | { readonly op: 'count'; readonly id: number; readonly bytes: Uint8Array; readonly type: DocumentType }
  | { readonly op: 'extract'; readonly id: number; readonly bytes: Uint8Array; readonly type: DocumentType; readonly maxPages?: number; readonly ocrTimeoutMs?: number }
  | { readonly op: 'abort'; readonly id: number }
  | { readonly op: 'close' };

export type ExtractResponse =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly documentError?: { readonly reason: DocumentFailureReason; readonly message: string }; readonly message?: string };

export interface DocumentExtractor {
  countPages(bytes: Uint8Array, type: DocumentType): Promise<number>;
  extractPages(bytes: Uint8Array, type: DocumentType, options?: { maxPages?: number; signal?: AbortSignal }): Promise<ExtractedPage[]>;
  close(): Promise<void>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './extract-worker.ts' : './extract-worker.js', import.meta.url);

/** Built, the worker is a .js file; run from source (tests, `npm run dev`), it registers tsx first. */
function spawnWorker(): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL);
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true });
}

export function createIsolatedExtractor(options: { ocrTimeoutMs?: number } = {}): DocumentExtractor {
  let worker: Worker | undefined;
  let nextId = 1;
  const pending = new Map<number, Pending>();

  const start = (): Worker => {
    if (worker) return worker;
    const w = spawnWorker();
    w.on('message', (msg: ExtractResponse) => {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else if (msg.documentError) p.reject(new DocumentError(msg.documentError.reason, msg.documentError.message));
      else p.reject(new Error(msg.message ?? 'extraction failed'));
    });
    const fail = (error: Error) => {
      if (worker === w) worker = undefined;
      for (const p of pending.values()) p.reject(error);
      pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the extraction worker exited (${code})`)));
    w.unref();
    worker = w;
    return w;
  };

  const call = <T>(request: Omit<Extract<ExtractRequest, { op: 'count' | 'extract' }>, 'id'>, signal?: AbortSignal): Promise<T> => {
    signal?.throwIfAborted();
    const id = nextId++;
    const w = start();
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.ref();
      w.postMessage({ ...request, id });
      signal?.addEventListener('abort', () => w.postMessage({ op: 'abort', id } satisfies ExtractRequest), { once: true });
    }).finally(() => {
      if (pending.size === 0) worker?.unref();
    });
  };

  return {
    countPages: (bytes, type) => call<number>({ op: 'count', bytes, type }),
    extractPages: (bytes, type, opts = {}) =>
      call<ExtractedPage[]>({ op: 'extract', bytes, type, ...(opts.maxPages === undefined ? {} : { maxPages: opts.maxPages }), ...(options.ocrTimeoutMs === undefined ? {} : { ocrTimeoutMs: options.ocrTimeoutMs }) }, opts.signal),
    async close() {
      const w = worker;
      worker = undefined;
      if (!w) return;
      w.postMessage({ op: 'close' } satisfies ExtractRequest);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => void w.terminate().then(() => resolve()), 5_000);
        w.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
