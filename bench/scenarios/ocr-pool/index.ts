// ocr-pool: scanned pages per second through OCR with one OCR worker and with one per core, back to
// back in the same run, end to end through the real CLI (upload → GET /status completed). One phase
// is a single multi-page scan on its own (how much one document gains from the pool), the other
// several such scans uploaded at once (the node's throughput). GET /status is polled meanwhile, which
// also shows the page counts (`ocr_pages`) a client sees.
import { cpus } from 'node:os';
import { buildFullPageScanPdf } from '../../../test/fixtures/scanned-pages.js';
import { capstanSource } from '../../lib/capstan-source.js';
import { fmt, makeOrg, round, startCapstanProcess, type CapstanProcess } from '../../lib/capstan-process.js';
import { ProcessGroup } from '../../lib/processes.js';
import { markdownTable } from '../../lib/report.js';
import type { Scenario } from '../../lib/scenario.js';
import { barChartSvg } from '../../lib/svg.js';
import { num, readOptions, revision, whole, type OptionSpecs } from '../../lib/options.js';

interface Org {
  readonly apiKey: string;
}

interface PhaseResult {
  readonly workers: number;
  readonly documents: number;
  readonly pages: number;
  readonly completed: number;
  readonly seconds: number;
  readonly pagesPerSec: number;
  /** Distinct `ocr_pages.done` values a poller saw, per document on average (1..pages+1). */
  readonly countsSeen: number;
  readonly serverCpuPct: number;
  readonly serverRssMB: number;
  readonly errors: readonly string[];
}

