// Checks an estimate's numbers against each other: each row's quantity × unit price against its total,
// each section's items against its printed subtotal, all items against the estimate's total. OCR slips
// that break a check (a faint decimal point lost, "24.33" read as "2433"; a misread digit; S or 5 for
// a $) are repaired only when exactly one re-reading makes the checks agree; anything else is flagged.
import { balances, priceRounding, type LineItem, type ReadRow } from './line-items.js';
import type { DocumentWarning } from './warnings.js';

export type ItemCheck =
  /** quantity × unit price = total (plus the tax and O&P columns between, in RCV layouts), to the cent, allowing only the rounding of the printed unit price. */
  | 'line_total'
  /** The section's items add up to its printed subtotal. */
  | 'section_total'
  /** All items add up to the estimate's printed total. */
  | 'document_total';

export type ItemFlag =
  /** quantity × unit price ≠ total, and no single re-reading of the numbers fixes it. */
  | 'unbalanced'
  /** OCR was unsure of the row. */
  | 'low_confidence';

export interface ItemRepair {
  readonly field: 'quantity' | 'unit_price' | 'total';
  /** The number as read. */
  readonly read: number;
  readonly value: number;
  /** decimal_point: a lost point put back; digit: one misread digit; currency_sign: a $ read as a digit. */
  readonly reason: 'decimal_point' | 'digit' | 'currency_sign' | 'section_total';
}

export interface RowReading {
  readonly row: ReadRow;
  /** 0..1, OCR's confidence in the row's line; 1 for a text layer. */
  readonly readConfidence: number;
  /** Read by OCR: only then may numbers be re-read, a text layer says exactly what it says. */
  readonly ocr: boolean;
}

export interface PrintedTotal {
  readonly value: number;
  readonly page: number;
}

export interface SectionReading {
  readonly title: string | null;
  readonly rows: readonly RowReading[];
  readonly subtotal?: PrintedTotal;
}

export interface CheckedSection {
  readonly title: string | null;
  readonly line_items: LineItem[];
}

/** Below this a row's OCR confidence is worth a flag, whatever its numbers say. */
const LOW_ROW_CONFIDENCE = 0.6;

/** Digits OCR confuses, each with the ones it is mistaken for. */
const LOOKALIKES: Readonly<Record<string, readonly string[]>> = {
  '0': ['8', '6', '9'], '1': ['7', '4'], '2': ['7'], '3': ['8'], '4': ['1'], '5': ['6', '8'], '6': ['5', '8', '0'], '7': ['1', '2'], '8': ['0', '3', '6', '9', '5'], '9': ['8', '0'],
};

const cents = (n: number) => Math.round(n * 100) / 100;

function sumsTo(values: readonly number[], printed: number): boolean {
  return Math.abs(cents(values.reduce((s, v) => s + v, 0)) - printed) <= 0.011;
}

interface Reading {
  readonly value: number;
  readonly cost: number;
  readonly reason?: ItemRepair['reason'];
  /** The reading takes the number ending the description as the quantity's whole part. */
  readonly joinsHead?: boolean;
}

/** A number and the other values its token could have had, cheapest (most likely) first. */
function rereadings(raw: string, value: number, money: boolean): Reading[] {
  const out: Reading[] = [{ value, cost: 0 }];
  const sign = value < 0 ? -1 : 1;
  const digits = raw.replace(/[^0-9.]/g, '');
  const plain = digits.replace(/\./g, '');
  if (plain.length === 0) return out;
  // The point was too faint to see: it belongs before the last two digits (cents, or 2-decimal quantities) or,
  // in a quantity, the last one ("35" for 3.5 HR).
  if (!digits.includes('.') && plain.length >= 3) out.push({ value: (sign * Number(plain)) / 100, cost: 1, reason: 'decimal_point' });
  if (!digits.includes('.') && !money && plain.length >= 2) out.push({ value: (sign * Number(plain)) / 10, cost: 1, reason: 'decimal_point' });
  // A $ read as a 5, 8 or S stuck to the amount.
  if (money && !raw.includes('$') && /^[58]/.test(digits) && digits.length >= 4) {
    out.push({ value: sign * Number(digits.slice(1)), cost: 1, reason: 'currency_sign' });
  }
  for (let i = 0; i < digits.length; i++) {
    for (const other of LOOKALIKES[digits[i]!] ?? []) {
      const changed = Number(digits.slice(0, i) + other + digits.slice(i + 1));
      if (Number.isFinite(changed)) out.push({ value: sign * changed, cost: 2, reason: 'digit' });
    }
  }
  return out;
}

