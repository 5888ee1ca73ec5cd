// Scores what the pipeline read against what a corpus document contains: which expected line items
// were found (matched by description, in order), which of those have every number exact, whether the
// ones missing or wrong were warned about, and how many classifications agree with the truth.
import type { FixtureLineItem } from '../../../test/fixtures/documents.js';
import type { ExpectedClasses } from '../../../test/fixtures/estimate-catalogue.js';

/** A line item as GET /documents/:id/result returns it; fields a revision lacks are absent. */
export interface ResultItem {
  readonly description: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unit_price: number;
  readonly total: number;
  readonly page?: number;
  readonly section?: string | null;
  readonly flags?: readonly string[];
  readonly action?: { readonly value: string | null } | null;
  readonly trade?: { readonly value: string | null } | null;
  readonly category?: { readonly value: string | null } | null;
}

export interface ResultWarning {
  readonly code: string;
  readonly page?: number | null;
  readonly items?: readonly number[];
}

export interface Score {
  readonly expected: number;
  readonly found: number;
  readonly exact: number;
  /** Items read but with a wrong number that no flag or warning pointed at. */
  readonly silentlyWrong: number;
  /** Expected items not found, with no warning on their page. */
  readonly silentlyLost: number;
  /** Items read that match nothing expected. */
  readonly extra: number;
  readonly action: number;
  readonly trade: number;
  readonly category: number;
  /** Classified items that have a truth to compare with. */
  readonly classified: number;
  readonly warnings: Readonly<Record<string, number>>;
  readonly misses: readonly string[];
  /** Per expected item, the index of the result item it was matched with (null: not found). */
  readonly matched: readonly (number | null)[];
}

const normal = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

export function similarity(a: string, b: string): number {
  const x = normal(a);
  const y = normal(b);
  if (x === y) return 1;
  const prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const keep = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (x[i - 1] === y[j - 1] ? 0 : 1));
      diag = keep;
    }
  }
  return 1 - prev[y.length]! / Math.max(x.length, y.length, 1);
}

/** Descriptions this alike are the same row read with a few OCR slips. */
const SAME_ROW = 0.7;
/** How far ahead of the last match a row may be looked for; rows keep their order on the page. */
const WINDOW = 6;

export function scoreItems(expected: readonly FixtureLineItem[], got: readonly ResultItem[], warnings: readonly ResultWarning[], classes?: ReadonlyMap<string, ExpectedClasses>): Score {
  let found = 0;
  let exact = 0;
  let silentlyWrong = 0;
  let silentlyLost = 0;
  let action = 0;
  let trade = 0;
  let category = 0;
  let classified = 0;
  const used = new Set<number>();
  const misses: string[] = [];
  const matched: (number | null)[] = [];
  const warnedPages = new Set(warnings.filter((w) => w.code !== 'items_repaired').map((w) => w.page ?? -1));
  const flaggedItems = new Set(warnings.flatMap((w) => (w.code === 'items_repaired' ? [] : (w.items ?? []))));
  let cursor = 0;
  for (const want of expected) {
    let best = -1;
    let bestScore = SAME_ROW;
    for (let j = cursor; j < Math.min(got.length, cursor + WINDOW); j++) {
      if (used.has(j)) continue;
      const g = got[j]!;
      // A description OCR damaged still identifies its row when the row's numbers are the expected ones.
      const s = similarity(want.description, g.description) + (g.quantity === want.quantity && g.total === want.total ? 0.3 : 0);
      if (s >= bestScore) {
        best = j;
        bestScore = s;
      }
    }
    matched.push(best < 0 ? null : best);
    if (best < 0) {
      misses.push(`missing: ${want.description}`);
      // A lost item is only acceptable when something on the document says the page is in doubt.
      if (warnedPages.size === 0) silentlyLost++;
      continue;
    }
    used.add(best);
    cursor = best + 1;
    found++;
    const item = got[best]!;
    const numbersExact = item.quantity === want.quantity && item.unit === want.unit && item.unit_price === want.unit_price && item.total === want.total;
    if (numbersExact) exact++;
    else {
      misses.push(`wrong: ${want.description}: ${item.quantity} ${item.unit} × ${item.unit_price} = ${item.total}, expected ${want.quantity} ${want.unit} × ${want.unit_price} = ${want.total}`);
      if (!(item.flags ?? []).length && !flaggedItems.has(best)) silentlyWrong++;
    }
    const truth = classes?.get(want.description);
    if (truth) {
      classified++;
      if (item.action?.value === truth.action) action++;
      if (item.trade?.value === truth.trade) trade++;
      if (item.category?.value === truth.category) category++;
      const off = (['action', 'trade', 'category'] as const).filter((k) => item[k]?.value !== truth[k]).map((k) => `${k} ${item[k]?.value ?? 'none'} (expected ${truth[k]})`);
      if (off.length) misses.push(`class: ${want.description}${item.description === want.description ? '' : ` (read "${item.description}")`}: ${off.join(', ')}`);
    }
  }
  // A category refines one trade: a result whose category belongs to another trade contradicts itself.
  const tradeOf = new Map([...(classes?.values() ?? [])].map((c) => [c.category, c.trade]));
  for (const j of used) {
    const item = got[j]!;
    const owner = tradeOf.get(item.category?.value ?? '');
    if (owner !== undefined && item.trade?.value != null && owner !== item.trade.value) misses.push(`class pair: "${item.description}": category ${item.category!.value} is a ${owner} category, but its trade is ${item.trade.value}`);
  }
  const counts: Record<string, number> = {};
  for (const w of warnings) counts[w.code] = (counts[w.code] ?? 0) + 1;
  return { expected: expected.length, found, exact, silentlyWrong, silentlyLost, extra: got.length - used.size, action, trade, category, classified, warnings: counts, misses, matched };
}

