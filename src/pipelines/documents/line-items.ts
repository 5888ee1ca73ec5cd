// Reads one estimate row — "1. Remove drywall 120 SF $1.25 $150.00" — into numbers. Rows are parsed
// from the right, where the columns are predictable (quantity, unit, then money); whatever is left
// is the description, which may itself contain numbers ("3 tab - 25 yr. shingle"). Rows read by OCR
// carry its usual slips (stray marks beside a number, a comma read as a point, S for $ or 8 for S in a
// unit); those are read through here, and numbers that do not add up are left to item-checks.ts.
import type { ItemCheck, ItemFlag, ItemRepair } from './item-checks.js';

export interface LineItem {
  readonly description: string;
  readonly quantity: number;
  /** Upper-case unit code: SF, LF, EA, SY, SQ, HR, ...; null for a row that prints none (quantity, price, total). */
  readonly unit: string | null;
  readonly unit_price: number;
  readonly total: number;
  /** 1-based page the row was read from. */
  readonly page: number;
  /** 0..1: how far the numbers can be trusted (see item-checks.ts). Set by the structure stage. */
  readonly confidence?: number;
  /** The checks the item's numbers passed. */
  readonly checks?: ItemCheck[];
  /** Numbers changed from what was read, because only the changed reading adds up. */
  readonly repairs?: ItemRepair[];
  /** Why the item needs a person's eye; absent or empty when nothing is in doubt. */
  readonly flags?: ItemFlag[];
}

/** A row as read, with the tokens its numbers came from, for the checks that may re-read them. */
export interface ReadRow {
  readonly item: LineItem;
  readonly raw: {
    readonly quantity: string;
    readonly unit_price: string;
    readonly total: string;
    /** The whole number ending the description when the point of the quantity may have been read as a space ("124 33 SF"). */
    readonly quantity_head?: string;
  };
  /** Every money column after the unit price, in order (tax, O&P, RCV, … in Xactimate-style rows). */
  readonly rest: readonly number[];
  /** Whether the total was found as quantity × price plus the columns between (false: the column after the price, by position). */
  readonly balanced: boolean;
}

/** Units used by restoration and construction estimates, with the spellings people type for them. */
const UNIT_ALIASES: Readonly<Record<string, string>> = {
  SF: 'SF', SQFT: 'SF', LF: 'LF', EA: 'EA', SY: 'SY', SQ: 'SQ', HR: 'HR', HRS: 'HR',
  CF: 'CF', CY: 'CY', DA: 'DA', DAY: 'DA', DAYS: 'DA', WK: 'WK', MO: 'MO', GAL: 'GAL', GL: 'GAL',
  LS: 'LS', TN: 'TN', RL: 'RL', BX: 'BX', PR: 'PR', CS: 'CS', SFWL: 'SF', SFFL: 'SF', SFCL: 'SF',
};

/** What OCR reads a unit's letters as ("8Q" for SQ, "5F" for SF, "OA" for DA, "FA" for EA), and back. */
const UNIT_LOOKALIKES: Readonly<Record<string, readonly string[]>> = {
  '5': ['S'], '8': ['S'], '0': ['O', 'D'], '1': ['L', 'I'], '6': ['G'], O: ['D', 'Q'], D: ['O'], Q: ['O'], E: ['F'], F: ['E'], P: ['F'], I: ['L'], L: ['I'], V: ['Y'], Y: ['V'],
};

