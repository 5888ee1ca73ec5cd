// Stage two: what the pages say, as data. Estimates and scopes of work become sections of line
// items with exact numbers, checked against each other (item-checks.ts); anything else becomes
// sections of paragraphs. Either way the structure lists what could not be vouched for (warnings.ts).
import type { ExtractedPage } from './extract.js';
import { checkSections, type PrintedTotal, type RowReading, type SectionReading } from './item-checks.js';
import { looksLikeItemRow, readLineItem, trailingAmount, type LineItem } from './line-items.js';
import { buildTextSections, type TextSection } from './paragraphs.js';
import { isUnreadable, pageWarnings, type DocumentWarning } from './warnings.js';

export interface EstimateSection {
  /** The room or area heading the items sit under; null for items before any heading. */
  readonly title: string | null;
  readonly line_items: LineItem[];
}

export type DocumentStructure =
  | { readonly kind: 'estimate'; readonly sections: EstimateSection[]; readonly warnings: DocumentWarning[] }
  | { readonly kind: 'document'; readonly sections: TextSection[]; readonly warnings: DocumentWarning[] };

/** Words estimating software and adjusters put on estimates and scopes, and rarely elsewhere. */
const ESTIMATE_CUES: readonly RegExp[] = [
  /\bestimate\b/i,
  /\bscope( of (work|loss))?\b/i,
  /\bline items?\b/i,
  /\bqty\b/i,
  /\bquantity\b/i,
  /\bunit (price|cost)\b/i,
  /\b(rcv|acv)\b/i,
  /\bdeprec(\.|iation)?\b/i,
  /\bo\s*&\s*p\b/i,
  /\bxactimate\b/i,
];
/** With a cue, two parsed rows make an estimate; without one, it takes this many. */
const ITEMS_WITHOUT_CUES = 4;

const COLUMN_WORDS = /\b(description|qty|quantity|unit|price|cost|total|tax|rcv|acv|deprec\.?|o&p|amount|rate|hours|date|item|sku)\b/gi;
/**
 * Lines of the document's header or footer block: its own number ("Invoice No. INV-20931", "PO Number
 * 7731"), a page number, an address's last line ("Portland, ME 04101"). A title above one is the
 * document's or its sender's, not a room's.
 */
