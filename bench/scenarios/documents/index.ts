// documents: pages per second through the five-stage pipeline (upload → status completed, end to end,
// text-layer PDFs and scanned PDFs that go through OCR, measured separately), then `GET /status/:id`
// requests per second with keep-alive against a Fastify hello-world in the same run. The REST half is
// also the `rest` scenario on its own.
import { buildEstimatePdf, buildScannedPdf } from '../../../test/fixtures/documents.js';
import { capstanSource } from '../../lib/capstan-source.js';
import { fmt, makeOrg, pollUntil, round, startCapstanProcess, type CapstanProcess } from '../../lib/capstan-process.js';
import { HttpLoad, type HttpLoadResult } from '../../lib/http-load.js';
import { baseEnv, ProcessGroup, processUsage } from '../../lib/processes.js';
import { num, readOptions, revision, whole, type OptionSpecs } from '../../lib/options.js';
import { markdownTable } from '../../lib/report.js';
import type { Scenario, ScenarioContext } from '../../lib/scenario.js';
import { harnessProgram } from '../../lib/programs.js';
import { barChartSvg } from '../../lib/svg.js';


interface Org {
  readonly apiKey: string;
}

async function call(cap: CapstanProcess, org: Org, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(cap.origin + path, { method, headers: { 'capout-api-key': org.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

export interface PipelineResult {
  readonly kind: 'text layer' | 'OCR (scanned)';
  readonly documents: number;
  readonly pagesEach: number;
  readonly completed: number;
  readonly failed: number;
  readonly pages: number;
  readonly seconds: number;
  readonly pagesPerSec: number;
  readonly meanDocSeconds: number;
  readonly serverCpuPct: number;
  readonly serverRssMB: number;
  readonly errors: readonly string[];
}

/** Uploads `count` copies at once (base64), polls each status until completed or failed; times the lot. */
async function pipeline(cap: CapstanProcess, org: Org, kind: PipelineResult['kind'], pdf: Uint8Array, pagesEach: number, count: number, limitMs: number): Promise<PipelineResult> {
  const file_base64 = Buffer.from(pdf).toString('base64');
  const cpu0 = cap.usage().cpuSec;
  const t0 = Date.now();
  const uploads = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const r = await call(cap, org, 'POST', '/upload', { file_base64, file_name: `bench-${i}.pdf` });
      if (r.status !== 201) throw new Error(`upload: ${r.status} ${JSON.stringify(r.body)}`);
      return { id: r.body.document_id as string, at: Date.now() };
    }),
  );
  const pending = new Map(uploads.map((u) => [u.id, u.at]));
  const durations: number[] = [];
  const errors: string[] = [];
  let completed = 0;
  let failed = 0;
  let last = t0;
  const deadline = t0 + limitMs;
  while (pending.size > 0 && Date.now() < deadline) {
    for (const [id, at] of [...pending]) {
      const r = await call(cap, org, 'GET', `/status/${id}`);
      const status = r.body.status;
      if (status === 'completed' || status === 'failed') {
        const now = Date.now();
        pending.delete(id);
        last = now;
        durations.push(now - at);
        if (status === 'completed') completed++;
        else {
          failed++;
          if (errors.length < 3) errors.push(String(r.body.error));
        }
      }
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 50));
  }
  if (pending.size > 0) errors.push(`${pending.size} documents still processing after ${limitMs} ms`);
  const seconds = (last - t0) / 1000;
  const cpu = cap.usage().cpuSec - cpu0;
  return {
    kind,
    documents: count,
    pagesEach,
    completed,
    failed,
    pages: completed * pagesEach,
    seconds: round(seconds, 2),
    pagesPerSec: round((completed * pagesEach) / seconds, 2),
    meanDocSeconds: round(durations.reduce((a, b) => a + b, 0) / Math.max(1, durations.length) / 1000, 2),
    serverCpuPct: round((cpu / seconds) * 100),
    serverRssMB: round(cap.usage().rssBytes / 2 ** 20),
    errors,
  };
}

