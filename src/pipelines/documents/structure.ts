// Stage two: what the pages say, as data. Estimates and scopes of work become sections of line
// items with exact numbers; anything else becomes sections of paragraphs.
import type { ExtractedPage } from './extract.js';
import { parseLineItem, type LineItem } from './line-items.js';
import { buildTextSections, type TextSection } from './paragraphs.js';

export interface EstimateSection {
  /** The room or area heading the items sit under; null for items before any heading. */
  readonly title: string | null;
  readonly line_items: LineItem[];
}

export type DocumentStructure =
  | { readonly kind: 'estimate'; readonly sections: EstimateSection[] }
  | { readonly kind: 'document'; readonly sections: TextSection[] };

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

const COLUMN_WORDS = /\b(description|qty|quantity|unit|price|cost|total|tax|rcv|acv|deprec\.?|o&p|amount)\b/gi;
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

function buildEstimateSections(pages: readonly ExtractedPage[]): EstimateSection[] {
  const sections: EstimateSection[] = [];
  let pendingTitle: string | null = null;
  let previousWasItem = false;
  for (const page of pages) {
    for (const raw of page.text.split('\n')) {
      const line = raw.trim();
      if (line === '') continue;
      const item = parseLineItem(line, page.number);
      if (item) {
        const current = sections.at(-1);
        if (!current || (pendingTitle !== null && pendingTitle !== current.title)) {
          sections.push({ title: pendingTitle, line_items: [item] });
        } else current.line_items.push(item);
        pendingTitle = null;
        previousWasItem = true;
        continue;
      }
      const items = sections.at(-1)?.line_items;
      const last = items?.at(-1);
      // A description too long for its column wraps onto the next line, which starts in lower case.
      if (previousWasItem && items && last && /^[a-z(]/.test(line)) {
        items[items.length - 1] = { ...last, description: `${last.description} ${line}` };
        continue;
      }
      previousWasItem = false;
      pendingTitle = sectionTitle(line) ?? pendingTitle;
    }
  }
  return sections;
}

export function buildStructure(pages: readonly ExtractedPage[]): DocumentStructure {
  const estimate = buildEstimateSections(pages);
  const items = estimate.reduce((n, s) => n + s.line_items.length, 0);
  const text = pages.map((p) => p.text).join('\n');
  const cues = ESTIMATE_CUES.filter((cue) => cue.test(text)).length;
  if ((items >= 2 && cues >= 1) || items >= ITEMS_WITHOUT_CUES) return { kind: 'estimate', sections: estimate };
  return { kind: 'document', sections: buildTextSections(pages) };
}

/** Every line item of an estimate in reading order, with the title of the section it is in. */
export function lineItemsOf(structure: DocumentStructure): Array<LineItem & { readonly section: string | null }> {
  if (structure.kind !== 'estimate') return [];
  return structure.sections.flatMap((s) => s.line_items.map((item) => ({ ...item, section: s.title })));
}
