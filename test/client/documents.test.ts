// Documents through the SDK against a real server: REST calls, `watch` over SSE and WebSocket until
// `done`, a cut mid-stream resumed with no lost or repeated status, a realtime token renewed before it
// expires, and a drain with the server restarted on the same port and data.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { CapstanError, createClient, type Capstan, type DocumentStatus } from '@capstan/client';
import { buildEstimatePdf } from '../fixtures/documents.js';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse, type SseStream } from '../helpers/sse.js';
import { until } from '../helpers/wait.js';
import { assertFreshBuild, countingFetch, take } from './helpers.js';
import { cutProxy } from './proxy.js';

const FAST = { backoff: { initialMs: 50, maxMs: 500 } };
const isFinal = (s: DocumentStatus) => s.status === 'completed' || s.status === 'failed';

/** The statuses of one document a raw (never cut) SSE stream received. */
const statusesOf = (s: SseStream, id: string): DocumentStatus[] =>
  s.frames.filter((f) => f.data !== undefined).map((f) => JSON.parse(f.data as string) as DocumentStatus).filter((m) => m.document_id === id);

describe('documents through the SDK', () => {
  let ts: TestServer;
  let org: TestOrg;
  let client: Capstan;
  let pdf: Uint8Array;
  before(async () => {
    assertFreshBuild();
    pdf = await buildEstimatePdf();
    ts = await startServer({ realtimeRetryMs: 50 });
    org = await makeOrg(ts);
    client = createClient({ baseUrl: ts.url, apiKey: org.apiKey, WebSocket });
  });
  after(() => ts.close());

  test('upload (Blob, base64, Idempotency-Key), status, result, list, credits, and a typed 404', async () => {
    const file = new Blob([new Uint8Array(pdf)], { type: 'application/pdf' });
    const first = await client.documents.upload({ file, fileName: 'scope.pdf' }, { idempotencyKey: 'k-1' });
    const again = await client.documents.upload({ file, fileName: 'scope.pdf' }, { idempotencyKey: 'k-1' });
    assert.equal(again.document_id, first.document_id, 'the same key returns the first answer');
    assert.equal(first.status, 'processing');
    const b64 = await client.documents.upload({ base64: Buffer.from(pdf).toString('base64'), fileName: 'b64.pdf' });
    const final = await client.documents.watch(b64.document_id, FAST).done;
    assert.equal(final.status, 'completed');
    assert.deepEqual(await client.documents.status(b64.document_id), final);
    const result = await client.documents.result(b64.document_id);
    assert.equal(result.file_name, 'b64.pdf');
    assert.ok((result.line_items ?? []).length > 0);
    const list = await client.documents.list({ limit: 5 });
    assert.ok(list.data.some((d) => d.document_id === b64.document_id));
    const credits = await client.documents.credits();
    assert.equal(credits.organization_id, org.id);
    await assert.rejects(client.documents.status('doc_nope'), (e: unknown) => e instanceof CapstanError && e.status === 404 && e.code === 'not_found' && typeof e.requestId === 'string');
    await assert.rejects(createClient({ baseUrl: ts.url, apiKey: 'capout_test_wrong' }).documents.credits(), (e: unknown) => e instanceof CapstanError && e.status === 401 && e.code === 'unauthorized');
  });

  test('watch over WebSocket: several documents, done with both final statuses', async () => {
    const a = await client.documents.upload({ base64: Buffer.from(pdf).toString('base64'), fileName: 'a.pdf' });
    const b = await client.documents.upload({ base64: Buffer.from(pdf).toString('base64'), fileName: 'b.pdf' });
    const watch = client.documents.watch([a.document_id, b.document_id], { ...FAST, transport: 'websocket' });
    const seen: DocumentStatus[] = [];
    for await (const s of watch) seen.push(s);
    const finals = await watch.done;
    assert.deepEqual(finals.map((f) => f.document_id), [a.document_id, b.document_id]);
    for (const f of finals) assert.equal(f.status, 'completed');
    assert.ok(seen.length >= 2);
  });

  test('watch over WebSocket where the runtime has none (Node 20 without the option): a clear error at once, no retry loop', async (t) => {
    const bare = createClient({ baseUrl: ts.url, apiKey: org.apiKey });
    // No upload: a document processing now would join the next test's recent=1 streams.
    const a = { document_id: 'doc_nosuchdocument00' };
    const platform = (globalThis as { WebSocket?: unknown }).WebSocket;
    // Node 22 has a WebSocket of its own: take it away to be the runtime the SDK README warns about.
    if (platform !== undefined) {
      delete (globalThis as { WebSocket?: unknown }).WebSocket;
      t.after(() => Object.assign(globalThis, { WebSocket: platform }));
    }
    const watch = bare.documents.watch([a.document_id], { ...FAST, transport: 'websocket' });
    // Before the fix it retried forever: take's own deadline then fails the test with "timed out".
    await assert.rejects(take(watch[Symbol.asyncIterator](), () => false), (e: unknown) => e instanceof CapstanError && e.code === 'invalid_request' && /No WebSocket in this runtime/.test(e.message));
  });

  test('a connection cut mid-stream is resumed: the same statuses, in order, none lost or repeated', async () => {
    const proxy = await cutProxy(ts.url);
    const viaProxy = createClient({ baseUrl: proxy.url, apiKey: org.apiKey });
    const token = (await client.documents.mintRealtimeToken()).token;
    // The reference: a stream opened directly, never cut.
    const reference = await openSse(`${ts.url}/sse/status?token=${token}&recent=1`);
    const watch = viaProxy.documents.watch({ recent: 1 }, FAST);
    const it = watch[Symbol.asyncIterator]();
    try {
      // Both start with the same snapshot (the latest document), then the new upload joins them.
      await take(it, (items) => items.length === 1);
      const up = await client.documents.upload({ base64: Buffer.from(pdf).toString('base64'), fileName: 'cut.pdf' });
      const got: DocumentStatus[] = [];
      let cuts = 0;
      while (!got.some(isFinal)) {
        got.push(...(await take(it, (items) => items.length === 1)));
        if (cuts < 3) {
          proxy.cut();
          cuts++;
        }
      }
      await until(() => statusesOf(reference, up.document_id).some(isFinal), 'the reference stream to see the end');
      assert.deepEqual(got.filter((s) => s.document_id === up.document_id), statusesOf(reference, up.document_id));
      assert.ok(cuts >= 1);
    } finally {
      watch.close();
      reference.close();
      await proxy.close();
    }
  });

  test('a revoked key: the token mint answers 401 and the watch ends with it, without a loop', async () => {
    const key = await ts.admin('POST', `/orgs/${org.id}/keys`, {});
    const counting = countingFetch();
    const doomed = createClient({ baseUrl: ts.url, apiKey: key.body.api_key as string, fetch: counting.fetch });
    const watch = doomed.documents.watch({ recent: 1 }, FAST);
    await take(watch[Symbol.asyncIterator](), (items) => items.length === 1);
    assert.equal((await ts.admin('DELETE', `/orgs/${org.id}/keys/${key.body.id as string}`)).status, 200);
    await assert.rejects(watch.done.then(() => undefined), (e: unknown) => e instanceof CapstanError && (e.code === 'key_revoked' || e.code === 'unauthorized'));
    assert.ok(counting.count('/ws/token') <= 3);
  });
});