/** One target's load, with its server's CPU: in % of a core, and in µs per answered request (steadier than requests/s on a shared machine). */
export type RestTargetResult = HttpLoadResult & { readonly serverCpuPct: number; readonly serverCpuMicrosPerRequest: number | undefined };

export interface RestResult {
  readonly connections: number;
  readonly seconds: number;
  readonly capstan: RestTargetResult;
  readonly fastify: RestTargetResult;
}

/** How long each target runs at a time in the timed part of the REST phase. */
export const REST_SLICE_SECONDS = 0.5;

/**
 * Keep-alive `GET /status/:id` on Capstan (real documents, API key) and on a Fastify hello-world.
 *  - Each target is first warmed up for `warmupSeconds`. From cold, Capstan's first second under load
 *    runs at a fifth of its steady rate and its second at two thirds (V8 optimizing a large request
 *    path; after 10 s of idling first, the first second is already steady); a shorter warm-up times
 *    that, not the server's steady work.
 *  - Then the two take turns, REST_SLICE_SECONDS each, until each has had `seconds`. On a shared
 *    machine a slow moment lasts seconds: run one after the other, one target could have it all;
 *    taking turns, both get their share of it.
 */
export async function restPhase(ctx: ScenarioContext, group: ProcessGroup, cap: CapstanProcess, org: Org, ids: readonly string[], connections: number, seconds: number, warmupSeconds: number): Promise<RestResult> {
  const fastify = group.spawn({ name: 'fastify-hello', nodeArgs: [harnessProgram(ctx.root, 'bench/servers/fastify-hello.ts')], env: { ...baseEnv(), PORT: '0' }, cwd: ctx.root, fds: 1024, lifetimeSec: 120 + 2 * (seconds + warmupSeconds) });
  const paths = ids.map((id) => `/status/${id}`);
  const targets: { name: string; load: HttpLoad; cpu: () => number; cpuSec: number }[] = [];
  try {
    const port = Number((await fastify.waitForLine(/^LISTENING (\d+)/, 20_000))[1]);
    const target = (name: string, origin: string, headers: Record<string, string>, cpu: () => number) => ({ name, load: new HttpLoad(origin, paths, headers, connections), cpu, cpuSec: 0 });
    targets.push(
      target('Capstan GET /status', cap.origin, { 'capout-api-key': org.apiKey }, () => cap.usage().cpuSec),
      target('Fastify hello', `http://127.0.0.1:${port}`, {}, () => processUsage(fastify.nodePid() ?? -1)?.cpuSec ?? 0),
    );
    // The warm-up runs on the same pools (and connections) as the timed part, and is not counted.
    for (const t of targets) if (warmupSeconds > 0) await t.load.run(warmupSeconds);
    for (const t of targets) t.load.resetCounts();
    const slices = Math.max(1, Math.round(seconds / REST_SLICE_SECONDS));
    for (let i = 0; i < slices; i++) {
      for (const t of targets) {
        const c0 = t.cpu();
        await t.load.run(seconds / slices);
        t.cpuSec += t.cpu() - c0;
      }
    }
    const [capstan, base] = targets.map((t) => {
      const r = t.load.result();
      ctx.log(`  ${t.name}: ${r.requestsPerSec} req/s (${r.failed} failed)`);
      return { ...r, serverCpuPct: round((t.cpuSec / r.seconds) * 100), serverCpuMicrosPerRequest: r.ok > 0 ? round((t.cpuSec / r.ok) * 1e6) : undefined };
    }) as [RestTargetResult, RestTargetResult];
    return { connections, seconds, capstan, fastify: base };
  } finally {
    for (const t of targets) await t.load.close();
    await group.stop(fastify, 2_000);
  }
}

