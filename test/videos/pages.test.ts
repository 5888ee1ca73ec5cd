// The share page, the embed page and the Range-served bytes of a developer video, over HTTP and in
// headless Chromium (playwright-core + the Debian chromium package): the player loads the metadata.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { createVideo, makeApp, settled, uploadVideo, waitForVideo, type TestApp } from '../helpers/videos.js';

const BYTES = readFileSync(new URL('../fixtures/videos/with-audio.mp4', import.meta.url));

describe('video pages and bytes', () => {
  let ts: TestServer;
  let app: TestApp;
  let videoId: string;

  before(async () => {
    ts = await startServer({ multipartMinPartBytes: 8 * 1024 });
    app = await makeApp(ts);
    videoId = await uploadVideo(app, BYTES, 8 * 1024);
    await waitForVideo(app, videoId, settled);
  });
  after(() => ts.close());

  const media = (headers: Record<string, string> = {}, method = 'GET') => fetch(`${ts.url}/dev/${videoId}/video`, { method, headers });

  test('the whole file: 200, Accept-Ranges, Content-Length, the exact bytes', async () => {
    const res = await media();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    assert.equal(res.headers.get('content-type'), 'video/mp4');
    assert.equal(res.headers.get('content-length'), String(BYTES.length));
    assert.ok(res.headers.get('etag'));
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), BYTES);
  });

  test('ranges: first bytes, open-ended, suffix, clamped end', async () => {
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      ['bytes=35800-', 35800, BYTES.length - 1],
      ['bytes=-10', BYTES.length - 10, BYTES.length - 1],
      ['bytes=100-999999', 100, BYTES.length - 1],
      ['bytes=0-0', 0, 0],
    ];
    for (const [range, start, end] of cases) {
      const res = await media({ range });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${BYTES.length}`, range);
      assert.equal(res.headers.get('content-length'), String(end - start + 1), range);
      assert.equal(res.headers.get('accept-ranges'), 'bytes');
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), BYTES.subarray(start, end + 1), range);
    }
  });

  test('a range past the end is 416 with Content-Range: bytes */size; unparsable or multiple ranges get the whole file', async () => {
    for (const range of [`bytes=${BYTES.length}-`, 'bytes=999999-1000000', 'bytes=-0']) {
      const res = await media({ range });
      assert.equal(res.status, 416, range);
      assert.equal(res.headers.get('content-range'), `bytes */${BYTES.length}`);
      assert.equal(((await res.json()) as { code: string }).code, 'range_not_satisfiable');
    }
    for (const range of ['bytes=0-1,5-9', 'items=0-5', 'bytes=9-1']) {
      const res = await media({ range });
      assert.equal(res.status, 200, range);
      assert.equal((await res.arrayBuffer()).byteLength, BYTES.length, range);
    }
  });

  test('HEAD gives the headers without the bytes', async () => {
    const res = await media({}, 'HEAD');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(BYTES.length));
    assert.equal((await res.arrayBuffer()).byteLength, 0);
  });

  test('pages are self-contained HTML; before the upload the page says so and there are no bytes', async () => {
    for (const path of [`/dev/${videoId}`, `/embed/${videoId}?sdk=1`]) {
      const res = await fetch(ts.url + path);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      const html = await res.text();
      assert.match(html, /<video[^>]+controls/);
      assert.doesNotMatch(html, /<script|https?:\/\/(?!localhost|127\.0\.0\.1)/);
    }
    const named = await createVideo(app, { name: '<b>Demo & "friends"</b>' });
    const page = await (await fetch(`${ts.url}/dev/${named}`)).text();
    assert.match(page, /&lt;b&gt;Demo &amp; &quot;friends&quot;&lt;\/b&gt;/);
    assert.match(page, /still being uploaded/);
    assert.equal((await fetch(`${ts.url}/dev/${named}/video`)).status, 404);
    assert.equal((await fetch(`${ts.url}/dev/zzzzzzzzzzzz`)).status, 404);
  });

  describe('in headless Chromium', () => {
    let browser: Browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(() => browser.close());

    for (const kind of ['share', 'embed'] as const) {
      test(`the ${kind} page's video element loads the metadata (duration about 2 s) over Range requests`, async () => {
        const page = await browser.newPage();
        const statuses: number[] = [];
        page.on('response', (r) => {
          if (r.url().endsWith(`/dev/${videoId}/video`)) statuses.push(r.status());
        });
        try {
          const url = kind === 'share' ? `${ts.url}/dev/${videoId}` : `${ts.url}/embed/${videoId}?sdk=1`;
          assert.equal((await page.goto(url))?.status(), 200);
          await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 1);
          const meta = await page.evaluate(() => {
            const v = document.querySelector('video')!;
            return { duration: v.duration, width: v.videoWidth, height: v.videoHeight, error: v.error?.code ?? null };
          });
          assert.equal(meta.error, null);
          assert.ok(Math.abs(meta.duration - 2) < 0.1, `duration ${meta.duration}`);
          assert.equal(meta.width, 320);
          assert.equal(meta.height, 240);
          assert.ok(statuses.includes(206), `Chromium fetched ranges (${statuses.join(',')})`);
        } finally {
          await page.close();
        }
      });
    }
  });
});
