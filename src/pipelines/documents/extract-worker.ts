// One OCR pool worker thread (see isolated.ts): pdfjs and a tesseract engine of its own. pdfjs's Node
// build replaces built-in functions (JSON.stringify, Array.prototype.push, …) with slower polyfills for
// the whole realm; kept here, it never slows the server's hot paths.
import { parentPort, workerData } from 'node:worker_threads';
import { isDocumentError } from './errors.js';
import { createExtractHandler } from './extract-handler.js';
import type { WorkerReply, WorkerRequest, WorkerSettings } from './isolated.js';
import { createTesseractOcr } from './ocr.js';

const settings = (workerData ?? {}) as WorkerSettings;
const handler = createExtractHandler(() => createTesseractOcr(settings.ocrTimeoutMs === undefined ? {} : { timeoutMs: settings.ocrTimeoutMs }), settings.pdfLimits);
const running = new Map<number, AbortController>();

/** Asks to be replaced once the heavy work is done, so the memory it took goes back to the system. */
const retirement = (): { retire?: true } => (handler.heavy() ? { retire: true } : {});

function reply(message: WorkerReply): void {
  parentPort?.postMessage(message);
}

parentPort?.on('message', (msg: WorkerRequest) => {
  switch (msg.op) {
    case 'abort':
      running.get(msg.id)?.abort();
      return;
    case 'release':
      handler.notify(msg);
      return;
    case 'close':
      void handler.close().finally(() => process.exit(0));
      return;
  }
  const { id, ...job } = msg;
  const controller = new AbortController();
  running.set(id, controller);
  handler.run(job, controller.signal).then(
    (result) => reply({ id, ok: true, result, ...retirement() }),
    (e: unknown) => {
      if (isDocumentError(e)) reply({ id, ok: false, documentError: { reason: e.reason, message: e.message }, ...retirement() });
      else reply({ id, ok: false, message: e instanceof Error ? e.message : String(e), ...retirement() });
    },
  ).finally(() => running.delete(id));
});
