// Reading a scenario's `--key=value` options: a value out of range is a usage error, reported with
// exit code 2 before any process starts (bench/run.ts), not a run that fails half way.

/** A benchmark option that cannot be used as given. */
export class BenchOptionError extends Error {
  override readonly name = 'BenchOptionError';
}

export interface NumberRule {
  /** Whole numbers only. */
  readonly integer?: boolean;
  /** Inclusive bounds; the lower defaults to "greater than zero". */
  readonly min?: number;
  readonly max?: number;
  /** Why the bound is what it is, added to the error. */
  readonly why?: string;
}

function describe(rule: NumberRule): string {
  const kind = rule.integer ? 'a whole number' : 'a number';
  if (rule.min !== undefined && rule.max !== undefined) return `${kind} from ${rule.min} to ${rule.max}`;
  if (rule.min !== undefined) return `${kind} of at least ${rule.min}`;
  return `a positive ${rule.integer ? 'whole number' : 'number'}${rule.max !== undefined ? ` up to ${rule.max}` : ''}`;
}

function check(key: string, raw: string, rule: NumberRule): number {
  const text = raw.trim();
  // Number('') is 0 and Number('0x10') is 16: accept plain decimals only.
  const v = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : NaN;
  const ok = Number.isFinite(v) && (rule.min === undefined ? v > 0 : v >= rule.min) && (rule.max === undefined || v <= rule.max) && (!rule.integer || Number.isInteger(v));
  if (!ok) throw new BenchOptionError(`--${key}=${raw}: must be ${describe(rule)}${rule.why ? ` (${rule.why})` : ''}`);
  return v;
}

/** One number; `fallback` when the option is absent. */
export function numberOption(options: ReadonlyMap<string, string>, key: string, fallback: number, rule: NumberRule = {}): number {
  const raw = options.get(key);
  return raw === undefined ? fallback : check(key, raw, rule);
}

/** A comma-separated list of numbers, at least one. */
export function numberListOption(options: ReadonlyMap<string, string>, key: string, fallback: readonly number[], rule: NumberRule = {}): number[] {
  const raw = options.get(key);
  if (raw === undefined) return [...fallback];
  const items = raw.split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) throw new BenchOptionError(`--${key}=${raw}: must be a comma-separated list of ${describe(rule).replace(/^an? /, '')}s`);
  return items.map((s) => check(key, s, rule));
}

/** A comma-separated list of names, each one of `known`, at least one; duplicates dropped. */
export function nameListOption<T extends string>(options: ReadonlyMap<string, string>, key: string, known: readonly T[], fallback: readonly T[]): T[] {
  const raw = options.get(key);
  if (raw === undefined) return [...fallback];
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new BenchOptionError(`--${key}= names nothing; known: ${known.join(', ')}`);
  const unknown = items.filter((s) => !(known as readonly string[]).includes(s));
  if (unknown.length) throw new BenchOptionError(`--${key}: unknown ${unknown.length === 1 ? 'name' : 'names'} ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return [...new Set(items as T[])];
}
