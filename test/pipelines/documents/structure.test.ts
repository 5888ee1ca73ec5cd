// Pages → estimate sections with exact numbers, or headed paragraphs for anything else.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  buildStructure,
  lineItemsOf,
  type ExtractedPage,
} from '../../../src/pipelines/documents/index.js';
import { extractPages } from '../../../src/pipelines/documents/in-process.js';
import { looksLikeItemRow, parseAmount, parseLineItem } from '../../../src/pipelines/documents/line-items.js';
import { buildEstimatePdf, buildLetterPdf, ESTIMATE_SECTIONS, LETTER_PARAGRAPHS } from '../../fixtures/documents.js';
import { fakeOcr } from './helpers.js';

/** What a text-layer item that balances its row, its section and the document carries. */
const CHECKED = { confidence: 1, checks: ['line_total', 'section_total', 'document_total'], repairs: [], flags: [] };

const textPages = (...texts: string[]): ExtractedPage[] => texts.map((text, i) => ({ number: i + 1, text, source: 'text_layer' }));

describe('buildStructure: estimates', () => {
  test('the estimate PDF becomes its sections and line items, numbers exact', async () => {
    const structure = buildStructure(await extractPages(await buildEstimatePdf(), 'application/pdf', { ocr: fakeOcr() }));
    assert.equal(structure.kind, 'estimate');
    assert.deepEqual(
      structure.sections.map((s) => s.title),
      ESTIMATE_SECTIONS.map((s) => s.title),
    );
    const expected = ESTIMATE_SECTIONS.map((section, index) => ({
      title: section.title,
      line_items: section.items.map((item) => ({ ...item, page: index < 2 ? 1 : 2, ...CHECKED })),
    }));
    assert.deepEqual(structure.sections, expected);
  });

  test('lineItemsOf flattens items with their section', async () => {
    const structure = buildStructure(await extractPages(await buildEstimatePdf(), 'application/pdf', { ocr: fakeOcr() }));
    const items = lineItemsOf(structure);
    assert.equal(items.length, ESTIMATE_SECTIONS.flatMap((s) => s.items).length);
    assert.deepEqual(items.at(-1), { ...ESTIMATE_SECTIONS[3]!.items.at(-1)!, page: 2, ...CHECKED, section: 'Water Mitigation' });
  });

  test('a wrapped description continues the item above it', () => {
    const structure = buildStructure(
      textPages('ESTIMATE\nBathroom\nR&R Toilet 1 EA $310.00 $310.00\nTear out wet drywall, cleanup, 96 SF $1.45 $139.20\nbag for disposal\nR&R Vanity 1 EA $420.00 $420.00'),
    );
    assert.equal(structure.kind, 'estimate');
    assert.equal(structure.sections[0]!.title, 'Bathroom');
    assert.equal(structure.sections[0]!.line_items[1]!.description, 'Tear out wet drywall, cleanup, bag for disposal');
  });

  test('a speck OCR reads before a heading or a totals row ("\u201c Kitchen", "-Living Room") is not part of it', () => {
    const page = {
      number: 1,
      source: 'ocr' as const,
      confidence: 0.9,
      text: 'ESTIMATE - Water damage\n" Kitchen\nRemove drywall 120.00 SF $1.25 $150.00\n\'Totals: Kitchen $150.00\n-Living Room\nPaint the walls 310.00 SF $1.12 $347.20\n. Line Item Totals $497.20',
    };
    const structure = buildStructure([page]);
    assert.equal(structure.kind, 'estimate');
    assert.deepEqual(structure.sections.map((s) => [s.title, s.line_items.map((i) => i.checks)]), [
      ['Kitchen', [['line_total', 'section_total', 'document_total']]],
      ['Living Room', [['line_total', 'document_total']]],
    ]);
  });

  test('a row ending in a money amount after its quantity and unit is an item or row_unreadable, never dropped', () => {
    // OCR of a rough invoice scan: row 111's unit price ("$0.31") came out as "C031", leaving one amount.
    // The tax line ends in an amount too, but names no quantity: not a row.
    const text = [
      'INVOICE #INV-20931 Date: 03/14/2024',
      'ITEM DESCRIPTION QTY UNIT RATE AMOUNT',
      '109 Air mover (per 24 hour period) 18 EA $28.42 $511.56',
      '110 Dehumidifier (per 24 hour period) - Large 4 EA 105.00 420.00',
      '111 Apply anti-microbial agent 624 SF C031 193.44',
      '112. Detach & Reset toilet: 1 EA $231.84 . $231.84',
      'Subtotal $1,356.84',
      'Tax (096) $0.00',
      'TOTAL DUE $1,356.84',
    ].join('\n');
    const structure = buildStructure([{ number: 1, text, source: 'ocr', confidence: 0.9 }]);
    assert.equal(structure.kind, 'estimate');
    assert.deepEqual(lineItemsOf(structure).map((i) => i.total), [511.56, 420, 231.84]);
    assert.deepEqual(
      structure.warnings.map((w) => [w.code, w.page, w.message]),
      [
        ['row_unreadable', 1, 'a row that looks like a line item could not be read as one: "111 Apply anti-microbial agent 624 SF C031 193.44"'],
        ['section_total_mismatch', 1, 'the items of the section add up to 1163.40, its total reads 1356.84: an item may be missing or misread'],
      ],
    );
  });

  test('rows of a rough scan whose money OCR garbled (a point read as a space or lost, a $ read as 8) are row_unreadable; headers, addresses, dates and totals are not', () => {
    // OCR of a 9-item invoice scanned at 120 dpi, 3° crooked, blurred and specked.
    const unreadable = [
      '1. Towler - Detach & renin 100 BA 821218 1212.18',
      '3 - ger berg HR $118 00 8236 00',
      '4. Basstoard- 3 16 R&R 280018 3412 $98 88',
      '1 Todor - Detach & teget PEA $nzI8 $212 18',
    ];
    const text = [
      'Harbor Restoration LLC',
      '1420 Bayview Ave, Tampa FL 33606',
      'Phone (813) 555 0142',
      'ESTIMATE - Water and wind damage repair',
      'Chan dramas” 2028-0117 , Hetedt Mana Aivisez Type of Loss: Wass',
      'Date of loss 03 14 2024',
      'DESCRIPTION QTY UNIT PRICE TOTAL',
      'Bathroom',
      unreadable[3]!,
      '2 Yanay - Dvtach & reset 1EA $165 40 $165 40',
      unreadable[0]!,
      unreadable[1]!,
      unreadable[2]!,
      '7. Tie Boor coving 64 SF $12.50 $800.00',
      'Tax (096) $0.00',
      'Totals: Bathwoom $L836 38',
      'Line fem Totals $0,536.38',
    ].join('\n');
    const structure = buildStructure([{ number: 1, text, source: 'ocr', confidence: 0.9 }]);
    assert.equal(structure.kind, 'estimate');
    assert.deepEqual(lineItemsOf(structure).map((i) => i.total), [165.4, 800]);
    assert.deepEqual(
      structure.warnings.filter((w) => w.code === 'row_unreadable').map((w) => w.message),
      [3, 0, 1, 2].map((i) => `a row that looks like a line item could not be read as one: "${unreadable[i]!}"`),
    );
  });

  test('looksLikeItemRow: two money columns (one may be garbled) or one amount after a quantity and unit', () => {
    for (const row of ['Drywall 96 SF 2.35 225.60', 'Air mover 18 EA $28.42', 'Towler - Detach & renin 100 BA 821218 1212.18', 'ger berg HR $118 00 8236 00', 'Basstoard- 3 16 R&R 280018 3412 $98 88', 'Todor PEA $nzI8 $212 18']) {
      assert.equal(looksLikeItemRow(row), true, row);
    }
    for (const row of ['Subtotal $1,356.84', 'Tax (096) $0.00', '1420 Bayview Ave, Tampa FL 33606', 'Phone (813) 555 0142', 'Date of loss 03 14 2024', 'Claim Number: 2024-0113', 'Deductible $1,000.00', 'Page 1 of 2']) {
      assert.equal(looksLikeItemRow(row), false, row);
    }
  });

  test('line_total allows only the rounding of the printed unit price: 86 × 3.45 is not 296.10, 3 × 33.33 is 100.00', () => {
    const rows = [
      'Remove wet drywall 86 LF $3.45 $296.10',
      'Wall paneling 3 EA $33.33 $100.00',
      'Seal the floor 1,000 SF $0.3333 $333.33',
      'Prime the floor 1,000 SF $0.3333 $333.40',
    ];
    const checksOf = (structure: ReturnType<typeof buildStructure>) => lineItemsOf(structure).map((i) => [i.total, i.checks, i.repairs, i.flags]);
    // A text layer says what the PDF says: a total off by 0.60 is unbalanced, whatever 0.5 % of it is.
    assert.deepEqual(checksOf(buildStructure(textPages(`ESTIMATE\n${rows.join('\n')}`))), [
      [296.1, [], [], ['unbalanced']],
      [100, ['line_total'], [], []],
      [333.33, ['line_total'], [], []],
      [333.4, [], [], ['unbalanced']],
    ]);
    // From OCR ("$296 10", its point read as a space) the one look-alike digit that balances it is a repair, shown as one.
    const scanned = buildStructure([{ number: 1, text: `ESTIMATE\n${rows[0]!.replace('$296.10', '$296 10')}\n${rows[1]!}`, source: 'ocr', confidence: 0.9 }]);
    assert.deepEqual(checksOf(scanned), [
      [296.7, ['line_total'], [{ field: 'total', read: 296.1, value: 296.7, reason: 'digit' }], []],
      [100, ['line_total'], [], []],
    ]);
  });

  test('a quantity of two digits whose lost point balances the line is repaired: "35 HR" for 3.5 HR', () => {
    const row = 'Plumber - per hour 35 HR 118.00 413.00';
    const scanned = buildStructure([{ number: 1, text: `ESTIMATE\n${row}\nElectrician - per hour 2 HR 124.50 249.00`, source: 'ocr', confidence: 0.9 }]);
    assert.deepEqual(
      lineItemsOf(scanned).map((i) => [i.quantity, i.checks, i.repairs, i.flags]),
      [
        [3.5, ['line_total'], [{ field: 'quantity', read: 35, value: 3.5, reason: 'decimal_point' }], []],
        [2, ['line_total'], [], []],
      ],
    );
    // A text layer is never re-read.
    assert.deepEqual(lineItemsOf(buildStructure(textPages(`ESTIMATE\n${row}\nElectrician - per hour 2 HR 124.50 249.00`)))[0]!.flags, ['unbalanced']);
  });

  test('an invoice without a unit column: rows whose quantity × price gives their total are items with unit null', () => {
    const text = [
      'Harbor Office Supply',
      'Invoice No. INV-20931',
      'Description Qty Price Total',
      '1. Copy paper, letter, 10 ream case 3 $42.99 $128.97',
      '2. Toner cartridge 2 $89.50 $179.00',
      '3. Stapler 1 $24.25 $24.25',
      'Shipping 12 $15.00 $30.00',
      'Total $362.22',
    ].join('\n');
    const structure = buildStructure(textPages(text));
    assert.equal(structure.kind, 'estimate');
    assert.deepEqual(lineItemsOf(structure).map((i) => [i.description, i.quantity, i.unit, i.unit_price, i.total, i.section]), [
      ['Copy paper, letter, 10 ream case', 3, null, 42.99, 128.97, null],
      ['Toner cartridge', 2, null, 89.5, 179, null],
      ['Stapler', 1, null, 24.25, 24.25, null],
    ]);
    // 12 × 15.00 is not 30.00: without a unit to place the quantity, the row is not read, and says so.
    assert.deepEqual(structure.warnings.map((w) => w.code), ['row_unreadable', 'document_total_mismatch']);
  });

  test('OCR that dropped the unit column still reads the rows; the invoice number above the table is no section', () => {
    const text = [
      'INVOICE',
      'Invoice No. INV-20931',
      'Description Qty Unit Price Total',
      '1. Install ceiling fan 2.00 $89.99 $179.98',
      '2. Labor 3.5 $65.00 $227.50',
      'Total $407.48',
    ].join('\n');
    const structure = buildStructure([{ number: 1, text, source: 'ocr', confidence: 0.95 }]);
    assert.equal(structure.kind, 'estimate');
    assert.deepEqual(lineItemsOf(structure).map((i) => [i.quantity, i.unit, i.total, i.section, i.checks]), [
      [2, null, 179.98, null, ['line_total', 'document_total']],
      [3.5, null, 227.5, null, ['line_total', 'document_total']],
    ]);
    assert.deepEqual(structure.warnings, []);
  });

  test('a number ending the description is no quantity unless it makes the row add up', () => {
    assert.equal(parseLineItem('Furnace filter 2024 $5.00 $10.00', 1), undefined);
    assert.equal(parseLineItem('Shelf $3.00 $5.00 $15.00', 1), undefined, 'an amount with its sign is no quantity');
    assert.deepEqual(parseLineItem('Furnace filter 2024 2 $5.00 $10.00', 1), { description: 'Furnace filter 2024', quantity: 2, unit: null, unit_price: 5, total: 10, page: 1 });
  });

  test('a table of measurements is no estimate: length × width = area without money makes no item', () => {
    const rows = ['Kitchen 12.5 10.0 125.0', 'Living Room 15 12 180', 'Hallway 20 4 80', 'Bedroom 2 11 10 110', 'Bath 8 5 40'];
    const structure = buildStructure(textPages(['Room Length Width Area', ...rows].join('\n')));
    assert.equal(structure.kind, 'document');
    assert.deepEqual(lineItemsOf(structure), []);
    assert.equal(parseLineItem('ENG 101 Composition I 3 4.0 12.0', 1), undefined);
  });

  test('amounts in euros or pounds, with a currency code after them, or negative after the sign are read', () => {
    assert.deepEqual(parseLineItem('Oak flooring installation 45 €32.00 €1,440.00', 1), { description: 'Oak flooring installation', quantity: 45, unit: null, unit_price: 32, total: 1440, page: 1 });
    assert.deepEqual(parseLineItem('Site inspection 3 150.00 USD 450.00 USD', 1), { description: 'Site inspection', quantity: 3, unit: null, unit_price: 150, total: 450, page: 1 });
    assert.deepEqual(parseLineItem('Survey 2 HR £75.00 £150.00', 1), { description: 'Survey', quantity: 2, unit: 'HR', unit_price: 75, total: 150, page: 1 });
    assert.deepEqual(parseLineItem('Loyalty discount 1 $-100.00 $-100.00', 1)?.total, -100);
    assert.deepEqual(parseLineItem('Promo SPRING10 1 –$50.00 –$50.00', 1)?.total, -50);
    assert.equal(parseAmount('$-12.50'), -12.5);
    assert.equal(looksLikeItemRow('Oak flooring 45 €32 €1,44O.00'), true);
  });

  test('an address, a page number or a column header above the rows is no section title', () => {
    const text = ['77 Pine Street', 'Portland, ME 04101', 'Date Task Qty Rate Amount', 'Page 1 of 2', 'Gutter cleaning 2 $65.00 $130.00', 'Window washing 3 $40.00 $120.00', 'Total $250.00'].join('\n');
    const structure = buildStructure(textPages(text));
    assert.deepEqual(lineItemsOf(structure).map((i) => i.section), [null, null]);
  });

  test('items before any heading sit in an untitled section', () => {
    const structure = buildStructure(textPages('QTY UNIT PRICE TOTAL\nDrip edge 212 LF $3.05 $646.60\nRidge cap 40 LF $5.10 $204.00'));
    assert.equal(structure.kind, 'estimate');
    assert.equal(structure.sections[0]!.title, null);
  });
});

