// Organizing by what files say, through the real server: a scan's OCR'd text, a PDF's text layer, its
// metadata dates (a CreationDate in a compressed object stream included), names with dates, and files
// whose extension lies. What was read is kept on the file and read once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { scannedPdf, textPdf, textPng } from './everyday-files.js';
import { fileOf, listen, only, organize, until, waitForJob } from './helpers.js';

describe('organizer: classification by content', () => {
  let ts: TestServer;
  let org: TestOrg;
  before(async () => {
    ts = await startServer();
    org = await makeOrg(ts);
  });
  after(() => ts.close());

  test('a scan whose OCR says INVOICE, a lease named with a year, a statement named Jan2025, and a PDF dated only by its metadata', async () => {
    const created = new Date('2023-05-20T10:00:00Z');
    const dated = await textPdf(['Project overview', 'Goals, scope and the people involved.'], { created });
    // pdf-lib keeps the Info dictionary in a compressed object stream: no byte scan of the file finds it.
    assert.ok(!dated.includes('CreationDate'), 'the CreationDate is not in the plain bytes');
    const socket = await listen(ts, org.apiKey);
    try {
      const { ids, job } = await organize(org, [
        { name: 'scan0001.pdf', body: await scannedPdf(['INVOICE', 'Invoice Date: March 14, 2025', 'Bill To: Dana Whitfield', 'Amount Due: $480.00']) },
        { name: 'Lease Agreement 2024.pdf', body: await textPdf(['Residential Lease Agreement', 'Between the Landlord and the Tenant for the premises at 14 Oak Street.', 'Monthly rent: $1,850. Security deposit: $1,850.']) },
        { name: 'Chase_Statement_Jan2025.pdf', body: await textPdf(['Chase Total Checking', 'Statement Period: January 1, 2025 - January 31, 2025', 'Beginning Balance $3,210.44', 'Ending Balance $4,110.44']) },
        { name: 'untitled.pdf', body: dated },
      ]);
      assert.equal(job.status, 'completed', JSON.stringify(job));
      const [scan, lease, statement, untitled] = await Promise.all(ids.map((id) => fileOf(org, id)));
      assert.equal(scan!.folder, 'Invoices/2025/03');
      assert.equal(scan!.documentType, 'invoice');
      assert.equal(scan!.contentDate, '2025-03-14');
      assert.match(scan!.excerpt as string, /INVOICE/);
      assert.equal(lease!.folder, 'Contracts/2024');
      assert.equal(lease!.documentType, 'lease');
      assert.equal(statement!.folder, 'Statements/2025/01');
      assert.equal(statement!.documentType, 'bank_statement');
      assert.equal(untitled!.folder, 'Documents/2023', 'dated by its CreationDate, not by the upload');
      await until(() => only(socket.received, 'job_complete').some((m) => m.jobId === job.jobId), 'job_complete');
      assert.deepEqual(only(socket.received, 'job_complete').find((m) => m.jobId === job.jobId), { type: 'job_complete', jobId: job.jobId, status: 'completed', organized: 4, failed: 0 });
    } finally {
      socket.close();
    }
  });

  test('a file whose extension lies is judged by its bytes: a PNG named .pdf, a PDF named .jpg, a ZIP named .txt', async () => {
    const { ids } = await organize(org, [
      { name: 'invoice.pdf', body: textPng(['RECEIPT', 'Corner Bakery', '02/14/2025', 'Total 4.50', 'VISA 4.50', 'Thank you for your purchase']) },
      { name: 'holiday.jpg', body: await textPdf(['INVOICE', 'Invoice Date: 2024-10-01', 'Bill To: Harbor Cafe', 'Amount Due: 150.00']) },
      { name: 'notes.txt', body: Buffer.from('504b0506000000000000000000000000000000000000', 'hex') },
    ]);
    const [png, pdf, zip] = await Promise.all(ids.map((id) => fileOf(org, id)));
    assert.equal(png!.type, 'image');
    assert.equal(png!.documentType, 'receipt', 'its OCR text outweighs its name');
    assert.equal(png!.folder, 'Receipts/2025/02');
    assert.equal(pdf!.type, 'pdf');
    assert.equal(pdf!.folder, 'Invoices/2024/10');
    assert.equal(zip!.type, 'archive');
    assert.equal(zip!.folder, 'Archives');
    const download = await fetch(`${ts.url}/api/v1/files/${ids[0]!}/content`, { headers: { 'capout-api-key': org.apiKey } });
    assert.equal(download.headers.get('content-type'), 'image/png', 'served as what it is, not as what its name says');
  });

  test('only the first pages are read: a word on page 4 does not decide', async () => {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    const pages = ['Quarterly newsletter', 'Garden club news and events', 'Recipes from members', 'INVOICE  Invoice Date: 2025-01-05  Amount Due: $12.00  Bill To: Club'];
    for (const text of pages) doc.addPage([612, 792]).drawText(text, { x: 60, y: 700, size: 14, font });
    const { ids } = await organize(org, [{ name: 'newsletter.pdf', body: Buffer.from(await doc.save()) }]);
    const f = await fileOf(org, ids[0]!);
    assert.equal(f.documentType, null);
    assert.match(f.folder as string, /^Documents\//);
    assert.doesNotMatch(f.excerpt as string, /INVOICE/);
  });

  test('content is read once: a second job over the same files reads nothing again and files them the same', async () => {
    const { ids } = await organize(org, [{ name: 'bank.pdf', body: await textPdf(['Statement of Account', 'Statement Period: 02/01/2025 to 02/28/2025', 'Previous Balance $2,004.90', 'New Balance $3,224.65']) }]);
    const first = await ts.server.ctx.storage.organizer.getFile(org.id, ids[0]!);
    assert.ok(first?.content_read_at, 'read by the first job');
    const again = await org.call('POST', '/api/v1/jobs', { file_ids: ids });
    assert.equal((await waitForJob(org, again.body.jobId as string)).status, 'completed');
    const second = await ts.server.ctx.storage.organizer.getFile(org.id, ids[0]!);
    assert.equal(second?.content_read_at, first.content_read_at);
    assert.equal(second?.folder, 'Statements/2025/02');
  });

  test('uploads stay fast: nothing is read at upload but a text file\'s head', async () => {
    const t0 = performance.now();
    const res = await org.call('POST', '/api/v1/files', { files: [{ name: 'scan.pdf', content_base64: (await scannedPdf(['INVOICE'])).toString('base64') }, { name: 'memo.txt', content_base64: Buffer.from('Memo, 2025-06-01').toString('base64') }] });
    assert.equal(res.status, 201);
    assert.ok(performance.now() - t0 < 2_000, 'no OCR at upload');
    const [scan, memo] = res.body.files as Record<string, unknown>[];
    assert.equal(scan!.excerpt, null);
    assert.equal(memo!.excerpt, 'Memo, 2025-06-01');
  });
});