const NUMBER = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+`;
/** An amount as printed: a sign or bracket before it (`-`, `–`, `(`, `<`), a currency sign, a minus after that (`$-100.00`). */
const AMOUNT = new RegExp(String.raw`^([(<\-–]?)[$€£]?(-?)(${NUMBER})[)>]?$`);
/** A currency written as its code after the amount ("450.00 USD"): a column's label, not a column. */
const CURRENCY_CODE = /^(?:USD|EUR|GBP|CAD|AUD|NZD|CHF)$/;
const QUANTITY = new RegExp(String.raw`^(${NUMBER})$`);
/** "1.", "12)", and as OCR reads them "11:" or "3,". */
const ITEM_NUMBER = /^\s*\d{1,4}[.):,]\s+/;
/** Marks OCR leaves beside a number: specks read as quotes, rules read as bars, a stray point or dash. */
const EDGE_JUNK = /^[‘’'`"“”~|°•_:;,©®]+|[‘’'`"“”~|°•_:;,.©®\-–—]+$/g;
/** A token with no letter, digit or currency sign in it is a mark between columns, not a column. */
const isMark = (token: string) => !/[\p{L}\p{N}$€£]/u.test(token);
/** What sits between a row's money columns without being one: a lone currency sign (OCR spacing), a mark, a currency code. */
const isBetweenColumns = (token: string) => token === '$' || token === '€' || token === '£' || isMark(token) || CURRENCY_CODE.test(token);

/**
 * A money amount written with points for thousands, as OCR reads commas: "1.472.31" → "1,472.31".
 * Only when every group after the first has three digits and the last has two.
 */
function fixSeparators(digits: string): string {
  if (/^\d{1,3}(?:[.,]\d{3})+[.,]\d{2}$/.test(digits)) return `${digits.slice(0, -3).replace(/[.,]/g, ',')}.${digits.slice(-2)}`;
  // "512,40": a comma where the point was, cents after it.
  return /^\d+,\d{2}$/.test(digits) ? digits.replace(',', '.') : digits;
}

/** "$1,250.00" → 1250, "€32.00" → 32; "(12.50)", "<12.50>", "-$12.50", "–$12.50" and "$-12.50" → -12.5. */
export function parseAmount(token: string): number | undefined {
  const match = AMOUNT.exec(token);
  if (!match?.[3]) return undefined;
  const value = Number(match[3].replace(/,/g, ''));
  return match[1] !== '' || match[2] !== '' ? -value : value;
}

/** parseAmount after OCR's slips: stray marks at the edges, points for commas, S for a leading $. */
function readAmount(token: string): number | undefined {
  const clean = token.replace(EDGE_JUNK, '');
  const sign = /^[(<\-–]/.exec(clean)?.[0] ?? '';
  const body = clean.slice(sign.length).replace(/^S(?=-?\d)/, '$');
  const currency = /^[$€£]/.exec(body)?.[0] ?? '';
  const minus = body.slice(currency.length).startsWith('-') ? '-' : '';
  const close = /[)>]$/.exec(body)?.[0] ?? '';
  const digits = body.slice(currency.length + minus.length, body.length - close.length);
  return parseAmount(`${sign}${currency}${minus}${fixSeparators(digits)}${close}`);
}

function unitCode(token: string): string | undefined {
  return UNIT_ALIASES[token.replace(/\.$/, '').toUpperCase()];
}

/**
 * A unit as OCR may have read it: as written, or with one or two characters read as their look-alikes
 * when that gives exactly one known unit.
 */
function ocrUnitCode(token: string): string | undefined {
  const letters = token.replace(EDGE_JUNK, '').replace(/^[.,]/, '').toUpperCase();
  if (!/[A-Z]/.test(letters) || letters.length > 4) return undefined;
  const exact = unitCode(letters);
  if (exact) return exact;
  const found = new Set<string>();
  const chars = [...letters];
  const variants = (i: number, prefix: string, changes: number): void => {
    if (i === chars.length) {
      const unit = changes > 0 ? unitCode(prefix) : undefined;
      if (unit) found.add(unit);
      return;
    }
    variants(i + 1, prefix + chars[i], changes);
    if (changes < 2) for (const other of UNIT_LOOKALIKES[chars[i]!] ?? []) variants(i + 1, prefix + other, changes + 1);
  };
  variants(0, '', 0);
  return found.size === 1 ? [...found][0] : undefined;
}

