// video-upload: multipart upload MB/s through Capstan's local-disk upload gateway, 4 parts in flight
// (presign-part → PUT → ETag, then complete, all through the SDK API with a cpk_ key), against a raw
// disk write of the same bytes (4 writes in flight, same part size) in the same run. Neither side fsyncs.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Pool } from 'undici';
import { capstanSource } from '../../lib/capstan-source.js';
import { fmt, makeOrg, round, startCapstanProcess } from '../../lib/capstan-process.js';
import { ProcessGroup } from '../../lib/processes.js';
import { markdownTable } from '../../lib/report.js';
import type { Scenario } from '../../lib/scenario.js';
import { barChartSvg } from '../../lib/svg.js';
import { tempDir } from '../../lib/temp-dir.js';
import { num } from '../documents/index.js';

interface Round {
  readonly round: number;
  readonly bytes: number;
  /** First presign → last part's ETag. */
  readonly partsSec: number;
  /** create → complete answered. */
  readonly totalSec: number;
  readonly completeSec: number;
  readonly partsMBps: number;
  readonly totalMBps: number;
  readonly rawSec: number;
  readonly rawMBps: number;
  readonly serverCpuPct: number;
}

/** Runs `jobs` with at most `n` in flight. */
async function inParallel(n: number, count: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, count) }, async () => {
    while (next < count) await job(next++);
  }));
}