const HEADER_LINE = /^(invoice|estimate|quote|quotation|receipt|order|purchase order|po|work order|claim|policy|job|project)\b.*(\bno\b\.?|#|\bnumber\b)|^page \d+( of \d+)?$|,\s*[A-Z]{2}\s+\d{5}(-\d{4})?$/i;
const TOTALS = /^(sub)?totals?\b|^line item totals?\b|^grand total\b/i;
const SECTION_LABEL = /^(room|area|section|level|location)\s*:\s*/i;

/** A room or area heading: words without money, not a column header or a totals row. */
function sectionTitle(line: string): string | undefined {
  const title = line.replace(SECTION_LABEL, '').trim();
  if (title.length === 0 || title.length > 80 || !/^[A-Z0-9]/.test(title) || !/[A-Za-z]{2}/.test(title)) return undefined;
  if (/\$|\d\.\d{2}\b/.test(title) || title.includes(':') || TOTALS.test(title)) return undefined;
  if ((title.match(COLUMN_WORDS) ?? []).length >= 2) return undefined;
  return title;
}

/** "Line Item Totals", "Grand Total", a bare "Total": the estimate's; "Totals: Kitchen", "Subtotal": a section's. */
const DOCUMENT_TOTAL = /^(line item totals?|grand total|estimate total|total (rcv|estimate|amount))\b|^totals?\s*:?\s*\$?[\d(]/i;

interface EstimateReading {
  readonly sections: SectionReading[];
  readonly total?: PrintedTotal;
  readonly warnings: DocumentWarning[];
}

function readEstimate(pages: readonly ExtractedPage[]): EstimateReading {
  const sections: { title: string | null; rows: RowReading[]; subtotal?: PrintedTotal }[] = [];
  const warnings: DocumentWarning[] = [];
  let total: PrintedTotal | undefined;
  let pendingTitle: string | null = null;
  let previousWasItem = false;
  for (const page of pages) {
    page.text.split('\n').forEach((raw, lineIndex) => {
      const line = raw.trim();
      if (line === '') return;
      const read = readLineItem(line, page.number);
      if (read) {
        const row: RowReading = { row: read, readConfidence: page.line_confidences?.[lineIndex] ?? page.confidence ?? 1, ocr: page.source === 'ocr' };
        const current = sections.at(-1);
        if (!current || current.subtotal || (pendingTitle !== null && pendingTitle !== current.title)) {
          sections.push({ title: pendingTitle ?? (current?.subtotal ? null : (current?.title ?? null)), rows: [row] });
        } else current.rows.push(row);
        pendingTitle = null;
        previousWasItem = true;
        return;
      }
      const rows = sections.at(-1)?.rows;
      const last = rows?.at(-1);
      // A description too long for its column wraps onto the next line, which starts in lower case.
      if (previousWasItem && rows && last && /^[a-z(]/.test(line)) {
        rows[rows.length - 1] = { ...last, row: { ...last.row, item: { ...last.row.item, description: `${last.row.item.description} ${line}` } } };
        return;
      }
      previousWasItem = false;
      // A speck before a heading or a totals row reads as a quote or a dash in OCR: not part of it.
      const text = page.source === 'ocr' ? line.replace(/^[^\p{L}\p{N}$(]+\s*/u, '') : line;
      const amount = trailingAmount(text);
      if (amount !== undefined && TOTALS.test(text)) {
        const current = sections.at(-1);
        if (DOCUMENT_TOTAL.test(text)) total = { value: amount, page: page.number };
        else if (current && !current.subtotal) current.subtotal = { value: amount, page: page.number };
        return;
      }
      if (looksLikeItemRow(line) && /[A-Za-z]{2}/.test(line)) {
        warnings.push({ code: 'row_unreadable', page: page.number, message: `a row that looks like a line item could not be read as one: "${line.slice(0, 120)}"` });
        return;
      }
      if (HEADER_LINE.test(text)) {
        pendingTitle = null;
        return;
      }
      pendingTitle = sectionTitle(text) ?? pendingTitle;
    });
  }
  return { sections, ...(total ? { total } : {}), warnings };
}

export function buildStructure(pages: readonly ExtractedPage[]): DocumentStructure {
  const readable = pages.filter((p) => !isUnreadable(p));
  const reading = readEstimate(readable);
  const items = reading.sections.reduce((n, s) => n + s.rows.length, 0);
  const text = readable.map((p) => p.text).join('\n');
  const cues = ESTIMATE_CUES.filter((cue) => cue.test(text)).length;
  const warnings = pageWarnings(pages);
  if ((items >= 2 && cues >= 1) || items >= ITEMS_WITHOUT_CUES) {
    const checked = checkSections(reading.sections, reading.total);
    return { kind: 'estimate', sections: checked.sections, warnings: mergeWarnings([...warnings, ...reading.warnings, ...checked.warnings]) };
  }
  // Too few rows for an estimate: the document's text is its paragraphs, and each row that read as an
  // item, or looked like one, is named, so that none is lost silently.
  const unlisted = reading.sections.flatMap((section) => section.rows.map(({ row }): DocumentWarning => ({
    code: 'row_not_listed',
    page: row.item.page,
    message: `a row that reads as a line item is not listed: the document does not read as an estimate: "${rowText(row.item)}"`,
  })));
  return { kind: 'document', sections: buildTextSections(readable), warnings: mergeWarnings([...warnings, ...reading.warnings, ...unlisted, ...unreadTotal(reading)]) };
}

/**
 * A document that prints an estimate's total ("Grand Total $2,792.82") but not the rows that make it
 * (a scan too rough for any row to read as one): its items are missing, and the total says so.
 */
function unreadTotal(reading: EstimateReading): DocumentWarning[] {
  if (!reading.total) return [];
  const totals = reading.sections.flatMap((s) => s.rows.map(({ row }) => row.item.total));
  const sum = totals.reduce((a, b) => a + b, 0);
  if (totals.length > 0 && Math.abs(sum - reading.total.value) < 0.005) return [];
  const total = reading.total.value.toFixed(2);
  const message = totals.length === 0
    ? `the document prints a total of ${total}, but no line item could be read: its items are missing`
    : `the rows read as line items add up to ${sum.toFixed(2)}, the document's total reads ${total}: items are missing or misread`;
  return [{ code: 'document_total_mismatch', page: reading.total.page, message }];
}

/** A read row as the message of a warning names it. */
function rowText(item: LineItem): string {
  return [item.description, item.quantity, item.unit, item.unit_price, item.total].filter((part) => part !== null).join(' ').slice(0, 120);
}

/** One low_confidence warning per page: a page read with doubt lists its doubtful items too. */
function mergeWarnings(warnings: readonly DocumentWarning[]): DocumentWarning[] {
  const out: DocumentWarning[] = [];
  for (const w of warnings) {
    const same = w.code === 'low_confidence' ? out.find((o) => o.code === 'low_confidence' && o.page === w.page) : undefined;
    if (same) out[out.indexOf(same)] = { ...same, items: [...(same.items ?? []), ...(w.items ?? [])] };
    else out.push(w);
  }
  return out.sort((a, b) => (a.page ?? Infinity) - (b.page ?? Infinity));
}

/** Every line item of an estimate in reading order, with the title of the section it is in. */
export function lineItemsOf(structure: DocumentStructure): Array<LineItem & { readonly section: string | null }> {
  if (structure.kind !== 'estimate') return [];
  return structure.sections.flatMap((s) => s.line_items.map((item) => ({ ...item, section: s.title })));
}
