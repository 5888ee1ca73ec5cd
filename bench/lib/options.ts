// Reading a scenario's `--key=value` options: a value out of range is a usage error, reported with
// exit code 2 before any process starts (bench/run.ts), not a run that fails half way.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A benchmark option that cannot be used as given. */
export class BenchOptionError extends Error {
  override readonly name = 'BenchOptionError';
}

export interface NumberRule {
  /** Whole numbers only. */
  readonly integer?: boolean;
  /** Even numbers only (an option split in two halves). */
  readonly even?: boolean;
  /** Inclusive bounds; the lower defaults to "greater than zero". */
  readonly min?: number;
  readonly max?: number;
  /** Why the bound is what it is, added to the error. */
  readonly why?: string;
}

function describe(rule: NumberRule): string {
  const kind = rule.even ? 'an even number' : rule.integer ? 'a whole number' : 'a number';
  if (rule.min !== undefined && rule.max !== undefined) return `${kind} from ${rule.min} to ${rule.max}`;
  if (rule.min !== undefined) return `${kind} of at least ${rule.min}`;
  return `a positive ${rule.integer ? 'whole number' : 'number'}${rule.max !== undefined ? ` up to ${rule.max}` : ''}`;
}

function check(key: string, raw: string, rule: NumberRule): number {
  const text = raw.trim();
  // Number('') is 0 and Number('0x10') is 16: accept plain decimals only.
  const v = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : NaN;
  const ok = Number.isFinite(v) && (rule.min === undefined ? v > 0 : v >= rule.min) && (rule.max === undefined || v <= rule.max) && (!rule.integer || Number.isInteger(v)) && (!rule.even || v % 2 === 0);
  if (!ok) throw new BenchOptionError(`--${key}=${raw}: must be ${describe(rule)}${rule.why ? ` (${rule.why})` : ''}`);
  return v;
}

// A scenario's options as a spec: each key with the reader that turns its raw value (undefined when
// absent) into a setting, in order, so that a reader may depend on the values read before it. The
// harness refuses any `--key` no selected scenario declares, so a typo is an error, not a default.

/** Reads one option: `raw` is undefined when absent; `before` holds the values of the keys read earlier. */
export type OptionReader<T> = (raw: string | undefined, key: string, before: Readonly<Record<string, unknown>>) => T;
export type OptionSpecs = Readonly<Record<string, OptionReader<unknown>>>;
export type OptionValues<S extends OptionSpecs> = { readonly [K in keyof S]: S[K] extends OptionReader<infer T> ? T : never };

// A bare `--key` reaches a reader as "true". For a switch that is its value; for any other option it is
// a value left out, which the user should hear as such (not "--subscribers=true: must be …"), so
// each reader says how its value is written, and a dependent reader which reader it resolves to.
const VALUE_FORMS = new WeakMap<OptionReader<unknown>, string>();
const SWITCHES = new WeakSet<OptionReader<unknown>>();
const DEPENDENTS = new WeakMap<OptionReader<unknown>, (before: Readonly<Record<string, unknown>>) => OptionReader<unknown>>();

/** How the value of an option read by `reader` is written (`N`, `<git rev>`, …); undefined for a switch. */
export function valueForm(reader: OptionReader<unknown>): string | undefined {
  return VALUE_FORMS.get(reader);
}

function withForm<T>(reader: OptionReader<T>, form: string): OptionReader<T> {
  VALUE_FORMS.set(reader, form);
  return reader;
}

/** Throws BenchOptionError when `key`, given bare, is an option that takes a value. */
function refuseMissingValue(key: string, reader: OptionReader<unknown>, before: Readonly<Record<string, unknown>>): void {
  const resolved = DEPENDENTS.get(reader)?.(before) ?? reader;
  if (SWITCHES.has(resolved)) return;
  throw new BenchOptionError(`--${key} needs a value (--${key}=${VALUE_FORMS.get(resolved) ?? 'VALUE'})`);
}

/** One number (see NumberRule); `fallback` when absent. */
export function num(fallback: number, rule: NumberRule = {}): OptionReader<number> {
  return withForm((raw, key) => (raw === undefined ? fallback : check(key, raw, rule)), 'N');
}

/** A whole number from `min` to `max`. */
export function whole(fallback: number, min: number, max: number, why?: string): OptionReader<number> {
  return num(fallback, { integer: true, min, max, why });
}

/** A comma-separated list of different numbers, at least one. */
export function nums(fallback: readonly number[], rule: NumberRule = {}): OptionReader<number[]> {
  return withForm((raw, key) => {
    if (raw === undefined) return [...fallback];
    const items = raw.split(',').map((s) => s.trim());
    if (items.some((s) => s === '')) throw new BenchOptionError(`--${key}=${raw}: must be a comma-separated list, each ${describe(rule)}`);
    const values = items.map((s) => check(key, s, rule));
    // Each entry is a run of its own: a repeated one would run twice and print its rows twice.
    const repeated = values.find((v, i) => values.indexOf(v) !== i);
    if (repeated !== undefined) throw new BenchOptionError(`--${key}=${raw}: ${repeated} is given twice; give each value once`);
    return values;
  }, 'N');
}

