// The SDK in headless Chromium, on a page of another origin than the Capstan server, loaded from its
// built ES modules with no bundler: documents uploaded from a File and watched over SSE and the
// browser's WebSocket, through a connection cut, a short-lived realtime token and a server drain; the
// hub stream with getToken and a cut; the organizer socket; a video uploaded from a Blob in parts and
// followed on the video events stream. Every request the page made is checked as the server received
// it: the preflights for capout-api-key, Authorization, Idempotency-Key and Last-Event-ID, and the
// answers' CORS headers.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { DocumentStatus, HubStreamItem, OrganizerMessage, VideoEvent, VideoStreamItem, VideoUploadProgress } from '@capstan/client';
import { buildEstimatePdf } from '../fixtures/documents.js';
import { cameraMp4 } from '../fixtures/media.js';
import { launchChromium } from '../helpers/chromium.js';
import { makeHub } from '../helpers/hub.js';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse, type SseStream } from '../helpers/sse.js';
import { makeApp } from '../helpers/videos.js';
import { until } from '../helpers/wait.js';
import { recordExchanges, serveSite, type Exchange, type PageWindow, type Run, type Site } from './browser-site.js';
import { assertFreshBuild } from './helpers.js';
import { cutProxy } from './proxy.js';

const FAST = { backoff: { initialMs: 50, maxMs: 500 } };
/** Small video parts, so that a 2 s clip goes in several. */
const PART = 16 * 1024;
const isFinal = (s: DocumentStatus) => s.status === 'completed' || s.status === 'failed';

function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms))),
  ]);
}

/** The statuses of one document a raw (never cut) SSE stream received. */
const statusesOf = (s: SseStream, id: string): DocumentStatus[] =>
  s.frames.filter((f) => f.data !== undefined).map((f) => JSON.parse(f.data as string) as DocumentStatus).filter((m) => m.document_id === id);

