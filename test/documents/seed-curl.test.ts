// Seed 001's curl commands, verbatim, with only the base URL changed (and the placeholders a reader
// fills in: the API key, a real base64 PDF, the returned document id), run by the real curl.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { buildEstimatePdf } from '../fixtures/documents.js';
import { makeOrg, waitForStatus, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);

const UPLOAD_URL = `curl https://api.capout.ai/upload \\
  -X POST \\
  -H "content-type: application/json" \\
  -H "capout-api-key: $CAPOUT_API_KEY" \\
  -d '{
    "url": "https://example.com/claims/123/scope.pdf",
    "file_name": "claim-123-scope.pdf",
    "xn_address": "restoration-team@example.xn"
  }'`;

const UPLOAD_BASE64 = `curl https://api.capout.ai/upload \\
  -X POST \\
  -H "content-type: application/json" \\
  -H "capout-api-key: $CAPOUT_API_KEY" \\
  -d '{
    "file_base64": "BASE64_PDF_CONTENT",
    "file_name": "claim-123-scope.pdf",
    "xn_address": "restoration-team@example.xn"
  }'`;

const STATUS = `curl https://api.capout.ai/status/doc_123 \\
  -H "capout-api-key: $CAPOUT_API_KEY"`;

const TOKEN = `curl https://api.capout.ai/ws/token \\
  -X POST \\
  -H "capout-api-key: $CAPOUT_API_KEY"`;

const CREDITS = `curl https://api.capout.ai/credits \\
  -H "capout-api-key: $CAPOUT_API_KEY"`;

describe("seed 001's curl commands", () => {
  let ts: TestServer;
  let org: TestOrg;
  let pdf64: string;
  const sh = async (command: string, replace: Record<string, string> = {}) => {
    let cmd = command.replaceAll('https://api.capout.ai', ts.url);
    for (const [from, to] of Object.entries(replace)) cmd = cmd.replaceAll(from, to);
    const { stdout } = await run('bash', ['-c', `${cmd} -s`], { env: { ...process.env, CAPOUT_API_KEY: org.apiKey }, maxBuffer: 1 << 24 });
    return JSON.parse(stdout) as Record<string, unknown>;
  };

  before(async () => {
    pdf64 = Buffer.from(await buildEstimatePdf()).toString('base64');
    ts = await startServer();
    org = await makeOrg(ts);
  });
  after(() => ts.close());

  test('upload by url: the documented response shape (example.com cannot be reached here, so the document then fails with a reason)', async () => {
    const res = await sh(UPLOAD_URL);
    assert.deepEqual(Object.keys(res).sort(), ['created_at', 'document_id', 'status', 'status_url', 'workflow_id', 'ws_url']);
    assert.equal(res.status, 'processing');
    const s = await waitForStatus(org, res.document_id as string, (x) => x.status !== 'processing');
    assert.equal(s.status, 'failed');
    assert.equal(typeof s.error, 'string');
  });

  test('upload base64, poll status, mint a token, check credits', async () => {
    const up = await sh(UPLOAD_BASE64, { BASE64_PDF_CONTENT: pdf64 });
    assert.equal(up.status, 'processing');
    const id = up.document_id as string;
    const status = await sh(STATUS, { doc_123: id });
    assert.equal(status.document_id, id);
    assert.deepEqual(Object.keys(status.progress as object), ['ocr', 'structure', 'actions', 'trades', 'categories']);
    for (const key of ['status', 'workflow_complete', 'completed_at', 'updated_at']) assert.ok(key in status, key);
    const token = await sh(TOKEN);
    assert.equal(token.ws_url, '/ws/status');
    assert.equal(token.sse_url, '/sse/status');
    assert.equal(token.organization_id, org.id);
    const credits = await sh(CREDITS);
    assert.equal(credits.organization_id, org.id);
    assert.equal(typeof credits.balance_micro_credits, 'number');
  });
});
