// A document whose stored file is deleted by hand from the blob store before it is read: it fails
// `document_missing` at the first attempt that finds the file gone, is refunded once, and is not
// offered for a retry — a retry would only take the credits again and fail the same way. On local
// disk and on S3 alike; a bucket that does not answer is no missing file, and is waited for.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { blobKeyFor } from '../../src/documents/workflow.js';
import { buildEstimatePdf } from '../fixtures/documents.js';
import { makeOrg, waitForStatus, type TestOrg } from '../helpers/org.js';
import { s3ServerOptions, startS3, type S3Request, type TestS3 } from '../helpers/s3.js';
import { startServer, type TestServer } from '../helpers/server.js';

const CREDITS = 1_000_000;

/** Every file under `dir` (none before the store's first write), its path. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('documents: a stored file deleted by hand', () => {
  let ts: TestServer;
  let org: TestOrg;
  let pdf: string;

  before(async () => {
    ts = await startServer({ workflowBackoffMs: 10, workflowMaxAttempts: 3 });
    org = await makeOrg(ts, CREDITS);
    pdf = Buffer.from(await buildEstimatePdf()).toString('base64');
  });
  after(async () => {
    await ts.close();
  });

  /** Uploads while no worker runs (every slot busy elsewhere), deletes what `remove` picks of its stored files, then lets the workers go. */
  async function uploadThenDelete(remove: (files: string[]) => string[]): Promise<string> {
    await ts.server.ctx.workflows.stop();
    const objects = join(ts.dataDir, 'blobs', 'objects');
    const before = new Set(filesUnder(objects));
    const up = await org.call('POST', '/upload', { file_base64: pdf, file_name: 'scope.pdf' });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const added = filesUnder(objects).filter((f) => !before.has(f));
    const doomed = remove(added);
    assert.ok(doomed.length > 0, `the upload's stored files: ${JSON.stringify(added)}`);
    for (const f of doomed) rmSync(f);
    ts.server.ctx.workflows.start();
    return up.body.document_id as string;
  }

  for (const [what, remove] of [
    ['its data file, its manifest kept', (files: string[]) => files.filter((f) => !f.endsWith('.json'))],
    ['its data file and its manifest', (files: string[]) => files],
  ] as const) {
    test(`${what}: failed document_missing at once, refunded once, not retryable`, async () => {
      const id = await uploadThenDelete(remove);
      const status = await waitForStatus(org, id, (s) => s.status !== 'processing', 600);
      assert.equal(status.status, 'failed', JSON.stringify(status));
      assert.equal(status.error, 'document_missing');
      assert.equal((await org.call('GET', '/credits')).body.balance_micro_credits, CREDITS);

      const work = await ts.admin('GET', `/work?status=failed&kind=document&org_id=${org.id}`);
      const item = (work.body.data as { run_id: string; resource_id: string; attempts: number; error: string; retryable: boolean; retry_refusal: string | null }[]).find((i) => i.resource_id === id);
      assert.ok(item, JSON.stringify(work.body));
      assert.equal(item.error, 'document_missing');
      assert.equal(item.retryable, false);
      assert.match(item.retry_refusal ?? '', /document_missing/);
      assert.equal(item.attempts, 1, `not retried: ${JSON.stringify(item)}`);

      const retry = await ts.admin('POST', `/work/${item.run_id}/retry`, {});
      assert.equal(retry.status, 409, JSON.stringify(retry.body));
      const ledger = (await ts.server.ctx.storage.ledger.entries(org.id, 100, 0)).filter((e) => e.ref === id);
      assert.deepEqual(ledger.map((e) => e.reason).sort(), ['document', 'refund'], 'billed once, refunded once');
      assert.equal((await org.call('GET', '/credits')).body.balance_micro_credits, CREDITS);
    });
  }
});

describe('documents on S3: a stored file deleted from the bucket, and a bucket away', () => {
  let s3: TestS3;
  let ts: TestServer;
  let org: TestOrg;
  let pdf: string;
  /** Reads of a document's stored file are answered 503 while this is set. */
  let away = false;
  let refused = 0;
  const readsSource = (r: S3Request) => r.method === 'GET' && r.url.includes('/source');

  before(async () => {
    s3 = await startS3({
      intercept: (r) => {
        if (!away || !readsSource(r)) return undefined;
        refused++;
        return { status: 503, xml: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>away</Message></Error>' };
      },
    });
    ts = await startServer({ workflowBackoffMs: 10, workflowMaxAttempts: 3, ...s3ServerOptions(s3) });
    org = await makeOrg(ts, CREDITS);
    pdf = Buffer.from(await buildEstimatePdf()).toString('base64');
  });
  after(async () => {
    await ts.close();
    await s3.close();
  });

  test('deleted from the bucket: failed document_missing at once, refunded, not retryable', async () => {
    await ts.server.ctx.workflows.stop();
    const up = await org.call('POST', '/upload', { file_base64: pdf, file_name: 'scope.pdf' });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const id = up.body.document_id as string;
    await ts.server.ctx.blobs.delete(blobKeyFor(org.id, id));
    ts.server.ctx.workflows.start();
    const status = await waitForStatus(org, id, (s) => s.status !== 'processing', 600);
    assert.equal(status.error, 'document_missing', JSON.stringify(status));
    assert.equal((await org.call('GET', '/credits')).body.balance_micro_credits, CREDITS);
    const work = await ts.admin('GET', `/work?status=failed&kind=document&org_id=${org.id}`);
    const item = (work.body.data as { resource_id: string; attempts: number; retryable: boolean }[]).find((i) => i.resource_id === id);
    assert.deepEqual([item?.attempts, item?.retryable], [1, false], JSON.stringify(item));
  });

  test('a bucket that does not answer is waited for, past the attempts, and the document completes', async () => {
    refused = 0;
    away = true;
    let id: string;
    try {
      const up = await org.call('POST', '/upload', { file_base64: pdf, file_name: 'scope.pdf' });
      assert.equal(up.status, 201, JSON.stringify(up.body));
      id = up.body.document_id as string;
      for (let i = 0; i < 1200 && refused < 3 * 4; i++) await new Promise((r) => setTimeout(r, 25));
      assert.ok(refused >= 3 * 4, `reads refused: ${refused}`);
      assert.equal((await org.call('GET', `/status/${id}`)).body.status, 'processing');
    } finally {
      away = false;
    }
    const status = await waitForStatus(org, id, (s) => s.status !== 'processing', 1200);
    assert.equal(status.status, 'completed', JSON.stringify(status));
  });
});