/** A section of prose as GET /documents/:id/result returns it for a document that is not an estimate. */
export interface ResultTextSection {
  readonly title: string | null;
  readonly paragraphs: readonly string[];
}

export interface ProseTruth {
  readonly before: readonly string[];
  readonly paragraphs: readonly { readonly heading: string; readonly text: string }[];
  readonly after: readonly string[];
}

export interface ProseScore {
  /** Words of the page, in reading order. */
  readonly words: number;
  /** How many of them the result has in that same order (longest common subsequence). */
  readonly inOrder: number;
  readonly paragraphs: number;
  /** Paragraphs whose words are, nearly all, one unbroken run inside one paragraph of the result. */
  readonly intact: number;
  readonly headings: number;
  /** Headings that are the title of one of the result's sections. */
  readonly headingsAsTitles: number;
  /** Result paragraphs holding a good part of two or more of the page's paragraphs: columns run together. */
  readonly mixed: number;
  readonly misses: readonly string[];
}

const words = (s: string): string[] => normal(s).split(' ').filter(Boolean);

/** Longest common subsequence of two word lists, with the positions in `b` it uses. */
function lcs(a: readonly string[], b: readonly string[]): number[] {
  const w = b.length + 1;
  const table = new Uint16Array((a.length + 1) * w);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) table[i * w + j] = a[i - 1] === b[j - 1] ? table[(i - 1) * w + j - 1]! + 1 : Math.max(table[(i - 1) * w + j]!, table[i * w + j - 1]!);
  }
  const used: number[] = [];
  for (let i = a.length, j = b.length; i > 0 && j > 0; ) {
    if (a[i - 1] === b[j - 1]) {
      used.push(j - 1);
      i--;
      j--;
    } else if (table[(i - 1) * w + j]! >= table[i * w + j - 1]!) i--;
    else j--;
  }
  return used.reverse();
}

/** A paragraph survives when at least this share of its words is found, in order, in one result paragraph… */
const INTACT_SHARE = 0.9;
/** …with no more than this share of foreign words between its first and last. */
const INTACT_SLACK = 0.1;

/** How well a page of prose came back: words in reading order, paragraphs intact, headings as section titles. */
export function scoreProse(truth: ProseTruth, got: readonly ResultTextSection[]): ProseScore {
  const expected = [...truth.before, ...truth.paragraphs.flatMap((p) => [p.heading, p.text]), ...truth.after].flatMap(words);
  const read = got.flatMap((s) => [s.title ?? '', ...s.paragraphs]).flatMap(words);
  const inOrder = lcs(expected, read).length;
  const blocks = got.flatMap((s) => s.paragraphs.map(words));
  const titles = got.map((s) => s.title ?? '');
  const misses: string[] = [];
  const untitled: string[] = [];
  let intact = 0;
  let headingsAsTitles = 0;
  for (const p of truth.paragraphs) {
    const want = words(p.text);
    let best = { found: 0, span: 0 };
    for (const block of blocks) {
      const used = lcs(want, block);
      if (used.length > best.found) best = { found: used.length, span: used.at(-1)! - used[0]! + 1 };
    }
    const foreign = best.span - best.found;
    if (best.found >= INTACT_SHARE * want.length && foreign <= Math.max(2, INTACT_SLACK * want.length)) intact++;
    else misses.push(`"${p.heading}": at most ${best.found} of its ${want.length} words in one paragraph${foreign > 0 ? `, with ${foreign} words of other text among them` : ''}`);
    if (titles.some((t) => t && similarity(t, p.heading) >= 0.8)) headingsAsTitles++;
    else untitled.push(`"${p.heading}"`);
  }
  // A share of a paragraph this large inside a result paragraph means it went there.
  const part = (n: number) => Math.max(5, 0.2 * n);
  const mixed = blocks.filter((block) => truth.paragraphs.filter((p) => {
    const want = words(p.text);
    return lcs(want, block).length >= part(want.length);
  }).length >= 2).length;
  if (mixed) misses.push(`${mixed} result paragraph${mixed > 1 ? 's hold' : ' holds'} words of two or more of the page's paragraphs`);
  if (untitled.length) misses.push(`headings not a section title: ${untitled.join(', ')}`);
  return { words: expected.length, inOrder, paragraphs: truth.paragraphs.length, intact, headings: truth.paragraphs.length, headingsAsTitles, mixed, misses };
}