/** Letters OCR reads digits as, in a token that can only be a number ("LOO" for 1.00 with its point lost). */
const DIGIT_FOR_LETTER: Readonly<Record<string, string>> = { O: '0', o: '0', D: '0', l: '1', I: '1', L: '1', i: '1' };

/** A quantity token as OCR may have read it: a colon for the point ("28:67"), a dash stuck in front, O for 0. */
function readQuantityToken(token: string): string | undefined {
  let clean = token.replace(EDGE_JUNK, '').replace(/^[-–—]/, '').replace(/(?<=\d):(?=\d{1,2}$)/, '.');
  if (/^[0-9OoDlILi][0-9OoDlILi.,]*$/.test(clean)) clean = [...clean].map((c) => DIGIT_FOR_LETTER[c] ?? c).join('');
  return QUANTITY.test(clean) ? clean : undefined;
}

/** "120SF", "31.33SQ" and OCR's "31.338Q" or "34.44.8Y": a quantity with its unit stuck to it. */
function splitQuantityUnit(token: string): { quantity: string; unit: string } | undefined {
  for (let cut = token.length - 1; cut >= 1; cut--) {
    const number = readQuantityToken(token.slice(0, cut).replace(/\.$/, ''));
    const unit = ocrUnitCode(token.slice(cut));
    if (unit && number !== undefined && !/\.\d{3,}$/.test(number)) return { quantity: number, unit };
  }
  return undefined;
}

/**
 * Half a unit in the last decimal place a unit price was printed to, and half a cent at most: a price
 * printed to the cent (or in whole dollars) may have been rounded by at most 0.005, one printed to
 * four decimals by 0.00005.
 */
export function priceRounding(raw: string): number {
  const decimals = /\.(\d+)\D*$/.exec(raw.replace(EDGE_JUNK, ''))?.[1]?.length ?? 0;
  return 0.5 * 10 ** -Math.max(2, decimals);
}

/**
 * quantity × unit price gives the total to the cent, allowing only what rounding the printed unit
 * price explains: |quantity × price − total| ≤ |quantity| × that rounding + 0.005. So 3 × 33.33 (a
 * third of 100.00) gives 100.00, but 86 × 3.45 (296.70) does not give 296.10.
 */
export function balances(quantity: number, unitPrice: number, total: number, rounding: number): boolean {
  // The epsilon keeps a difference of exactly the allowance (in binary floating point) inside it.
  return Math.abs(quantity * unitPrice - total) <= Math.abs(quantity) * rounding + 0.005 + 1e-9;
}

/**
 * The total is the money column that equals quantity × unit price plus the columns between them
 * (tax, overhead & profit in Xactimate-style RCV layouts); failing that, the column after the price.
 */
function pickTotal(quantity: number, unitPrice: number, rounding: number, rest: readonly number[]): { total: number; index: number; balanced: boolean } {
  let between = 0;
  for (let i = 0; i < rest.length; i++) {
    const value = rest[i]!;
    if (balances(quantity, unitPrice, value - between, rounding)) return { total: value, index: i, balanced: true };
    between += value;
  }
  return { total: rest[0]!, index: 0, balanced: false };
}

export function parseLineItem(line: string, page: number): LineItem | undefined {
  return readLineItem(line, page)?.item;
}

