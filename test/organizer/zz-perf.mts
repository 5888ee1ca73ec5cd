import { startServer } from '../helpers/server.js';
import { makeOrg } from '../helpers/org.js';
import { waitForJob } from './helpers.js';
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const pdfWithDate = (ymd: string): Buffer => Buffer.from(`%PDF-1.4\n1 0 obj << /CreationDate (D:${ymd.replace(/-/g, '')}120000Z) >> endobj\n%%EOF\n`);
function fileFor(i: number) {
  const month = String((i % 12) + 1).padStart(2, '0'); const day = String((i % 28) + 1).padStart(2, '0'); const kind = Number(process.env.KIND ?? i % 5);
  const [name, body] = kind === 0 ? [`invoice_${i}.pdf`, pdfWithDate(`2024-${month}-${day}`)] : kind === 1 ? [`receipt-${i}.pdf`, pdfWithDate(`2025-${month}-${day}`)] : kind === 2 ? [`Screenshot 2025-${month}-${day} at 10.${i % 60}.png`, PNG] : kind === 3 ? [`notes-${i}.txt`, Buffer.from(`Meeting notes ${i}, 2023-${month}-${day}: nothing to report.\n`)] : [`contract_${i}.pdf`, pdfWithDate(`2022-${month}-${day}`)];
  return { name, content_base64: (body as Buffer).toString('base64') };
}
const N = Number(process.argv[2] ?? 1000);
const ts = await startServer({ organizerMaxUploadFiles: 500 });
try {
  const org = await makeOrg(ts);
  const ids: string[] = [];
  for (let at = 0; at < N; at += 500) {
    const r = await org.call('POST', '/api/v1/files', { files: Array.from({ length: Math.min(500, N - at) }, (_, k) => fileFor(at + k)) });
    ids.push(...(r.body.files as { fileId: string }[]).map((f) => f.fileId));
  }
  const t0 = Date.now();
  const job = await org.call('POST', '/api/v1/jobs', { file_ids: ids });
  const done = await waitForJob(org, job.body.jobId as string, 100000);
  const s = (Date.now() - t0) / 1000;
  console.log(done.status, done.organized, done.failed, s, 's', Math.round(N / s), 'files/s');
} finally { await ts.close(); }