describe('parseLineItem', () => {
  test('money with $ signs and thousands separators, quantities with separators', () => {
    assert.deepEqual(parseLineItem('12. Laminated shingles 1,031.33 SQ $1,285.00 $1,325,259.05', 3), {
      description: 'Laminated shingles',
      quantity: 1031.33,
      unit: 'SQ',
      unit_price: 1285,
      total: 1325259.05,
      page: 3,
    });
  });

  test('a unit stuck to its quantity, lower case units, OCR spacing after $', () => {
    assert.deepEqual(parseLineItem('Remove carpet 310sf $ 0.58 $ 179.80', 1), {
      description: 'Remove carpet',
      quantity: 310,
      unit: 'SF',
      unit_price: 0.58,
      total: 179.8,
      page: 1,
    });
  });

  test('Xactimate-style columns: the total is the RCV (price × qty + tax + O&P), not the ACV', () => {
    const item = parseLineItem('3. Drywall patch / small repair, ready for paint 2.00 EA 61.07 1.32 24.70 148.16 (12.30) 135.86', 1);
    assert.equal(item?.unit_price, 61.07);
    assert.equal(item?.total, 148.16);
    assert.equal(item?.unit, 'EA');
  });

  test('numbers inside the description stay in it', () => {
    const item = parseLineItem('Remove 3 tab - 25 yr. - composition shingle roofing 28.67 SQ $62.37 $1,788.15', 1);
    assert.equal(item?.description, 'Remove 3 tab - 25 yr. - composition shingle roofing');
    assert.equal(item?.quantity, 28.67);
  });

  test('rows without quantity and unit, or with one amount, are not items', () => {
    assert.equal(parseLineItem('Totals: Kitchen $1,264.83', 1), undefined);
    assert.equal(parseLineItem('Remove drywall 120 SF $150.00', 1), undefined);
    assert.equal(parseLineItem('Meeting on June 3 2024 at 10.30', 1), undefined);
  });

  test('deductions in parentheses or angle brackets are negative', () => {
    assert.equal(parseAmount('(12.50)'), -12.5);
    assert.equal(parseAmount('<1,000.00>'), -1000);
    assert.equal(parseAmount('$2,500.00'), 2500);
    assert.equal(parseAmount('SF'), undefined);
  });
});