describe('the SDK in Chromium, on another origin', () => {
  let site: Site;
  let ts: TestServer;
  let org: TestOrg;
  let browser: Browser;
  let page: Page;
  let pdf: Uint8Array;
  const exchanges: Exchange[] = [];
  const logs: string[] = [];
  /** What the page's hubToken() answers: set by the hub test. */
  let hubToken: () => Promise<string> = () => Promise.reject(new Error('no hub yet'));

  /** The page's background iteration `name` (see follow() in the page). */
  const run = <T>(name: string) => page.evaluate((n) => (window as unknown as PageWindow).runs[n], name) as Promise<Run & { items: T[] }>;
  /** Polls run `name` until `done` holds of its items; fails at once if the iteration failed. */
  const waitRun = async <T>(name: string, done: (items: T[]) => boolean, what: string, timeoutMs = 30_000): Promise<T[]> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const r = await run<T>(name);
      if (done(r.items)) return r.items;
      if (r.error) throw new Error(`${name} failed in the page while waiting for ${what}: ${JSON.stringify(r.error)}`);
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; ${name} has ${r.items.length} items: ${JSON.stringify(r.items).slice(-600)}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  };
  const preflights = (from: number, path: string) => exchanges.slice(from).filter((x) => x.method === 'OPTIONS' && x.path === path);
  /** Chromium asked to send `headers` to `path`, and the server allowed them and the page's origin. */
  const assertPreflight = (from: number, path: string, headers: readonly string[]) => {
    const allowed = preflights(from, path).find((x) => headers.every((h) => x.requested.includes(h)));
    assert.ok(allowed, `a preflight of ${path} for ${headers.join(', ')}; saw ${JSON.stringify(preflights(from, path))}`);
    assert.equal(allowed.status, 204);
    assert.equal(allowed.allowOrigin, site.origin);
    for (const h of headers) assert.ok(allowed.allowHeaders?.includes(h), `${path}: ${h} allowed (${allowed.allowHeaders?.join(', ')})`);
  };
  const diagnose = async (t: TestContext, body: () => Promise<void>) => {
    try {
      await body();
    } catch (e) {
      t.diagnostic(['--- page console and errors:', ...logs, '--- the page\'s requests as the server saw them:', ...exchanges.map((x) => `${x.method} ${x.path} → ${x.status} requested=${x.requested.join(',')} last-event-id=${x.lastEventId ?? ''}`)].join('\n'));
      throw e;
    }
  };

  before(async () => {
    assertFreshBuild();
    const mp4 = await cameraMp4({ seconds: 2 });
    pdf = await buildEstimatePdf();
    site = await serveSite({
      '/fixtures/estimate.pdf': { type: 'application/pdf', bytes: pdf },
      '/fixtures/camera.mp4': { type: 'video/mp4', bytes: mp4 },
    });
    ts = await startServer({ realtimeRetryMs: 50, multipartMinPartBytes: PART });
    recordExchanges(ts.server.app.server, site.origin, exchanges);
    org = await makeOrg(ts);
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('console', (m) => logs.push(`[console.${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
    page.on('requestfailed', (r) => logs.push(`[requestfailed] ${r.method()} ${r.url().replace(/token=[^&]+/, 'token=…')}: ${r.failure()?.errorText ?? ''}`));
    await page.exposeFunction('hubToken', () => hubToken());
    await page.goto(site.origin + '/');
    await page.waitForFunction(() => (window as unknown as { pageReady?: boolean }).pageReady === true, undefined, { timeout: 10_000 });
    await page.evaluate(() => ((window as unknown as { kept: PageWindow['kept'] }).kept = {}));
  });

  after(async () => {
    await browser?.close();
    await Promise.allSettled([site?.close(), ts?.close()]);
  });

  test('the page and the server are different origins; the SDK loads as ES modules, statically and through import()', async () => {
    assert.notEqual(new URL(site.origin).origin, new URL(ts.url).origin);
    const loaded = await page.evaluate(async () => {
      const w = window as unknown as PageWindow;
      const path = '/dist/index.js';
      const dynamic = (await import(path)) as PageWindow['capstan'];
      return { version: w.capstan.VERSION, same: dynamic === w.capstan, exports: Object.keys(w.capstan).sort() };
    });
    assert.equal(loaded.version, '0.2.0');
    assert.equal(loaded.same, true);
    for (const name of ['createClient', 'CapstanError', 'isCapstanError', 'SseParser']) assert.ok(loaded.exports.includes(name), name);
  });

  test('documents: a File uploaded with an Idempotency-Key, watched over SSE until done; a typed 404', (t) => diagnose(t, async () => {
    const from = exchanges.length;
    // The document waits to be processed until the page's watch has its stream: a text PDF is done in
    // milliseconds, and a watch opened after that would rightly start from "completed".
    const { workflows } = ts.server.ctx;
    await workflows.stop();
    const streamOpened = (async () => {
      const deadline = Date.now() + 60_000;
      while (!exchanges.slice(from).some((x) => x.method === 'GET' && x.path === '/sse/status' && x.status !== undefined) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      workflows.start();
    })();
    const out = await within(60_000, 'upload and watch in the page', page.evaluate(async ([baseUrl, apiKey, fast]) => {
      const w = window as unknown as PageWindow;
      const client = w.capstan.createClient({ baseUrl, apiKey });
      const file = new File([await w.fixture('/fixtures/estimate.pdf')], 'scope.pdf', { type: 'application/pdf' });
      const key = crypto.randomUUID();
      const first = await client.documents.upload({ file, fileName: file.name }, { idempotencyKey: key });
      const again = await client.documents.upload({ file, fileName: file.name }, { idempotencyKey: key });
      const watch = client.documents.watch(first.document_id, fast);
      const seen: DocumentStatus[] = [];
      for await (const s of watch) seen.push(s);
      const final = await watch.done;
      const result = await client.documents.result(first.document_id);
      const notFound = await client.documents.status('doc_nope').then(() => null, (e: unknown) => w.errorInfo(e));
      return { id: first.document_id, againId: again.document_id, size: file.size, seen, final, fileName: result.file_name, lineItems: result.line_items?.length ?? 0, notFound };
    }, [ts.url, org.apiKey, FAST] as const)).finally(() => streamOpened);
    assert.equal(out.size, pdf.byteLength);
    assert.equal(out.againId, out.id, 'the same Idempotency-Key returned the first answer');
    assert.equal(out.final.status, 'completed');
    assert.deepEqual(out.seen.at(-1), out.final);
    assert.equal(out.seen[0]?.status, 'processing');
    for (let i = 1; i < out.seen.length; i++) assert.notDeepEqual(out.seen[i], out.seen[i - 1], 'each change once');
    assert.equal(out.fileName, 'scope.pdf');
    assert.ok(out.lineItems > 0);
    assert.deepEqual({ code: out.notFound?.code, status: out.notFound?.status, capstan: out.notFound?.capstan }, { code: 'not_found', status: 404, capstan: true });

    assertPreflight(from, '/upload', ['capout-api-key', 'content-type', 'idempotency-key']);
    assertPreflight(from, '/ws/token', ['capout-api-key']);
    const uploads = exchanges.slice(from).filter((x) => x.method === 'POST' && x.path === '/upload');
    assert.equal(uploads.length, 2);
    for (const x of uploads) {
      assert.ok(x.headers.includes('idempotency-key') && x.headers.includes('capout-api-key'));
      assert.equal(x.allowOrigin, site.origin);
    }
    const stream = exchanges.slice(from).find((x) => x.method === 'GET' && x.path === '/sse/status');
    assert.equal(stream?.status, 200);
    assert.equal(stream?.allowOrigin, site.origin);
  }));

  test('documents: watched over the browser\'s WebSocket until done, with no SSE request', (t) => diagnose(t, async () => {
    const from = exchanges.length;
    const out = await within(60_000, 'a WebSocket watch in the page', page.evaluate(async ([baseUrl, apiKey, fast]) => {
      const w = window as unknown as PageWindow;
      const client = w.capstan.createClient({ baseUrl, apiKey });
      const file = await w.fixture('/fixtures/estimate.pdf');
      const a = await client.documents.upload({ file, fileName: 'a.pdf' });
      const b = await client.documents.upload({ file, fileName: 'b.pdf' });
      const watch = client.documents.watch([a.document_id, b.document_id], { ...fast, transport: 'websocket' });
      const seen: DocumentStatus[] = [];
      for await (const s of watch) seen.push(s);
      return { ids: [a.document_id, b.document_id], seen, finals: await watch.done };
    }, [ts.url, org.apiKey, FAST] as const));
    assert.deepEqual(out.finals.map((f) => f.document_id), out.ids);
    for (const f of out.finals) assert.equal(f.status, 'completed');
    for (const id of out.ids) assert.deepEqual(out.seen.filter((s) => s.document_id === id).at(-1)?.status, 'completed');
    assert.equal(exchanges.slice(from).filter((x) => x.path === '/sse/status').length, 0, 'the statuses came over the socket');
  }));

  test('documents: connections cut mid-stream are resumed with Last-Event-ID, every status once, in order', (t) => diagnose(t, async () => {
    const proxy = await cutProxy(ts.url);
    const token = (await org.call('POST', '/ws/token')).body.token as string;
    // The reference: a stream opened directly by the test, never cut.
    const reference = await openSse(`${ts.url}/sse/status?token=${token}&recent=1`);
    const from = exchanges.length;
    try {
      await page.evaluate(([baseUrl, apiKey, fast]) => {
        const w = window as unknown as PageWindow;
        const watch = w.capstan.createClient({ baseUrl, apiKey }).documents.watch({ recent: 1 }, fast);
        w.kept.cut = watch;
        w.follow('cut', watch);
      }, [proxy.url, org.apiKey, FAST] as const);
      await waitRun<DocumentStatus>('cut', (items) => items.length >= 1, 'the snapshot');
      const up = await org.call('POST', '/upload', { file_base64: Buffer.from(pdf).toString('base64'), file_name: 'cut.pdf' });
      const id = up.body.document_id as string;
      let cuts = 0;
      let got: DocumentStatus[] = [];
      while (!got.some((s) => s.document_id === id && isFinal(s))) {
        const before = got.length;
        got = await waitRun<DocumentStatus>('cut', (items) => items.length > before, 'the next status');
        if (cuts < 3) {
          proxy.cut();
          cuts++;
        }
      }
      await until(() => statusesOf(reference, id).some(isFinal), 'the reference stream to see the end');
      assert.deepEqual(got.filter((s) => s.document_id === id), statusesOf(reference, id));
      const resumed = exchanges.slice(from).filter((x) => x.method === 'GET' && x.path === '/sse/status' && x.lastEventId !== undefined);
      assert.ok(resumed.length >= 1, 'the page reconnected with Last-Event-ID');
      for (const x of resumed) assert.equal(x.status, 200);
      assertPreflight(from, '/sse/status', ['last-event-id']);
    } finally {
      await page.evaluate(() => (window as unknown as PageWindow).kept.cut?.close());
      reference.close();
      await proxy.close();
    }
  }));

  test('hub: events through fetch streaming with a token from getToken in Authorization, resumed after cuts', (t) => diagnose(t, async () => {
    const hub = await makeHub(ts);
    const member = await hub.member('browser');
    let minted = 0;
    hubToken = async () => (minted++, hub.token(member.id));
    const proxy = await cutProxy(ts.url);
    const from = exchanges.length;
    // Published in-process: cutting the proxy must not cut the test's own calls.
    const publish = async (n: number) => (await ts.server.ctx.hubs.publish(hub.hubId, { type: 'test.ping', data: { n } })).id;
    try {
      const start = await publish(-1);
      await page.evaluate(([baseUrl, hubId, lastEventId, fast]) => {
        const w = window as unknown as PageWindow;
        const stream = w.capstan.createClient({ baseUrl }).hub.events({ hubId, getToken: () => w.hubToken() }, { ...fast, lastEventId });
        w.kept.hub = stream;
        w.follow('hub', stream);
      }, [proxy.url, hub.hubId, start, FAST] as const);
      const published: string[] = [];
      for (let n = 0; n < 20; n++) {
        published.push(await publish(n));
        if (n === 6 || n === 13) {
          await waitRun<HubStreamItem>('hub', (items) => items.length >= published.length, `event ${n}`);
          proxy.cut();
        }
      }
      const got = await waitRun<HubStreamItem>('hub', (items) => items.length >= published.length, 'every event');
      assert.deepEqual(got.map((e) => e.id), published);
      assert.deepEqual(got.map((e) => (e.data as { n: number }).n), published.map((_, i) => i));
      assert.ok(minted >= 1);
      assertPreflight(from, '/realtime/events', ['authorization', 'last-event-id']);
      const streams = exchanges.slice(from).filter((x) => x.method === 'GET' && x.path === '/realtime/events');
      assert.ok(streams.length >= 3, `reconnected after both cuts (${streams.length} streams)`);
      for (const x of streams) {
        assert.equal(x.status, 200);
        assert.ok(x.headers.includes('authorization'));
        assert.ok(x.lastEventId === start || published.includes(x.lastEventId ?? ''), `resumed from an event it had (${x.lastEventId})`);
      }
      assert.equal(streams.at(-1)?.lastEventId === start, false, 'the last reconnect resumed after events it had received');
    } finally {
      await page.evaluate(() => (window as unknown as PageWindow).kept.hub?.close());
      await proxy.close();
    }
  }));

  test('organizer: the client_id WebSocket announces a file uploaded from the page', (t) => diagnose(t, async () => {
    const from = exchanges.length;
    const up = await within(20_000, 'connect and upload in the page', page.evaluate(async ([baseUrl, apiKey, fast]) => {
      const w = window as unknown as PageWindow;
      const client = w.capstan.createClient({ baseUrl, apiKey });
      const socket = client.organizer.connect(fast);
      w.kept.organizer = socket;
      w.follow('organizer', socket);
      await socket.opened;
      const [file] = await client.organizer.uploadFiles([{ file: new Blob(['Invoice 2024-03-14 total due'], { type: 'text/plain' }), name: 'invoice 2024-03-14.txt' }]);
      return { fileId: file?.fileId ?? '', clientId: socket.clientId };
    }, [ts.url, org.apiKey, FAST] as const));
    try {
      const got = await waitRun<OrganizerMessage>('organizer', (items) => items.some((m) => m.type === 'file_uploaded' && m.fileId === up.fileId), 'file_uploaded');
      const announced = got.find((m) => m.type === 'file_uploaded');
      assert.deepEqual(announced, { type: 'file_uploaded', fileId: up.fileId, name: 'invoice 2024-03-14.txt', size: 28 });
      assert.match(up.clientId, /^[0-9a-f]{32}$/);
      assertPreflight(from, '/api/v1/files', ['capout-api-key']);
    } finally {
      await page.evaluate(() => (window as unknown as PageWindow).kept.organizer?.close());
    }
  }));

  test('videos: a Blob in several parts, two at a time, with progress; ready, and followed on the events stream', (t) => diagnose(t, async () => {
    const app = await makeApp(ts);
    const from = exchanges.length;
    const out = await within(90_000, 'the video upload in the page', page.evaluate(async ([baseUrl, publicKey, secretKey, partSize, fast]) => {
      const w = window as unknown as PageWindow;
      const client = w.capstan.createClient({ baseUrl, publicKey, secretKey });
      const events = client.videos.events(fast);
      w.kept.videoEvents = events;
      w.follow('videoEvents', events);
      await events.subscribed;
      const video = await w.fixture('/fixtures/camera.mp4');
      let putsInFlight = 0;
      let maxPutsInFlight = 0;
      const uploader = w.capstan.createClient({
        baseUrl,
        publicKey,
        fetch: async (input, init) => {
          const put = init?.method === 'PUT';
          if (put) maxPutsInFlight = Math.max(maxPutsInFlight, ++putsInFlight);
          try {
            return await fetch(input, init);
          } finally {
            if (put) putsInFlight--;
          }
        },
      });
      const progress: VideoUploadProgress[] = [];
      const result = await uploader.videos.upload(video, { partSize, concurrency: 2, create: { name: 'from the page' }, onProgress: (p) => progress.push(p) });
      const status = await client.videos.waitUntilReady(result.videoId, { intervalMs: 200 });
      return { size: video.size, type: video.type, result, progress, status, maxPutsInFlight };
    }, [ts.url, app.publicKey, app.secretKey, PART, FAST] as const));
    try {
      const partsTotal = Math.ceil(out.size / PART);
      assert.ok(partsTotal >= 3, `several parts (${partsTotal})`);
      assert.equal(out.type, 'video/mp4');
      assert.deepEqual(out.result.parts.map((p) => p.partNumber), Array.from({ length: partsTotal }, (_, i) => i + 1));
      assert.deepEqual(out.progress.map((p) => p.partsDone), Array.from({ length: partsTotal + 1 }, (_, i) => i));
      assert.equal(out.progress.at(-1)?.uploadedBytes, out.size);
      assert.ok(out.maxPutsInFlight >= 1 && out.maxPutsInFlight <= 2, `at most two parts at once (${out.maxPutsInFlight})`);
      assert.equal(out.status.ready, true, JSON.stringify(out.status));
      assert.deepEqual([out.status.width, out.status.height], [320, 240]);

      const mine = (await waitRun<VideoStreamItem>('videoEvents', (items) => items.some((e) => e.id !== undefined && e.type === 'video.ready' && e.data.id === out.result.videoId), 'video.ready on the events stream'))
        .filter((e): e is VideoEvent => e.id !== undefined && e.data.id === out.result.videoId);
      assert.deepEqual(mine.slice(0, 3).map((e) => e.type), ['video.created', 'video.upload_started', 'video.uploaded']);
      for (const e of mine) assert.equal(e.data.appId, app.id);

      assertPreflight(from, '/api/developer/sdk/v1/videos/create', ['authorization', 'content-type']);
      assertPreflight(from, '/api/developer/v1/events', ['authorization']);
      assert.ok(preflights(from, '/uploads/parts').length >= 1, 'the part PUTs were preflighted');
      const puts = exchanges.slice(from).filter((x) => x.method === 'PUT' && x.path === '/uploads/parts');
      assert.equal(puts.length, partsTotal);
      for (const x of puts) assert.deepEqual([x.status, x.allowOrigin], [200, site.origin]);
    } finally {
      await page.evaluate(() => (window as unknown as PageWindow).kept.videoEvents?.close());
    }
  }));

  describe('short-lived realtime tokens and a server drain', () => {
    let first: TestServer;
    let second: TestServer | undefined;
    let shortOrg: TestOrg;
    const upload = async (o: TestOrg, name: string) => (await o.call('POST', '/upload', { file_base64: Buffer.from(pdf).toString('base64'), file_name: name })).body.document_id as string;

    before(async () => {
      first = await startServer({ realtimeRetryMs: 50, realtimeTokenTtlSeconds: 2, realtimeDrainWindowMs: 200 });
      recordExchanges(first.server.app.server, site.origin, exchanges);
      shortOrg = await makeOrg(first);
      await upload(shortOrg, 'first.pdf');
    });
    after(async () => {
      await page.evaluate(() => (window as unknown as PageWindow).kept.short?.close()).catch(() => undefined);
      await (second ?? first).server.close();
      rmSync(first.dataDir, { recursive: true, force: true });
    });

    test('a 2 s realtime token expiring mid-stream is renewed by the SDK, and the watch carries on', (t) => diagnose(t, async () => {
      const from = exchanges.length;
      await page.evaluate(([baseUrl, apiKey, fast]) => {
        const w = window as unknown as PageWindow;
        const watch = w.capstan.createClient({ baseUrl, apiKey }).documents.watch({ recent: 1 }, fast);
        w.kept.short = watch;
        w.follow('short', watch);
      }, [first.url, shortOrg.apiKey, FAST] as const);
      await waitRun<DocumentStatus>('short', (items) => items.length >= 1, 'the snapshot');
      // A snapshot carries no id, and the document uploaded before may be done already: without an
      // event of its own the first stream would have nothing to resume from. This one's first status
      // comes at once, well inside the first token's 2 s.
      const early = await upload(shortOrg, 'early.pdf');
      await waitRun<DocumentStatus>('short', (items) => items.some((s) => s.document_id === early), 'the early document');
      // Until the first token has been renewed twice (each lives 2 to 3 s): the stream has to be
      // carried over to a new one.
      await until(() => exchanges.slice(from).filter((x) => x.method === 'POST' && x.path === '/ws/token').length >= 3, 'two renewals', 15_000);
      const id = await upload(shortOrg, 'late.pdf');
      const got = await waitRun<DocumentStatus>('short', (items) => items.some((s) => s.document_id === id && isFinal(s)), 'the late document to finish');
      assert.equal(got.filter((s) => s.document_id === id)[0]?.status, 'processing');
      const mints = exchanges.slice(from).filter((x) => x.method === 'POST' && x.path === '/ws/token');
      const streams = exchanges.slice(from).filter((x) => x.method === 'GET' && x.path === '/sse/status');
      assert.ok(mints.length >= 3, `tokens minted: ${mints.length}`);
      assert.ok(streams.length >= 3, `streams opened: ${streams.length}`);
      assert.ok(streams.slice(1).every((x) => x.lastEventId !== undefined), 'each new stream resumed where the last one stopped');
    }));

    test('the server drains and a new one starts on the same port and data: the open watch follows a new document to the end', (t) => diagnose(t, async () => {
      await waitRun<DocumentStatus>('short', (items) => items.length >= 1, 'the open watch');
      const port = Number(new URL(first.url).port);
      await first.server.close();
      second = await startServer({ dataDir: first.dataDir, port, realtimeRetryMs: 50, realtimeDrainWindowMs: 200 });
      const from = exchanges.length;
      recordExchanges(second.server.app.server, site.origin, exchanges);
      // Same port, so the same URL: the organization's calls now reach the new server.
      const id = await upload(shortOrg, 'after-drain.pdf');
      const got = await waitRun<DocumentStatus>('short', (items) => items.some((s) => s.document_id === id && isFinal(s)), 'the document uploaded after the restart to finish');
      assert.equal(got.filter((s) => s.document_id === id).at(-1)?.status, 'completed');
      // A token minted by the first server may have expired meanwhile (they live 2 s): a 401, one new
      // token, and the stream reopens, still where it stopped.
      const reopened = exchanges.slice(from).filter((x) => x.method === 'GET' && x.path === '/sse/status' && x.status === 200);
      assert.ok(reopened.length >= 1, 'the watch reconnected to the new server');
      assert.ok(reopened.every((x) => x.lastEventId !== undefined), 'with its Last-Event-ID');
      const r = await run<DocumentStatus>('short');
      assert.equal(r.error, null);
    }));
  });
});

