// Dates as people write them, in file names and in documents, and the one date a file is filed under.
// A date may be partial: "2024" (a year alone), "2024-03" or "2024-03-14"; a folder rule then uses only
// what is known (Contracts/{yyyy} needs the year only).

/** YYYY, YYYY-MM or YYYY-MM-DD. */
export type PartialDate = string;

const MONTHS: readonly string[] = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAME = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const YEAR = '((?:19|20)\\d{2})';

const monthOf = (name: string): number => MONTHS.indexOf(name.slice(0, 3).toLowerCase()) + 1;
const pad = (n: number): string => String(n).padStart(2, '0');
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function make(y: number, m?: number, d?: number): PartialDate | null {
  if (y < 1970 || y > 2100) return null;
  if (m === undefined) return String(y);
  if (m < 1 || m > 12) return null;
  if (d === undefined) return `${y}-${pad(m)}`;
  if (d < 1 || d > (DAYS_IN_MONTH[m - 1] ?? 31)) return null;
  return `${y}-${pad(m)}-${pad(d)}`;
}

/** Day and month from two numbers written either way round: day first unless that cannot be. */
function dayMonth(a: number, b: number, monthFirst: boolean): [number, number] | null {
  const [m, d] = monthFirst ? [a, b] : [b, a];
  if (m >= 1 && m <= 12 && d >= 1 && d <= 31) return [m, d];
  if (d >= 1 && d <= 12 && m >= 1 && m <= 31) return [d, m];
  return null;
}

interface Found {
  readonly date: PartialDate;
  readonly index: number;
  readonly end: number;
}

interface Pattern {
  readonly re: RegExp;
  readonly read: (m: RegExpExecArray) => PartialDate | null;
}

const num = (s: string | undefined): number => Number(s);

// Most precise first: where two patterns match the same characters, the earlier one wins.
const TEXT_PATTERNS: readonly Pattern[] = [
  // 2025-03-14, 2025/03/14, 2025.03.14
  { re: new RegExp(`(?<![\\d])${YEAR}[-/.](\\d{1,2})[-/.](\\d{1,2})(?![\\d])`, 'g'), read: (m) => make(num(m[1]), num(m[2]), num(m[3])) },
  // 14 March 2025, 14-Mar-2025, 14th of March, 2025
  { re: new RegExp(`(?<![\\d])(\\d{1,2})(?:st|nd|rd|th)?(?:\\s+of)?[\\s\\-./]+${MONTH_NAME}\\.?[\\s\\-./,]+${YEAR}(?![\\d])`, 'gi'), read: (m) => make(num(m[3]), monthOf(m[2]!), num(m[1])) },
  // March 14, 2025; Mar 14 2025
  { re: new RegExp(`\\b${MONTH_NAME}\\.?[\\s\\-]+(\\d{1,2})(?:st|nd|rd|th)?,?[\\s\\-]+${YEAR}(?![\\d])`, 'gi'), read: (m) => make(num(m[3]), monthOf(m[1]!), num(m[2])) },
  // 03/14/2025 (US, slashes) and 14.03.2025 (European, dots): the order the separator suggests, unless impossible
  { re: new RegExp(`(?<![\\d/.])(\\d{1,2})([/.\\-])(\\d{1,2})\\2${YEAR}(?![\\d])`, 'g'), read: (m) => {
    const dm = dayMonth(num(m[1]), num(m[3]), m[2] === '/');
    return dm ? make(num(m[4]), dm[0], dm[1]) : null;
  } },
  // March 2025, Mar-2025, Jan2025
  { re: new RegExp(`\\b${MONTH_NAME}\\.?[\\s\\-_,]*${YEAR}(?![\\d])`, 'gi'), read: (m) => make(num(m[2]), monthOf(m[1]!)) },
];

function findAll(text: string, patterns: readonly Pattern[]): Found[] {
  const found: Found[] = [];
  for (const { re, read } of patterns) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const date = read(m);
      const end = m.index + m[0].length;
      if (date && !found.some((f) => m!.index < f.end && end > f.index)) found.push({ date, index: m.index, end });
    }
  }
  return found.sort((a, b) => a.index - b.index);
}