describe('buildStructure: other documents', () => {
  test('the letter becomes headed sections of whole paragraphs', async () => {
    const structure = buildStructure(await extractPages(await buildLetterPdf(), 'application/pdf', { ocr: fakeOcr() }));
    assert.equal(structure.kind, 'document');
    assert.deepEqual(
      structure.sections.map((s) => s.title),
      [null, 'Inspection Findings', 'Next Steps'],
    );
    assert.ok(structure.sections[0]!.paragraphs.includes(LETTER_PARAGRAPHS.intro));
    assert.deepEqual(structure.sections[1]!.paragraphs, [LETTER_PARAGRAPHS.findings]);
    assert.equal(structure.sections[2]!.paragraphs[0], LETTER_PARAGRAPHS.nextSteps);
    assert.equal(structure.sections[2]!.paragraphs.at(-1), 'Tom Reyes, Project Manager');
  });

  test('a lone row of numbers in a letter does not make it an estimate, and is named in the warnings', () => {
    const structure = buildStructure(textPages('Dear Sir,\n\nWe priced the work at: Remove drywall 120 SF $1.25 $150.00\n\nRegards,'));
    assert.equal(structure.kind, 'document');
    assert.deepEqual(structure.warnings.map((w) => [w.code, w.page, w.message]), [
      ['row_not_listed', 1, 'a row that reads as a line item is not listed: the document does not read as an estimate: "We priced the work at: Remove drywall 120 SF 1.25 150"'],
    ]);
  });

  test('rows too few for an estimate are never dropped silently: each read or unreadable row is a warning', () => {
    // One row reads; the other ends in two amounts but is garbled: kind document, both named.
    const text = ['Estimate', 'Remove drywall 120.00 SF $1.25 $150.00', 'Carpet pad l0.O0 $0.67 $6.7O', 'Total $156.70'].join('\n');
    const structure = buildStructure([{ number: 1, text, source: 'ocr', confidence: 0.9 }]);
    assert.equal(structure.kind, 'document');
    assert.deepEqual(structure.warnings.map((w) => [w.code, w.message]), [
      ['row_unreadable', 'a row that looks like a line item could not be read as one: "Carpet pad l0.O0 $0.67 $6.7O"'],
      ['row_not_listed', 'a row that reads as a line item is not listed: the document does not read as an estimate: "Remove drywall 120 SF 1.25 150"'],
      ['document_total_mismatch', 'the rows read as line items add up to 150.00, the document\'s total reads 156.70: items are missing or misread'],
    ]);
  });

  test('a scan too rough for any row to read that prints its total says its items are missing', () => {
    // OCR of a 5° crooked, blurred, specked estimate at 150 dpi (confidence 0.46): no row survives.
    const text = [
      'ESTIMATE',
      'Kitchen',
      'Description Qty Unit Unit Price Total',
      '1 Herne ciryveall 120 Ur SF st 25 S150 00',
      '3 8esl prs en govnt the walle ads SF Mi GR T2432 hu',
      'Totals: Kitchen $1,340.17',
      'Grand Total $2,792.82',
    ].join('\n');
    const structure = buildStructure([{ number: 1, text, source: 'ocr', confidence: 0.46 }]);
    assert.equal(structure.kind, 'document');
    assert.deepEqual(structure.warnings.map((w) => [w.code, w.message]), [
      ['low_confidence', 'OCR was unsure of the page (confidence 46 %)'],
      ['document_total_mismatch', 'the document prints a total of 2792.82, but no line item could be read: its items are missing'],
    ]);
  });

  test('words hyphenated at a line end are joined again', () => {
    const structure = buildStructure(textPages('Summary\n\nThe crew found exten-\nsive damage in the base-\nment.'));
    assert.deepEqual(structure.sections, [{ title: 'Summary', paragraphs: ['The crew found extensive damage in the basement.'] }]);
  });
});
