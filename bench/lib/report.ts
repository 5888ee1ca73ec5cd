// Writes a scenario's results (JSON, Markdown, SVG) and keeps its section of BENCHMARKS.md current.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describeMachine, type MachineInfo } from './machine.js';
import { readOptions, valueForm } from './options.js';
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

/** Each option of `scenario` as `--key=<its default>` (a switch as `--key`), read from its spec. */
export function optionsWithDefaults(scenario: Scenario): string[] {
  const defaults: Record<string, unknown> = readOptions(scenario.options, new Map());
  return Object.entries(defaults).map(([key, value]) => {
    if (value === false) return `--${key}`;
    if (value === undefined) return `--${key}=${valueForm(scenario.options[key]!) ?? 'VALUE'}`;
    return `--${key}=${Array.isArray(value) ? value.join(',') : String(value)}`;
  });
}

/**
 * The head of a new BENCHMARKS.md. Which scenario takes which option, and each default, come from the
 * scenarios' own option specs, so the file cannot drift from what the harness accepts.
 */
export function preamble(scenarios: readonly Scenario[]): string {
  const list = scenarios.map((s) => {
    const options = optionsWithDefaults(s);
    return `- **${s.name}**: ${options.length ? options.map((o) => `\`${o}\``).join(', ') : 'no options'}.`;
  });
  return `# Benchmarks

Measured with the harness in \`bench/\`: \`npm run bench\` runs every scenario, \`npm run bench -- <scenario>\`
one of them. Each run writes \`bench/results/<scenario>.json\` (raw numbers and the machine), a Markdown
table and an SVG chart, and replaces that scenario's section below (between its marker comments; text
outside the markers is left alone; a scenario with no section yet gets one where a whole run would put
it). Load clients and every server run as separate processes on the same
machine, so the figures are for the whole box, not the server alone.

Options come after the scenario name as \`--key=value\` (a switch is \`--key\` alone); an option no
selected scenario takes, a value out of its range or repeated in a list, or an option without its
value, stops the harness with exit code 2 before anything starts. Each scenario's options, with their defaults on the machine that wrote this file:

${list.join('\n')}

\`--capstan-rev=<git rev>\` measures a committed revision instead of the working tree, so a before and an
after run through the same harness. \`--profile\` runs Capstan under \`--cpu-prof\`, profiles in
\`bench/results/profiles/\` (summarise with \`node --import tsx bench/tools/profile-summary.ts <file>
--under="flushAll"\`). The sse-fanout targets \`nchan\` and \`nchan-workers\` install nginx and its
module when missing, or say why they were not measured; soak exits 1 after writing its results when
delivery was not exact.
`;
}

/**
 * Replaces the section between this scenario's marker comments, or adds it in the harness's order.
 * `scenarios` (every one the harness knows, in that order) are listed in the head of the file when it is new.
 */
export function updateBenchmarksMd(path: string, root: string, scenario: Scenario, machine: MachineInfo, meta: RunMeta, output: ScenarioOutput, svgPath: string, scenarios: readonly Scenario[] = [scenario]): void {
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
  const current = existsSync(path) ? readFileSync(path, 'utf8') : preamble(scenarios);
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next = from >= 0 && to > from ? current.slice(0, from) + section + current.slice(to + end.length) : insertSection(current, section, scenario.name, scenarios);
  writeFileSync(path, next);
}

/**
 * A scenario's first section goes where a whole run puts it: before the section of the next scenario
 * in the harness's order that has one, else after the previous one's, else at the end (not after
 * everything, where a run of it alone would leave it out of place).
 */
function insertSection(current: string, section: string, name: string, scenarios: readonly Scenario[]): string {
  const at = scenarios.findIndex((s) => s.name === name);
  if (at >= 0) {
    for (const later of scenarios.slice(at + 1)) {
      const i = current.indexOf(`<!-- bench:${later.name}:start -->`);
      if (i >= 0) return `${current.slice(0, i)}${section}\n\n${current.slice(i)}`;
    }
    for (const earlier of scenarios.slice(0, at).reverse()) {
      const marker = `<!-- bench:${earlier.name}:end -->`;
      const i = current.indexOf(marker);
      if (i >= 0) return `${current.slice(0, i + marker.length)}\n\n${section}${current.slice(i + marker.length)}`;
    }
  }
  return `${current.trimEnd()}\n\n${section}\n`;
}
