// A server that takes the connection and never answers: requests give up after `timeoutMs` and
// streams after `idleTimeoutMs` as network_error, uploads wait for their signal; a stream that opens
// and says nothing is a failed attempt; a getToken that fails ends the hub stream as a CapstanError
// carrying it.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CapstanError, createClient } from '@capstan/client';
import { assertFreshBuild, take } from './helpers.js';

const isCode = (code: string) => (e: unknown) => e instanceof CapstanError && e.code === code;

describe('timeouts', () => {
  let server: http.Server;
  let baseUrl: string;
  const held: http.ServerResponse[] = [];
  before(async () => {
    assertFreshBuild();
    // Reads every request and answers none.
    server = http.createServer((req, res) => {
      req.resume();
      held.push(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('a request with no answer fails network_error after timeoutMs', { timeout: 20_000 }, async () => {
    const client = createClient({ baseUrl, apiKey: 'capout_test_x', secretKey: 'csk_x', timeoutMs: 300 });
    await assert.rejects(client.documents.credits(), (e: unknown) => isCode('network_error')(e) && /within 300 ms/.test((e as Error).message) && !(e as Error).message.includes('capout_test_x'));
    await assert.rejects(client.documents.status('doc_x'), isCode('network_error'));
    await assert.rejects(client.videos.list(), isCode('network_error'));
  });

  test('the caller\'s signal still wins: aborted, not network_error', { timeout: 20_000 }, async () => {
    const client = createClient({ baseUrl, apiKey: 'capout_test_x', timeoutMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(client.documents.credits(controller.signal), isCode('aborted'));
  });

  test('an answer whose body never ends: timeoutMs no longer applies once it began, and the signal still aborts the reading', { timeout: 20_000 }, async () => {
    const slow = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"balance');
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    try {
      const client = createClient({ baseUrl: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`, apiKey: 'capout_test_x', timeoutMs: 200 });
      const controller = new AbortController();
      let settled = false;
      const credits = client.documents.credits(controller.signal);
      void credits.then(() => (settled = true), () => (settled = true));
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(settled, false, 'the answer began: reading it is not bounded by timeoutMs');
      controller.abort();
      await assert.rejects(credits, isCode('aborted'));
    } finally {
      slow.closeAllConnections();
      await new Promise((r) => slow.close(r));
    }
  });

  test('an upload is not cut by timeoutMs: it waits for its signal', { timeout: 20_000 }, async () => {
    const client = createClient({ baseUrl, apiKey: 'capout_test_x', timeoutMs: 200 });
    const controller = new AbortController();
    let settled = false;
    const upload = client.documents.upload({ base64: Buffer.from('%PDF-1.4').toString('base64'), fileName: 'a.pdf' }, { signal: controller.signal });
    void upload.then(() => (settled = true), () => (settled = true));
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(settled, false, 'still waiting after four timeouts');
    controller.abort();
    await assert.rejects(upload, isCode('aborted'));
  });

  test('a stream whose answer never begins fails after idleTimeoutMs', { timeout: 20_000 }, async () => {
    const client = createClient({ baseUrl, timeoutMs: 0 });
    const stream = client.hub.events({ hubId: 'hub_x', token: 't' }, { idleTimeoutMs: 300 });
    await assert.rejects(take(stream[Symbol.asyncIterator](), () => false), isCode('network_error'));
  });

  test('a stream that answers its headers and then says nothing counts against maxRetries', { timeout: 20_000 }, async () => {
    let attempts = 0;
    const silent = http.createServer((_req, res) => {
      attempts++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const client = createClient({ baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` });
      const stream = client.hub.events({ hubId: 'hub_x', token: 't' }, { idleTimeoutMs: 200, maxRetries: 2, backoff: { initialMs: 10, maxMs: 20 } });
      await assert.rejects(take(stream[Symbol.asyncIterator](), () => false), isCode('network_error'));
      assert.equal(attempts, 3, 'the first attempt and two retries');
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  test('timeoutMs that is no wait is refused when the client is made', () => {
    for (const timeoutMs of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31]) {
      assert.throws(() => createClient({ baseUrl, timeoutMs }), isCode('invalid_request'), String(timeoutMs));
    }
    createClient({ baseUrl, timeoutMs: 0 });
  });

  test('a getToken that fails ends the hub stream with token_unavailable, its error as the cause', { timeout: 20_000 }, async () => {
    const client = createClient({ baseUrl });
    const why = new Error('backend down');
    const stream = client.hub.events({ hubId: 'hub_x', getToken: () => Promise.reject(why) });
    await assert.rejects(take(stream[Symbol.asyncIterator](), () => false), (e: unknown) => isCode('token_unavailable')(e) && (e as Error).cause === why && /backend down/.test((e as Error).message));
  });
});
