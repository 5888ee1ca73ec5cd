// An organize job in a real `capstan serve` process is killed with SIGKILL mid-way; after a restart
// on the same data it resumes with the files still pending: every file filed once, counts exact.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { ServeProcess } from '../helpers/serve-process.js';
import { tempDir } from '../helpers/server.js';

const ADMIN = 'organizer-durability-admin-7b1e';
const ENV = { CAPSTAN_WORKFLOW_LEASE_MS: '1000', CAPSTAN_LOG_LEVEL: 'info', CAPSTAN_DEV_CREDENTIALS: 'false', CAPSTAN_ORGANIZER_BATCH_SIZE: '1', CAPSTAN_RATE_LIMIT_PER_MINUTE: '0' };
const FILES = 600;

describe('organize jobs survive kill -9', () => {
  const dataDir = tempDir();
  const procs: ServeProcess[] = [];
  after(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('killed mid-job, restarted, the job finishes with every file organized exactly once', async () => {
    const first = ServeProcess.start(dataDir, ADMIN, ENV);
    procs.push(first);
    const url = await first.url();
    const org = await (await fetch(`${url}/admin/v1/orgs`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'durable organizer' }) })).json() as { api_key: string };
    const call = async (base: string, path: string, body?: unknown) => {
      const res = await fetch(base + path, { method: body === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${org.api_key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return (await res.json()) as Record<string, unknown>;
    };
    for (let i = 0; i < FILES; i += 100) {
      const files = Array.from({ length: 100 }, (_, j) => ({ name: `receipt-2024-0${1 + ((i + j) % 9)}-${i + j}.txt`, content_base64: Buffer.from(`receipt ${i + j}`).toString('base64') }));
      const up = await call(url, '/api/v1/files', { files });
      assert.equal((up.files as unknown[]).length, 100, JSON.stringify(up));
    }
    const job = await call(url, '/api/v1/jobs', { folder: '' });
    const jobId = job.jobId as string;
    assert.equal(job.totalCount, FILES);

    let seen: Record<string, unknown> = {};
    for (let i = 0; i < 4000; i++) {
      seen = await call(url, `/api/v1/jobs/${jobId}`);
      if ((seen.processedCount as number) > 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    first.child.kill('SIGKILL');
    await first.exited;
    assert.ok((seen.processedCount as number) > 0 && (seen.processedCount as number) < FILES, `caught mid-way: ${JSON.stringify(seen)}`);

    const second = ServeProcess.start(dataDir, ADMIN, ENV);
    procs.push(second);
    const url2 = await second.url();
    let done: Record<string, unknown> = {};
    for (let i = 0; i < 2400; i++) {
      done = await call(url2, `/api/v1/jobs/${jobId}`);
      if (done.status !== 'queued' && done.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(done.status, 'completed', JSON.stringify(done) + second.stdout.slice(-3000) + second.stderr.slice(-2000));
    assert.equal(done.processedCount, FILES);
    assert.equal(done.organized, FILES, 'each file counted once, before and after the crash');
    assert.equal(done.failed, 0);
    const root = await call(url2, '/api/v1/files?folder=');
    assert.equal((root.files as unknown[]).length, 0, 'no file left unfiled');
    const filed = await call(url2, '/api/v1/files?folder=Receipts&recursive=true&limit=100');
    assert.equal((filed.files as unknown[]).length, 100);
    await second.stop();
  });
});
