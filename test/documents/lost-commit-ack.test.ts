// An upload whose commit went through but whose acknowledgement was lost (PostgreSQL restarting or
// frozen during COMMIT): the client gets 503, and its retry with the same Idempotency-Key gets the
// 201 of the document that exists. That document must still have its file: the failed request used to
// delete it on any error, and the document then failed with "The specified key does not exist". The
// same for organizer files, whose rows the failed request's commit may have stored.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildEstimatePdf } from '../fixtures/documents.js';
import { loseNextCommitAck } from '../helpers/lost-commit.js';
import { makeOrg, waitForStatus, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';

describe('documents: a commit whose acknowledgement was lost', () => {
  let ts: TestServer;
  let org: TestOrg;
  before(async () => {
    ts = await startServer();
    org = await makeOrg(ts);
  });
  after(() => ts.close());

  test('answers 503, keeps the file, and the retry gets the document, which completes', async () => {
    const restore = loseNextCommitAck(ts);
    const body = { file_base64: Buffer.from(await buildEstimatePdf()).toString('base64'), file_name: 'estimate.pdf' };
    try {
      const first = await org.call('POST', '/upload', body, { 'idempotency-key': 'lost-ack-1' });
      assert.equal(first.status, 503, JSON.stringify(first.body));
      assert.equal(first.body.code, 'unavailable');
    } finally {
      restore();
    }
    const retried = await org.call('POST', '/upload', body, { 'idempotency-key': 'lost-ack-1' });
    assert.equal(retried.status, 201, JSON.stringify(retried.body));
    assert.equal(retried.headers.get('idempotent-replayed'), 'true', 'the first request was applied');
    const status = await waitForStatus(org, retried.body.document_id as string, (s) => s.status !== 'processing');
    assert.equal(status.status, 'completed', JSON.stringify(status));
  });

  test('an organizer upload answered 503 after its commit keeps its files: listed, and their bytes served', async () => {
    const restore = loseNextCommitAck(ts);
    try {
      const first = await org.call('POST', '/api/v1/files', { files: [{ name: 'note.txt', content_base64: Buffer.from('kept after all').toString('base64') }] });
      assert.equal(first.status, 503, JSON.stringify(first.body));
    } finally {
      restore();
    }
    const listed = await org.call('GET', '/api/v1/files');
    const file = (listed.body.files as { fileId: string; name: string }[]).find((f) => f.name === 'note.txt');
    assert.ok(file, JSON.stringify(listed.body));
    const content = await fetch(`${ts.url}/api/v1/files/${file.fileId}/content`, { headers: { 'capout-api-key': org.apiKey } });
    assert.equal(content.status, 200);
    assert.equal(await content.text(), 'kept after all');
  });
});