export const videoUpload: Scenario = {
  name: 'video-upload',
  title: 'Video upload: multipart MB/s through the local-disk gateway',
  async run(ctx) {
    const totalMiB = num(ctx.options, 'mib', 256);
    const partMiB = num(ctx.options, 'part-mib', 8);
    const parallel = num(ctx.options, 'parallel', 4);
    const rounds = num(ctx.options, 'rounds', 3);
    const partBytes = partMiB * 2 ** 20;
    const partCount = Math.ceil(totalMiB / partMiB);
    const bytes = partCount * partBytes;
    const source = capstanSource(ctx.root, ctx.options.get('capstan-rev'));
    const group = new ProcessGroup();
    const rawDir = tempDir('capstan-bench-raw-');
    try {
      ctx.log(`Capstan ${source.revision}`);
      // Workers off: the upload path alone is measured (probing random bytes would only compete for the disk).
      const server = await startCapstanProcess(group, { dir: source.dir, lifetimeSec: 600, env: { CAPSTAN_WORKFLOW_CONCURRENCY: '0' } });
      const org = await makeOrg(server);
      const app = await server.admin('POST', `/orgs/${org.id}/apps`, { name: 'bench app', environment: 'development', allowed_origins: [] });
      const publicKey = app.public_key as string;
      const pool = new Pool(server.origin, { connections: parallel + 2, pipelining: 1, keepAliveTimeout: 30_000, bodyTimeout: 60_000, headersTimeout: 60_000 });
      const sdk = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
        const res = await pool.request({ path: `/api/developer/sdk/v1${path}`, method: 'POST', headers: { authorization: `Bearer ${publicKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const text = await res.body.text();
        if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${text.slice(0, 300)}`);
        return JSON.parse(text) as Record<string, unknown>;
      };
      const part = randomBytes(partBytes);
      const results: Round[] = [];
      for (let r = 0; r < rounds; r++) {
        // Capstan: create → initiate → (presign → PUT) × parts, `parallel` at once → complete.
        const cpu0 = server.usage().cpuSec;
        const t0 = performance.now();
        const videoId = (await sdk('/videos/create', {})).videoId as string;
        const uploadId = (await sdk('/upload/multipart/initiate', { videoId, contentType: 'video/mp4' })).uploadId as string;
        const p0 = performance.now();
        const etags: string[] = [];
        await inParallel(parallel, partCount, async (i) => {
          const url = new URL((await sdk('/upload/multipart/presign-part', { videoId, uploadId, partNumber: i + 1 })).presignedUrl as string);
          const res = await pool.request({ path: url.pathname + url.search, method: 'PUT', body: part, headers: { 'content-length': String(part.byteLength) } });
          await res.body.text();
          const etag = res.headers.etag;
          if (res.statusCode !== 200 || typeof etag !== 'string') throw new Error(`PUT part ${i + 1}: ${res.statusCode}`);
          etags[i] = etag;
        });
        const p1 = performance.now();
        await sdk('/upload/multipart/complete', { videoId, uploadId, parts: etags.map((etag, i) => ({ partNumber: i + 1, etag, size: partBytes })) });
        const t1 = performance.now();
        const cpu = server.usage().cpuSec - cpu0;
        // Raw: the same parts written to files on the same file system, `parallel` at once, no fsync.
        const dir = join(rawDir.path, String(r));
        mkdirSync(dir);
        const w0 = performance.now();
        await inParallel(parallel, partCount, (i) => writeFile(join(dir, `part-${i + 1}`), part));
        const w1 = performance.now();
        rmSync(dir, { recursive: true, force: true });
        const MB = bytes / 1e6;
        const row: Round = {
          round: r + 1,
          bytes,
          partsSec: round((p1 - p0) / 1000, 3),
          completeSec: round((t1 - p1) / 1000, 3),
          totalSec: round((t1 - t0) / 1000, 3),
          partsMBps: round(MB / ((p1 - p0) / 1000)),
          totalMBps: round(MB / ((t1 - t0) / 1000)),
          rawSec: round((w1 - w0) / 1000, 3),
          rawMBps: round(MB / ((w1 - w0) / 1000)),
          serverCpuPct: round((cpu / ((t1 - t0) / 1000)) * 100),
        };
        results.push(row);
        ctx.log(`round ${r + 1}: parts ${row.partsMBps} MB/s, with complete ${row.totalMBps} MB/s; raw write ${row.rawMBps} MB/s`);
      }
      await pool.destroy();
      await server.stop();
      const median = (f: (x: Round) => number) => {
        const v = results.map(f).sort((a, b) => a - b);
        return v[Math.floor(v.length / 2)] ?? 0;
      };
      const med = { partsMBps: median((x) => x.partsMBps), totalMBps: median((x) => x.totalMBps), rawMBps: median((x) => x.rawMBps) };
      const markdown = [
        `Capstan ${source.revision}: the real CLI on a fresh data directory (SQLite, local-disk blob store under the system temp directory), workflow workers off (\`CAPSTAN_WORKFLOW_CONCURRENCY=0\`) so that only the upload path runs. One organization and a development app made through the admin API; every call goes through the SDK API with the app's \`cpk_\` key over keep-alive HTTP (undici, in the harness process). Per round: \`videos/create\` → \`multipart/initiate\` → for each of ${partCount} parts of ${partMiB} MiB (${fmt(bytes / 1e6, 0)} MB in all), ${parallel} at once: \`presign-part\` then \`PUT\` to the presigned gateway URL (keeping the \`ETag\`) → \`multipart/complete\` (which assembles the parts into the object). **Raw disk**: the same ${partCount} × ${partMiB} MiB buffers written with \`fs.writeFile\`, ${parallel} at once, to the same file system, in the same round. **Neither side fsyncs** (the gateway does not; the raw write does not either), so both mostly measure the page cache. MB = 10^6 bytes.`,
        '',
        markdownTable(['round', 'MB', 'parts: s', 'parts MB/s', 'complete s', 'create → complete MB/s', 'raw write s', 'raw write MB/s', 'parts ÷ raw', 'server CPU (% of a core)'], results.map((x) => [String(x.round), fmt(x.bytes / 1e6, 0), fmt(x.partsSec, 3), `**${fmt(x.partsMBps)}**`, fmt(x.completeSec, 3), fmt(x.totalMBps), fmt(x.rawSec, 3), `**${fmt(x.rawMBps)}**`, `${(x.partsMBps / x.rawMBps).toFixed(2)}×`, `${fmt(x.serverCpuPct)} %`])),
        '',
        `Medians: parts ${fmt(med.partsMBps)} MB/s, create → complete ${fmt(med.totalMBps)} MB/s, raw write ${fmt(med.rawMBps)} MB/s; ratio Capstan parts ÷ raw = **${(med.partsMBps / med.rawMBps).toFixed(2)}×**, end to end ÷ raw = **${(med.totalMBps / med.rawMBps).toFixed(2)}×**.`,
        '',
        `Reading: the gateway moves uploads at ${fmt(med.partsMBps, 0)} MB/s against ${fmt(med.rawMBps, 0)} MB/s for writing the same bytes straight to disk; HTTP, the HMAC check and the per-part MD5 ETag account for the gap, and complete adds ${fmt(median((x) => x.completeSec), 2)} s for ${fmt(bytes / 1e6, 0)} MB.`,
      ].join('\n');
      const svg = barChartSvg('video-upload', [{ title: `Upload of ${fmt(bytes / 1e6, 0)} MB, ${parallel} parts in flight`, unit: 'MB/s', series: ['Capstan parts', 'Capstan create → complete', 'raw disk write'], groups: results.map((x) => ({ label: `round ${x.round}`, values: [x.partsMBps, x.totalMBps, x.rawMBps] })) }]);
      return { data: { capstanRevision: source.revision, settings: { totalMiB, partMiB, parallel, rounds, fsync: false, workflowConcurrency: 0 }, rounds: results, medians: med }, markdown, svg };
    } finally {
      await group.stopAll(2_000);
      group.dispose();
      rawDir.remove();
      source.dispose();
    }
  },
};
