// The run's report: JSON with every iteration's fault, checks and violations (the evidence), a text
// summary per scenario for the terminal, and the Markdown results table of docs/reliability.md, which
// `--write-docs` replaces between its marker comments.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { UnexpectedExit, LoggedProblem } from './cluster.js';
import { FAULT_KINDS, type FaultKind, type FaultRecord } from './faults.js';
import type { Violation } from './invariants.js';

export interface IterationReport {
  readonly iteration: number;
  readonly fault: FaultKind;
  /** What was injected, with times relative to the iteration's start. */
  readonly injected: readonly (Omit<FaultRecord, 'startedAt' | 'recoveredAt'> & { atMs: number; recoveredAfterMs: number | undefined })[];
  readonly durationMs: number;
  readonly checks: number;
  readonly violations: readonly Violation[];
  /** The iteration could not finish (set-up failed, a bound was hit); counts as a failure. */
  readonly error: string | undefined;
  readonly stats: Readonly<Record<string, number>>;
}

export interface ScenarioReport {
  readonly name: string;
  readonly title: string;
  readonly iterations: IterationReport[];
}

export interface ChaosReport {
  readonly command: string;
  readonly seed: string;
  readonly profile: string;
  readonly revision: string;
  readonly startedAt: string;
  durationMs: number;
  readonly machine: { readonly cores: number; readonly node: string };
  readonly environment: { readonly postgres: string; readonly postgresMode: string; readonly redis: string; readonly s3: string; readonly nodes: number; readonly settings: Readonly<Record<string, string>> };
  readonly scenarios: ScenarioReport[];
  unexpectedExits: readonly UnexpectedExit[];
  nodeProblems: readonly LoggedProblem[];
  stoppedEarly: string | undefined;
}

export interface ScenarioTotals {
  readonly name: string;
  readonly iterations: number;
  readonly faults: Readonly<Partial<Record<FaultKind, number>>>;
  readonly checks: number;
  readonly violations: number;
  readonly errors: number;
  /** Violations by invariant name. */
  readonly failing: Readonly<Record<string, number>>;
}

export function totalsOf(scenario: ScenarioReport): ScenarioTotals {
  const faults: Partial<Record<FaultKind, number>> = {};
  const failing: Record<string, number> = {};
  let checks = 0;
  let violations = 0;
  let errors = 0;
  for (const it of scenario.iterations) {
    for (const f of it.injected) faults[f.kind] = (faults[f.kind] ?? 0) + 1;
    checks += it.checks;
    violations += it.violations.length;
    if (it.error !== undefined) errors++;
    for (const v of it.violations) failing[v.invariant] = (failing[v.invariant] ?? 0) + 1;
  }
  const ordered = Object.fromEntries(FAULT_KINDS.flatMap((k) => (faults[k] === undefined ? [] : [[k, faults[k]]])));
  return { name: scenario.name, iterations: scenario.iterations.length, faults: ordered, checks, violations, errors, failing };
}

export function passed(report: ChaosReport): boolean {
  return report.scenarios.every((s) => {
    const t = totalsOf(s);
    return t.violations === 0 && t.errors === 0;
  });
}

const list = (counts: Readonly<Record<string, number>>): string => Object.entries(counts).map(([k, n]) => `${k} ×${n}`).join(', ') || '—';

export function textSummary(report: ChaosReport): string {
  const lines = [`chaos: profile ${report.profile}, seed ${report.seed}, ${report.revision}, ${Math.round(report.durationMs / 1000)} s; PostgreSQL: ${report.environment.postgresMode}`];
  for (const s of report.scenarios) {
    const t = totalsOf(s);
    lines.push(`  ${s.name.padEnd(10)} ${t.iterations} iterations, faults: ${list(t.faults)}; ${t.checks} checks, ${t.violations} violations${t.errors ? `, ${t.errors} errors` : ''}`);
    if (t.violations > 0) lines.push(`             failing: ${list(t.failing)}`);
    for (const it of s.iterations) {
      if (it.error !== undefined) lines.push(`             #${it.iteration} (${it.fault}) error: ${it.error.split('\n')[0]}`);
      for (const v of it.violations.slice(0, 3)) lines.push(`             #${it.iteration} (${it.fault}) ${v.invariant}: ${v.detail.slice(0, 300)}`);
      if (it.violations.length > 3) lines.push(`             #${it.iteration} … ${it.violations.length - 3} more in the report`);
    }
  }
  if (report.unexpectedExits.length > 0) lines.push(`  nodes that exited by themselves: ${report.unexpectedExits.map((e) => `${e.node} (${e.code})`).join(', ')}`);
  if (report.stoppedEarly) lines.push(`  stopped early: ${report.stoppedEarly}`);
  lines.push(passed(report) ? 'chaos: PASSED (no violation)' : 'chaos: FAILED');
  return lines.join('\n');
}

/** The results table of docs/reliability.md: one row per scenario. */
export function markdownTable(report: ChaosReport): string {
  const rows = report.scenarios.map((s) => {
    const t = totalsOf(s);
    return `| ${s.name} | ${t.iterations} | ${list(t.faults)} | ${t.checks} | ${t.violations}${t.errors ? ` (+${t.errors} errors)` : ''} | ${list(t.failing)} |`;
  });
  return [
    `Run: \`${report.command}\` (profile ${report.profile}, seed ${report.seed}) on Capstan ${report.revision}, ${report.startedAt.slice(0, 10)}, ${Math.round(report.durationMs / 60_000)} min on ${report.machine.cores} cores (PostgreSQL: ${report.environment.postgresMode}).`,
    '',
    '| scenario | iterations | faults injected | checks | violations | failing invariants |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

export function writeReport(path: string, report: ChaosReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify({ ...report, passed: passed(report), totals: report.scenarios.map(totalsOf) }, null, 2) + '\n');
}

const START = '<!-- chaos:results:start -->';
const END = '<!-- chaos:results:end -->';

/** Replaces the table between the markers of `path` (the text around them is left alone). */
export function updateResultsSection(path: string, report: ChaosReport): void {
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${path} has no ${START} … ${END} section`);
  writeFileSync(path, `${text.slice(0, start + START.length)}\n${markdownTable(report)}\n${text.slice(end)}`);
}
