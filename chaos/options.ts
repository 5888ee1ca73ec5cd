// Command-line options and the two profiles: `short` (what `npm test` runs: a couple of iterations per
// scenario, about two minutes on two cores) and `long` (the default of `npm run chaos`: more
// iterations and bigger workloads, bounded to about fifteen minutes).
import { randomBytes } from 'node:crypto';
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

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseOptions(argv: readonly string[], defaultReport: (profile: string) => string): ChaosOptions | 'help' {
  const values = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    const key = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    let value = eq < 0 ? undefined : arg.slice(eq + 1);
    if (value === undefined && key !== 'help' && key !== 'write-docs') value = argv[++i];
    if (value === undefined && key !== 'help' && key !== 'write-docs') throw new UsageError(`--${key} needs a value`);
    values.set(key, [...(values.get(key) ?? []), value ?? 'true']);
  }
  const known = new Set(['help', 'profile', 'iterations', 'seed', 'scenario', 'fault', 'report', 'write-docs', 'capstan-rev']);
  for (const key of values.keys()) if (!known.has(key)) throw new UsageError(`unknown option --${key}`);
  if (values.has('help')) return 'help';
  const last = (key: string) => values.get(key)?.at(-1);

  const profileName = last('profile') ?? 'long';
  if (profileName !== 'short' && profileName !== 'long') throw new UsageError(`--profile is short or long, not ${profileName}`);
  const profile = PROFILES[profileName];

  const rawIterations = last('iterations');
  let iterations: number | undefined;
  if (rawIterations !== undefined) {
    iterations = Number(rawIterations);
    if (!Number.isInteger(iterations) || iterations < 1 || iterations > 1000) throw new UsageError('--iterations is an integer from 1 to 1000');
  }

  const named = (values.get('scenario') ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  for (const name of named) if (!(SCENARIO_NAMES as readonly string[]).includes(name)) throw new UsageError(`unknown scenario ${name}; known: ${SCENARIO_NAMES.join(', ')}`);
  const scenarios = named.length > 0 ? SCENARIO_NAMES.filter((n) => named.includes(n)) : [...SCENARIO_NAMES];

  const faultNames = (values.get('fault') ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  for (const name of faultNames) if (!(FAULT_KINDS as readonly string[]).includes(name)) throw new UsageError(`unknown fault ${name}; known: ${FAULT_KINDS.join(', ')}`);
  const faults = faultNames.length > 0 ? FAULT_KINDS.filter((k) => faultNames.includes(k)) : [...FAULT_KINDS];

  return {
    profile,
    iterations,
    seed: last('seed') ?? randomBytes(4).toString('hex'),
    scenarios,
    faults,
    reportPath: last('report') ?? defaultReport(profile.name),
    writeDocs: values.has('write-docs'),
    capstanRev: last('capstan-rev'),
  };
}
