// Classification as pure functions: dates in names and in text, the date a file is filed under,
// document types from name and text, EXIF, and folder rules (built-in, and from a rules file).
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { classify, compileRules, contentDate, DEFAULT_ORGANIZER_RULES, exifOf, fileDate, loadOrganizerRules, nameDate, pdfDate, RulesError, type Classifiable } from '../../src/organizer/index.js';
import { tempDir } from '../helpers/server.js';
import { photoJpeg } from './everyday-files.js';

const rules = compileRules(DEFAULT_ORGANIZER_RULES);
const file = (over: Partial<Classifiable>): Classifiable => ({ name: 'file.pdf', kind: 'pdf', text: '', camera: false, metaDate: null, uploadedAt: '2026-12-01T10:00:00.000Z', ...over });

describe('dates in file names', () => {
  test('the forms people write', () => {
    const cases: [string, string | null][] = [
      ['Lease Agreement 2024.pdf', '2024'],
      ['Chase_Statement_Jan2025.pdf', '2025-01'],
      ['statement March 2025.pdf', '2025-03'],
      ['invoice-2025-03.pdf', '2025-03'],
      ['payroll 03.2025.pdf', '2025-03'],
      ['scan 14.03.2025.pdf', '2025-03-14'],
      ['Screenshot 2024-11-02 at 10.00.png', '2024-11-02'],
      ['IMG_20240512_183022.jpg', '2024-05-12'],
      ['report_2025_01.pdf', '2025-01'],
      ['2025Feb rent.pdf', '2025-02'],
      ['W2_2024.pdf', '2024'],
      ['receipt-2024-05-123.txt', '2024-05'],
    ];
    for (const [name, date] of cases) assert.equal(nameDate(name, 2027), date, name);
  });

  test('not dates: counters, impossible months, years to come, words that hold a month name', () => {
    for (const name of ['scan0001.pdf', 'IMG_2034.jpg', 'DSC_1999.jpg', 'invoice #2019.pdf', 'doc 2025-13.pdf', 'plan 2031.pdf', 'summary.pdf', 'Mayer letter.pdf']) {
      assert.equal(nameDate(name, 2027), null, name);
    }
  });
});

describe('the date a text is about', () => {
  test('a labelled date wins over the first date in the text', () => {
    assert.equal(contentDate('Printed 01/02/2025\nInvoice Date: March 14, 2025\nDue Date: April 13, 2025'), '2025-03-14');
    assert.equal(contentDate('Patient: A. B.  Date of Birth: 02/11/1981\nDate of Service: 09/12/2024'), '2024-09-12');
  });

  test('a statement period is named by its end; a tax form by its year', () => {
    assert.equal(contentDate('Statement Period: Dec 15, 2024 - Jan 14, 2025'), '2025-01-14');
    assert.equal(contentDate('Pay Period: 03/01/2025 - 03/15/2025'), '2025-03-15');
    assert.equal(contentDate('Form W-2 Wage and Tax Statement 2024'), '2024');
    assert.equal(contentDate('Tax Year: 2023'), '2023');
  });

  test('unlabelled: the first full date; none at all: null', () => {
    assert.equal(contentDate('Team meeting notes\n2 October 2025\nAttendees'), '2025-10-02');
    assert.equal(contentDate('13.04.2024 Kassenbon'), '2024-04-13');
    assert.equal(contentDate('Project overview: goals and scope'), null);
  });

  test('PDF metadata dates', () => {
    assert.equal(pdfDate("D:20230520100000+02'00'"), '2023-05-20');
    assert.equal(pdfDate('garbage'), null);
  });
});

