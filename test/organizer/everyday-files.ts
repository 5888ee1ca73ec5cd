// Everyday files, generated in code (nothing downloaded, no binary committed): PDFs with a text layer
// (invoices, receipts, statements, contracts, a lease, resumes, tax forms, a payslip…), scans that only
// OCR can read, photos with EXIF dates, a screenshot, a note and an archive, each with the folder a
// person would file it in. The organizer tests and the organizer-accuracy benchmark use them.
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { buildScannedPdf, buildTextPng } from '../fixtures/documents.js';

export interface EverydayFile {
  readonly name: string;
  readonly bytes: () => Promise<Buffer>;
  /** The folder a person would choose, under the built-in rules' names. */
  readonly folder: string;
  /** What makes it a test of the organizer: where the answer has to come from. */
  readonly clue: 'name' | 'text' | 'ocr' | 'exif' | 'metadata';
}

/**
 * A one-page PDF with a text layer, as pdf-lib writes it: every object, the Info dictionary with its
 * CreationDate included, inside a compressed object stream.
 */
export async function textPdf(lines: readonly string[], options: { created?: Date; title?: string } = {}): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const page = doc.addPage([612, 792]);
  let y = 740;
  lines.forEach((line, i) => {
    page.drawText(line, { x: 60, y, size: i === 0 ? 16 : 11, font: i === 0 ? bold : font });
    y -= i === 0 ? 26 : 16;
  });
  if (options.created) {
    doc.setCreationDate(options.created);
    doc.setModificationDate(options.created);
  }
  if (options.title) doc.setTitle(options.title);
  return Buffer.from(await doc.save());
}

/** A scanned page: a picture of the lines, no text layer. */
export async function scannedPdf(lines: readonly string[]): Promise<Buffer> {
  return Buffer.from(await buildScannedPdf(lines));
}

export function textPng(lines: readonly string[]): Buffer {
  return Buffer.from(buildTextPng(lines));
}

/** A 16×16 baseline JPEG (made once with ffmpeg); EXIF is spliced in after its SOI marker. */
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU4LjQyLjEwMAD/2wBDAAgQEBMQExYWFhYWFhoYGhsbGxoaGhobGxsdHR0iIiIdHR0bGx0dICAiIiUmJSMjIiMmJigoKDAwLi44ODpFRVP/xABLAAEBAAAAAAAAAAAAAAAAAAAABgEBAAAAAAAAAAAAAAAAAAAABBABAAAAAAAAAAAAAAAAAAAAABEBAAAAAAAAAAAAAAAAAAAAAP/AABEIABAAEAMBIgACEQADEQD/2gAMAwEAAhEDEQA/AKAA4R//2Q==',
  'base64',
);

/** A little-endian TIFF block: IFD0 (Make, Model, a pointer to the EXIF IFD) and an EXIF IFD with DateTimeOriginal. */
export function exifBlock(taken: string, camera = { make: 'Canon', model: 'EOS 80D' }): Buffer {
  const ascii = (s: string) => Buffer.from(`${s}\0`, 'latin1');
  const make = ascii(camera.make);
  const model = ascii(camera.model);
  const date = ascii(taken);
  const ifd0At = 8;
  const ifd0Size = 2 + 3 * 12 + 4;
  const exifAt = ifd0At + ifd0Size;
  const exifSize = 2 + 1 * 12 + 4;
  let dataAt = exifAt + exifSize;
  const out = Buffer.alloc(dataAt + make.length + model.length + date.length);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(ifd0At, 4);
  const entry = (at: number, tag: number, type: number, count: number, value: number) => {
    out.writeUInt16LE(tag, at);
    out.writeUInt16LE(type, at + 2);
    out.writeUInt32LE(count, at + 4);
    out.writeUInt32LE(value, at + 8);
  };
  const put = (b: Buffer): number => {
    const at = dataAt;
    b.copy(out, at);
    dataAt += b.length;
    return at;
  };
  out.writeUInt16LE(3, ifd0At);
  entry(ifd0At + 2, 0x010f, 2, make.length, put(make));
  entry(ifd0At + 14, 0x0110, 2, model.length, put(model));
  entry(ifd0At + 26, 0x8769, 4, 1, exifAt);
  out.writeUInt32LE(0, ifd0At + 38);
  out.writeUInt16LE(1, exifAt);
  entry(exifAt + 2, 0x9003, 2, date.length, put(date));
  out.writeUInt32LE(0, exifAt + 14);
  return out;
}

/** A camera's JPEG taken at `taken` ("2024:07:14 16:02:11"). */
export function photoJpeg(taken: string): Buffer {
  const tiff = exifBlock(taken);
  const app1 = Buffer.alloc(4 + 6 + tiff.length);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(2 + 6 + tiff.length, 2);
  app1.write('Exif\0\0', 4, 'latin1');
  tiff.copy(app1, 10);
  return Buffer.concat([JPEG.subarray(0, 2), app1, JPEG.subarray(2)]);
}

/** An empty ZIP archive (end-of-central-directory record only). */
export const EMPTY_ZIP = Buffer.from('504b0506000000000000000000000000000000000000', 'hex');

