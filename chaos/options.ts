// Command-line options and the two profiles: `short` (what `npm test` runs: a couple of iterations per
// scenario, about two minutes on two cores) and `long` (the default of `npm run chaos`: more
// iterations and bigger workloads, bounded to about fifteen minutes).
import { randomBytes } from 'node:crypto';
import { BenchOptionError, flag, names, oneOf, readOptions, revision, text, valueForm, whole, type OptionSpecs, type OptionValues } from '../bench/lib/options.js';
import { FAULT_KINDS, type FaultKind } from './faults.js';

export const SCENARIO_NAMES = ['documents', 'hub', 'access', 'video'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface WorkloadSizes {
  /** Uploads per documents iteration (at most 100: one `recent=100` stream follows them all). */
  readonly uploads: number;
  /** Subscribers and publishes per hub iteration. */
  readonly subscribers: number;
  readonly publishes: number;
  /** Members besides the banned contact, and publishes after the ban, per access iteration. */
  readonly members: number;
  readonly publishesAfterBan: number;
  /** Videos per video iteration. */
  readonly videos: number;
}

export interface Profile {
  readonly name: 'short' | 'long';
  readonly iterations: Readonly<Record<ScenarioName, number>>;
  readonly sizes: WorkloadSizes;
  /** No new iteration starts after this much wall time; the run says it stopped early. */
  readonly budgetMs: number;
}

export const PROFILES: Readonly<Record<Profile['name'], Profile>> = {
  short: {
    name: 'short',
    iterations: { documents: 3, hub: 3, access: 3, video: 2 },
    sizes: { uploads: 4, subscribers: 3, publishes: 24, members: 2, publishesAfterBan: 3, videos: 2 },
    budgetMs: 150_000,
  },
  long: {
    name: 'long',
    iterations: { documents: 36, hub: 45, access: 36, video: 24 },
    sizes: { uploads: 8, subscribers: 5, publishes: 80, members: 3, publishesAfterBan: 5, videos: 3 },
    budgetMs: 14 * 60_000,
  },
};

export interface ChaosOptions {
  readonly profile: Profile;
  /** Overrides every scenario's iteration count. */
  readonly iterations: number | undefined;
  readonly seed: string;
  readonly scenarios: readonly ScenarioName[];
  /** Only these faults are planned (default: every kind a scenario takes). */
  readonly faults: readonly FaultKind[];
  /** Where the JSON report goes; undefined: nowhere. */
  readonly reportPath: string | undefined;
  /** Replace the results table in docs/reliability.md with this run's. */
  readonly writeDocs: boolean;
  /** Run this committed revision of Capstan instead of the working tree. */
  readonly capstanRev: string | undefined;
}

export const USAGE = `usage: npm run chaos [-- --profile short|long] [--iterations N] [--seed S] [--scenario ${SCENARIO_NAMES.join('|')}]… [--fault KIND]…
                   [--report path.json] [--write-docs] [--capstan-rev REV]
  --profile     short (what npm test runs, ~2 min) or long (default, ~10-15 min)
  --iterations  iterations per scenario (overrides the profile)
  --seed        seeds the choice of faults and of their timing (default: random, printed)
  --scenario    run only this scenario (repeatable, or comma-separated)
  --fault       inject only this fault (repeatable, or comma-separated): ${FAULT_KINDS.join(', ')}
  --report      write the JSON report here (default: chaos/results/<profile>.json)
  --write-docs  put this run's results table into docs/reliability.md
  --capstan-rev run this git revision of Capstan (extracted to a temporary directory), not the working tree`;

/** Under a usage error's message: the shape of the command, and where the rest is. */
export const USAGE_LINE = 'usage: npm run chaos [-- --profile short|long] [--key value …] (npm run chaos -- --help lists the options)';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

// The checks are bench's (bench/lib/options.ts), so both harnesses refuse the same slips the same
// way; only the reading differs: chaos also takes a value after a space, and its lists may be repeated.
const SPECS = {
  profile: oneOf(['short', 'long'] as const, 'long'),
  iterations: text('N'),
  seed: text('S'),
  scenario: names(SCENARIO_NAMES, SCENARIO_NAMES),
  fault: names(FAULT_KINDS, FAULT_KINDS),
  report: text('path.json'),
  'write-docs': flag(),
  'capstan-rev': revision(),
} satisfies OptionSpecs;
const SWITCHES = new Set(['help', 'write-docs']);
const REPEATABLE = new Set(['scenario', 'fault']);

/** Every `--key value` / `--key=value` by key (a repeatable key's values joined with commas); bare switches as "true". */
function readArguments(argv: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    const key = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (key !== 'help' && !Object.hasOwn(SPECS, key)) throw new UsageError(`unknown option --${key}`);
    let value = eq < 0 ? undefined : arg.slice(eq + 1);
    if (value === undefined && SWITCHES.has(key)) value = 'true';
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`--${key} needs a value (--${key}=${valueForm(SPECS[key as keyof typeof SPECS]) ?? 'VALUE'})`);
      value = next;
      i++;
    }
    const earlier = values.get(key);
    if (earlier !== undefined && !REPEATABLE.has(key)) throw new UsageError(`--${key} given twice; give it once`);
    values.set(key, earlier === undefined ? value : `${earlier},${value}`);
  }
  return values;
}

export function parseOptions(argv: readonly string[], defaultReport: (profile: string) => string): ChaosOptions | 'help' {
  const values = readArguments(argv);
  if (values.has('help')) return 'help';
  let read: OptionValues<typeof SPECS>;
  try {
    read = readOptions(SPECS, values);
    const iterations = read.iterations === undefined ? undefined : whole(1, 1, 1000)(read.iterations, 'iterations', {});
    const profile = PROFILES[read.profile];
    return {
      profile,
      iterations,
      seed: read.seed ?? randomBytes(4).toString('hex'),
      // In the suite's order, whatever the order named.
      scenarios: SCENARIO_NAMES.filter((n) => read.scenario.includes(n)),
      faults: FAULT_KINDS.filter((k) => read.fault.includes(k)),
      reportPath: read.report ?? defaultReport(profile.name),
      writeDocs: read['write-docs'],
      capstanRev: read['capstan-rev'],
    };
  } catch (e) {
    if (e instanceof BenchOptionError) throw new UsageError(e.message);
    throw e;
  }
}
