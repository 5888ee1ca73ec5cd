// The chaos suite's command line: `npm run chaos` (the long profile), `npm run chaos -- --profile short`,
// `--iterations N`, `--seed S`, `--scenario name`, `--report path.json`, `--write-docs`. Prints a summary
// per scenario, writes the JSON report, and exits 1 on any violation (2 on a usage error).
import { constants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions, USAGE, USAGE_LINE, UsageError } from './options.js';
import { markdownTable, passed, textSummary, updateResultsSection, writeReport } from './report.js';
import { runChaos } from './suite.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Every wait inside is bounded; this only catches a harness bug (the long profile plans for 15 min). */
const WATCHDOG_MS = 25 * 60_000;

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const options = parseOptions(argv, (profile) => join(root, 'chaos/results', `${profile}.json`));
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const command = ['npm run chaos --', ...argv].join(' ');
  const report = await runChaos(options, command, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`\n${textSummary(report)}\n\n${markdownTable(report)}\n`);
  if (options.reportPath) {
    writeReport(options.reportPath, report);
    process.stdout.write(`\nreport: ${options.reportPath}\n`);
  }
  if (options.writeDocs) {
    updateResultsSection(join(root, 'docs/reliability.md'), report);
    process.stdout.write('updated the results table in docs/reliability.md\n');
  }
  return passed(report) ? 0 : 1;
}

const watchdog = setTimeout(() => {
  process.stderr.write(`chaos: still running after ${WATCHDOG_MS / 60_000} min; giving up\n`);
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();
// Exiting runs the exit hook of chaos/lib/processes.ts, which stops every server the run started. The exit
// code is 128 + the signal's number, as a shell reports a process a signal ended (130 for Ctrl-C, 143 for
// SIGTERM), and as bench/run.ts does.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`chaos: stopped by ${signal}; no report written\n`);
    process.exit(128 + constants.signals[signal]);
  });
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`chaos: ${e instanceof UsageError ? `${e.message}\n${USAGE_LINE}` : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