/** Every full or month date in a text, in reading order. */
export function textDates(text: string): PartialDate[] {
  return findAll(text, TEXT_PATTERNS).map((f) => f.date);
}

/**
 * Labels that say which date a document is about, most telling first: an invoice's date, a
 * statement's period (its end: a statement covering Dec 15 – Jan 14 is January's), a tax year.
 */
const LABELS: readonly { readonly re: RegExp; readonly last?: boolean; readonly yearOnly?: boolean }[] = [
  { re: /\b(?:statement|billing|pay|reporting)\s+period\b|\bperiod\s+(?:covered|ending|from)\b|\bfor\s+the\s+period\b/i, last: true },
  { re: /\b(?:invoice|statement|issue|bill|billing|receipt|transaction|purchase|order|pay|payment|document|service|effective|policy\s+effective)\s+date\b|\bdate\s+(?:of\s+)?(?:issue|invoice|service)\b|\bdated\b|\bissued(?:\s+on)?\b/i },
  { re: /\btax\s+year\b|\bfor\s+(?:the\s+)?(?:calendar\s+|fiscal\s+)?year\b|\byear\s+ended?\b|\bform\s+(?:w-?2|1099(?:-[a-z]+)?|1040(?:-[a-z]+)?|p60)\b/i, yearOnly: true },
  // Not a birth date: a form's holder was not born the day it was issued.
  { re: /\bdate\b(?!\s+of\s+birth)/i },
];

/** How far after a label its date may sit (a table's next cell, a wrapped line). */
const LABEL_REACH = 80;

/**
 * The date a document's text says it is about: the date after the most telling label, else the first
 * date in the text. A year alone counts only after a year label ("Tax Year 2024").
 */
export function contentDate(text: string): PartialDate | null {
  const all = findAll(text, TEXT_PATTERNS);
  for (const label of LABELS) {
    const re = new RegExp(label.re.source, 'gi');
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const from = m.index + m[0].length;
      const window = text.slice(from, from + LABEL_REACH);
      if (label.yearOnly) {
        // A few words may come between: "Form W-2 Wage and Tax Statement 2024".
        const year = new RegExp(`^[^\\d]{0,60}?${YEAR}(?![\\d])`).exec(window);
        if (year) return make(num(year[1]));
      }
      const near = all.filter((f) => f.index >= from && f.index < from + LABEL_REACH);
      // A range ("Jan 1, 2025 - Jan 31, 2025") names the period by its end.
      const pick = label.last ? near.slice(0, 2).at(-1) : near[0];
      if (pick) return pick.date;
    }
  }
  return all[0]?.date ?? null;
}

const NAME_PATTERNS: readonly Pattern[] = [
  // 2025-03-14, 2025_03_14, 2025.03.14, 20250314
  { re: new RegExp(`(?<![\\d])${YEAR}[-_. ]?(0[1-9]|1[0-2])[-_. ]?(0[1-9]|[12]\\d|3[01])(?![\\d])`, 'g'), read: (m) => make(num(m[1]), num(m[2]), num(m[3])) },
  // 14.03.2025, 14-03-2025, 03-14-2025: day first unless that cannot be (not W2_2024: a form's number)
  { re: new RegExp(`(?<![\\da-z])(\\d{1,2})([-_.])(\\d{1,2})\\2${YEAR}(?![\\d])`, 'gi'), read: (m) => {
    const dm = dayMonth(num(m[1]), num(m[3]), false);
    return dm ? make(num(m[4]), dm[0], dm[1]) : null;
  } },
  // 2025-03, 2025_03, 2025.03
  { re: new RegExp(`(?<![\\d])${YEAR}[-_.](0?[1-9]|1[0-2])(?![\\d])`, 'g'), read: (m) => make(num(m[1]), num(m[2])) },
  // 03.2025, 03-2025, 3_2025
  { re: new RegExp(`(?<![\\da-z])(0?[1-9]|1[0-2])[-_.]${YEAR}(?![\\d])`, 'gi'), read: (m) => make(num(m[2]), num(m[1])) },
  // 14 Mar 2025, Mar 14 2025 (as in text)
  TEXT_PATTERNS[1]!,
  TEXT_PATTERNS[2]!,
  // Jan2025, January_2025, 2025 January, 2025Jan
  { re: new RegExp(`(?<![a-z])${MONTH_NAME}[-_. ]*${YEAR}(?![\\d])`, 'gi'), read: (m) => make(num(m[2]), monthOf(m[1]!)) },
  { re: new RegExp(`(?<![\\d])${YEAR}[-_. ]*${MONTH_NAME}(?![a-z])`, 'gi'), read: (m) => make(num(m[1]), monthOf(m[2]!)) },
];

