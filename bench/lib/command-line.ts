// `npm run bench [-- <scenario> …] [--key=value …]` read and checked whole, before anything starts:
// an unknown scenario, a typo in a key, a value out of range or a key given twice is a usage error
// (BenchOptionError), which bench/run.ts reports with exit code 2.
import { BenchOptionError, readOptions, refuseUnknownOptions } from './options.js';
import type { Scenario } from './scenario.js';

export interface CommandLine {
  readonly help: boolean;
  /** The scenarios to run, in the harness's order; every one when none is named. */
  readonly selected: readonly Scenario[];
  /** Every `--key=value` (`--key` alone is "true"). */
  readonly options: ReadonlyMap<string, string>;
}

interface Parsed {
  readonly names: string[];
  readonly options: Map<string, string>;
  /** Keys written without a value (`--key`). */
  readonly bare: Set<string>;
  /** A name right after a bare key: `--subscribers 100` meant as `--subscribers=100`. */
  readonly valueAfterKey: Map<string, string>;
}

function parse(argv: readonly string[]): Parsed {
  const names: string[] = [];
  const options = new Map<string, string>();
  const bare = new Set<string>();
  const valueAfterKey = new Map<string, string>();
  for (const [i, arg] of argv.entries()) {
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const key = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      // Which of two values was meant is not for the harness to guess.
      const first = argv.find((a) => a === `--${key}` || a.startsWith(`--${key}=`));
      if (options.has(key)) throw new BenchOptionError(`--${key} given twice (${first} and ${arg}); give it once`);
      options.set(key, eq < 0 ? 'true' : arg.slice(eq + 1));
      if (eq < 0) bare.add(key);
    } else {
      names.push(arg);
      const previous = i > 0 ? argv[i - 1] : undefined;
      if (previous?.startsWith('--') && !previous.includes('=')) valueAfterKey.set(arg, previous);
    }
  }
  return { names, options, bare, valueAfterKey };
}

/** Reads the command line against the known scenarios; throws BenchOptionError for anything it cannot run. */
export function readCommandLine(argv: readonly string[], scenarios: readonly Scenario[]): CommandLine {
  const { names, options, bare, valueAfterKey } = parse(argv);
  if (options.has('help')) return { help: true, selected: [], options };
  const unknown = names.filter((n) => !scenarios.some((s) => s.name === n));
  const spaced = unknown.find((n) => valueAfterKey.has(n));
  if (spaced !== undefined) {
    const key = valueAfterKey.get(spaced);
    throw new BenchOptionError(`unknown scenario ${spaced}: an option's value is written ${key}=value (${key}=${spaced}), not after a space`);
  }
  if (unknown.length) throw new BenchOptionError(`unknown scenario ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}`);
  const selected = names.length ? scenarios.filter((s) => names.includes(s.name)) : scenarios;
  // Every selected scenario's options, before the first one starts anything.
  refuseUnknownOptions(options, selected, ['help']);
  for (const scenario of selected) {
    readOptions(scenario.options, options, bare);
    scenario.validate?.(options);
  }
  return { help: false, selected, options };
}

/**
 * The command that runs `scenario` alone as this run did: its name and only the options it declares.
 * A run of several scenarios holds the others' options too, which the scenario alone would refuse
 * as unknown, so its "Reproduce" line would not run.
 */
export function reproduceCommand(scenario: Scenario, argv: readonly string[]): string {
  const own = argv.filter((a) => {
    if (!a.startsWith('--')) return false;
    const eq = a.indexOf('=');
    return Object.hasOwn(scenario.options, eq < 0 ? a.slice(2) : a.slice(2, eq));
  });
  return ['npm run bench --', scenario.name, ...own].join(' ');
}