/** A comma-separated list of different names, each one of `known`, at least one. */
export function names<T extends string>(known: readonly T[], fallback: readonly T[]): OptionReader<T[]> {
  return withForm((raw, key) => {
    if (raw === undefined) return [...fallback];
    const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
    if (items.length === 0) throw new BenchOptionError(`--${key}= names nothing; known: ${known.join(', ')}`);
    const unknown = items.filter((s) => !(known as readonly string[]).includes(s));
    if (unknown.length) throw new BenchOptionError(`--${key}: unknown ${unknown.length === 1 ? 'name' : 'names'} ${unknown.join(', ')}; known: ${known.join(', ')}`);
    // As for numbers: a name given twice is a slip, and which run it meant is not for the harness to guess.
    const repeated = items.find((v, i) => items.indexOf(v) !== i);
    if (repeated !== undefined) throw new BenchOptionError(`--${key}=${raw}: ${repeated} is given twice; give each name once`);
    return items as T[];
  }, `NAME,…; known: ${known.join(', ')}`);
}

/** One name of `known`; `fallback` when absent. */
export function oneOf<T extends string>(known: readonly T[], fallback: T): OptionReader<T> {
  return withForm((raw, key) => {
    if (raw === undefined) return fallback;
    if (!(known as readonly string[]).includes(raw)) throw new BenchOptionError(`--${key}=${raw}: one of ${known.join(', ')}`);
    return raw as T;
  }, known.join('|'));
}

/** A switch: `--key` alone. A value (`--key=no`) is refused rather than read as on. */
export function flag(): OptionReader<boolean> {
  const reader: OptionReader<boolean> = (raw, key) => {
    if (raw === undefined) return false;
    if (raw === 'true') return true;
    throw new BenchOptionError(`--${key}=${raw}: takes no value (write --${key} alone)`);
  };
  SWITCHES.add(reader);
  return reader;
}

/** A text that says something (a seed, a path): empty is a value left out, not a default. */
export function text(form: string): OptionReader<string | undefined> {
  return withForm((raw, key) => {
    if (raw === undefined) return undefined;
    if (raw.trim() === '') throw new BenchOptionError(`--${key}= is empty (--${key}=${form})`);
    return raw;
  }, form);
}

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A git revision of this repository (a commit, tag or branch), checked before anything runs. */
export function revision(): OptionReader<string | undefined> {
  return withForm((raw, key) => {
    if (raw === undefined) return undefined;
    // A leading dash would be read by git as an option.
    const ok = raw !== '' && !raw.startsWith('-') && spawnSync('git', ['-C', REPO_ROOT, 'rev-parse', '--verify', '--quiet', `${raw}^{commit}`], { stdio: 'ignore' }).status === 0;
    if (!ok) throw new BenchOptionError(`--${key}=${raw}: not a commit of this repository (a commit, tag or branch name)`);
    return raw;
  }, '<git rev>');
}

/**
 * Every key of `spec` read from `options`, in the spec's order. `bare` holds the keys written without
 * a value (`--key`), refused unless their option is a switch.
 */
export function readOptions<S extends OptionSpecs>(spec: S, options: ReadonlyMap<string, string>, bare: ReadonlySet<string> = new Set()): OptionValues<S> {
  const values: Record<string, unknown> = {};
  for (const [key, read] of Object.entries(spec)) {
    if (bare.has(key)) refuseMissingValue(key, read, values);
    values[key] = read(options.get(key), key, values);
  }
  return values as OptionValues<S>;
}

/** Refuses a `--key` that none of `specs` declares, naming what the scenarios take. */
export function refuseUnknownOptions(options: ReadonlyMap<string, string>, specs: readonly { readonly name: string; readonly options: OptionSpecs }[], always: readonly string[]): void {
  const known = new Set([...always, ...specs.flatMap((s) => Object.keys(s.options))]);
  const unknown = [...options.keys()].filter((k) => !known.has(k));
  if (unknown.length === 0) return;
  const takes = specs.map((s) => `${s.name} takes ${Object.keys(s.options).map((k) => `--${k}`).join(', ') || 'no options'}`).join('; ');
  throw new BenchOptionError(`unknown option${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => `--${k}`).join(', ')}: ${takes}`);
}

/** A reader whose rule depends on options read before it (say, a bound set by another option). */
export function dependent<T>(make: (before: Readonly<Record<string, unknown>>) => OptionReader<T>): OptionReader<T> {
  const reader: OptionReader<T> = (raw, key, before) => make(before)(raw, key, before);
  DEPENDENTS.set(reader, make);
  return reader;
}
