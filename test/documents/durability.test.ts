// A scanned document goes through OCR in a real `capstan serve` process; the process is killed with
// SIGKILL while a stage runs, and after a restart on the same data the document completes, with
// nothing lost and the credits charged once.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { orgTopic } from '../../src/events/index.js';
import { openStorage } from '../../src/storage/index.js';
import { buildScannedPdf, SCANNED_LINES } from '../fixtures/documents.js';
import { ServeProcess } from '../helpers/serve-process.js';
import { tempDir } from '../helpers/server.js';

const ADMIN = 'durability-admin-token-3c9a1f';
const ENV = { CAPSTAN_WORKFLOW_LEASE_MS: '1000', CAPSTAN_LOG_LEVEL: 'warn', CAPSTAN_DEV_CREDENTIALS: 'false' };

describe('document workflows survive kill -9', () => {
  const dataDir = tempDir();
  const procs: ServeProcess[] = [];
  after(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('killed during a stage, restarted, the scanned document completes through OCR', async () => {
    const first = ServeProcess.start(dataDir, ADMIN, { ...ENV, CAPSTAN_LOG_LEVEL: 'info' });
    procs.push(first);
    const url = await first.url();
    const org = await (await fetch(`${url}/admin/v1/orgs`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'durable', credits_micro: 50_000 }) })).json() as { id: string; api_key: string };
    const call = async (base: string, path: string, init: RequestInit = {}) => (await fetch(base + path, { ...init, headers: { 'capout-api-key': org.api_key, 'content-type': 'application/json', ...init.headers } })).json() as Promise<Record<string, unknown>>;
    const pdf = Buffer.from(await buildScannedPdf()).toString('base64');
    const up = await call(url, '/upload', { method: 'POST', body: JSON.stringify({ file_base64: pdf, file_name: 'scan.pdf' }) });
    const id = up.document_id as string;
    assert.ok(id, JSON.stringify(up));

    // Kill once OCR has counted its pages: it takes long enough to be caught mid-way.
    let seen: Record<string, unknown> = {};
    for (let i = 0; i < 2000; i++) {
      seen = await call(url, `/status/${id}`);
      if (seen.ocr_pages !== null && seen.ocr_pages !== undefined) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual([(seen.progress as Record<string, unknown>).ocr, seen.ocr_pages], ['in_progress', { done: 0, total: 1 }], JSON.stringify(seen));
    first.child.kill('SIGKILL');
    await first.exited;

    const second = ServeProcess.start(dataDir, ADMIN, { ...ENV, CAPSTAN_LOG_LEVEL: 'info' });
    procs.push(second);
    const url2 = await second.url();
    let status: Record<string, unknown> = {};
    for (let i = 0; i < 1200 && (status.status === undefined || status.status === 'processing'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = await call(url2, `/status/${id}`);
    }
    assert.equal(status.status, 'completed', JSON.stringify(status));
    const result = await call(url2, `/documents/${id}/result`);
    const pages = result.pages as { source: string; text: string }[];
    assert.equal(pages[0]?.source, 'ocr');
    const words = (SCANNED_LINES[0] ?? '').toLowerCase().split(/\s+/).filter((w) => w.length > 3);
    assert.ok(words.some((w) => pages[0]?.text.toLowerCase().includes(w)), `OCR found the scanned words: ${pages[0]?.text}`);
    const credits = await call(url2, '/credits');
    assert.equal(credits.balance_micro_credits, 50_000 - 1000, 'charged once for one page');
    await second.stop();

    // Every status message is a change, and its updated_at says when: the restarted OCR stage's count,
    // back to null, is a later change than the count the killed process had reported.
    const storage = openStorage(null, dataDir);
    try {
      const messages = (await storage.events.readAfter(orgTopic(org.id), undefined, 1000))
        .filter((e) => e.type === 'document.status')
        .map((e) => JSON.parse(e.data) as { ocr_pages: unknown; updated_at: string });
      const reset = messages.findIndex((m, i) => i > 0 && m.ocr_pages === null && messages[i - 1]!.ocr_pages !== null);
      assert.ok(reset > 0, `the restarted stage counts from the start: ${JSON.stringify(messages)}`);
      assert.ok(messages[reset]!.updated_at > messages[reset - 1]!.updated_at, `updated_at moves with the reset: ${JSON.stringify(messages.slice(reset - 1, reset + 1))}`);
    } finally {
      await storage.close();
    }
  });
});