/** The row's item and the tokens its numbers were read from; undefined when the line is not an item. */
export function readLineItem(line: string, page: number): ReadRow | undefined {
  const tokens = line.replace(ITEM_NUMBER, '').trim().split(/\s+/);
  const amounts: number[] = [];
  const rawAmounts: string[] = [];
  let end = tokens.length;
  while (end > 0) {
    const token = tokens[end - 1]!;
    // A lone $ (OCR spacing), a lone mark (a speck, a table rule) or a currency code sits between columns.
    if (isBetweenColumns(token)) {
      end--;
      continue;
    }
    const value = readAmount(token);
    if (value === undefined) break;
    // "$48 75": the point read as a space; the cents are glued back to the dollars before them.
    const dollars = tokens[end - 2]?.replace(EDGE_JUNK, '') ?? '';
    if (/^\d{2}$/.test(token) && /^\$\d[\d,]*$/.test(dollars)) {
      amounts.unshift(Number(`${dollars.slice(1).replace(/,/g, '')}.${token}`));
      rawAmounts.unshift(`${dollars}.${token}`);
      end -= 2;
      continue;
    }
    amounts.unshift(value);
    rawAmounts.unshift(token);
    end--;
  }
  if (amounts.length < 2) return undefined;

  let quantity: number | undefined;
  let rawQuantity = '';
  let unit: string | undefined;
  const last = (tokens[end - 1] ?? '').replace(EDGE_JUNK, '');
  const joined = splitQuantityUnit(last);
  if (joined) {
    rawQuantity = joined.quantity;
    unit = joined.unit;
    end -= 1;
  } else if (ocrUnitCode(last)) {
    const number = readQuantityToken(tokens[end - 2] ?? '');
    if (number !== undefined) {
      rawQuantity = number;
      unit = ocrUnitCode(last);
      end -= 2;
    }
  }
  if (rawQuantity !== '') quantity = Number(rawQuantity.replace(/,/g, ''));
  if (quantity === undefined || unit === undefined) return readUnitlessRow(tokens.slice(0, end), amounts, rawAmounts, tokens.slice(end).some((t) => CURRENCY_CODE.test(t)), page);

  const description = descriptionOf(tokens.slice(0, end));
  if (!/[A-Za-z]{2}/.test(description)) return undefined;
  const [unitPrice, ...rest] = amounts as [number, ...number[]];
  const picked = pickTotal(quantity, unitPrice, priceRounding(rawAmounts[0]!), rest);
  const head = /(?:^|\s)(\d{1,6})$/.exec(description)?.[1];
  return {
    item: { description, quantity, unit, unit_price: unitPrice, total: picked.total, page },
    raw: { quantity: rawQuantity, unit_price: rawAmounts[0]!, total: rawAmounts[1 + picked.index]!, ...(head && /^\d{1,2}$/.test(rawQuantity) ? { quantity_head: head } : {}) },
    rest,
    balanced: picked.balanced,
  };
}

/**
 * A row with no unit column, as invoices print them ("Copy paper, 10 ream case 3 $42.99 $128.97") or as
 * OCR leaves one whose unit column it dropped: one of the numbers ending the row, a bare number
 * without a sign followed by at least two more, is the quantity. Without a unit to say where the
 * quantity is, a number ending the description (a model, a size, a year) could be taken for it, so
 * the row counts only when quantity × price gives one of the money columns after it (the rightmost
 * such reading) and the price or that total carries a currency sign (or the row a currency code); one that does not is left to
 * looksLikeItemRow (row_unreadable).
 */
function readUnitlessRow(before: readonly string[], amounts: readonly number[], rawAmounts: readonly string[], coded: boolean, page: number): ReadRow | undefined {
  for (let q = amounts.length - 3; q >= 0; q--) {
    const rawQuantity = rawAmounts[q]!.replace(EDGE_JUNK, '');
    if (!/^\d[\d,]*(?:\.\d+)?$/.test(rawQuantity) || amounts[q] === 0) continue;
    const description = descriptionOf([...before, ...rawAmounts.slice(0, q)]);
    if (!/[A-Za-z]{2}/.test(description)) return undefined;
    const [quantity, unitPrice, ...rest] = amounts.slice(q) as [number, number, ...number[]];
    const picked = pickTotal(quantity, unitPrice, priceRounding(rawAmounts[q + 1]!), rest);
    // Without a unit, a × b = c alone is no item: a room's length × width = area is one too. Its
    // price or its total must be written as money.
    if (!picked.balanced || !(coded || isMoney(rawAmounts[q + 1]!) || isMoney(rawAmounts[q + 2 + picked.index]!))) continue;
    return {
      item: { description, quantity, unit: null, unit_price: unitPrice, total: picked.total, page },
      raw: { quantity: rawQuantity, unit_price: rawAmounts[q + 1]!, total: rawAmounts[q + 2 + picked.index]! },
      rest,
      balanced: true,
    };
  }
  return undefined;
}

