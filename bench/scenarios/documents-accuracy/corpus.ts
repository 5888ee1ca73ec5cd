// The documents-accuracy corpus, generated in code at run time (nothing binary is committed): the
// two-page office estimate as a text PDF and as clean, rough, turned and upside-down scans, a
// twenty-page estimate as a text PDF and as a clean scan, and a two-column newsletter page as a text
// PDF and as scans. Each row knows what a person reads on it: line items for the estimates, the
// paragraphs in reading order for the newsletter.
import { degrees, PDFDocument } from 'pdf-lib';
import { encodePng, type RawImage } from '../../../src/pipelines/documents/encode-png.js';
import { buildEstimatePdf, buildScannedEstimate, CLEAN_SCAN, estimateLayout, layoutPdf, ROUGH_SCAN, scanImage, scanPdf, type FixtureSection } from '../../../test/fixtures/documents.js';
import { longEstimateSections, OFFICE_ESTIMATE_SECTIONS } from '../../../test/fixtures/estimate-catalogue.js';
import { TWO_COLUMN_FOOTER, TWO_COLUMN_PARAGRAPHS, TWO_COLUMN_SUBTITLE, TWO_COLUMN_TITLE, twoColumnLayout, type ColumnParagraph } from '../../../test/fixtures/two-column.js';

interface RowBase {
  /** Short id, used by --rows= and in the JSON. */
  readonly id: string;
  /** What the row is, for the tables. */
  readonly label: string;
  /** A few characters for the chart's axis. */
  readonly short: string;
  readonly pages: number;
  build(): Promise<Uint8Array>;
}

export interface EstimateRow extends RowBase {
  readonly kind: 'estimate';
  readonly sections: readonly FixtureSection[];
}

export interface ProseRow extends RowBase {
  readonly kind: 'prose';
  /** Lines across the page before the columns (title, subtitle) and after them (footer). */
  readonly before: readonly string[];
  readonly paragraphs: readonly ColumnParagraph[];
  readonly after: readonly string[];
}

export type CorpusRow = EstimateRow | ProseRow;

/** 54 rooms lay out on 20 pages with two-decimal quantities (the catalogue's 28 come to 10). */
export const LONG_SECTION_COUNT = 54;
const LONG_SECTIONS = longEstimateSections(LONG_SECTION_COUNT);
/** Pages the estimate's layout takes (every row lays estimates out with two-decimal quantities). */
const pagesOf = (sections: readonly FixtureSection[]): number => estimateLayout(sections, { quantityDecimals: 2 }).length;
const OFFICE_PAGES = pagesOf(OFFICE_ESTIMATE_SECTIONS);
const LONG_PAGES = pagesOf(LONG_SECTIONS);

/** The image turned a quarter counter-clockwise: the page's top on the left, its lines running upwards. */
function turnLeft(image: RawImage): RawImage {
  const { width, height, pixels } = image;
  const out = new Uint8Array(pixels.length);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[(width - 1 - x) * height + y] = pixels[y * width + x]!;
  return { width: height, height: width, channels: 1, pixels: out };
}

/**
 * A clean scan of the estimate stored turned a quarter to the left on a landscape page. With
 * `rotate`, the page's /Rotate 90 turns it back, so a viewer shows it upright (how some scanners file
 * pages); without, a viewer shows it sideways, as a sheet fed in sideways comes out.
 *
 * Built here rather than with the fixture's `quarterTurn` option: that one draws the already turned
 * image rotated a further quarter into a portrait box, so with /Rotate 90 the page still shows
 * sideways (and stretched); the pipeline reads it as shown.
 */
async function turnedScan(sections: readonly FixtureSection[], rotate: boolean): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  for (const layout of estimateLayout(sections, { quantityDecimals: 2 })) {
    const png = await doc.embedPng(encodePng(turnLeft(scanImage(layout, CLEAN_SCAN))));
    const page = doc.addPage([layout.height, layout.width]);
    page.drawImage(png, { x: 0, y: 0, width: layout.height, height: layout.width });
    if (rotate) page.setRotation(degrees(90));
  }
  return doc.save();
}

