// video-upload: multipart upload MB/s through Capstan's local-disk upload gateway, 4 parts in flight
// (presign-part → PUT → ETag, then complete, all through the SDK API with a cpk_ key), against
// baselines measured in the same round on the same file system: the same bytes written sequentially
// with an fs stream (the raw disk write, the target's denominator), and a minimal node:http server
// that streams each PUT body to disk, without and with an MD5 on the way. Nothing fsyncs.
import { randomBytes } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Pool } from 'undici';
import { capstanSource } from '../../lib/capstan-source.js';
import { fmt, makeOrg, round, startCapstanProcess } from '../../lib/capstan-process.js';
import { baseEnv, processUsage, ProcessGroup } from '../../lib/processes.js';
import { markdownTable } from '../../lib/report.js';
import type { Scenario } from '../../lib/scenario.js';
import { barChartSvg } from '../../lib/svg.js';
import { harnessProgram } from '../../lib/programs.js';
import { tempDir } from '../../lib/temp-dir.js';
import { dependent, readOptions, revision, whole, type OptionSpecs } from '../../lib/options.js';

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
  /** The same bytes through one fs write stream, part after part: the raw sequential disk write. */
  readonly rawSec: number;
  readonly rawMBps: number;
  /** The same parts PUT, `parallel` at once, to a minimal node:http server streaming bodies to disk. */
  readonly httpMBps: number;
  /** The same, the server also hashing each body with MD5 (the ETag S3 and Capstan answer). */
  readonly httpMd5MBps: number;
  readonly serverCpuPct: number;
  /**
   * Server CPU (user + system, all threads) per MB while the parts go in: steadier than MB/s on a
   * shared machine, where a server may wait for a core it would otherwise use.
   */
  readonly partsCpuMsPerMB: number;
  /**
   * The part of it on the event loop's thread: what caps a node's upload rate when cores are free (the
   * rest, MD5 on its threads and writes on the thread pool, spreads over other cores).
   */
  readonly partsLoopCpuMsPerMB: number;
  readonly httpCpuMsPerMB: number;
  readonly httpMd5CpuMsPerMB: number;
  /**
   * Capstan's answer time to `GET /healthz`, asked one after another on a connection of its own while
   * the parts go in: how long any other request (a status read, a stream's connect) waits meanwhile.
   */
  readonly probes: number;
  readonly probeP50Ms: number;
  readonly probeP99Ms: number;
  readonly probeMaxMs: number;
}

/** Asks `GET /healthz` again and again, 5 ms apart, until stopped; the answer times in ms. */
function probeAnswers(origin: string): { stop(): Promise<number[]> } {
  const client = new Client(origin, { pipelining: 1, keepAliveTimeout: 30_000 });
  const times: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      const res = await client.request({ path: '/healthz', method: 'GET' });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`GET /healthz: ${res.statusCode}`);
      times.push(performance.now() - t0);
      await sleep(5);
    }
  })();
  // A failed probe fails the run when it is stopped, not as an unhandled rejection before.
  loop.catch(() => undefined);
  return {
    async stop() {
      stopped = true;
      await loop;
      await client.close();
      return times;
    },
  };
}

/** The `q` quantile (0–1) of `values`, by rank; 0 for none. */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

/** Writes `count` copies of `part` one after another through one fs write stream, as a plain copy to disk would. */
async function writeSequentially(path: string, part: Buffer, count: number): Promise<void> {
  const file = createWriteStream(path);
  for (let i = 0; i < count; i++) if (!file.write(part)) await once(file, 'drain');
  file.end();
  await finished(file);
}

/** Runs `jobs` with at most `n` in flight. */
async function inParallel(n: number, count: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, count) }, async () => {
    while (next < count) await job(next++);
  }));
}

const VIDEO_UPLOAD_OPTIONS = {
  // Written four times a round (Capstan and three baselines) under the system temp directory.
  mib: whole(256, 5, 4096),
  // Every part is this size, so a part larger than the upload would write more than --mib.
  'part-mib': dependent((before) => {
    const mib = before.mib as number;
    return whole(Math.min(8, mib), 5, mib, `every part but the last is at least 5 MiB, as on S3, and none is more than --mib=${mib}`);
  }),
  parallel: whole(4, 1, 64),
  rounds: whole(3, 1, 20),
  'capstan-rev': revision(),
} satisfies OptionSpecs;