/** An amount written with its currency sign ("$42.99", "€32.00", "-$5.00", OCR's "S42.99"). */
const isMoney = (raw: string): boolean => /^[(<\-–]?(?:[$€£]|S(?=-?\d))/.test(raw.replace(EDGE_JUNK, ''));

/** The words before a row's numbers, without the marks OCR leaves at either end. */
function descriptionOf(tokens: readonly string[]): string {
  return tokens
    .join(' ')
    .replace(/^[\s.,:;'‘’`"~°|•-]+/, '')
    .replace(/[\s\-–—:‘’'`~°|•]+$/, '');
}

/** A money amount at the end of a line ("Totals: Kitchen $1,264.83"), as OCR may have read it. */
export function trailingAmount(line: string): number | undefined {
  const tokens = line.trim().split(/\s+/).filter((t) => !isBetweenColumns(t));
  return tokens.length > 1 ? readAmount(tokens.at(-1)!) : undefined;
}

/**
 * What a token at the end of a row is as a money column: an amount as printed (`$12.18`, `1,212.18`),
 * or as OCR leaves one — its point lost (`821218`, at least three digits, as cents make), or its
 * digits garbled after a sign that survived (`$nzI8`).
 */
function moneyColumn(token: string): 'amount' | 'garbled' | undefined {
  const clean = token.replace(EDGE_JUNK, '');
  if (/[$€£.,]/.test(clean) && readAmount(token) !== undefined) return 'amount';
  if (/^\d{3,}$/.test(clean) || /^[$€£]\S*\d/.test(clean)) return 'garbled';
  return undefined;
}

/**
 * Whether a line that is not an item still reads like one, so that losing it must be told: it ends
 * in two money columns, at least one of them an amount as printed and the other maybe garbled by OCR
 * ("821218 1212.18", "$118 00 8236 00" with each point read as a space), or in one amount after a
 * quantity with its unit ("624 SF C031 193.44", the unit price unreadable). A line ending in one
 * amount and naming no quantity is a total, a tax or a note; one ending in bare numbers alone is an
 * address, a phone number or a claim number.
 */
export function looksLikeItemRow(line: string): boolean {
  const tokens = line.trim().split(/\s+/);
  let amounts = 0;
  let columns = 0;
  let end = tokens.length;
  while (end > 0) {
    const t = tokens[end - 1]!;
    if (isBetweenColumns(t)) {
      end--;
      continue;
    }
    // "$118 00", "8236 00": the point read as a space (and the $ as an 8), one amount in two tokens;
    // dollars of two digits or fewer need their sign, so a date written "03 14" is no amount.
    if (/^\d{2}$/.test(t.replace(EDGE_JUNK, '')) && /^(?:[$S]\d[\d,]*|\d{3,}[\d,]*)$/.test(tokens[end - 2]?.replace(EDGE_JUNK, '') ?? '')) {
      amounts++;
      columns++;
      end -= 2;
      continue;
    }
    const column = moneyColumn(t);
    if (column === undefined) break;
    if (column === 'amount') amounts++;
    columns++;
    end--;
  }
  if (amounts >= 1 && columns >= 2) return true;
  if (amounts !== 1) return false;
  return tokens.slice(0, end).some((token, i, before) => {
    const clean = token.replace(EDGE_JUNK, '');
    return splitQuantityUnit(clean) !== undefined || (ocrUnitCode(clean) !== undefined && i > 0 && readQuantityToken(before[i - 1]!) !== undefined);
  });
}