const prose = { before: [TWO_COLUMN_TITLE, TWO_COLUMN_SUBTITLE], paragraphs: TWO_COLUMN_PARAGRAPHS, after: [TWO_COLUMN_FOOTER] } as const;

/** Every row, in the order they run. */
export const CORPUS: readonly CorpusRow[] = [
  { id: 'text-pdf', short: 'text', label: 'office estimate, text PDF', kind: 'estimate', pages: OFFICE_PAGES, sections: OFFICE_ESTIMATE_SECTIONS, build: () => buildEstimatePdf(OFFICE_ESTIMATE_SECTIONS, { quantityDecimals: 2 }) },
  { id: 'clean-scan', short: 'clean', label: 'office estimate, clean scan (200 dpi)', kind: 'estimate', pages: OFFICE_PAGES, sections: OFFICE_ESTIMATE_SECTIONS, build: () => buildScannedEstimate(OFFICE_ESTIMATE_SECTIONS, CLEAN_SCAN) },
  { id: 'rough-scan', short: 'rough', label: 'office estimate, rough scan (150 dpi, 1.5° skew, blur, noise, specks)', kind: 'estimate', pages: OFFICE_PAGES, sections: OFFICE_ESTIMATE_SECTIONS, build: () => buildScannedEstimate(OFFICE_ESTIMATE_SECTIONS, ROUGH_SCAN) },
  { id: 'quarter-turn', short: 'quarter', label: 'office estimate, clean scan stored a quarter turn, /Rotate 90 shows it upright', kind: 'estimate', pages: OFFICE_PAGES, sections: OFFICE_ESTIMATE_SECTIONS, build: () => turnedScan(OFFICE_ESTIMATE_SECTIONS, true) },
  { id: 'sideways', short: 'sideways', label: 'office estimate, clean scan shown sideways (turned a quarter, no /Rotate)', kind: 'estimate', pages: OFFICE_PAGES, sections: OFFICE_ESTIMATE_SECTIONS, build: () => turnedScan(OFFICE_ESTIMATE_SECTIONS, false) },
  { id: 'upside-down', short: 'upside dn', label: 'office estimate, clean scan fed upside down', kind: 'estimate', pages: OFFICE_PAGES, sections: OFFICE_ESTIMATE_SECTIONS, build: () => buildScannedEstimate(OFFICE_ESTIMATE_SECTIONS, { ...CLEAN_SCAN, upsideDown: true }) },
  { id: 'two-column-text', short: 'text', label: 'two-column newsletter, text PDF', kind: 'prose', pages: 1, ...prose, build: () => layoutPdf([twoColumnLayout()]) },
  { id: 'two-column-scan', short: 'clean', label: 'two-column newsletter, clean scan (200 dpi)', kind: 'prose', pages: 1, ...prose, build: () => scanPdf([scanImage(twoColumnLayout(), CLEAN_SCAN)]) },
  { id: 'two-column-rough', short: 'rough', label: 'two-column newsletter, rough scan', kind: 'prose', pages: 1, ...prose, build: () => scanPdf([scanImage(twoColumnLayout(), ROUGH_SCAN)]) },
  { id: 'long-text-pdf', short: '20p text', label: '20-page estimate, text PDF', kind: 'estimate', pages: LONG_PAGES, sections: LONG_SECTIONS, build: () => buildEstimatePdf(LONG_SECTIONS, { quantityDecimals: 2 }) },
  { id: 'long-clean-scan', short: '20p scan', label: '20-page estimate, clean scan (200 dpi)', kind: 'estimate', pages: LONG_PAGES, sections: LONG_SECTIONS, build: () => buildScannedEstimate(LONG_SECTIONS, CLEAN_SCAN) },
];
