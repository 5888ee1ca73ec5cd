// URL uploads never reach the server's own network in any spelling of an address: a literal address
// is judged by value when the upload is made (400 at once), and a redirect to one fails the document
// when it is fetched (refunded, error blocked_address).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { buildLetterPdf } from '../fixtures/documents.js';
import { makeOrg, waitForStatus, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';

const finished = (s: Record<string, unknown>) => s.status !== 'processing';

describe('documents: URL uploads and the address check', () => {
  let ts: TestServer;
  let org: TestOrg;
  let redirector: http.Server;
  let base: string;

  before(async () => {
    redirector = http.createServer((req, res) => {
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
      res.writeHead(302, { location: to ?? '/' }).end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.2', r));
    base = `http://127.0.0.2:${(redirector.address() as AddressInfo).port}`;
    ts = await startServer({ fetchAllowHosts: ['127.0.0.2'], workflowBackoffMs: 10 });
    org = await makeOrg(ts);
  });
  after(async () => {
    await ts.close();
    redirector.close();
  });

  const LITERALS = [
    'http://[::127.0.0.1]/x.pdf', 'http://[::ffff:127.0.0.1]/x.pdf', 'http://[::ffff:7f00:1]/x.pdf', 'http://[0:0:0:0:0:ffff:127.0.0.1]/x.pdf',
    'http://[::ffff:0:127.0.0.1]/x.pdf', 'http://[2002:7f00:1::]/x.pdf', 'http://[fec0::1]/x.pdf', 'http://[64:ff9b::127.0.0.1]/x.pdf',
    'http://[::ffff:169.254.169.254]/latest/meta-data', 'http://[64:ff9b::a9fe:a9fe]/latest/meta-data', 'http://[2002:a9fe:a9fe::]/latest/meta-data',
    'http://0x7f.1/x.pdf', 'http://2130706433/x.pdf', 'https://[::1]:8443/x.pdf',
  ];

  test('a literal private address in any spelling is 400 invalid_request when uploaded, and costs nothing', async () => {
    const before = (await org.call('GET', '/credits')).body.balance_micro_credits;
    for (const url of LITERALS) {
      const r = await org.call('POST', '/upload', { url, file_name: 'x.pdf' });
      assert.equal(r.status, 400, `${url}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(r.body, { error: 'url points to a non-public address', code: 'invalid_request' }, url);
    }
    assert.equal((await org.call('GET', '/credits')).body.balance_micro_credits, before);
  });

  test('a redirect to one of them fails the document with blocked_address when it is fetched', async () => {
    for (const target of ['http://[::ffff:127.0.0.1]/x.pdf', 'http://[2002:7f00:1::]/x.pdf', 'http://[64:ff9b::a9fe:a9fe]/latest/meta-data', 'http://[fec0::1]/x.pdf']) {
      const r = await org.call('POST', '/upload', { url: `${base}/?to=${encodeURIComponent(target)}`, file_name: 'x.pdf' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const s = await waitForStatus(org, r.body.document_id as string, finished);
      assert.equal(s.status, 'failed', target);
      assert.equal(s.error, 'blocked_address', target);
    }
  });
});

describe('documents: a host name in CAPSTAN_FETCH_ALLOW_HOSTS', () => {
  let ts: TestServer;
  let org: TestOrg;
  let files: http.Server;
  let port: number;

  before(async () => {
    const letter = await buildLetterPdf();
    files = http.createServer((req, res) => {
      if (req.url === '/x.pdf') res.writeHead(200, { 'content-type': 'application/pdf' }).end(letter);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    port = (files.address() as AddressInfo).port;
    ts = await startServer({ fetchAllowHosts: ['LocalHost'], workflowBackoffMs: 10 });
    org = await makeOrg(ts);
  });
  after(async () => {
    await ts.close();
    files.close();
  });

  test('a URL whose host is the named host is fetched although it resolves to loopback', async () => {
    const r = await org.call('POST', '/upload', { url: `http://localhost:${port}/x.pdf`, file_name: 'x.pdf' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const s = await waitForStatus(org, r.body.document_id as string, finished);
    assert.equal(s.status, 'completed', JSON.stringify(s));
  });

  test('the name allows only itself: the same loopback address by number is still refused', async () => {
    const literal = await org.call('POST', '/upload', { url: `http://127.0.0.1:${port}/x.pdf`, file_name: 'x.pdf' });
    assert.equal(literal.status, 400, JSON.stringify(literal.body));
    assert.equal(literal.body.code, 'invalid_request');
  });
});