// A camera's or scanner's counter (IMG_2034, DSC_1999, scan2001) is not a year.
const COUNTER_PREFIX = /(?:^|[^a-z])(?:img|dsc|dscn|dscf|mvi|pxl|vid|scan|page|p|doc|file|image|photo|pic|no|nr)[-_ ]?$|#\s*$/i;

/**
 * A date in a file name: 2025-03-14, 20250314, 2025-03, 03.2025, 14.03.2025, Jan2025, March 2025, or a
 * year alone ("Lease Agreement 2024") — not a year after a counter prefix, nor one after `latestYear`.
 */
export function nameDate(name: string, latestYear = new Date().getUTCFullYear() + 1): PartialDate | null {
  const stem = name.replace(/\.[a-z0-9]{1,5}$/i, '');
  const found = findAll(stem, NAME_PATTERNS)[0];
  if (found) return found.date;
  const year = new RegExp(`(?<![\\d])${YEAR}(?![\\d])`, 'g');
  for (let m = year.exec(stem); m; m = year.exec(stem)) {
    const y = num(m[1]);
    if (y <= latestYear && !COUNTER_PREFIX.test(stem.slice(0, m.index))) return make(y);
  }
  return null;
}

/** A PDF date string, "D:20250314120000+01'00'" (the D: optional), as YYYY-MM-DD. */
export function pdfDate(value: unknown): PartialDate | null {
  if (typeof value !== 'string') return null;
  const m = /^(?:D:)?(\d{4})(\d{2})?(\d{2})?/.exec(value.trim());
  if (!m) return null;
  return make(num(m[1]), m[2] === undefined ? undefined : num(m[2]), m[3] === undefined ? undefined : num(m[3]));
}

/** An EXIF or XMP date, "2024:05:01 10:00:00" or "2024-05-01T10:00:00Z", as YYYY-MM-DD. */
export function metadataDate(value: string): PartialDate | null {
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})/.exec(value.trim());
  return m ? make(num(m[1]), num(m[2]), num(m[3])) : null;
}

export interface DateSources {
  readonly name: string;
  readonly kind: string;
  /** The date the file's text is about. */
  readonly contentDate: PartialDate | null;
  /** The date its metadata carries: when a camera took the photo, when the PDF was made. */
  readonly metaDate: PartialDate | null;
  /** ISO timestamp of the upload. */
  readonly uploadedAt: string;
}

/**
 * The date a file is filed under. A name is what its owner wrote, so it leads (for an image, the
 * camera's own date leads: IMG_2019.jpg is a counter); then the date the text is about, then the
 * metadata (a scan's CreationDate is the day it was scanned), then the upload. A partial date is
 * completed from a later source that agrees with it: "Lease 2024" with a text dated 2024-03-01 is March.
 */
export function fileDate(s: DateSources): PartialDate {
  const fromName = nameDate(s.name, Number(s.uploadedAt.slice(0, 4)) + 1);
  const order = s.kind === 'image' ? [s.metaDate, fromName, s.contentDate] : [fromName, s.contentDate, s.metaDate];
  const candidates = order.filter((d): d is PartialDate => d !== null);
  const first = candidates[0];
  if (first === undefined) return s.uploadedAt.slice(0, 10);
  return candidates.filter((d) => d.startsWith(first)).reduce((best, d) => (d.length > best.length ? d : best), first);
}
