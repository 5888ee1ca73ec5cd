// Runs page extraction (pdfjs, tesseract) in a worker thread. pdfjs's Node build replaces built-in
// functions (JSON.stringify, Array.prototype.push, …) with slower polyfills for the whole realm; kept
// here, it never slows the server's hot paths. Messages: see isolated.ts.
import { parentPort } from 'node:worker_threads';
import { isDocumentError } from './errors.js';
import { countPages, extractPages } from './extract.js';
import { createTesseractOcr, type OcrEngine } from './ocr.js';
import type { ExtractRequest, ExtractResponse } from './isolated.js';

let ocr: OcrEngine | undefined;
const running = new Map<number, AbortController>();

function reply(message: ExtractResponse): void {
  parentPort?.postMessage(message);
}

parentPort?.on('message', (msg: ExtractRequest) => {
  if (msg.op === 'abort') {
    running.get(msg.id)?.abort();
    return;
  }
  if (msg.op === 'close') {
    void (async () => {
      await ocr?.close();
      process.exit(0);
    })();
    return;
  }
  const controller = new AbortController();
  running.set(msg.id, controller);
  (async () => {
    if (msg.op === 'count') return countPages(msg.bytes, msg.type);
    ocr ??= createTesseractOcr(msg.ocrTimeoutMs === undefined ? {} : { timeoutMs: msg.ocrTimeoutMs });
    return extractPages(msg.bytes, msg.type, { ocr, maxPages: msg.maxPages, signal: controller.signal });
  })().then(
    (result) => reply({ id: msg.id, ok: true, result }),
    (e: unknown) => {
      if (isDocumentError(e)) reply({ id: msg.id, ok: false, documentError: { reason: e.reason, message: e.message } });
      else reply({ id: msg.id, ok: false, message: e instanceof Error ? e.message : String(e) });
    },
  ).finally(() => running.delete(msg.id));
});
