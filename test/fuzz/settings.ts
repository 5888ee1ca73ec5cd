// How a fuzz run is chosen and replayed: a fixed seed by default so `npm test` is reproducible,
// CAPSTAN_FUZZ_SEED for another one, CAPSTAN_FUZZ_RUNS to scale every run count, and on a failure
// the seed, the failing case and the command that replays it.
import fc from 'fast-check';

export const DEFAULT_SEED = 20_250_131;

function envInteger(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

export const seed = envInteger('CAPSTAN_FUZZ_SEED') ?? DEFAULT_SEED;

/** Multiplies every default run count: CAPSTAN_FUZZ_RUNS=10 runs ten times as many cases, 0.2 a fifth. */
const scale = ((): number => {
  const raw = process.env.CAPSTAN_FUZZ_RUNS;
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || n <= 0) throw new Error(`CAPSTAN_FUZZ_RUNS must be a positive number, got ${JSON.stringify(raw)}`);
  return n;
})();

export const runs = (defaultRuns: number): number => Math.max(1, Math.round(defaultRuns * scale));

/**
 * Runs `property` for `numRuns` cases from the run's seed. Shrinking a case against a live server
 * replays requests into a server whose state the first attempts already changed, so it is off unless
 * CAPSTAN_FUZZ_SHRINK=1 asks for it; the first failing case is reported as generated.
 */
export async function checkProperty<T>(name: string, arbitrary: fc.Arbitrary<T>, numRuns: number, predicate: (value: T) => Promise<void>): Promise<void> {
  const shrink = process.env.CAPSTAN_FUZZ_SHRINK === '1';
  // Each property gets its own stream of cases from the one seed, so adding a property elsewhere does
  // not change what this one generates.
  let offset = 0;
  for (const c of name) offset = (offset * 31 + c.charCodeAt(0)) | 0;
  const propertySeed = (seed ^ offset) | 0;
  const result = await fc.check(fc.asyncProperty(arbitrary, predicate), { seed: propertySeed, numRuns, endOnFailure: !shrink, verbose: fc.VerbosityLevel.None });
  if (!result.failed) return;
  const counterexample = result.counterexample?.[0];
  const shown = JSON.stringify(counterexample, (_k, v: unknown) => (Buffer.isBuffer(v) ? `<${v.length} bytes: ${v.subarray(0, 64).toString('hex')}…>` : typeof v === 'string' && v.length > 600 ? `${v.slice(0, 600)}… (${v.length} characters)` : v), 2);
  const error = result.errorInstance instanceof Error ? result.errorInstance : new Error(String(result.errorInstance));
  throw new Error(
    `fuzz property "${name}" failed after ${result.numRuns} case(s), run seed ${seed} (CAPSTAN_FUZZ_SEED=${seed}${scale === 1 ? '' : ` CAPSTAN_FUZZ_RUNS=${scale}`} npm test -- fuzz)\n` +
      `failing case (fast-check seed ${propertySeed}, path ${result.counterexamplePath ?? '?'}):\n${shown}\n` +
      `cause: ${error.stack ?? error.message}`,
  );
}
