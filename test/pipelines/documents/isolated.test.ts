// Page extraction on the OCR pool (createIsolatedExtractor): a scan's pages spread over the workers
// with page-by-page progress, documents sharing the pool, aborts and wedged engines, over in-process
// workers with an OCR stand-in; then once over real worker threads with tesseract.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createIsolatedExtractor, DocumentError, type OcrEngine, type PageProgress } from '../../../src/pipelines/documents/index.js';
import { createInProcessWorker } from '../../../src/pipelines/documents/in-process.js';
import { buildEstimatePdf, buildMixedPdf, buildMultiPageTiff } from '../../fixtures/documents.js';
import { buildScannedPagesPdf, pngWidth, scannedPageWidth } from '../../fixtures/scanned-pages.js';

/**
 * Reads a page of buildScannedPagesPdf as "page N", after `delayMs`; counts calls and how many overlap.
 * With `together`, the first calls also wait (up to 10 s) until that many are running at once, so a
 * slow machine preparing pages one by one cannot hide whether the pool runs them side by side.
 */
function pageReader(delayMs: number, stats = { calls: 0, running: 0, maxRunning: 0 }, together = 0) {
  const byWidth = new Map(Array.from({ length: 8 }, (_, i) => [scannedPageWidth(i + 1), i + 1]));
  let release: () => void = () => undefined;
  const gathered = new Promise<void>((resolve) => {
    release = resolve;
    setTimeout(resolve, 10_000).unref();
  });
  const engine = (): OcrEngine => ({
    async recognize(image) {
      stats.calls++;
      stats.running++;
      stats.maxRunning = Math.max(stats.maxRunning, stats.running);
      if (stats.running >= together) release();
      if (together > 0) await gathered;
      await new Promise((r) => setTimeout(r, delayMs));
      stats.running--;
      const text = `page ${byWidth.get(pngWidth(image)) ?? '?'}`;
      return { text, confidence: 1, words: [] };
    },
    async close() {},
  });
  return { stats, engine };
}

const wedged = (): OcrEngine => ({ recognize: () => new Promise(() => undefined), close: async () => {} });