describe('documents: what the SDK says of refusals', () => {
  let ts: TestServer;
  let org: TestOrg;
  let client: Capstan;
  let files: http.Server;
  let filesUrl: string;
  before(async () => {
    assertFreshBuild();
    const pdf = await buildEstimatePdf();
    files = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/pdf' }).end(Buffer.from(pdf)));
    await new Promise<void>((r) => files.listen(0, '127.0.0.2', r));
    filesUrl = `http://127.0.0.2:${(files.address() as AddressInfo).port}`;
    ts = await startServer({ realtimeMaxStreamsPerKey: 2, fetchAllowHosts: ['127.0.0.2'] });
    org = await makeOrg(ts);
    client = createClient({ baseUrl: ts.url, apiKey: org.apiKey, WebSocket });
  });
  after(async () => {
    await ts.close();
    files.close();
  });

  test('a refused WebSocket says why: a bad scope is 400 at once, the key at its stream limit 429 with Retry-After', async () => {
    const counting = countingFetch();
    const watching = createClient({ baseUrl: ts.url, apiKey: org.apiKey, WebSocket, fetch: counting.fetch });
    const tooMany = Array.from({ length: 101 }, (_, i) => `doc_${String(i).padStart(20, '0')}`);
    // Bounded: a watch that retried the refusal would end `aborted` instead.
    const bounded = { ...FAST, transport: 'websocket', signal: AbortSignal.timeout(20_000) } as const;
    await assert.rejects(watching.documents.watch(tooMany, bounded).done, (e: unknown) => e instanceof CapstanError && e.status === 400 && e.code === 'invalid_request');
    assert.equal(counting.count('/ws/token'), 1, 'refused once, not retried');

    const token = (await client.documents.mintRealtimeToken()).token;
    const held = await Promise.all([1, 2].map(() => openSse(`${ts.url}/sse/status?token=${token}&recent=1`)));
    try {
      await assert.rejects(client.documents.watch({ recent: 1 }, { ...FAST, transport: 'websocket', maxRetries: 0, signal: AbortSignal.timeout(20_000) }).done, (e: unknown) => {
        assert.ok(e instanceof CapstanError, String(e));
        assert.deepEqual([e.status, e.code, typeof e.retryAfter], [429, 'too_many_connections', 'number'], e.message);
        return true;
      });
    } finally {
      for (const s of held) s.close();
    }
  });

  test('an error carries the facts the server sent beside its code', async () => {
    const poor = createClient({ baseUrl: ts.url, apiKey: (await makeOrg(ts, 0)).apiKey });
    await assert.rejects(poor.documents.upload({ base64: Buffer.from(await buildEstimatePdf()).toString('base64'), fileName: 'a.pdf' }), (e: unknown) => {
      assert.ok(e instanceof CapstanError && e.code === 'payment_required', String(e));
      assert.deepEqual(e.details, { required_micro: 2000, balance_micro: 0 });
      return true;
    });
    await assert.rejects(client.documents.status('doc_nope'), (e: unknown) => e instanceof CapstanError && e.code === 'not_found' && Object.keys(e.details).length === 0);
  });

  test('an upload by URL without a file name is named after the URL as the server takes names', async () => {
    const cases: [string, string][] = [
      [`/${'a'.repeat(300)}.pdf`, `${'a'.repeat(251)}.pdf`],
      ['/two%0Alines.pdf', 'two lines.pdf'],
      ['/nul%00byte.pdf', 'nul byte.pdf'],
      // C1 controls (U+0080–U+009F) are control characters to the server as well.
      ['/report%C2%85final.pdf', 'report final.pdf'],
      ['/csi%C2%9B%C2%9Fend.pdf', 'csi end.pdf'],
      ['/bad%E0%A4%A.pdf', 'bad%E0%A4%A.pdf'],
      ['/%0A%0A', 'document'],
      ['/', 'document'],
    ];
    for (const [path, name] of cases) {
      const up = await client.documents.upload({ url: filesUrl + path });
      assert.equal((await client.documents.result(up.document_id)).file_name, name, path);
    }
  });
});

