// Page-by-page OCR progress (`ocr_pages`, beyond the seeds) on a real server with real tesseract: a
// multi-page scan's page counts rise to done == total before its ocr stage completes, once each, on the
// SSE stream, in GET /status and in the event log; two scans processed at once share the OCR pool.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EventSource } from 'eventsource';
import { orgTopic } from '../../src/events/index.js';
import { buildEstimatePdf } from '../fixtures/documents.js';
import { buildScannedPagesPdf } from '../fixtures/scanned-pages.js';
import { makeOrg, waitForStatus, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

interface Msg {
  readonly document_id: string;
  readonly status: string;
  readonly progress: Record<string, string | null>;
  readonly ocr_pages: { done: number; total: number } | null;
  readonly updated_at: string;
}

const PAGES = 4;

async function upload(org: TestOrg, pdf: Uint8Array, name: string): Promise<string> {
  const res = await org.call('POST', '/upload', { file_base64: Buffer.from(pdf).toString('base64'), file_name: name });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.document_id as string;
}

async function loggedStatuses(ts: TestServer, org: TestOrg): Promise<Msg[]> {
  const events = await ts.server.ctx.storage.events.readAfter(orgTopic(org.id), undefined, 1000);
  return events.filter((e) => e.type === 'document.status').map((e) => JSON.parse(e.data) as Msg);
}

describe('OCR progress, page by page', () => {
  let ts: TestServer;
  let org: TestOrg;

  before(async () => {
    ts = await startServer({ ocrWorkers: 2 });
    org = await makeOrg(ts);
  });
  after(() => ts.close());

  test('a multi-page scan counts its pages up to done == total before OCR completes, on SSE and GET /status, with no message twice', async () => {
    const { token } = (await org.call('POST', '/ws/token')).body as { token: string };
    const sse: Msg[] = [];
    const source = new EventSource(`${ts.url}/sse/status?token=${encodeURIComponent(token)}&recent=5`);
    source.onmessage = (e) => sse.push(JSON.parse(e.data) as Msg);
    await new Promise((r) => source.addEventListener('open', r, { once: true }));
    await new Promise((r) => setTimeout(r, 200));

    const id = await upload(org, await buildScannedPagesPdf(PAGES), 'scan.pdf');
    const polled: Msg[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        polled.push((await org.call('GET', `/status/${id}`)).body as unknown as Msg);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const final = (await waitForStatus(org, id, (s) => s.status !== 'processing')) as unknown as Msg;
    polling = false;
    await poller;
    assert.equal(final.status, 'completed', JSON.stringify(final));
    assert.deepEqual(final.ocr_pages, { done: PAGES, total: PAGES }, 'the final count stays once OCR is complete');
    await until(() => sse.some((m) => m.document_id === id && m.status === 'completed'), 'completed on SSE', 60_000);
    await new Promise((r) => setTimeout(r, 300));
    source.close();

    const mine = sse.filter((m) => m.document_id === id);
    const shape = ({ updated_at: _u, ...rest }: Msg) => JSON.stringify(rest);
    for (let i = 1; i < mine.length; i++) assert.notEqual(shape(mine[i]!), shape(mine[i - 1]!), `message ${i} repeats the one before`);

    const counting = mine.filter((m) => m.ocr_pages !== null && m.progress.ocr === 'in_progress');
    const dones = counting.map((m) => m.ocr_pages!.done);
    assert.ok(counting.length >= 2, `at least a first count and the last: ${JSON.stringify(dones)}`);
    assert.ok(counting.every((m) => m.ocr_pages!.total === PAGES));
    assert.ok(dones.every((d, i) => i === 0 || d > dones[i - 1]!), `page counts only rise: ${JSON.stringify(dones)}`);
    assert.equal(dones.at(-1), PAGES, 'done == total is reported while the stage still runs');
    const lastCount = mine.indexOf(counting.at(-1)!);
    const ocrComplete = mine.findIndex((m) => m.progress.ocr === 'complete');
    assert.equal(ocrComplete, lastCount + 1, 'the stage completes right after its last page count');
    assert.ok(mine.slice(0, mine.indexOf(counting[0]!)).every((m) => m.ocr_pages === null), 'no count before the pages are known');

    const seen = polled.filter((m) => m.ocr_pages !== null).map((m) => m.ocr_pages!.done);
    assert.ok(seen.every((d, i) => i === 0 || d >= seen[i - 1]!), `GET /status never goes back: ${JSON.stringify(seen)}`);
    assert.ok(polled.some((m) => m.ocr_pages !== null && m.ocr_pages.done < PAGES && m.progress.ocr === 'in_progress'), 'GET /status showed a count before the end');

    const logged = (await loggedStatuses(ts, org)).filter((m) => m.document_id === id);
    assert.deepEqual(logged.map(shape), mine.map(shape), 'the log holds exactly what the stream delivered');
  });

  test('a text-layer PDF needs no OCR and never reports a page count', async () => {
    const id = await upload(org, await buildEstimatePdf(), 'estimate.pdf');
    await waitForStatus(org, id, (s) => s.status === 'completed');
    const logged = (await loggedStatuses(ts, org)).filter((m) => m.document_id === id);
    assert.ok(logged.length > 0);
    assert.ok(logged.every((m) => m.ocr_pages === null), JSON.stringify(logged.map((m) => m.ocr_pages)));
  });
});

describe('OCR progress of documents processed at once', () => {
  test('two scans share the pool (even of one worker): each counts a page before the other finishes its OCR', async () => {
    const ts = await startServer({ ocrWorkers: 1, workflowConcurrency: 2 });
    try {
      const org = await makeOrg(ts);
      const pdf = await buildScannedPagesPdf(PAGES);
      const [a, b] = await Promise.all([upload(org, pdf, 'a.pdf'), upload(org, pdf, 'b.pdf')]);
      for (const id of [a, b]) await waitForStatus(org, id, (s) => s.status === 'completed', 2400);
      const logged = await loggedStatuses(ts, org);
      const firstPage = (id: string) => logged.findIndex((m) => m.document_id === id && (m.ocr_pages?.done ?? 0) >= 1);
      const allPages = (id: string) => logged.findIndex((m) => m.document_id === id && m.ocr_pages?.done === PAGES);
      const counts = (id: string) => logged.filter((m) => m.document_id === id && m.ocr_pages).map((m) => m.ocr_pages!.done);
      const story = `a: ${JSON.stringify(counts(a))}, b: ${JSON.stringify(counts(b))}`;
      assert.ok(firstPage(a) >= 0 && firstPage(b) >= 0, story);
      assert.ok(firstPage(b) < allPages(a), `b read a page while a was still being read (${story})`);
      assert.ok(firstPage(a) < allPages(b), `a read a page while b was still being read (${story})`);
    } finally {
      await ts.close();
    }
  });
});