const at = (iso: string) => new Date(`${iso}T10:00:00Z`);

export const EVERYDAY_FILES: readonly EverydayFile[] = [
  {
    name: 'scan0001.pdf', folder: 'Invoices/2025/03', clue: 'ocr',
    bytes: () => scannedPdf(['INVOICE', 'Invoice Date: March 14, 2025', 'Bill To: Dana Whitfield', 'Amount Due: $480.00']),
  },
  {
    name: 'Lease Agreement 2024.pdf', folder: 'Contracts/2024', clue: 'name',
    bytes: () => textPdf(['Residential Lease Agreement', 'This Lease is made between Oak Street Properties (Landlord)', 'and Sam Rivera (Tenant) for the premises at 14 Oak Street, Unit 3.', 'Monthly rent of $1,850 is due on the first of each month.', 'A security deposit of $1,850 is held by the Landlord.', 'Signed on January 15, 2024.']),
  },
  {
    name: 'Chase_Statement_Jan2025.pdf', folder: 'Statements/2025/01', clue: 'name',
    bytes: () => textPdf(['Chase Total Checking', 'Statement Period: January 1, 2025 - January 31, 2025', 'Account Number: ****4421', 'Beginning Balance $3,210.44', '01/03/2025 Deposit 1,200.00', '01/17/2025 Withdrawal 300.00', 'Ending Balance $4,110.44']),
  },
  {
    name: 'Document (3).pdf', folder: 'Invoices/2024/11', clue: 'text',
    bytes: () => textPdf(['Metro Electric & Gas', 'Account Number: 5540 2210 98', 'Billing Period: Oct 5, 2024 - Nov 4, 2024', 'Previous Balance $96.12', 'Payment Received - Thank You -$96.12', 'Current Charges $104.57', 'Total Amount Due $104.57', 'Payment Due Date: Nov 25, 2024']),
  },
  {
    name: 'document.pdf', folder: 'Invoices/2024/11', clue: 'text',
    bytes: () => textPdf(['INVOICE #1043', 'Date: 11/05/2024', 'Bill To: Greenleaf Landscaping', 'Lawn care - October  $320.00', 'Total Due: $320.00', 'Payment terms: net 30']),
  },
  {
    name: 'Receipt-Walmart.pdf', folder: 'Receipts/2025/05', clue: 'text',
    bytes: () => textPdf(['Walmart Supercenter', 'Store #2281', '05/22/2025 14:31', 'Paper towels 6.97', 'Subtotal 6.97', 'VISA **** 1182', 'Thank you for shopping with us']),
  },
  {
    name: 'purchase.pdf', folder: 'Receipts/2024/08', clue: 'text',
    bytes: () => textPdf(['Order Receipt', 'Thank you for your purchase!', 'Purchase Date: Aug 3, 2024', 'Wireless headphones   $89.00', 'Subtotal $89.00', 'Paid with Mastercard ending 5521', 'Transaction ID: 7F2K-99A1']),
  },
  {
    name: 'Statement 2024-12.pdf', folder: 'Statements/2024/12', clue: 'name',
    bytes: () => textPdf(['First Community Bank', 'Account Statement', 'Opening Balance $812.00', 'Closing Balance $1,044.10']),
  },
  {
    name: 'bank.pdf', folder: 'Statements/2025/02', clue: 'text',
    bytes: () => textPdf(['Harbor Credit Union - Statement of Account', 'Statement Period: 02/01/2025 to 02/28/2025', 'Account Number: 000-221-874', 'Previous Balance $2,004.90', 'Deposits and Credits $2,600.00', 'Withdrawals $1,380.25', 'New Balance $3,224.65']),
  },
  {
    name: 'NDA signed.pdf', folder: 'Contracts/2023', clue: 'text',
    bytes: () => textPdf(['Mutual Non-Disclosure Agreement', 'This Agreement is entered into as of April 1, 2023 (the Effective Date)', 'between Bluefin Labs, Inc. and Corvid Analytics LLC (the Parties).', 'Confidential Information shall not be disclosed to third parties.', 'This Agreement is governed by the laws of the State of Delaware.', 'IN WITNESS WHEREOF the parties have signed below.']),
  },
  {
    name: 'Consulting Agreement.pdf', folder: 'Contracts/2025', clue: 'text',
    bytes: () => textPdf(['Consulting Agreement', 'Dated June 10, 2025', 'This Consulting Agreement is made by and between Pine Ridge Co. and Alex Moreau.', 'The Consultant shall provide services as described herein.', 'Governing law: the State of Oregon.', 'Signature: ____________']),
  },
  {
    name: 'Jane_Doe_Resume.pdf', folder: 'Resumes', clue: 'name',
    bytes: () => textPdf(['Jane Doe', 'jane.doe@example.com - linkedin.com/in/janedoe', 'Professional Summary', 'Product designer with eight years of experience.', 'Work Experience', 'Senior Designer, Lumen Apps (2019 - 2024)', 'Education', 'B.A. Graphic Design, 2016', 'Skills: Figma, research, prototyping']),
  },
  {
    name: 'cv.pdf', folder: 'Resumes', clue: 'text',
    bytes: () => textPdf(['Curriculum Vitae', 'Dr. Priya Raman', 'Education', 'Ph.D. Chemistry, University of Leeds, 2014', 'Professional Experience', 'Research Scientist, Halcyon Materials, 2015 - present', 'Skills', 'Spectroscopy, Python, grant writing']),
  },
  {
    name: 'W2_2024.pdf', folder: 'Taxes/2024', clue: 'name',
    bytes: () => textPdf(['Form W-2 Wage and Tax Statement 2024', 'Employer identification number (EIN): 12-3456789', 'Wages, tips, other compensation: 68,400.00', 'Federal income tax withheld: 8,210.00', 'Social security wages: 68,400.00']),
  },
  {
    name: 'tax_return.pdf', folder: 'Taxes/2023', clue: 'text',
    bytes: () => textPdf(['Form 1040 U.S. Individual Income Tax Return 2023', 'Department of the Treasury - Internal Revenue Service', 'Filing status: Single', 'Adjusted gross income: 54,120', 'Taxpayer signature date: 04/09/2024']),
  },
  {
    name: 'payslip_march_2025.pdf', folder: 'Payslips/2025', clue: 'name',
    bytes: () => textPdf(['Earnings Statement', 'Lakeside Foods Inc.', 'Pay Period: 03/01/2025 - 03/15/2025', 'Pay Date: 03/20/2025', 'Gross Pay 2,850.00', 'Deductions 612.40', 'Net Pay 2,237.60', 'Year-to-date gross 14,250.00']),
  },
  {
    name: 'Car insurance.pdf', folder: 'Insurance/2024', clue: 'text',
    bytes: () => textPdf(['Auto Insurance Declarations Page', 'Policy Number: AUT-5521-0098', 'Policyholder: Morgan Lee', 'Policy Effective Date: July 1, 2024', 'Coverage: Liability, Collision, Comprehensive', 'Deductible: $500', 'Six-month premium: $642.00']),
  },
  {
    name: 'lab_results.pdf', folder: 'Medical/2024', clue: 'text',
    bytes: () => textPdf(['Riverside Medical Center - Laboratory Results', 'Patient: Chris Okafor   Date of Birth: 02/11/1981', 'Date of Service: 09/12/2024', 'Physician: Dr. L. Hartmann', 'Test      Result    Reference Range', 'Glucose   92 mg/dL  70-99']),
  },

  {
    name: 'scan0002.pdf', folder: 'Receipts/2025/04', clue: 'ocr',
    bytes: () => scannedPdf(['RECEIPT', 'Corner Hardware', 'Date: 04/18/2025', 'Subtotal 23.50', 'VISA 23.50', 'Thank you for your purchase']),
  },
  {
    name: 'Scan_20250601.pdf', folder: 'Contracts/2025', clue: 'ocr',
    bytes: () => scannedPdf(['SERVICE AGREEMENT', 'This Agreement is made between', 'the parties named below and is', 'governed by the laws of Ohio.']),
  },
  {
    name: 'untitled.pdf', folder: 'Documents/2023', clue: 'metadata',
    bytes: () => textPdf(['Project overview', 'Goals, scope and the people involved.'], { created: at('2023-05-20') }),
  },
  { name: 'IMG_4032.jpg', folder: 'Photos/2024/07', clue: 'exif', bytes: async () => photoJpeg('2024:07:14 16:02:11') },
  { name: 'DSC_0001.jpg', folder: 'Photos/2023/12', clue: 'exif', bytes: async () => photoJpeg('2023:12:25 09:30:00') },
  // Sent through a messaging app, which strips EXIF: only the name tells.
  { name: 'IMG_20240512_183022.jpg', folder: 'Photos/2024/05', clue: 'name', bytes: async () => Buffer.from(JPEG) },
  { name: 'PXL_20250305_101500.jpg', folder: 'Photos/2025/03', clue: 'exif', bytes: async () => photoJpeg('2025:03:05 10:15:00') },
  { name: 'Screenshot 2025-01-20 at 09.15.00.png', folder: 'Screenshots/2025/01', clue: 'name', bytes: async () => textPng(['Settings', 'Wi-Fi  Bluetooth  Display']) },
  { name: 'receipt_photo.png', folder: 'Receipts/2025/02', clue: 'ocr', bytes: async () => textPng(['RECEIPT', 'Coffee House', '02/14/2025', 'Latte 4.50', 'Total 4.50', 'Thank you']) },
  { name: 'page1.png', folder: 'Invoices/2024/10', clue: 'ocr', bytes: async () => textPng(['INVOICE', 'Invoice Date: 10/01/2024', 'Bill To: Harbor Cafe', 'Amount Due: 150.00']) },
  { name: 'notes 2022.txt', folder: 'Documents/2022', clue: 'name', bytes: async () => Buffer.from('Garden plan: tomatoes by the fence, herbs near the door.\n') },
  { name: 'photos-backup.zip', folder: 'Archives', clue: 'name', bytes: async () => EMPTY_ZIP },
];
