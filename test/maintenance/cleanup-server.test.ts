// The cleanup against a real server's data, with the server's own choices (prefixes, removable
// workflow kinds): long after every resource finished, the cleanup removes the ended video and
// organizer runs, the idempotency key and an orphan, and every answer a client reads afterwards
// (document status and results, the organize job, the video's status and bytes) is unchanged.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { blobKeyFor } from '../../src/documents/workflow.js';
import { createLogger } from '../../src/http/index.js';
import { runCleanup } from '../../src/maintenance/index.js';
import { BLOB_KEY_PREFIXES } from '../../src/server/create-server.js';
import { videoKey } from '../../src/videos/index.js';
import { buildLetterPdf } from '../fixtures/documents.js';
import { makeOrg, waitForStatus } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { makeApp, settled, uploadVideo, waitForVideo } from '../helpers/videos.js';
import { uploadJson, waitForJob } from '../organizer/helpers.js';
import { cleanupOptions, DAY } from './fixtures.js';

const PART = 8 * 1024;
const WITH_AUDIO = readFileSync(new URL('../fixtures/videos/with-audio.mp4', import.meta.url));

describe('cleanup of a running server\'s data', () => {
  let ts: TestServer;

  before(async () => {
    ts = await startServer({ multipartMinPartBytes: PART, workflowBackoffMs: 10 });
  });
  after(async () => ts.close());

  // Organizer keys are made inside the upload session; the next test finds its upload under organizer/.
  test('the blob prefixes hold the keys of documents and videos', () => {
    for (const key of [blobKeyFor('org_1', 'doc_1'), videoKey('app_1', 'abc123def456')]) {
      assert.ok(BLOB_KEY_PREFIXES.some((prefix) => key.startsWith(prefix)), key);
    }
  });

  test('a month later: ended video and organizer runs, the idempotency key and an orphan go; everything a client reads stays', async () => {
    const { storage, blobs } = ts.server.ctx;
    const org = await makeOrg(ts, 1_000_000);

    const pdf = Buffer.from(await buildLetterPdf()).toString('base64');
    const up = await org.call('POST', '/upload', { file_base64: pdf, file_name: 'letter.pdf' }, { 'idempotency-key': 'cleanup-upload-1' });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const documentId = up.body.document_id as string;
    const documentStatus = await waitForStatus(org, documentId, (s) => s.status !== 'processing');
    assert.equal(documentStatus.status, 'completed', JSON.stringify(documentStatus));
    const documentResult = await org.call('GET', `/documents/${documentId}/result`);
    assert.equal(documentResult.status, 200);

    const [fileId] = await uploadJson(org, [{ name: 'notes.txt', body: 'hello' }]);
    const started = await org.call('POST', '/api/v1/jobs', { file_ids: [fileId] });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const jobId = started.body.jobId as string;
    await waitForJob(org, jobId);
    const job = await org.call('GET', `/api/v1/jobs/${jobId}`);
    const file = await org.call('GET', `/api/v1/files/${fileId}`);

    const app = await makeApp(ts, { orgId: org.id });
    const videoId = await uploadVideo(app, WITH_AUDIO, PART);
    const videoStatus = await waitForVideo(app, videoId, settled);
    const video = await app.rest('GET', `/videos/${videoId}`);

    const orphan = `documents/${org.id}/doc_never_recorded/source`;
    await blobs.put(orphan, Buffer.from('nobody refers to me'));
    const keys = (prefix: string) => blobs.list(prefix).then((page) => page.objects.map((o) => o.key));
    const before = { documents: await keys(`documents/${org.id}/`), organizer: await keys(`organizer/${org.id}/`), developer: await keys(`developer/${app.id}/`) };
    assert.equal(before.documents.length, 2);
    assert.equal(before.organizer.length, 1);
    assert.equal(before.developer.length, 3, 'the upload, its rendition and its poster');

    const report = await runCleanup({ repo: storage.cleanup, blobs, logger: createLogger('silent'), clock: () => Date.now() + 30 * DAY }, cleanupOptions());
    assert.deepEqual(report.failed, []);
    assert.equal(report.workflowRuns, 2, 'the video run and the organize run');
    assert.equal(report.idempotencyKeys, 1);
    assert.equal(report.orphanedBlobs, 1);

    assert.deepEqual(await keys(`documents/${org.id}/`), before.documents.filter((k) => k !== orphan));
    assert.deepEqual(await keys(`organizer/${org.id}/`), before.organizer);
    assert.deepEqual(await keys(`developer/${app.id}/`), before.developer);
    assert.deepEqual(await waitForStatus(org, documentId, () => true), documentStatus);
    assert.deepEqual(await org.call('GET', `/documents/${documentId}/result`).then((r) => r.body), documentResult.body);
    assert.deepEqual((await org.call('GET', `/api/v1/jobs/${jobId}`)).body, job.body);
    assert.deepEqual((await org.call('GET', `/api/v1/files/${fileId}`)).body, file.body);
    assert.deepEqual(await waitForVideo(app, videoId, () => true), videoStatus);
    assert.deepEqual((await app.rest('GET', `/videos/${videoId}`)).body, video.body);
    const bytes = await fetch(`${ts.url}/dev/${videoId}/video`);
    assert.equal(bytes.status, 200);
    assert.equal((await bytes.arrayBuffer()).byteLength, (await blobs.stat(`developer/${app.id}/${videoId}/play.mp4`))?.size);
  });
});
