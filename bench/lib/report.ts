// Writes a scenario's results (JSON, Markdown, SVG) and keeps its section of BENCHMARKS.md current.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describeMachine, type MachineInfo } from './machine.js';
import type { Scenario, ScenarioOutput } from './scenario.js';

export interface RunMeta {
  readonly command: string;
  readonly startedAt: string;
  readonly durationSec: number;
  /** One-minute load average when the scenario finished (the machine may be shared). */
  readonly loadAtEnd: number;
}

/** A Markdown table; cells are already formatted. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function writeResults(dir: string, scenario: Scenario, machine: MachineInfo, meta: RunMeta, output: ScenarioOutput): { json: string; md: string; svg: string } {
  mkdirSync(dir, { recursive: true });
  const files = { json: join(dir, `${scenario.name}.json`), md: join(dir, `${scenario.name}.md`), svg: join(dir, `${scenario.name}.svg`) };
  writeFileSync(files.json, JSON.stringify({ scenario: scenario.name, title: scenario.title, machine, ...meta, results: output.data }, null, 2) + '\n');
  writeFileSync(files.md, `# ${scenario.title}\n\nMachine: ${describeMachine(machine)}; load average ${meta.loadAtEnd} at the end.\nCommand: \`${meta.command}\` (${meta.durationSec} s).\n\n${output.markdown}\n`);
  writeFileSync(files.svg, output.svg);
  return files;
}

const PREAMBLE = `# Benchmarks

Measured with the harness in \`bench/\`: \`npm run bench\` runs every scenario, \`npm run bench -- <scenario>\`
one of them. Each run writes \`bench/results/<scenario>.json\` (raw numbers and the machine), a Markdown
table and an SVG chart, and replaces that scenario's section below (between its marker comments; text
outside the markers is left alone). Load clients and every server run as separate processes on the same
machine, so the figures are for the whole box, not the server alone.

Options (after the scenario name): sse-fanout takes \`--subscribers=100,1000,5000,10000\`,
\`--targets=capstan,raw-sse-batched,raw-sse,raw-ws,socketio,nchan,nchan-workers\` (the Nchan rows
install nginx and its module when missing, or say why they were not measured), \`--clients=4\` (load-client processes), \`--sources=4\`
(loopback source addresses each), \`--fixed-deliveries=10000,100000\` (one latency phase per entry, at
that ÷ subscribers events/s, at most 1,000), \`--max-deliveries=600000\`, \`--max-seconds=6\`,
\`--fixed-seconds=4\`; idle takes \`--connections=20000\`, \`--rest-seconds=30\`; soak takes
\`--subscribers=10000\`, \`--minutes=10\` (publishing time, at most 60), \`--rate=2\` (events/s),
\`--cut-every=10\` (seconds between cut rounds), \`--cut-fraction=0.05\` (subscribers whose socket is reset
each round), \`--server-cuts=5\` (streams the server ends each round), \`--reconnect-within=2\` (seconds),
\`--sample-every=5\` (seconds per measured window), \`--clients=4\`, \`--sources=4\`, \`--contacts=50\`, and
exits 1 after writing its results when delivery was not exact; transcription takes
\`--minutes=3\` (length of the timed recording), \`--rounds=3\`; every scenario but transcription (which
runs the working tree's engine in-process) takes \`--capstan-rev=<git rev>\` (measure a committed
revision instead of the working tree, so a before and an after run through the same harness);
sse-fanout, rest and soak take \`--profile\` (Capstan under \`--cpu-prof\`, profiles in
\`bench/results/profiles/\`; summarise with \`node --import tsx
bench/tools/profile-summary.ts <file> --under="flushAll"\`).
`;

/** Replaces (or appends) the section between this scenario's marker comments. */
export function updateBenchmarksMd(path: string, root: string, scenario: Scenario, machine: MachineInfo, meta: RunMeta, output: ScenarioOutput, svgPath: string): void {
  const start = `<!-- bench:${scenario.name}:start -->`;
  const end = `<!-- bench:${scenario.name}:end -->`;
  const section = [
    start,
    `## ${scenario.title}`,
    '',
    `Reproduce: \`${meta.command}\` (this run took ${meta.durationSec} s).`,
    '',
    `Machine: ${describeMachine(machine)}; load average ${meta.loadAtEnd} at the end.`,
    '',
    output.markdown,
    '',
    `![${scenario.name}](${relative(root, svgPath)})`,
    end,
  ].join('\n');
  const current = existsSync(path) ? readFileSync(path, 'utf8') : PREAMBLE;
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next = from >= 0 && to > from ? current.slice(0, from) + section + current.slice(to + end.length) : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, next);
}