async function call(cap: CapstanProcess, org: Org, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(cap.origin + path, { method, headers: { 'capout-api-key': org.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
}

/** Uploads `documents` copies at once, polls each GET /status until it ends; pages/s over the whole lot. */
async function phase(cap: CapstanProcess, org: Org, workers: number, pdf: Uint8Array, pages: number, documents: number, limitMs: number): Promise<PhaseResult> {
  const file_base64 = Buffer.from(pdf).toString('base64');
  const cpu0 = cap.usage().cpuSec;
  const t0 = Date.now();
  const ids = await Promise.all(Array.from({ length: documents }, async (_, i) => (await call(cap, org, 'POST', '/upload', { file_base64, file_name: `scan-${i}.pdf` })).document_id as string));
  const pending = new Set(ids);
  const counts = new Map(ids.map((id) => [id, new Set<number>()]));
  const errors: string[] = [];
  let completed = 0;
  let last = t0;
  while (pending.size > 0 && Date.now() < t0 + limitMs) {
    for (const id of [...pending]) {
      const s = await call(cap, org, 'GET', `/status/${id}`);
      const ocrPages = s.ocr_pages as { done: number } | null | undefined;
      if (ocrPages) counts.get(id)?.add(ocrPages.done);
      if (s.status === 'processing') continue;
      pending.delete(id);
      last = Date.now();
      if (s.status === 'completed') completed++;
      else errors.push(String(s.error));
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 50));
  }
  if (pending.size > 0) errors.push(`${pending.size} documents still processing after ${limitMs} ms`);
  const seconds = (last - t0) / 1000;
  return {
    workers,
    documents,
    pages: documents * pages,
    completed,
    seconds: round(seconds, 2),
    pagesPerSec: round((completed * pages) / seconds, 3),
    countsSeen: round([...counts.values()].reduce((a, s) => a + s.size, 0) / documents, 1),
    serverCpuPct: round(((cap.usage().cpuSec - cpu0) / seconds) * 100),
    serverRssMB: round(cap.usage().rssBytes / 2 ** 20),
    errors,
  };
}

const OCR_POOL_OPTIONS = {
  pages: whole(4, 1, 50),
  documents: whole(2, 1, 50),
  // One per core by default, as Capstan's own default.
  workers: whole(cpus().length, 1, 64),
  'limit-seconds': num(600, { max: 3600 }),
  'capstan-rev': revision(),
} satisfies OptionSpecs;

export const ocrPool: Scenario = {
  name: 'ocr-pool',
  title: 'OCR pool: scanned pages per second with one OCR worker and with one per core',
  options: OCR_POOL_OPTIONS,
  async run(ctx) {
    const o = readOptions(OCR_POOL_OPTIONS, ctx.options);
    const { pages, documents, workers: many } = o;
    const limitMs = o['limit-seconds'] * 1000;
    const source = capstanSource(ctx.root, o['capstan-rev']);
    const group = new ProcessGroup();
    try {
      ctx.log(`Capstan ${source.revision}; building a ${pages}-page scan`);
      const pdf = await buildFullPageScanPdf(pages);
      const results: { single: PhaseResult; several: PhaseResult }[] = [];
      for (const workers of [1, many]) {
        const cap = await startCapstanProcess(group, { dir: source.dir, lifetimeSec: 1500, env: { CAPSTAN_DOCUMENT_PRICE_PER_PAGE_MICRO: '0', CAPSTAN_OCR_WORKERS: String(workers), CAPSTAN_WORKFLOW_CONCURRENCY: String(Math.max(2, documents)) } });
        try {
          const org = await makeOrg(cap);
          // Untimed: starts every worker and its tesseract engine (a page each).
          ctx.log(`${workers} worker(s): warm-up`);
          await phase(cap, org, workers, pdf, pages, 1, limitMs);
          ctx.log(`${workers} worker(s): one ${pages}-page scan`);
          const single = await phase(cap, org, workers, pdf, pages, 1, limitMs);
          ctx.log(`  ${single.pagesPerSec} pages/s (${single.seconds} s)`);
          ctx.log(`${workers} worker(s): ${documents} scans at once`);
          const several = await phase(cap, org, workers, pdf, pages, documents, limitMs);
          ctx.log(`  ${several.pagesPerSec} pages/s (${several.seconds} s)`);
          results.push({ single, several });
        } finally {
          await cap.stop();
        }
      }
      const [one, all] = results as [(typeof results)[0], (typeof results)[0]];
      const ratio = { single: all.single.pagesPerSec / one.single.pagesPerSec, several: all.several.pagesPerSec / one.several.pagesPerSec };
      const data = { capstanRevision: source.revision, settings: { pages, documents, workers: [1, many], limitMs }, results, ratio };
      const rows = results.flatMap((r) => [r.single, r.several]).map((r) => [
        String(r.workers),
        r.documents === 1 ? `one ${pages}-page scan` : `${r.documents} scans of ${pages} pages at once`,
        String(r.completed),
        fmt(r.seconds, 2),
        `**${fmt(r.pagesPerSec, 3)}**`,
        fmt(r.countsSeen, 1),
        `${fmt(r.serverCpuPct)} %`,
        fmt(r.serverRssMB),
        r.errors.join('; ') || '–',
      ]);
      const markdown = [
        `Capstan ${source.revision}: the real CLI on a fresh data directory (SQLite, local blobs), documents free, \`CAPSTAN_WORKFLOW_CONCURRENCY=${Math.max(2, documents)}\`, run once with \`CAPSTAN_OCR_WORKERS=1\` and once with \`CAPSTAN_OCR_WORKERS=${many}\` (the machine's cores, the default), one after the other. The scan is ${pages} full letter pages at 300 dpi (2550 × 3300 pixels, 48 estimate-like lines each, no text layer: \`buildFullPageScanPdf\` in \`test/fixtures/scanned-pages.ts\`). Each server first OCRs the scan once, untimed, which starts its workers and their tesseract engines. Then **one scan** is uploaded on its own, and then **${documents} scans** at once (\`POST /upload\`, base64); each \`GET /status/:id\` is polled every 50 ms until \`completed\`, and pages/s = pages completed ÷ (first upload → last completion), all five stages included. "Counts seen" is how many distinct \`ocr_pages.done\` values the poller saw per document (${pages + 1} is every one, from 0 to ${pages}).`,
        '',
        markdownTable(['OCR workers', 'documents', 'completed', 'seconds', 'pages/s', 'counts seen', 'server CPU (% of a core)', 'server RSS MB', 'errors'], rows),
        '',
        `Ratio, ${many} workers ÷ 1 worker: **${ratio.single.toFixed(2)}×** pages/s for one scan on its own, **${ratio.several.toFixed(2)}×** for ${documents} scans at once.`,
      ].join('\n');
      const svg = barChartSvg('ocr-pool', [
        { title: 'Scanned pages/s (end to end)', unit: 'pages/s', series: ['1 OCR worker', `${many} OCR workers`], groups: [{ label: 'one scan', values: [one.single.pagesPerSec, all.single.pagesPerSec] }, { label: `${documents} scans at once`, values: [one.several.pagesPerSec, all.several.pagesPerSec] }] },
      ]);
      return { data, markdown, svg };
    } finally {
      await group.stopAll(2_000);
      group.dispose();
      source.dispose();
    }
  },
};
