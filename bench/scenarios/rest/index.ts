// rest: `GET /status/:id` requests per second with keep-alive on Capstan (real documents, API key)
// against a Fastify hello-world in the same run, at a few connection counts. The documents scenario
// runs the same phase once at the end of its pipeline run.
import { capstanSource } from '../../lib/capstan-source.js';
import { fmt, profileFlags } from '../../lib/capstan-process.js';
import { ProcessGroup } from '../../lib/processes.js';
import { markdownTable } from '../../lib/report.js';
import type { Scenario } from '../../lib/scenario.js';
import { barChartSvg } from '../../lib/svg.js';
import { REST_SLICE_SECONDS, capstanWithDocuments, restPhase, type RestResult } from '../documents/index.js';
import { flag, num, nums, readOptions, revision, whole, type OptionSpecs } from '../../lib/options.js';

const REST_OPTIONS = {
  connections: nums([8, 32], { integer: true, min: 1, max: 1024 }),
  seconds: num(5, { min: 0.5, max: 600 }),
  warmup: num(3, { min: 0, max: 60 }),
  docs: whole(20, 1, 500, 'each is uploaded and processed first'),
  profile: flag(),
  'capstan-rev': revision(),
} satisfies OptionSpecs;

export const rest: Scenario = {
  name: 'rest',
  title: 'REST: GET /status requests per second with keep-alive',
  options: REST_OPTIONS,
  async run(ctx) {
    const { connections: connectionCounts, seconds, warmup, docs, profile, 'capstan-rev': rev } = readOptions(REST_OPTIONS, ctx.options);
    const source = capstanSource(ctx.root, rev);
    const group = new ProcessGroup();
    try {
      ctx.log(`Capstan ${source.revision}`);
      const nodeFlags = profileFlags(ctx.root, profile);
      const { cap, org, ids } = await capstanWithDocuments(ctx, group, source.dir, docs, {}, nodeFlags);
      const runs: RestResult[] = [];
      for (const c of connectionCounts) {
        ctx.log(`${c} connections`);
        runs.push(await restPhase(ctx, group, cap, org, ids, c, seconds, warmup));
      }
      await cap.stop();
      const rows = runs.flatMap((r) => [
        [String(r.connections), 'Capstan `GET /status/:id`', fmt(r.capstan.ok, 0), fmt(r.capstan.failed, 0), `**${fmt(r.capstan.requestsPerSec, 0)}**`, fmt(r.capstan.p50Ms, 2), fmt(r.capstan.p99Ms, 2), `${fmt(r.capstan.serverCpuPct)} %`, fmt(r.capstan.serverCpuMicrosPerRequest)],
        [String(r.connections), 'Fastify hello-world', fmt(r.fastify.ok, 0), fmt(r.fastify.failed, 0), `**${fmt(r.fastify.requestsPerSec, 0)}**`, fmt(r.fastify.p50Ms, 2), fmt(r.fastify.p99Ms, 2), `${fmt(r.fastify.serverCpuPct)} %`, fmt(r.fastify.serverCpuMicrosPerRequest)],
      ]);
      const ratios = runs.map((r) => `${r.connections} connections: **${(r.capstan.requestsPerSec / r.fastify.requestsPerSec).toFixed(2)}×**`).join(', ');
      const markdown = [
        `Capstan ${source.revision}: the real CLI on a fresh data directory (SQLite), rate limit off, ${docs} completed documents of one organization; each request carries the organization's \`capout-api-key\` and reads one document's status (cycling over the ${docs}). Baseline: a Fastify hello-world (\`bench/servers/fastify-hello.ts\`) answering a constant status-sized JSON body, its own process, same run. Load: one undici pool per target in the harness process, one request in flight per keep-alive connection; each target is warmed up for ${warmup} s on its pool (from cold, Capstan's first two seconds under load run at a fifth and then two thirds of its steady rate), then the two take turns in ${REST_SLICE_SECONDS}-s slices until each has had ${seconds} s, so that a slow moment of this shared machine falls on both. On 2 cores the load generator shares the machine with the server, so both figures are for the whole box.`,
        '',
        markdownTable(['connections', 'server', 'requests OK', 'failed', 'requests/s', 'p50 ms', 'p99 ms', 'server CPU (% of a core)', 'server CPU µs per request'], rows),
        '',
        `Ratio Capstan ÷ Fastify hello-world: ${ratios}.`,
        '',
        `Server CPU per request, Capstan ÷ Fastify hello-world: ${runs.map((r) => `${r.connections} connections: ${fmt(cpuRatio(r), 2)}×`).join(', ')}.`,
        '',
        `Reading: an authenticated status read (API-key lookup, SQLite query, JSON shape) costs Capstan about ${fmt(runs[0] ? cpuRatio(runs[0]) : undefined, 1)}× the server CPU of an empty Fastify route per request.`,
      ].join('\n');
      const svg = barChartSvg('rest', [{ title: 'GET /status requests/s (keep-alive)', unit: 'requests/s', series: ['Capstan', 'Fastify hello-world'], groups: runs.map((r) => ({ label: `${r.connections} connections`, values: [r.capstan.requestsPerSec, r.fastify.requestsPerSec] })) }]);
      return { data: { capstanRevision: source.revision, settings: { connectionCounts, seconds, warmup, docs }, runs }, markdown, svg };
    } finally {
      await group.stopAll(2_000);
      group.dispose();
      source.dispose();
    }
  },
};

/** Capstan's server CPU per request over the hello-world's. */
function cpuRatio(r: RestResult): number | undefined {
  const [a, b] = [r.capstan.serverCpuMicrosPerRequest, r.fastify.serverCpuMicrosPerRequest];
  return a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
}