describe('the date a file is filed under', () => {
  const at = '2026-12-01T10:00:00.000Z';
  test('name, then text, then metadata, then the upload; a partial date is completed by a source that agrees', () => {
    assert.equal(fileDate({ name: 'Lease 2024.pdf', kind: 'pdf', contentDate: '2024-03-01', metaDate: '2026-12-01', uploadedAt: at }), '2024-03-01');
    assert.equal(fileDate({ name: 'Lease 2024.pdf', kind: 'pdf', contentDate: '2023-12-20', metaDate: null, uploadedAt: at }), '2024');
    assert.equal(fileDate({ name: 'untitled.pdf', kind: 'pdf', contentDate: null, metaDate: '2023-05-20', uploadedAt: at }), '2023-05-20');
    assert.equal(fileDate({ name: 'untitled.pdf', kind: 'pdf', contentDate: null, metaDate: null, uploadedAt: at }), '2026-12-01');
  });

  test("an image's camera date leads its name", () => {
    assert.equal(fileDate({ name: 'IMG_2019.jpg', kind: 'image', contentDate: null, metaDate: '2024-07-14', uploadedAt: at }), '2024-07-14');
  });
});

describe('document types and folders', () => {
  test('by content when the name says nothing', () => {
    const placed = classify(file({ name: 'scan0001.pdf', text: 'INVOICE\nInvoice Date: March 14, 2025\nBill To: Dana\nAmount Due: $480.00' }), rules);
    assert.deepEqual(placed, { folder: 'Invoices/2025/03', documentType: 'invoice', contentDate: '2025-03-14' });
  });

  test('by name when there is no text; a year-only date leaves the month out of the folder', () => {
    assert.equal(classify(file({ name: 'Lease Agreement 2024.pdf' }), rules).folder, 'Contracts/2024');
    assert.equal(classify(file({ name: 'Invoice 2024.pdf' }), rules).folder, 'Invoices/2024');
    assert.equal(classify(file({ name: 'Chase_Statement_Jan2025.pdf' }), rules).folder, 'Statements/2025/01');
  });

  test('the narrower type wins: a payslip is not a bank statement, a lease is filed with contracts', () => {
    assert.equal(classify(file({ text: 'Earnings Statement\nPay Period: 03/01/2025 - 03/15/2025\nGross Pay 2,850.00\nNet Pay 2,237.60' }), rules).documentType, 'payslip');
    const lease = classify(file({ text: 'Residential Lease Agreement between Landlord and Tenant for the premises; monthly rent; security deposit' }), rules);
    assert.equal(lease.documentType, 'lease');
    assert.match(lease.folder, /^Contracts\//);
  });

  test('a camera picture with no text is a photo; a plain image is an image; one stray word is no type', () => {
    assert.equal(classify(file({ name: 'x.jpg', kind: 'image', camera: true, metaDate: '2024-07-14' }), rules).folder, 'Photos/2024/07');
    assert.equal(classify(file({ name: 'x.png', kind: 'image' }), rules).folder, 'Images/2026/12');
    assert.equal(classify(file({ name: 'notes.txt', kind: 'text', text: 'bought a receipt printer' }), rules).folder, 'Documents/2026');
  });
});

describe('EXIF', () => {
  test("a camera's JPEG: its capture date, and that a camera took it", () => {
    assert.deepEqual(exifOf(photoJpeg('2024:07:14 16:02:11'), 'image/jpeg'), { date: '2024-07-14', camera: true });
  });

  test('no EXIF, or a truncated block: nothing', () => {
    assert.deepEqual(exifOf(Buffer.from('ffd8ffe000104a464946', 'hex'), 'image/jpeg'), { date: null, camera: false });
    assert.deepEqual(exifOf(photoJpeg('2024:07:14 16:02:11').subarray(0, 40), 'image/jpeg'), { date: null, camera: false });
  });
});

describe('the rules file (CAPSTAN_ORGANIZER_RULES_FILE) stays compatible', () => {
  const dir = tempDir('capstan-rules-');
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, body: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(body));
    return path;
  };

  test('name and kinds rules go ahead of the built-in ones, as before; types and documentTypes are new and optional', async () => {
    const loaded = await loadOrganizerRules(write('rules.json', {
      rules: [{ name: '^scan_', kinds: ['pdf'], folder: 'Scans/{yyyy}' }, { types: ['utility_bill'], folder: 'Bills/{yyyy}/{mm}' }],
      documentTypes: [{ type: 'utility_bill', phrases: ['kwh', 'meter reading', 'electricity'] }],
    }));
    assert.equal(classify(file({ name: 'scan_0042 2025-01-09.pdf' }), loaded).folder, 'Scans/2025');
    assert.equal(classify(file({ text: 'Electricity: 412 kWh, meter reading 22081 on 2025-02-03' }), loaded).folder, 'Bills/2025/02');
    assert.equal(classify(file({ name: 'Chase_Statement_Jan2025.pdf' }), loaded).folder, 'Statements/2025/01', 'the built-in rules still follow');
  });

  test('an unknown type, kind or a bad pattern stops the server at start', async () => {
    await assert.rejects(loadOrganizerRules(write('t.json', { rules: [{ types: ['nope'], folder: 'X' }] })), RulesError);
    await assert.rejects(loadOrganizerRules(write('k.json', { rules: [{ kinds: ['pdfs'], folder: 'X' }] })), RulesError);
    await assert.rejects(loadOrganizerRules(write('p.json', { rules: [], documentTypes: [{ type: 'x', phrases: ['('] }] })), RulesError);
    await assert.rejects(loadOrganizerRules(write('f.json', { rules: [{ folder: 'a/../b' }] })), RulesError);
  });

  test('a typo stops the server at start too: an unknown key of a rule or of the file, an unknown placeholder, a pattern that can take exponential time', async () => {
    const refused: [string, unknown, RegExp][] = [
      ['kind.json', { rules: [{ kind: ['pdf'], folder: 'OnlyPDFs' }] }, /rule 0: unknown key "kind"; it takes name, kinds, types, folder/],
      ['top.json', { rules: [], fallbak: 'Other' }, /unknown key "fallbak"/],
      ['replace.json', { rules: [], replaceDefaults: 'yes' }, /replaceDefaults must be true or false/],
      ['fallback.json', { rules: [], fallback: 3 }, /fallback must be a folder/],
      ['token.json', { rules: [{ kinds: ['pdf'], folder: 'Unknown/{YYYY}' }] }, /unknown placeholder \{YYYY\}/],
      ['token2.json', { rules: [{ kinds: ['pdf'], folder: 'Unknown/{zz}/{yyyy}' }] }, /unknown placeholder \{zz\}/],
      ['fallback-token.json', { rules: [], fallback: 'Other/{month}' }, /fallback: .*unknown placeholder \{month\}/],
      ['redos.json', { rules: [{ name: '^(a+)+$', folder: 'A' }] }, /repeats a group that repeats itself/],
      ['redos2.json', { rules: [{ name: '(\\w+\\s?)*x', folder: 'A' }] }, /repeats a group/],
      ['number.json', { rules: [{ name: 7, folder: 'A' }] }, /name must be a string/],
      ['rule.json', { rules: ['Invoices'] }, /rule 0: expected an object/],
      ['padded.json', { rules: [{ kinds: ['pdf'], folder: 'Tax Docs /{yyyy}' }] }, /rule 0: folder "Tax Docs \/\{yyyy\}" has an invalid segment/],
      ['bidi.json', { rules: [], fallback: 'Other\u202e' }, /fallback: folder .* has an invalid segment/],
    ];
    for (const [name, content, message] of refused) {
      await assert.rejects(loadOrganizerRules(write(name, content)), (e: unknown) => e instanceof RulesError && message.test(e.message), name);
    }
    // What the format has is taken as before: a rule without conditions, a grouped alternative repeated.
    const loaded = await loadOrganizerRules(write('fine.json', { rules: [{ name: '^(scan|img)+_\\d+', folder: 'Scans/{kind}/{yyyy}' }], fallback: 'Other', replaceDefaults: false }));
    assert.equal(classify(file({ name: 'scanimg_0042 2025-01-09.pdf' }), loaded).folder, 'Scans/pdf/2025');
  });
});
