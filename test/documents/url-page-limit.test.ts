// A document fetched by URL with more pages than CAPSTAN_DOCUMENT_MAX_PAGES fails too_many_pages once
// it is fetched, as an inline one is refused at upload: never billed (not billed and then refunded),
// and not insufficient_credits for an organization that could pay for one page but not for all.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { manyPagesPdf } from '../fixtures/bad-documents.js';
import { makeOrg, waitForStatus } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';

describe('documents by URL over the page limit', () => {
  let ts: TestServer;
  let fixtures: http.Server;
  let fixtureUrl: string;
  before(async () => {
    const pages = Buffer.from(manyPagesPdf(5000));
    fixtures = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/pdf' }).end(pages));
    await new Promise<void>((r) => fixtures.listen(0, '127.0.0.2', r));
    fixtureUrl = `http://127.0.0.2:${(fixtures.address() as AddressInfo).port}`;
    ts = await startServer({ fetchAllowHosts: ['127.0.0.2'], workflowBackoffMs: 10 });
  });
  after(async () => {
    await ts.close();
    fixtures.close();
  });

  for (const [who, credits] of [['an organization that could pay for every page', 100_000_000], ['an organization that could pay for one page', 1_000]] as const) {
    test(`${who}: too_many_pages, nothing debited or refunded`, async () => {
      const org = await makeOrg(ts, credits);
      const up = await org.call('POST', '/upload', { url: `${fixtureUrl}/pages.pdf`, file_name: 'pages.pdf' });
      assert.equal(up.status, 201, JSON.stringify(up.body));
      const status = await waitForStatus(org, up.body.document_id as string, (s) => s.status !== 'processing', 2400);
      assert.equal(status.status, 'failed', JSON.stringify(status));
      assert.equal(status.error, 'too_many_pages', JSON.stringify(status));
      const ledger = await ts.admin('GET', `/orgs/${org.id}/ledger`);
      const entries = ledger.body.data as { ref: string | null }[];
      assert.deepEqual(entries.filter((e) => e.ref === up.body.document_id), [], 'no debit, no refund');
      assert.equal((await org.call('GET', '/credits')).body.balance_micro_credits, credits);
    });
  }
});
