// Classification rules are data: weighted keywords and patterns per value, so a deployment can teach
// the pipeline its own vocabulary from a JSON file instead of a code change. This module defines the
// format, validates it with errors that point at the offending entry, and merges a user's file over
// the defaults.
import { readFile } from 'node:fs/promises';

export type RuleStage = 'actions' | 'trades' | 'categories';
export const RULE_STAGES: readonly RuleStage[] = ['actions', 'trades', 'categories'];

export interface RulePattern {
  /** A word or phrase, case-insensitive, on word boundaries; spaces also match hyphens; plural s/es allowed. */
  readonly match?: string;
  /** A regular expression (JavaScript syntax), case-insensitive, tested against the description. */
  readonly regex?: string;
  /** Added to the value's score when the pattern matches; negative weights argue against it. Default 1. */
  readonly weight?: number;
  /** Only counts when it matches at the very start of the description (where the verb usually is). */
  readonly at_start?: boolean;
}

export interface RuleEntry {
  /** What the stage assigns: an action ("R&R"), a trade ("drywall") or a category code ("DRY"). */
  readonly value: string;
  readonly patterns?: readonly RulePattern[];
  /** Categories only: weight added when the item's trade is one of these. */
  readonly trades?: Readonly<Record<string, number>>;
  /** In an extension: replace the default entry with this value instead of adding patterns to it. */
  readonly replace?: boolean;
  /** In an extension: drop the entry with this value. */
  readonly disabled?: boolean;
}

export interface DocumentRules {
  readonly actions: readonly RuleEntry[];
  readonly trades: readonly RuleEntry[];
  readonly categories: readonly RuleEntry[];
  /** Assigned, with low confidence, when no rule matches; null leaves the item unclassified. */
  readonly fallback: Readonly<Record<RuleStage, string | null>>;
}

/** What a user's rules file holds: any subset of a full rule set, merged over the defaults. */
export interface RulesExtension {
  readonly actions?: readonly RuleEntry[];
  readonly trades?: readonly RuleEntry[];
  readonly categories?: readonly RuleEntry[];
  readonly fallback?: Readonly<Partial<Record<RuleStage, string | null>>>;
}

export class RulesError extends Error {
  override readonly name = 'RulesError';
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`invalid rules in ${source}:\n  - ${issues.join('\n  - ')}`);
  }
}

const MAX_WEIGHT = 100;
const MAX_VALUE_LENGTH = 64;

function patternKey(pattern: RulePattern): string {
  return `${pattern.match !== undefined ? `match:${pattern.match.toLowerCase()}` : `regex:${pattern.regex}`}|${pattern.at_start ? 'start' : 'any'}`;
}

/**
 * Extends `base` with `extra`. An entry whose value is new is added; one whose value exists adds its
 * patterns (a pattern already there gets the new weight) and trade weights, or replaces the entry
 * with `replace: true`, or removes it with `disabled: true`. Fallbacks given in `extra` win.
 */
export function mergeRules(base: DocumentRules, extra: RulesExtension): DocumentRules {
  const mergeStage = (entries: readonly RuleEntry[], additions: readonly RuleEntry[] = []): RuleEntry[] => {
    const merged = new Map(entries.map((e) => [e.value, e]));
    for (const addition of additions) {
      const { replace, disabled, ...entry } = addition;
      const existing = merged.get(entry.value);
      if (disabled) merged.delete(entry.value);
      else if (!existing || replace) merged.set(entry.value, entry);
      else {
        const patterns = new Map((existing.patterns ?? []).map((p) => [patternKey(p), p]));
        for (const p of entry.patterns ?? []) patterns.set(patternKey(p), p);
        const trades = existing.trades || entry.trades ? { ...existing.trades, ...entry.trades } : undefined;
        merged.set(entry.value, { value: entry.value, patterns: [...patterns.values()], ...(trades ? { trades } : {}) });
      }
    }
    return [...merged.values()];
  };
  return {
    actions: mergeStage(base.actions, extra.actions),
    trades: mergeStage(base.trades, extra.trades),
    categories: mergeStage(base.categories, extra.categories),
    fallback: { ...base.fallback, ...extra.fallback },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkKeys(value: Record<string, unknown>, allowed: readonly string[], path: string, issues: string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) issues.push(`${path}: unknown key "${key}" (expected one of ${allowed.join(', ')})`);
  }
}

