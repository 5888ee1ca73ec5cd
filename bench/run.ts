// The benchmark harness: `npm run bench` runs every scenario, `npm run bench -- <scenario> [--key=value …]`
// one. Each writes bench/results/<scenario>.{json,md,svg} and refreshes its section of BENCHMARKS.md.
import { constants, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCommandLine, reproduceCommand } from './lib/command-line.js';
import { machineInfo } from './lib/machine.js';
import { BenchOptionError } from './lib/options.js';
import { updateBenchmarksMd, writeResults } from './lib/report.js';
import { removeOrphanedTempDirs } from './lib/temp-dir.js';
import { SCENARIOS } from './scenarios/index.js';

/** Every scenario bounds its own steps; this only catches a harness bug. */
const WATCHDOG_MS = 30 * 60_000;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs the selected scenarios; returns the failures the runs proved (each written to its results first). */
async function main(): Promise<string[]> {
  const argv = process.argv.slice(2);
  const { help, selected, options } = readCommandLine(argv, SCENARIOS);
  if (help) {
    process.stdout.write(`usage: npm run bench [-- <scenario> [--key=value …]]\nscenarios: ${SCENARIOS.map((s) => s.name).join(', ')}\n`);
    return [];
  }
  // A harness killed outright (kill -9) left its servers' data behind.
  const orphans = removeOrphanedTempDirs();
  if (orphans.length) process.stdout.write(`bench: removed ${orphans.length} temporary ${orphans.length === 1 ? 'directory' : 'directories'} of a run that ended without removing them\n`);
  armWatchdog(WATCHDOG_MS + selected.reduce((ms, s) => ms + (s.durationBoundMs?.(options) ?? 0), 0));
  const failures: string[] = [];
  for (const scenario of selected) {
    const machine = machineInfo();
    const started = Date.now();
    const log = (m: string) => process.stdout.write(`[${scenario.name} ${((Date.now() - started) / 1000).toFixed(1)}s] ${m}\n`);
    log(`starting on ${machine.cores} cores, load ${machine.loadAtStart}`);
    const output = await scenario.run({ root, options, machine, log });
    const meta = { command: reproduceCommand(scenario, argv), startedAt: machine.date, durationSec: Math.round((Date.now() - started) / 1000), loadAtEnd: Math.round((loadavg()[0] ?? 0) * 100) / 100 };
    const files = writeResults(join(root, 'bench/results'), scenario, machine, meta, output);
    updateBenchmarksMd(join(root, 'BENCHMARKS.md'), root, scenario, machine, meta, output, files.svg, SCENARIOS);
    log(`wrote ${files.json}, ${files.md}, ${files.svg} and BENCHMARKS.md`);
    if (output.failure) {
      log(`FAILED: ${output.failure}`);
      failures.push(`${scenario.name}: ${output.failure}`);
    }
  }
  return failures;
}

function armWatchdog(ms: number): void {
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: still running after ${Math.round(ms / 60_000)} min; giving up\n`);
    process.exit(1);
  }, ms);
  watchdog.unref();
}

// Exiting runs every process group's exit hook, which kills the children. The exit code is 128 + the
// signal's number, as a shell reports a process a signal ended (130 for Ctrl-C, 143 for SIGTERM).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`bench: stopped by ${signal}; the scenario under way wrote no results\n`);
    process.exit(128 + constants.signals[signal]);
  });
}

main().then(
  (failures) => {
    if (failures.length) process.stderr.write(`bench: failed (results written):\n${failures.join('\n')}\n`);
    process.exit(failures.length ? 1 : 0);
  },
  (e: unknown) => {
    // A usage error: say what is wrong (no stack) and exit 2, as command-line tools do.
    if (e instanceof BenchOptionError) {
      process.stderr.write(`bench: ${e.message}\nusage: npm run bench [-- <scenario> [--key=value …]] (see BENCHMARKS.md for each scenario's options)\n`);
      process.exit(2);
    }
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