interface Choice {
  readonly quantity: Reading;
  readonly unit_price: Reading;
  readonly total: Reading;
}

/**
 * Every cheapest combination of re-readings under which the row adds up; of equally cheap ones, those
 * exact to the cent come before those only the price's rounding explains (86 × 3.45 read as 296.10:
 * 296.70, not 296.40).
 */
function balancingChoices(reading: RowReading): Choice[] {
  const { row } = reading;
  const q = rereadings(row.raw.quantity, row.item.quantity, false);
  if (row.raw.quantity_head) q.push({ value: Number(`${row.raw.quantity_head}.${row.raw.quantity}`), cost: 1, reason: 'decimal_point', joinsHead: true });
  const p = rereadings(row.raw.unit_price, row.item.unit_price, true);
  const t = rereadings(row.raw.total, row.item.total, true);
  // Re-readings keep the price's decimals, or put its point before the cents: the rounding is the raw price's.
  const rounding = priceRounding(row.raw.unit_price);
  let best = Infinity;
  let choices: Choice[] = [];
  for (const quantity of q) {
    for (const unit_price of p) {
      for (const total of t) {
        const exact = balances(quantity.value, unit_price.value, total.value, 0);
        const rank = 2 * (quantity.cost + unit_price.cost + total.cost) + (exact ? 0 : 1);
        if (rank > best || !(exact || balances(quantity.value, unit_price.value, total.value, rounding))) continue;
        if (rank < best) {
          best = rank;
          choices = [];
        }
        if (!choices.some((c) => c.quantity.value === quantity.value && c.unit_price.value === unit_price.value && c.total.value === total.value)) {
          choices.push({ quantity, unit_price, total });
        }
      }
    }
  }
  return choices;
}

interface Working {
  item: LineItem;
  readonly reading: RowReading;
  balanced: boolean;
  repairs: ItemRepair[];
  /** Several equally cheap readings add up: the section total may tell which. */
  ambiguous: Choice[];
}

function apply(work: Working, choice: Choice): void {
  const repairs: ItemRepair[] = [];
  for (const field of ['quantity', 'unit_price', 'total'] as const) {
    const r = choice[field];
    if (r.cost > 0 && r.reason) repairs.push({ field, read: work.item[field], value: r.value, reason: r.reason });
  }
  const description = choice.quantity.joinsHead ? work.item.description.replace(/\s*\d+$/, '') : work.item.description;
  work.item = { ...work.item, description, quantity: choice.quantity.value, unit_price: choice.unit_price.value, total: choice.total.value };
  work.repairs.push(...repairs);
  work.balanced = true;
  work.ambiguous = [];
}

function checkRow(reading: RowReading): Working {
  const work: Working = { item: reading.row.item, reading, balanced: reading.row.balanced, repairs: [], ambiguous: [] };
  // Rows with tax and O&P columns are checked as read; re-reading is for the plain quantity, price, total.
  if (work.balanced || !reading.ocr || reading.row.rest.length !== 1) return work;
  const choices = balancingChoices(reading);
  if (choices.length === 1) apply(work, choices[0]!);
  else if (choices.length > 1) work.ambiguous = choices;
  return work;
}

/**
 * Uses a section's printed subtotal to settle what the rows could not: which of several readings is
 * right, or, for the one row that does not add up, what its total must be.
 */
function settleWithSubtotal(rows: Working[], subtotal: number): void {
  const totals = () => rows.map((w) => w.item.total);
  if (sumsTo(totals(), subtotal)) return;
  const open = rows.filter((w) => !w.balanced);
  if (open.length !== 1) return;
  const work = open[0]!;
  const others = rows.filter((w) => w !== work).reduce((s, w) => s + w.item.total, 0);
  const needed = cents(subtotal - others);
  if (work.ambiguous.length) {
    const fitting = work.ambiguous.filter((c) => Math.abs(c.total.value - needed) <= 0.011);
    if (fitting.length === 1) apply(work, fitting[0]!);
    return;
  }
  if (work.reading.ocr && balances(work.item.quantity, work.item.unit_price, needed, priceRounding(work.reading.row.raw.unit_price))) {
    work.repairs.push({ field: 'total', read: work.item.total, value: needed, reason: 'section_total' });
    work.item = { ...work.item, total: needed };
    work.balanced = true;
  }
}