function checkWeight(value: unknown, path: string, issues: string[]): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > MAX_WEIGHT) {
    issues.push(`${path} must be a number between -${MAX_WEIGHT} and ${MAX_WEIGHT}`);
  }
}

function checkPattern(value: unknown, path: string, issues: string[]): void {
  if (!isObject(value)) {
    issues.push(`${path} must be an object like {"match": "drywall", "weight": 3}`);
    return;
  }
  checkKeys(value, ['match', 'regex', 'weight', 'at_start'], path, issues);
  if ((value.match === undefined) === (value.regex === undefined)) issues.push(`${path} needs exactly one of "match" or "regex"`);
  if (value.match !== undefined && (typeof value.match !== 'string' || value.match.trim() === '')) {
    issues.push(`${path}.match must be a non-empty string`);
  }
  if (value.regex !== undefined) {
    if (typeof value.regex !== 'string' || value.regex === '') issues.push(`${path}.regex must be a non-empty string`);
    else {
      try {
        new RegExp(value.regex, 'i');
      } catch (error) {
        issues.push(`${path}.regex is not a valid regular expression: ${(error as Error).message}`);
      }
    }
  }
  if (value.weight !== undefined) checkWeight(value.weight, `${path}.weight`, issues);
  if (value.at_start !== undefined && typeof value.at_start !== 'boolean') issues.push(`${path}.at_start must be true or false`);
}

function checkEntry(value: unknown, stage: RuleStage, path: string, issues: string[]): void {
  if (!isObject(value)) {
    issues.push(`${path} must be an object with a "value" and "patterns"`);
    return;
  }
  const allowed = ['value', 'patterns', 'replace', 'disabled', ...(stage === 'categories' ? ['trades'] : [])];
  checkKeys(value, allowed, path, issues);
  if (typeof value.value !== 'string' || value.value.trim() === '' || value.value.length > MAX_VALUE_LENGTH) {
    issues.push(`${path}.value must be a non-empty string of at most ${MAX_VALUE_LENGTH} characters`);
  }
  if (value.patterns !== undefined) {
    if (!Array.isArray(value.patterns)) issues.push(`${path}.patterns must be an array`);
    else value.patterns.forEach((p, i) => checkPattern(p, `${path}.patterns[${i}]`, issues));
  }
  if (value.trades !== undefined) {
    if (!isObject(value.trades)) issues.push(`${path}.trades must be an object of trade → weight`);
    else for (const [trade, weight] of Object.entries(value.trades)) checkWeight(weight, `${path}.trades["${trade}"]`, issues);
  }
  for (const flag of ['replace', 'disabled'] as const) {
    if (value[flag] !== undefined && typeof value[flag] !== 'boolean') issues.push(`${path}.${flag} must be true or false`);
  }
}

/** Validates parsed JSON as a rules extension; `source` names it in errors (a file path, "config"). */
export function parseRules(value: unknown, source = 'rules'): RulesExtension {
  const issues: string[] = [];
  if (!isObject(value)) throw new RulesError(source, ['the top level must be a JSON object']);
  checkKeys(value, [...RULE_STAGES, 'fallback'], '$', issues);
  for (const stage of RULE_STAGES) {
    const entries = value[stage];
    if (entries === undefined) continue;
    if (!Array.isArray(entries)) issues.push(`$.${stage} must be an array of entries`);
    else entries.forEach((entry, i) => checkEntry(entry, stage, `$.${stage}[${i}]`, issues));
  }
  if (value.fallback !== undefined) {
    if (!isObject(value.fallback)) issues.push('$.fallback must be an object like {"actions": "replace"}');
    else {
      checkKeys(value.fallback, RULE_STAGES, '$.fallback', issues);
      for (const [stage, fallback] of Object.entries(value.fallback)) {
        if (fallback !== null && typeof fallback !== 'string') issues.push(`$.fallback.${stage} must be a string or null`);
      }
    }
  }
  if (issues.length > 0) throw new RulesError(source, issues);
  return value as RulesExtension;
}

export async function loadRulesFile(path: string): Promise<RulesExtension> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new RulesError(path, [`cannot read the file: ${(error as Error).message}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RulesError(path, [`not valid JSON: ${(error as Error).message}`]);
  }
  return parseRules(json, path);
}