export const videoUpload: Scenario = {
  name: 'video-upload',
  title: 'Video upload: multipart MB/s through the local-disk gateway',
  options: VIDEO_UPLOAD_OPTIONS,
  async run(ctx) {
    const { mib: totalMiB, 'part-mib': partMiB, parallel, rounds, 'capstan-rev': rev } = readOptions(VIDEO_UPLOAD_OPTIONS, ctx.options);
    const partBytes = partMiB * 2 ** 20;
    const partCount = Math.ceil(totalMiB / partMiB);
    const bytes = partCount * partBytes;
    const source = capstanSource(ctx.root, rev);
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
      // The minimal node:http baseline, its own process like Capstan, writing under the raw directory.
      const raw = group.spawn({
        name: 'raw-put',
        nodeArgs: [harnessProgram(ctx.root, 'bench/scenarios/video-upload/raw-put-server.ts')],
        env: { ...baseEnv(), PORT: '0', RAW_PUT_DIR: rawDir.path },
        cwd: ctx.root,
        fds: 256,
        lifetimeSec: 600,
      });
      const rawPort = Number((await raw.waitForLine(/^LISTENING (\d+)/, 20_000))[1]);
      const rawPool = new Pool(`http://127.0.0.1:${rawPort}`, { connections: parallel + 2, pipelining: 1, keepAliveTimeout: 30_000, bodyTimeout: 60_000, headersTimeout: 60_000 });
      const rawCpu = (): number => {
        const pid = raw.nodePid();
        return (pid === undefined ? undefined : processUsage(pid))?.cpuSec ?? 0;
      };
      const part = randomBytes(partBytes);
      const put = async (target: Pool, path: string): Promise<string | undefined> => {
        const res = await target.request({ path, method: 'PUT', body: part, headers: { 'content-length': String(part.byteLength) } });
        await res.body.text();
        if (res.statusCode !== 200) throw new Error(`PUT ${path}: ${res.statusCode}`);
        const etag = res.headers.etag;
        return typeof etag === 'string' ? etag : undefined;
      };
      /** Seconds to PUT every part to the minimal server, `parallel` at once. */
      const putRaw = async (name: string, query: string): Promise<number> => {
        const t0 = performance.now();
        await inParallel(parallel, partCount, async (i) => void (await put(rawPool, `/${name}/part${i + 1}${query}`)));
        const seconds = (performance.now() - t0) / 1000;
        rmSync(join(rawDir.path, name), { recursive: true, force: true });
        return seconds;
      };
      const results: Round[] = [];
      for (let r = 0; r < rounds; r++) {
        // Capstan: create → initiate → (presign → PUT) × parts, `parallel` at once → complete.
        const cpu0 = server.usage().cpuSec;
        const t0 = performance.now();
        const videoId = (await sdk('/videos/create', {})).videoId as string;
        const uploadId = (await sdk('/upload/multipart/initiate', { videoId, contentType: 'video/mp4' })).uploadId as string;
        const p0 = performance.now();
        const partsCpu0 = server.usage().cpuSec;
        const loopCpu0 = server.mainThreadCpuSec();
        const etags: string[] = [];
        const probe = probeAnswers(server.origin);
        await inParallel(parallel, partCount, async (i) => {
          const url = new URL((await sdk('/upload/multipart/presign-part', { videoId, uploadId, partNumber: i + 1 })).presignedUrl as string);
          const etag = await put(pool, url.pathname + url.search);
          if (etag === undefined) throw new Error(`PUT part ${i + 1}: no ETag`);
          etags[i] = etag;
        });
        const p1 = performance.now();
        const partsCpu = server.usage().cpuSec - partsCpu0;
        const loopCpu = server.mainThreadCpuSec() - loopCpu0;
        const answers = await probe.stop();
        await sdk('/upload/multipart/complete', { videoId, uploadId, parts: etags.map((etag, i) => ({ partNumber: i + 1, etag, size: partBytes })) });
        const t1 = performance.now();
        const cpu = server.usage().cpuSec - cpu0;
        // The minimal server: the same parts, the same client and concurrency; then with MD5.
        const rawCpu0 = rawCpu();
        const httpSec = await putRaw(`r${r}`, '');
        const rawCpu1 = rawCpu();
        const httpMd5Sec = await putRaw(`r${r}md5`, '?md5');
        const httpCpu = rawCpu1 - rawCpu0;
        const httpMd5Cpu = rawCpu() - rawCpu1;
        // Raw: the same bytes written sequentially through one fs stream to the same file system.
        const w0 = performance.now();
        await writeSequentially(join(rawDir.path, `sequential-${r}`), part, partCount);
        const w1 = performance.now();
        rmSync(join(rawDir.path, `sequential-${r}`), { force: true });
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
          httpMBps: round(MB / httpSec),
          httpMd5MBps: round(MB / httpMd5Sec),
          serverCpuPct: round((cpu / ((t1 - t0) / 1000)) * 100),
          partsCpuMsPerMB: round((partsCpu * 1000) / MB, 2),
          partsLoopCpuMsPerMB: round((loopCpu * 1000) / MB, 2),
          httpCpuMsPerMB: round((httpCpu * 1000) / MB, 2),
          httpMd5CpuMsPerMB: round((httpMd5Cpu * 1000) / MB, 2),
          probes: answers.length,
          probeP50Ms: round(quantile(answers, 0.5), 2),
          probeP99Ms: round(quantile(answers, 0.99), 2),
          probeMaxMs: round(quantile(answers, 1), 2),
        };
        results.push(row);
        ctx.log(`round ${r + 1}: parts ${row.partsMBps} MB/s, with complete ${row.totalMBps} MB/s; raw sequential write ${row.rawMBps} MB/s; minimal HTTP PUT ${row.httpMBps} MB/s, with MD5 ${row.httpMd5MBps} MB/s`);
      }
      await pool.destroy();
      await rawPool.destroy();
      await server.stop();
      const median = (f: (x: Round) => number) => {
        const v = results.map(f).sort((a, b) => a - b);
        return v[Math.floor(v.length / 2)] ?? 0;
      };
      const med = {
        partsMBps: median((x) => x.partsMBps),
        totalMBps: median((x) => x.totalMBps),
        rawMBps: median((x) => x.rawMBps),
        httpMBps: median((x) => x.httpMBps),
        httpMd5MBps: median((x) => x.httpMd5MBps),
        partsCpuMsPerMB: median((x) => x.partsCpuMsPerMB),
        partsLoopCpuMsPerMB: median((x) => x.partsLoopCpuMsPerMB),
        httpCpuMsPerMB: median((x) => x.httpCpuMsPerMB),
        httpMd5CpuMsPerMB: median((x) => x.httpMd5CpuMsPerMB),
        probeP50Ms: median((x) => x.probeP50Ms),
        probeP99Ms: median((x) => x.probeP99Ms),
      };
      const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
      const markdown = [
        `Capstan ${source.revision}: the real CLI on a fresh data directory (SQLite, local-disk blob store under the system temp directory), workflow workers off (\`CAPSTAN_WORKFLOW_CONCURRENCY=0\`) so that only the upload path runs. One organization and a development app made through the admin API; every call goes through the SDK API with the app's \`cpk_\` key over keep-alive HTTP (undici, in the harness process). Per round: \`videos/create\` → \`multipart/initiate\` → for each of ${partCount} parts of ${partMiB} MiB (${fmt(bytes / 1e6, 0)} MB in all), ${parallel} at once: \`presign-part\` then \`PUT\` to the presigned gateway URL (keeping the \`ETag\`) → \`multipart/complete\` (which makes the parts the object: on local disk, hard links to the parts' files as the object's segments, nothing copied). Then, in the same round, on the same file system: **minimal HTTP PUT**, the same ${partCount} parts PUT by the same client, ${parallel} at once, to a bare \`node:http\` server (its own process, run as JavaScript like Capstan's build: \`bench/scenarios/video-upload/raw-put-server.ts\`) that pipes each body into an fs write stream, then the same with an MD5 of the body on the way, on its one thread (the ETag S3 and the gateway answer; Capstan hashes each part on one of its MD5 threads, \`CAPSTAN_BLOB_HASH_THREADS\`, left at its default here); and **raw sequential write**, the same bytes written part after part through one \`fs.createWriteStream\` from the harness. The target's denominator is the raw sequential write. **Nothing fsyncs** (the gateway does not; no baseline does either), so all of them mostly measure the page cache. MB = 10^6 bytes.`,
        '',
        markdownTable(
          ['round', 'MB', 'Capstan parts s', 'Capstan parts MB/s', 'complete s', 'create → complete MB/s', 'minimal HTTP PUT MB/s', 'minimal HTTP PUT + MD5 MB/s', 'raw sequential write MB/s', 'Capstan parts ÷ raw write', 'Capstan parts ÷ minimal PUT + MD5', 'server CPU ms per MB: Capstan parts / minimal PUT / minimal PUT + MD5', 'Capstan event-loop thread CPU ms per MB of parts', 'Capstan CPU (% of a core, create → complete)', 'GET /healthz during parts: answers, p50 / p99 / max ms'],
          results.map((x) => [String(x.round), fmt(x.bytes / 1e6, 0), fmt(x.partsSec, 3), `**${fmt(x.partsMBps)}**`, fmt(x.completeSec, 3), fmt(x.totalMBps), fmt(x.httpMBps), fmt(x.httpMd5MBps), `**${fmt(x.rawMBps)}**`, `**${ratio(x.partsMBps, x.rawMBps)}**`, ratio(x.partsMBps, x.httpMd5MBps), `${fmt(x.partsCpuMsPerMB, 2)} / ${fmt(x.httpCpuMsPerMB, 2)} / ${fmt(x.httpMd5CpuMsPerMB, 2)}`, fmt(x.partsLoopCpuMsPerMB, 2), `${fmt(x.serverCpuPct)} %`, `${x.probes}: ${fmt(x.probeP50Ms, 2)} / ${fmt(x.probeP99Ms, 2)} / ${fmt(x.probeMaxMs, 2)}`]),
        ),
        '',
        `Medians: Capstan parts ${fmt(med.partsMBps)} MB/s, create → complete ${fmt(med.totalMBps)} MB/s; minimal HTTP PUT ${fmt(med.httpMBps)} MB/s, with MD5 ${fmt(med.httpMd5MBps)} MB/s; raw sequential write ${fmt(med.rawMBps)} MB/s. Ratios of the medians: Capstan parts ÷ raw sequential write = **${ratio(med.partsMBps, med.rawMBps)}** (the target is 0.7×), end to end ÷ raw = ${ratio(med.totalMBps, med.rawMBps)}; Capstan parts ÷ minimal HTTP PUT = ${ratio(med.partsMBps, med.httpMBps)}, ÷ minimal HTTP PUT + MD5 = **${ratio(med.partsMBps, med.httpMd5MBps)}**. Server CPU per MB of parts (medians, user + system, all threads; steadier than MB/s when the machine is shared): Capstan ${fmt(med.partsCpuMsPerMB, 2)} ms, minimal HTTP PUT ${fmt(med.httpCpuMsPerMB, 2)} ms, with MD5 ${fmt(med.httpMd5CpuMsPerMB, 2)} ms; of Capstan's, ${fmt(med.partsLoopCpuMsPerMB, 2)} ms on its event loop's thread (the rest on its MD5 threads and the thread pool, which other cores can take: one core's worth of event loop alone would carry ${fmt(1000 / Math.max(med.partsLoopCpuMsPerMB, 0.01), 0)} MB/s of parts). Complete takes ${fmt(median((x) => x.completeSec), 2)} s for ${fmt(bytes / 1e6, 0)} MB (it links the parts in as the object's segments; it copied them into one file before 2026-12-03 14:39 UTC). While the parts went in, \`GET /healthz\` (asked on a connection of its own, one request at a time, 5 ms apart) was answered in ${fmt(med.probeP50Ms, 2)} ms at the median and ${fmt(med.probeP99Ms, 2)} ms at the 99th percentile (medians of the rounds): what any other request waits for Capstan's event loop during a large upload.`,
      ].join('\n');
      const svg = barChartSvg('video-upload', [{ title: `Upload of ${fmt(bytes / 1e6, 0)} MB, ${parallel} parts in flight`, unit: 'MB/s', series: ['Capstan parts', 'Capstan create → complete', 'minimal HTTP PUT', 'minimal HTTP PUT + MD5', 'raw sequential write'], groups: results.map((x) => ({ label: `round ${x.round}`, values: [x.partsMBps, x.totalMBps, x.httpMBps, x.httpMd5MBps, x.rawMBps] })) }]);
      return { data: { capstanRevision: source.revision, settings: { totalMiB, partMiB, parallel, rounds, fsync: false, workflowConcurrency: 0, rawWrite: 'one fs.createWriteStream, sequential' }, rounds: results, medians: med }, markdown, svg };
    } finally {
      await group.stopAll(2_000);
      group.dispose();
      rawDir.remove();
      source.dispose();
    }
  },
};