export function restTable(r: RestResult): string {
  const row = (name: string, x: RestTargetResult) => [name, fmt(x.ok, 0), fmt(x.failed, 0), `**${fmt(x.requestsPerSec, 0)}**`, fmt(x.p50Ms, 2), fmt(x.p99Ms, 2), `${fmt(x.serverCpuPct)} %`, fmt(x.serverCpuMicrosPerRequest)];
  return markdownTable(['server', 'requests OK', 'failed', 'requests/s', 'p50 ms', 'p99 ms', 'server CPU (% of a core)', 'server CPU µs per request'], [
    row('Capstan `GET /status/:id` (API key, SQLite)', r.capstan),
    row('Fastify hello-world (`GET /status/:id`, constant JSON)', r.fastify),
  ]);
}

/** A Capstan with an organization and `count` completed text documents, for the REST phase. */
export async function capstanWithDocuments(ctx: ScenarioContext, group: ProcessGroup, dir: string, count: number, env: Record<string, string> = {}, nodeFlags: readonly string[] = []): Promise<{ cap: CapstanProcess; org: Org; ids: string[] }> {
  const cap = await startCapstanProcess(group, { dir, lifetimeSec: 600, env: { CAPSTAN_DOCUMENT_PRICE_PER_PAGE_MICRO: '0', ...env }, nodeFlags });
  const org = await makeOrg(cap);
  const pdf = Buffer.from(await buildEstimatePdf()).toString('base64');
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await call(cap, org, 'POST', '/upload', { file_base64: pdf, file_name: `rest-${i}.pdf` });
    if (r.status !== 201) throw new Error(`upload: ${r.status} ${JSON.stringify(r.body)}`);
    ids.push(r.body.document_id as string);
  }
  for (const id of ids) await pollUntil(async () => ((await call(cap, org, 'GET', `/status/${id}`)).body.status === 'processing' ? undefined : true), 50, 60_000, `document ${id}`);
  ctx.log(`  ${count} documents ready`);
  return { cap, org, ids };
}

const DOCUMENTS_OPTIONS = {
  'text-docs': whole(60, 1, 1000),
  'ocr-docs': whole(12, 1, 200),
  'workflow-concurrency': whole(2, 1, 64),
  connections: whole(8, 1, 1024),
  'rest-seconds': num(5, { min: 0.5, max: 600 }),
  'rest-warmup': num(3, { min: 0, max: 60 }),
  'capstan-rev': revision(),
} satisfies OptionSpecs;