describe('createIsolatedExtractor: the OCR pool', () => {
  test("a scan's pages run on every worker at once, come back in order, and report progress page by page", async () => {
    const reader = pageReader(60, undefined, 3);
    const extractor = createIsolatedExtractor({ workers: 3, spawn: () => createInProcessWorker(reader.engine()) });
    try {
      const progress: PageProgress[] = [];
      const pages = await extractor.extractPages(await buildScannedPagesPdf(6), 'application/pdf', { onProgress: (p) => progress.push(p) });
      assert.deepEqual(pages.map((p) => [p.number, p.source, p.text]), [1, 2, 3, 4, 5, 6].map((n) => [n, 'ocr', `page ${n}`]));
      assert.equal(reader.stats.maxRunning, 3, 'three pages were read at the same time');
      assert.deepEqual(progress, [0, 1, 2, 3, 4, 5, 6].map((done) => ({ done, total: 6 })));
    } finally {
      await extractor.close();
    }
  });

  test('a document of many scanned pages, with or without a signal of its own, raises no listener warning', async (t) => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    t.after(() => process.off('warning', onWarning));
    const reader = pageReader(1);
    const extractor = createIsolatedExtractor({ workers: 2, spawn: () => createInProcessWorker(reader.engine()) });
    try {
      const pdf = await buildScannedPagesPdf(14);
      for (const opts of [{}, { signal: new AbortController().signal }]) {
        const pages = await extractor.extractPages(pdf, 'application/pdf', opts);
        assert.equal(pages.length, 14);
      }
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(warnings, []);
    } finally {
      await extractor.close();
    }
  });

  test("the OCR engine's complaints about an image reach onEngineOutput, not this process's stderr", async (t) => {
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    t.mock.method(process.stderr, 'write', (chunk: string | Uint8Array, ...rest: unknown[]) => {
      written.push(String(chunk));
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    });
    const lines: string[] = [];
    const extractor = createIsolatedExtractor({ workers: 1, onEngineOutput: (line) => lines.push(line) });
    try {
      // A JPEG header and nothing a decoder can read.
      const garbage = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(100, 0x07)]);
      await assert.rejects(extractor.extractPages(garbage, 'image/jpeg'), (e: unknown) => e instanceof DocumentError);
      assert.ok(lines.some((l) => /jpeg/i.test(l)), `the engine said why: ${JSON.stringify(lines)}`);
      assert.ok(!written.some((w) => /pixReadStreamJpeg/.test(w)), 'nothing of it on stderr');
    } finally {
      await extractor.close();
    }
  });

  test("a TIFF's pages spread over the workers too: each reads its own page, in order, with progress", async () => {
    const seen: number[] = [];
    // Answers with the image directory the page's header points at: each page must be a different one.
    const engine = (): OcrEngine => ({
      async recognize(image) {
        const at = new DataView(image.buffer, image.byteOffset).getUint32(4, true);
        seen.push(at);
        await new Promise((r) => setTimeout(r, 20));
        return { text: `directory ${at}`, confidence: 1, words: [] };
      },
      async close() {},
    });
    const extractor = createIsolatedExtractor({ workers: 2, spawn: () => createInProcessWorker(engine()) });
    try {
      const tiff = buildMultiPageTiff([['one'], ['two'], ['three']]);
      assert.equal(await extractor.countPages(tiff, 'image/tiff'), 3);
      const progress: PageProgress[] = [];
      const pages = await extractor.extractPages(tiff, 'image/tiff', { onProgress: (p) => progress.push(p) });
      assert.deepEqual(pages.map((p) => p.number), [1, 2, 3]);
      assert.equal(new Set(pages.map((p) => p.text)).size, 3, JSON.stringify(pages.map((p) => p.text)));
      assert.equal(seen.length, 3);
      assert.deepEqual(progress, [0, 1, 2, 3].map((done) => ({ done, total: 3 })));
      await assert.rejects(extractor.extractPages(tiff, 'image/tiff', { maxPages: 2 }), (e: unknown) => e instanceof DocumentError && e.reason === 'too_many_pages');
    } finally {
      await extractor.close();
    }
  });

  test('a text-layer PDF reports no progress and reaches no OCR; a mixed one counts its text page done from the start', async () => {
    const reader = pageReader(0);
    const extractor = createIsolatedExtractor({ workers: 2, spawn: () => createInProcessWorker(reader.engine()) });
    try {
      const progress: PageProgress[] = [];
      const text = await extractor.extractPages(await buildEstimatePdf(), 'application/pdf', { onProgress: (p) => progress.push(p) });
      assert.deepEqual(text.map((p) => p.source), ['text_layer', 'text_layer']);
      assert.equal(progress.length, 0, 'no progress for a text-layer PDF');
      assert.equal(reader.stats.calls, 0);
      const mixed = await extractor.extractPages(await buildMixedPdf(), 'application/pdf', { onProgress: (p) => progress.push(p) });
      assert.deepEqual(mixed.map((p) => p.source), ['text_layer', 'ocr']);
      assert.deepEqual(progress, [{ done: 1, total: 2 }, { done: 2, total: 2 }]);
    } finally {
      await extractor.close();
    }
  });

  test('two documents at once share one worker by turns: the short one finishes long before the long one', async () => {
    const reader = pageReader(50);
    const extractor = createIsolatedExtractor({ workers: 1, spawn: () => createInProcessWorker(reader.engine()) });
    try {
      const [long, short] = await Promise.all([buildScannedPagesPdf(6), buildScannedPagesPdf(2)]);
      const order: string[] = [];
      const seen = { long: [] as number[], short: [] as number[] };
      const run = (name: 'long' | 'short', pdf: Uint8Array) =>
        extractor.extractPages(pdf, 'application/pdf', { onProgress: (p) => seen[name].push(p.done) }).then(() => void order.push(name));
      await Promise.all([run('long', long), run('short', short)]);
      assert.deepEqual(order, ['short', 'long']);
      assert.deepEqual(seen.short, [0, 1, 2]);
      assert.deepEqual(seen.long, [0, 1, 2, 3, 4, 5, 6]);
      assert.equal(reader.stats.maxRunning, 1, 'one worker reads one page at a time');
    } finally {
      await extractor.close();
    }
  });

  test('an aborted extraction gives up its queued pages at once, and the pool goes on', async () => {
    const reader = pageReader(50);
    const extractor = createIsolatedExtractor({ workers: 1, spawn: () => createInProcessWorker(reader.engine()) });
    try {
      const stage = new AbortController();
      const pdf = await buildScannedPagesPdf(6);
      const extraction = extractor.extractPages(pdf, 'application/pdf', {
        signal: stage.signal,
        onProgress: (p) => {
          if (p.done === 1) stage.abort(new Error('lease lost'));
        },
      });
      await assert.rejects(extraction, /lease lost/);
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(reader.stats.calls <= 2, `pages queued behind the abort were never read (${reader.stats.calls} reads)`);
      const pages = await extractor.extractPages(await buildScannedPagesPdf(2), 'application/pdf');
      assert.deepEqual(pages.map((p) => p.text), ['page 1', 'page 2']);
    } finally {
      await extractor.close();
    }
  });

  test('a worker whose OCR wedges is replaced: the page fails as ocr_failed (worth a retry) and the next document is read', async () => {
    const reader = pageReader(0);
    const engines = [wedged(), reader.engine()];
    let spawned = 0;
    const extractor = createIsolatedExtractor({
      workers: 1,
      jobTimeoutMs: 300,
      spawn: () => createInProcessWorker(engines[Math.min(spawned++, engines.length - 1)]!),
    });
    try {
      const pdf = await buildScannedPagesPdf(2);
      await assert.rejects(extractor.extractPages(pdf, 'application/pdf'), (error: unknown) => {
        assert.ok(error instanceof DocumentError, String(error));
        assert.equal(error.reason, 'ocr_failed');
        assert.equal(error.permanent, false);
        return true;
      });
      const pages = await extractor.extractPages(pdf, 'application/pdf');
      assert.deepEqual(pages.map((p) => p.text), ['page 1', 'page 2']);
      assert.equal(spawned, 2, 'the wedged worker was replaced by one new worker');
    } finally {
      await extractor.close();
    }
  });

  test('a page past the OCR time limit fails its document as ocr_timeout (not worth a retry) and stops the page read beside it', async () => {
    let besideStarted: () => void = () => undefined;
    const besideRunning = new Promise<void>((resolve) => (besideStarted = resolve));
    let besideStopped = false;
    // One worker's page runs out of time once the other worker is reading its own page.
    const timingOut = (): OcrEngine => ({
      async recognize() {
        await besideRunning;
        throw new DocumentError('ocr_timeout', 'OCR took longer than 120000 ms');
      },
      close: async () => {},
    });
    // The other reads until it is told to stop (or 10 s, so a missing stop fails the test, not hangs it).
    const reading = (): OcrEngine => ({
      recognize: (_image, signal) => new Promise((resolve, reject) => {
        besideStarted();
        signal?.addEventListener('abort', () => {
          besideStopped = true;
          reject(signal.reason);
        }, { once: true });
        setTimeout(() => resolve({ text: 'late', confidence: 1, words: [] }), 10_000).unref();
      }),
      close: async () => {},
    });
    const engines = [timingOut(), reading()];
    let spawned = 0;
    const extractor = createIsolatedExtractor({ workers: 2, spawn: () => createInProcessWorker(engines[spawned++]!) });
    try {
      await assert.rejects(extractor.extractPages(await buildScannedPagesPdf(2), 'application/pdf'), (error: unknown) => {
        assert.ok(error instanceof DocumentError, String(error));
        assert.equal(error.reason, 'ocr_timeout');
        assert.equal(error.permanent, true);
        return true;
      });
      for (let i = 0; i < 100 && !besideStopped; i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(besideStopped, 'the page read beside the failed one was stopped, not left to run');
    } finally {
      await extractor.close();
    }
  });

  test('a worker that runs out of memory fails the document as out_of_memory (not worth a retry); the next is read', async () => {
    const outOfMemory = Object.assign(new Error('Worker terminated due to reaching memory limit: JS heap out of memory'), { code: 'ERR_WORKER_OUT_OF_MEMORY' });
    let spawned = 0;
    // The first worker dies of its heap limit at its first job; the next reads as usual.
    const extractor = createIsolatedExtractor({
      workers: 1,
      spawn: () => {
        if (spawned++ > 0) return createInProcessWorker(wedged());
        let die: (e: Error) => void = () => undefined;
        const exited = new Promise<Error>((resolve) => (die = resolve));
        return {
          exited,
          run: () => {
            setImmediate(() => die(outOfMemory));
            return new Promise(() => undefined);
          },
          notify: () => undefined,
          close: async () => undefined,
          terminate: async () => undefined,
        };
      },
    });
    try {
      const pdf = await buildEstimatePdf();
      await assert.rejects(extractor.extractPages(pdf, 'application/pdf'), (e: unknown) => e instanceof DocumentError && e.reason === 'out_of_memory' && e.permanent);
      const pages = await extractor.extractPages(pdf, 'application/pdf');
      assert.ok(pages.length > 0);
      assert.equal(spawned, 2, 'the dead worker was replaced, and only once');
    } finally {
      await extractor.close();
    }
  });

  test('defaults to one worker per core', async () => {
    const { availableParallelism } = await import('node:os');
    const extractor = createIsolatedExtractor();
    assert.equal(extractor.workers, availableParallelism());
    await extractor.close();
  });

  test('real worker threads with tesseract: a three-page scan read on two workers, page by page; close stops them', async () => {
    const extractor = createIsolatedExtractor({ workers: 2 });
    try {
      const pdf = await buildScannedPagesPdf(3);
      assert.equal(await extractor.countPages(pdf, 'application/pdf'), 3);
      const progress: PageProgress[] = [];
      const pages = await extractor.extractPages(pdf, 'application/pdf', { onProgress: (p) => progress.push(p) });
      assert.deepEqual(pages.map((p) => [p.number, p.source]), [[1, 'ocr'], [2, 'ocr'], [3, 'ocr']]);
      pages.forEach((page, i) => {
        assert.match(page.text.toLowerCase(), /inspection/, page.text);
        assert.match(page.text, new RegExp(`page ${i + 1}`), `page ${i + 1} came back as page ${i + 1}: ${page.text}`);
      });
      assert.deepEqual(progress, [0, 1, 2, 3].map((done) => ({ done, total: 3 })));
    } finally {
      await extractor.close();
    }
    await assert.rejects(extractor.countPages(new Uint8Array([1]), 'image/png'), /closed/, 'a closed pool takes no more work');
  });
});
