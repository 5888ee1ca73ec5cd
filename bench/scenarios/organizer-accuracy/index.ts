// organizer-accuracy: how many of 30 everyday files (test/organizer/everyday-files.ts: PDFs with a text
// layer, scans only OCR can read, photos with EXIF dates, a screenshot, a note, an archive, names with
// and without dates) an organize job files where a person would. Through the real server, as a client
// does it: upload (JSON base64), POST /api/v1/jobs, job_complete on the organizer WebSocket, then each
// file's folder. --compare-rev=<git rev> runs the same files through that revision too.
import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import { EVERYDAY_FILES, type EverydayFile } from '../../../test/organizer/everyday-files.js';
import { capstanSource } from '../../lib/capstan-source.js';
import { fmt, makeOrg, round, startCapstanProcess } from '../../lib/capstan-process.js';
import { ProcessGroup } from '../../lib/processes.js';
import { markdownTable } from '../../lib/report.js';
import { readOptions, revision, type OptionSpecs } from '../../lib/options.js';
import type { Scenario, ScenarioContext } from '../../lib/scenario.js';
import { barChartSvg } from '../../lib/svg.js';

export interface FileOutcome {
  readonly name: string;
  readonly clue: EverydayFile['clue'];
  readonly expected: string;
  readonly folder: string;
  readonly documentType: string | null;
  readonly correct: boolean;
}

export interface Run {
  readonly revision: string;
  readonly seconds: number;
  readonly outcomes: readonly FileOutcome[];
  readonly correct: number;
}

export const TARGET = 0.9;