export const documents: Scenario = {
  name: 'documents',
  title: 'Documents: pipeline pages per second, and GET /status requests per second',
  options: DOCUMENTS_OPTIONS,
  async run(ctx) {
    const o = readOptions(DOCUMENTS_OPTIONS, ctx.options);
    const { 'text-docs': textDocs, 'ocr-docs': ocrDocs, 'workflow-concurrency': concurrency, connections, 'rest-seconds': restSeconds, 'rest-warmup': restWarmup } = o;
    const source = capstanSource(ctx.root, o['capstan-rev']);
    const group = new ProcessGroup();
    try {
      ctx.log(`Capstan ${source.revision}`);
      const cap = await startCapstanProcess(group, { dir: source.dir, lifetimeSec: 600, env: { CAPSTAN_DOCUMENT_PRICE_PER_PAGE_MICRO: '0', CAPSTAN_WORKFLOW_CONCURRENCY: String(concurrency) } });
      const org = await makeOrg(cap);
      const text = await buildEstimatePdf();
      const scanned = await buildScannedPdf();
      // Warm-up, not timed: loads pdfjs and tesseract (and its English data) in the worker thread.
      ctx.log('warm-up: one text and one scanned document');
      await pipeline(cap, org, 'text layer', text, 2, 1, 60_000);
      await pipeline(cap, org, 'OCR (scanned)', scanned, 1, 1, 90_000);
      ctx.log(`text layer: ${textDocs} documents of 2 pages`);
      const textRun = await pipeline(cap, org, 'text layer', text, 2, textDocs, 90_000);
      ctx.log(`  ${textRun.pages} pages in ${textRun.seconds} s: ${textRun.pagesPerSec} pages/s`);
      ctx.log(`OCR: ${ocrDocs} scanned documents of 1 page`);
      const ocrRun = await pipeline(cap, org, 'OCR (scanned)', scanned, 1, ocrDocs, 90_000);
      ctx.log(`  ${ocrRun.pages} pages in ${ocrRun.seconds} s: ${ocrRun.pagesPerSec} pages/s`);
      ctx.log('REST: GET /status/:id with keep-alive');
      const listed = await call(cap, org, 'GET', '/documents?limit=100');
      const ids = ((listed.body.data as { document_id: string }[] | undefined) ?? []).map((d) => d.document_id);
      const rest = await restPhase(ctx, group, cap, org, ids, connections, restSeconds, restWarmup);
      await cap.stop();
      const data = { capstanRevision: source.revision, settings: { textDocs, ocrDocs, workflowConcurrency: concurrency, connections, restSeconds, restWarmup }, pipeline: [textRun, ocrRun], rest };
      const ratio = rest.capstan.requestsPerSec / rest.fastify.requestsPerSec;
      const markdown = [
        `Capstan ${source.revision}: the real CLI on a fresh data directory (SQLite, local blobs), \`CAPSTAN_WORKFLOW_CONCURRENCY=${concurrency}\` (the default: two stages at once), documents free (price 0). **Pipeline**: all documents of a kind are uploaded at once (\`POST /upload\`, base64), then each \`GET /status/:id\` is polled every 50 ms until \`completed\`; pages/s = completed pages ÷ (first upload → last completion), so it includes upload, the queue and all five stages. The text-layer PDF is the two-page estimate of \`test/fixtures/documents.ts\` (pdfjs text layer, about 20 line items); the scanned PDF is one page holding only a picture of text (tesseract OCR). One document of each kind ran first, untimed, to load pdfjs and tesseract. **REST**: ${connections} keep-alive connections per target (undici pool, one request in flight each) from the harness process, cycling over the organization's documents; each target is warmed up for ${restWarmup} s, then the two take turns in ${REST_SLICE_SECONDS}-s slices until each has had ${restSeconds} s; the baseline is a Fastify hello-world answering a constant status-sized JSON body, run as its own process in the same run.`,
        '',
        '### Pipeline throughput (end to end)',
        '',
        markdownTable(['documents', 'count', 'pages each', 'completed', 'failed', 'seconds', 'pages/s', 'mean upload → completed (s)', 'server CPU (% of a core)', 'server RSS MB'], [textRun, ocrRun].map((r) => [r.kind, String(r.documents), String(r.pagesEach), String(r.completed), String(r.failed), fmt(r.seconds, 2), `**${fmt(r.pagesPerSec, 2)}**`, fmt(r.meanDocSeconds, 2), `${fmt(r.serverCpuPct)} %`, fmt(r.serverRssMB)])),
        '',
        '### `GET /status/:id` with keep-alive',
        '',
        restTable(rest),
        '',
        `Ratio: Capstan ÷ Fastify hello-world = **${ratio.toFixed(2)}×** requests/s.`,
        '',
        `Reading: text-layer PDFs go through at ${fmt(textRun.pagesPerSec, 1)} pages/s and scanned pages through OCR at ${fmt(ocrRun.pagesPerSec, 2)} pages/s (OCR is ${fmt(textRun.pagesPerSec / ocrRun.pagesPerSec, 0)}× slower per page); a real \`GET /status\` (API-key check, SQLite read) answers at ${ratio.toFixed(2)}× the rate of an empty Fastify route.`,
      ].join('\n');
      const svg = barChartSvg('documents', [
        { title: 'Pipeline pages/s (end to end)', unit: 'pages/s', series: ['Capstan', 'Fastify hello-world'], groups: [textRun, ocrRun].map((r) => ({ label: r.kind, values: [r.pagesPerSec, undefined] })), scale: 'log' },
        { title: 'GET /status requests/s (keep-alive)', unit: 'requests/s', series: ['Capstan', 'Fastify hello-world'], groups: [{ label: `${connections} connections`, values: [rest.capstan.requestsPerSec, rest.fastify.requestsPerSec] }] },
      ]);
      return { data, markdown, svg };
    } finally {
      await group.stopAll(2_000);
      group.dispose();
      source.dispose();
    }
  },
};