/**
 * 0..1: OCR's certainty in the row (1 for a text layer) times what the numbers showed: 0.3 when they
 * do not add up, 0.8 when one had to be re-read, 0.9 when they add up as read, 0.95 and 1 when the
 * section's and the estimate's printed totals agree as well.
 */
function confidenceOf(work: Working, checks: readonly ItemCheck[]): number {
  const read = work.reading.ocr ? 0.5 + 0.5 * work.reading.readConfidence : 1;
  const numbers = !work.balanced ? 0.3 : work.repairs.length ? 0.8 : 0.9 + 0.05 * checks.filter((c) => c !== 'line_total').length;
  return Math.round(Math.min(1, read * numbers) * 100) / 100;
}

/** Checked sections, and warnings for what the checks could not vouch for (item indexes in reading order). */
export function checkSections(sections: readonly SectionReading[], documentTotal: PrintedTotal | undefined): { sections: CheckedSection[]; warnings: DocumentWarning[] } {
  const worked = sections.map((s) => ({ section: s, rows: s.rows.map(checkRow) }));
  for (const { section, rows } of worked) if (section.subtotal) settleWithSubtotal(rows, section.subtotal.value);

  const warnings: DocumentWarning[] = [];
  const all = worked.flatMap((w) => w.rows);
  const documentBalanced = documentTotal ? sumsTo(all.map((w) => w.item.total), documentTotal.value) : undefined;
  if (documentTotal && !documentBalanced) {
    const sum = cents(all.reduce((s, w) => s + w.item.total, 0));
    warnings.push({ code: 'document_total_mismatch', page: documentTotal.page, message: `the line items add up to ${sum.toFixed(2)}, the estimate's total reads ${documentTotal.value.toFixed(2)}: an item may be missing or misread` });
  }

  const perPage = new Map<string, { code: DocumentWarning['code']; page: number; items: number[] }>();
  const note = (code: DocumentWarning['code'], page: number, index: number) => {
    const key = `${code}:${page}`;
    const entry = perPage.get(key) ?? { code, page, items: [] };
    entry.items.push(index);
    perPage.set(key, entry);
  };

  let index = 0;
  const checked = worked.map(({ section, rows }) => {
    const sectionBalanced = section.subtotal ? sumsTo(rows.map((w) => w.item.total), section.subtotal.value) : undefined;
    if (section.subtotal && !sectionBalanced) {
      const sum = cents(rows.reduce((s, w) => s + w.item.total, 0));
      warnings.push({ code: 'section_total_mismatch', page: section.subtotal.page, section: section.title, message: `the items of ${section.title ?? 'the section'} add up to ${sum.toFixed(2)}, its total reads ${section.subtotal.value.toFixed(2)}: an item may be missing or misread` });
    }
    const line_items = rows.map((work) => {
      const checks: ItemCheck[] = [];
      if (work.balanced) checks.push('line_total');
      if (sectionBalanced) checks.push('section_total');
      if (documentBalanced) checks.push('document_total');
      const flags: ItemFlag[] = [];
      if (!work.balanced) {
        flags.push('unbalanced');
        note('items_unbalanced', work.item.page, index);
      }
      if (work.reading.ocr && work.reading.readConfidence < LOW_ROW_CONFIDENCE) {
        flags.push('low_confidence');
        note('low_confidence', work.item.page, index);
      }
      if (work.repairs.length) note('items_repaired', work.item.page, index);
      index++;
      return { ...work.item, confidence: confidenceOf(work, checks), checks, repairs: work.repairs, flags };
    });
    return { title: section.title, line_items };
  });

  for (const { code, page, items } of perPage.values()) {
    const n = items.length;
    const what =
      code === 'items_unbalanced'
        ? `${n} item${n === 1 ? '' : 's'} on page ${page} do${n === 1 ? 'es' : ''} not add up (quantity × unit price ≠ total) and could not be re-read so that ${n === 1 ? 'it does' : 'they do'}`
        : code === 'items_repaired'
          ? `${n} item${n === 1 ? '' : 's'} on page ${page} had a number re-read so that the item adds up (see each item's repairs)`
          : `OCR was unsure of ${n} item${n === 1 ? '' : 's'} on page ${page}`;
    warnings.push({ code, page, items, message: what });
  }
  return { sections: checked, warnings };
}