/** One organize job over the everyday files on a fresh server of revision `rev` (the working tree when undefined). */
export async function organizeOnce(ctx: ScenarioContext, rev: string | undefined, bodies: readonly Buffer[]): Promise<Run> {
  const source = capstanSource(ctx.root, rev);
  const group = new ProcessGroup();
  let socket: WebSocket | undefined;
  try {
    const cap = await startCapstanProcess(group, { dir: source.dir, lifetimeSec: 600 });
    const org = await makeOrg(cap);
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(cap.origin + path, { method, headers: { 'capout-api-key': org.apiKey, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
      return json;
    };
    const uploaded = await call('POST', '/api/v1/files', { files: EVERYDAY_FILES.map((f, i) => ({ name: f.name, content_base64: bodies[i]!.toString('base64') })) });
    const ids = (uploaded.files as { fileId: string }[]).map((f) => f.fileId);

    const ws = new WebSocket(`${cap.origin.replace('http', 'ws')}/api/v1/ws/bench-${randomUUID()}?token=${org.apiKey}`);
    socket = ws;
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const completes = new Map<string, Record<string, unknown>>();
    let waiting: { jobId: string; resolve: (m: Record<string, unknown>) => void } | undefined;
    ws.on('message', (raw: Buffer) => {
      const m = JSON.parse(raw.toString()) as Record<string, unknown>;
      if (m.type !== 'job_complete') return;
      completes.set(m.jobId as string, m);
      if (waiting && waiting.jobId === m.jobId) waiting.resolve(m);
    });
    const t0 = performance.now();
    const job = await call('POST', '/api/v1/jobs', { file_ids: ids });
    const jobId = job.jobId as string;
    const done = completes.get(jobId) ?? (await new Promise<Record<string, unknown>>((resolve, reject) => {
      waiting = { jobId, resolve };
      setTimeout(() => reject(new Error('no job_complete within 300 s')), 300_000).unref();
    }));
    const seconds = (performance.now() - t0) / 1000;
    ctx.log(`${source.revision}: job ${String(done.status)}, ${String(done.organized)} organized, ${String(done.failed)} failed in ${seconds.toFixed(1)} s`);

    const outcomes: FileOutcome[] = [];
    for (const [i, f] of EVERYDAY_FILES.entries()) {
      const file = await call('GET', `/api/v1/files/${ids[i]!}`);
      const folder = String(file.folder);
      outcomes.push({ name: f.name, clue: f.clue, expected: f.folder, folder, documentType: (file.documentType as string | null | undefined) ?? null, correct: folder === f.folder });
    }
    ws.close();
    await cap.stop();
    return { revision: source.revision, seconds, outcomes, correct: outcomes.filter((o) => o.correct).length };
  } finally {
    socket?.terminate();
    await group.stopAll(2_000);
    group.dispose();
    source.dispose();
  }
}

const pct = (n: number, of: number): string => `${fmt((n * 100) / of, 0)} %`;

const ORGANIZER_ACCURACY_OPTIONS = {
  // The same files through another revision too, for a before/after.
  'compare-rev': revision(),
} satisfies OptionSpecs;

export const organizerAccuracy: Scenario = {
  name: 'organizer-accuracy',
  title: 'Organizer accuracy: everyday files filed where a person would',
  options: ORGANIZER_ACCURACY_OPTIONS,
  async run(ctx) {
    const bodies = await Promise.all(EVERYDAY_FILES.map((f) => f.bytes()));
    const current = await organizeOnce(ctx, undefined, bodies);
    const compareRev = readOptions(ORGANIZER_ACCURACY_OPTIONS, ctx.options)['compare-rev'];
    const before = compareRev === undefined ? undefined : await organizeOnce(ctx, compareRev, bodies);
    const total = EVERYDAY_FILES.length;
    const clues = [...new Set(EVERYDAY_FILES.map((f) => f.clue))];
    const byClue = (run: Run) => clues.map((c) => {
      const of = run.outcomes.filter((o) => o.clue === c);
      return `${of.filter((o) => o.correct).length}/${of.length}`;
    });
    const runs = before ? [current, before] : [current];
    const markdown = [
      `${total} everyday files generated in code (\`test/organizer/everyday-files.ts\`), each with the folder a person would file it in under the built-in rules' folder names: PDFs with a text layer (invoices, a utility bill, receipts, bank statements, contracts, a lease, resumes, tax forms, a payslip, an insurance declaration, lab results), scans that only OCR can read (PDF and PNG), JPEG photos with and without EXIF, a screenshot, a text note and a ZIP; names with and without dates. Uploaded to a fresh server (the real CLI, SQLite, local blobs) and organized by one job over all of them; a file counts when its folder is exactly the expected one. The files and the rules were written together, so this measures the rules on the cases they were made for, not on unseen files. Target: at least ${TARGET * 100} %.`,
      '',
      markdownTable(['Capstan', 'files in the right folder', 'accuracy', 'job seconds', ...clues.map((c) => `clue: ${c}`)], runs.map((r) => [r.revision, `${r.correct}/${total}`, `**${pct(r.correct, total)}**`, fmt(r.seconds, 1), ...byClue(r)])),
      '',
      `Per file (${current.revision}${before ? ` vs ${before.revision}` : ''}):`,
      '',
      markdownTable(
        ['file', 'clue', 'expected', 'filed in', 'document type', ...(before ? ['before'] : [])],
        current.outcomes.map((o, i) => [`\`${o.name}\``, o.clue, o.expected, `${o.correct ? '✓' : '✗'} ${o.folder}`, o.documentType ?? '–', ...(before ? [`${before.outcomes[i]!.correct ? '✓' : '✗'} ${before.outcomes[i]!.folder}`] : [])]),
      ),
      '',
      `Reading: ${current.correct} of ${total} files (${pct(current.correct, total)}) land where a person would put them${before ? `, against ${before.correct} (${pct(before.correct, total)}) for ${before.revision}, which classified by name and sniffed type only` : ''}; the job, OCR of the scans included, took ${fmt(current.seconds, 1)} s.`,
    ].join('\n');
    const svg = barChartSvg('organizer-accuracy', [{
      title: `Files in the folder a person would choose (of ${total})`,
      unit: '%',
      series: runs.map((r) => r.revision),
      groups: [{ label: 'all files', values: runs.map((r) => round((r.correct * 100) / total)) }],
    }]);
    const data = { total, target: TARGET, runs: runs.map((r) => ({ revision: r.revision, seconds: round(r.seconds, 2), correct: r.correct, accuracy: round(r.correct / total, 3), outcomes: r.outcomes })) };
    return { data, markdown, svg };
  },
};