describe('documents watch with short-lived realtime tokens', () => {
  test('a 2 s realtime token is renewed before it expires, and the stream carries on', async () => {
    const counting = countingFetch();
    const ts = await startServer({ realtimeRetryMs: 50, realtimeTokenTtlSeconds: 2 });
    const org = await makeOrg(ts);
    const client = createClient({ baseUrl: ts.url, apiKey: org.apiKey });
    const renewing = createClient({ baseUrl: ts.url, apiKey: org.apiKey, fetch: counting.fetch });
    try {
    await client.documents.upload({ base64: Buffer.from(await buildEstimatePdf()).toString('base64'), fileName: 'first.pdf' });
    const watch = renewing.documents.watch({ recent: 1 }, FAST);
    const it = watch[Symbol.asyncIterator]();
    await take(it, (items) => items.length === 1);
    // Until the first token has been renewed twice (each lives 2 to 3 s).
    await until(() => counting.count('/ws/token') >= 3, 'two renewals', 15_000);
    const up = await client.documents.upload({ base64: Buffer.from(await buildEstimatePdf()).toString('base64'), fileName: 'late.pdf' });
    const got = await take(it, (items) => items.some((s) => s.document_id === up.document_id && isFinal(s)));
    watch.close();
    assert.ok(counting.count('/ws/token') >= 3, `tokens minted: ${counting.count('/ws/token')}`);
    assert.ok(counting.count('/sse/status') >= 3, `streams opened: ${counting.count('/sse/status')}`);
    assert.equal(got.filter((s) => s.document_id === up.document_id)[0]?.status, 'processing');
    const statuses = await watch.done;
    assert.ok(statuses.some((s) => s.document_id === up.document_id));
    } finally {
      await ts.close();
    }
  });

});

describe('documents watch across a drain and restart', () => {
  test('stream.draining: the watch waits retry_ms and follows on the new server on the same port and data', async () => {
    assertFreshBuild();
    const pdf64 = Buffer.from(await buildEstimatePdf()).toString('base64');
    const first = await startServer({ realtimeDrainWindowMs: 200, realtimeRetryMs: 50 });
    const port = Number(new URL(first.url).port);
    const dataDir = first.dataDir;
    const org = await makeOrg(first);
    const client = createClient({ baseUrl: first.url, apiKey: org.apiKey });
    const up = await client.documents.upload({ base64: pdf64, fileName: 'one.pdf' });
    await client.documents.watch(up.document_id, FAST).done;
    const watch = client.documents.watch({ recent: 1 }, FAST);
    const it = watch[Symbol.asyncIterator]();
    await take(it, (items) => items.length === 1);
    await first.server.close();
    const second = await startServer({ dataDir, port, realtimeDrainWindowMs: 200 });
    try {
      const next = await client.documents.upload({ base64: pdf64, fileName: 'two.pdf' });
      const got = await take(it, (items) => items.some((s) => s.document_id === next.document_id && isFinal(s)));
      assert.equal(got.at(-1)?.status, 'completed');
    } finally {
      watch.close();
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
