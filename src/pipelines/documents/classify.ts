// Stages three to five: an action, a trade and a category for each line item, each scored from the
// rules (data, see rules.ts). The stages are separate functions because the workflow runs, stores
// and retries them separately; categories read the trade when the item already has one, and are never
// surer than that trade, since a category only refines it.
import type { DocumentRules, RuleEntry, RulePattern, RuleStage } from './rules.js';

export interface Classification {
  /** The winning value, the stage's fallback when nothing matched, or null without a fallback. */
  readonly value: string | null;
  /**
   * 0..1: grows with the winning score and with its lead over the runner-up; a tie at most halves it.
   * A category's is capped at its item's trade confidence.
   */
  readonly confidence: number;
  /** The patterns that fired for the winner, for people tuning their rules. */
  readonly matched: readonly string[];
}

export interface Describable {
  readonly description: string;
}

/** A fallback is a guess, and says so. */
export const FALLBACK_CONFIDENCE = 0.2;

interface CompiledPattern {
  readonly test: RegExp;
  readonly weight: number;
  readonly label: string;
}

interface CompiledEntry {
  readonly value: string;
  readonly patterns: readonly CompiledPattern[];
  readonly trades: Readonly<Record<string, number>>;
}

const compiled = new WeakMap<readonly RuleEntry[], readonly CompiledEntry[]>();

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compilePattern(pattern: RulePattern): CompiledPattern {
  const weight = pattern.weight ?? 1;
  const start = pattern.at_start ? '^' : '';
  if (pattern.match !== undefined) {
    // "anti-microbial" also finds "antimicrobial" and "anti microbial"; "outlet" also finds "outlets".
    const words = pattern.match.trim().split(/[\s-]+/).map(escapeRegex).join('[\\s-]*');
    const test = new RegExp(`${start}(?<![a-z0-9])${words}(?:s|es)?(?![a-z0-9])`, 'i');
    return { test, weight, label: `${pattern.at_start ? '^' : ''}${pattern.match}` };
  }
  const source = pattern.regex ?? '';
  return { test: new RegExp(start ? `^(?:${source})` : source, 'i'), weight, label: `/${source}/` };
}

function compile(entries: readonly RuleEntry[]): readonly CompiledEntry[] {
  let result = compiled.get(entries);
  if (!result) {
    result = entries.map((e) => ({ value: e.value, patterns: (e.patterns ?? []).map(compilePattern), trades: e.trades ?? {} }));
    compiled.set(entries, result);
  }
  return result;
}

/** Item numbering and typographic quotes would stop `at_start` and word patterns from matching. */
function normalize(description: string): string {
  return description
    .replace(/^\s*\d{1,4}[.)]\s+/, '')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    // OCR reads a faint l as "!" ("viny! floor"); an estimate's description never shouts.
    .replace(/(?<=\p{L})!|!(?=\p{L})/gu, 'l')
    .replace(/\s+/g, ' ')
    .trim();
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

// 0.1 + 0.2 is not 0.3 in floating point; scores this close are a tie, not a win by a rounding error.
const TIE = 1e-9;

function classify(description: string, rules: DocumentRules, stage: RuleStage, trade?: string | null): Classification {
  const text = normalize(description);
  let best: { value: string; score: number; matched: string[] } | undefined;
  let runnerUp = 0;
  for (const entry of compile(rules[stage])) {
    let score = 0;
    const matched: string[] = [];
    for (const pattern of entry.patterns) {
      if (pattern.test.test(text)) {
        score += pattern.weight;
        if (pattern.weight > 0) matched.push(pattern.label);
      }
    }
    const tradeWeight = trade ? entry.trades[trade] : undefined;
    if (tradeWeight !== undefined) {
      score += tradeWeight;
      matched.push(`trade:${trade}`);
    }
    if (score <= TIE) continue;
    // On a tie the entry listed first keeps the win, so the order of the rules decides, every time.
    if (!best || score > best.score + TIE) {
      runnerUp = best?.score ?? runnerUp;
      best = { value: entry.value, score, matched };
    } else runnerUp = Math.max(runnerUp, score);
  }
  if (!best) {
    const fallback = rules.fallback[stage];
    return { value: fallback, confidence: fallback === null ? 0 : FALLBACK_CONFIDENCE, matched: [] };
  }
  // Strength saturates with the score (one decisive word ≈ 0.8); a close runner-up halves it at worst.
  const strength = 1 - Math.exp(-best.score / 2);
  const lead = Math.max(0, (best.score - runnerUp) / best.score);
  return { value: best.value, confidence: round(strength * (0.5 + 0.5 * lead)), matched: best.matched };
}

export function classifyActions<T extends Describable>(items: readonly T[], rules: DocumentRules): Array<T & { action: Classification }> {
  return items.map((item) => ({ ...item, action: classify(item.description, rules, 'actions') }));
}

export function classifyTrades<T extends Describable>(items: readonly T[], rules: DocumentRules): Array<T & { trade: Classification }> {
  return items.map((item) => ({ ...item, trade: classify(item.description, rules, 'trades') }));
}

/** Uses each item's `trade`, when present, through the category entries' trade weights. */
export function classifyCategories<T extends Describable & { readonly trade?: Classification }>(
  items: readonly T[],
  rules: DocumentRules,
): Array<T & { category: Classification }> {
  return items.map((item) => {
    const category = classify(item.description, rules, 'categories', item.trade?.value);
    if (!item.trade || category.confidence <= item.trade.confidence) return { ...item, category };
    return { ...item, category: { ...category, confidence: item.trade.confidence } };
  });
}
