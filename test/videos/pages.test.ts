// The share page, the embed page and the Range-served rendition and poster of a developer video,
// over HTTP and in headless Chromium (playwright-core + the Debian chromium package): the player
// loads the metadata, and a MediaRecorder WebM plays with a real duration and seeks.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { recorderWebm } from '../fixtures/media.js';
import { launchChromium } from '../helpers/chromium.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { createVideo, makeApp, settled, uploadVideo, waitForVideo, type TestApp } from '../helpers/videos.js';

const UPLOAD = readFileSync(new URL('../fixtures/videos/with-audio.mp4', import.meta.url));

describe('video pages and bytes', () => {
  let ts: TestServer;
  let app: TestApp;
  let videoId: string;
  /** The rendition the pages play (the upload remuxed, its index in front). */
  let rendition: Buffer;

  before(async () => {
    ts = await startServer({ multipartMinPartBytes: 8 * 1024 });
    app = await makeApp(ts);
    videoId = await uploadVideo(app, UPLOAD, 8 * 1024);
    await waitForVideo(app, videoId, settled);
    const chunks: Buffer[] = [];
    for await (const c of await ts.server.ctx.blobs.get(`developer/${app.id}/${videoId}/play.mp4`)) chunks.push(c as Buffer);
    rendition = Buffer.concat(chunks);
  });
  after(() => ts.close());

  const media = (headers: Record<string, string> = {}, method = 'GET') => fetch(`${ts.url}/dev/${videoId}/video`, { method, headers });

  test('the whole rendition: 200, Accept-Ranges, Content-Length, the exact bytes', async () => {
    const res = await media();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    assert.equal(res.headers.get('content-type'), 'video/mp4');
    assert.equal(res.headers.get('content-length'), String(rendition.length));
    assert.ok(res.headers.get('etag'));
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), rendition);
  });

  test('ranges: first bytes, open-ended, suffix, clamped end', async () => {
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      [`bytes=${rendition.length - 84}-`, rendition.length - 84, rendition.length - 1],
      ['bytes=-10', rendition.length - 10, rendition.length - 1],
      ['bytes=100-999999', 100, rendition.length - 1],
      ['bytes=0-0', 0, 0],
    ];
    for (const [range, start, end] of cases) {
      const res = await media({ range });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${rendition.length}`, range);
      assert.equal(res.headers.get('content-length'), String(end - start + 1), range);
      assert.equal(res.headers.get('accept-ranges'), 'bytes');
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), rendition.subarray(start, end + 1), range);
    }
  });

  test('a range past the end is 416 with Content-Range: bytes */size; unparsable or multiple ranges get the whole file', async () => {
    for (const range of [`bytes=${rendition.length}-`, 'bytes=999999-1000000', 'bytes=-0']) {
      const res = await media({ range });
      assert.equal(res.status, 416, range);
      assert.equal(res.headers.get('content-range'), `bytes */${rendition.length}`);
      assert.equal(((await res.json()) as { code: string }).code, 'range_not_satisfiable');
    }
    for (const range of ['bytes=0-1,5-9', 'items=0-5', 'bytes=9-1']) {
      const res = await media({ range });
      assert.equal(res.status, 200, range);
      assert.equal((await res.arrayBuffer()).byteLength, rendition.length, range);
    }
  });

  test('conditional requests: If-None-Match / If-Modified-Since are 304, If-Match / If-Unmodified-Since 412, a stale If-Range the whole file', async () => {
    const first = await media();
    const etag = first.headers.get('etag') ?? '';
    const lastModified = first.headers.get('last-modified') ?? '';
    await first.arrayBuffer();
    const before = new Date(Date.parse(lastModified) - 60_000).toUTCString();

    for (const headers of [{ 'if-none-match': etag }, { 'if-none-match': `"other", W/${etag}` }, { 'if-none-match': '*' }, { 'if-modified-since': lastModified }] as Record<string, string>[]) {
      const res = await media(headers);
      assert.equal(res.status, 304, JSON.stringify(headers));
      assert.equal(res.headers.get('etag'), etag);
      assert.equal((await res.arrayBuffer()).byteLength, 0);
      assert.equal(res.headers.get('content-length'), null, 'a 304 states no length (RFC 9110 §8.6: only the 200\'s would be right)');
      // HEAD gives the GET's answer: a Content-Length of 0 would tell a cache the file is empty.
      const head = await media(headers, 'HEAD');
      assert.equal(head.status, 304, `HEAD ${JSON.stringify(headers)}`);
      assert.equal(head.headers.get('etag'), etag);
      assert.equal(head.headers.get('content-length'), null, `HEAD ${JSON.stringify(headers)}`);
    }
    // The obsolete forms of an HTTP date are read too (RFC 9110 §5.6.7).
    const at = new Date(Date.parse(lastModified));
    const [weekday, month] = [at.toUTCString().slice(0, 3), at.toUTCString().slice(8, 11)];
    const long = { Mon: 'Monday', Tue: 'Tuesday', Wed: 'Wednesday', Thu: 'Thursday', Fri: 'Friday', Sat: 'Saturday', Sun: 'Sunday' }[weekday] ?? '';
    const time = at.toISOString().slice(11, 19);
    const day = String(at.getUTCDate());
    for (const date of [`${long}, ${day.padStart(2, '0')}-${month}-${String(at.getUTCFullYear()).slice(2)} ${time} GMT`, `${weekday} ${month} ${day.padStart(2, ' ')} ${time} ${at.getUTCFullYear()}`]) {
      const res = await media({ 'if-modified-since': date });
      assert.equal(res.status, 304, date);
    }
    // If-None-Match wins over If-Modified-Since; a value that is not an HTTP date is ignored, however
    // Date.parse would read it (a year, a bare number, ISO 8601).
    const iso = new Date(Date.now() + 86_400_000).toISOString();
    for (const headers of [{ 'if-none-match': '"other"', 'if-modified-since': lastModified }, { 'if-modified-since': before }, { 'if-modified-since': 'yesterday' }, { 'if-modified-since': '2099' }, { 'if-modified-since': '9999' }, { 'if-modified-since': iso }, { 'if-unmodified-since': '0' }, { 'if-unmodified-since': '2020' }, { 'if-modified-since': 'Sun, 31 Feb 2099 00:00:00 GMT' }, { 'if-modified-since': lastModified.replace(/\d{2}:\d{2}:\d{2}/, '24:00:00') }] as Record<string, string>[]) {
      const res = await media(headers);
      assert.equal(res.status, 200, JSON.stringify(headers));
      assert.equal((await res.arrayBuffer()).byteLength, rendition.length);
    }

    for (const headers of [{ 'if-match': '"nope"' }, { 'if-match': `W/${etag}` }, { 'if-unmodified-since': before }] as Record<string, string>[]) {
      const res = await media(headers);
      assert.equal(res.status, 412, JSON.stringify(headers));
      assert.deepEqual(Object.keys((await res.json()) as object).sort(), ['code', 'error']);
    }
    for (const headers of [{ 'if-match': etag }, { 'if-match': '*' }, { 'if-unmodified-since': lastModified }] as Record<string, string>[]) {
      const res = await media({ ...headers, range: 'bytes=0-9' });
      assert.equal(res.status, 206, JSON.stringify(headers));
      await res.arrayBuffer();
    }

    for (const ifRange of [etag, lastModified]) {
      const res = await media({ range: 'bytes=0-9', 'if-range': ifRange });
      assert.equal(res.status, 206, ifRange);
      assert.equal((await res.arrayBuffer()).byteLength, 10);
    }
    for (const ifRange of ['"nope"', `W/${etag}`, before, 'garbage', new Date(Date.parse(lastModified)).toISOString()]) {
      const res = await media({ range: 'bytes=0-9', 'if-range': ifRange });
      assert.equal(res.status, 200, ifRange);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), rendition, ifRange);
    }
    // The range unit is case-blind.
    const upper = await media({ range: 'BYTES=0-9' });
    assert.equal(upper.status, 206);
    await upper.arrayBuffer();
  });

  test('pages and files carry nosniff and no-referrer; pages are not cached', async () => {
    for (const path of [`/dev/${videoId}`, `/embed/${videoId}?sdk=1`, `/dev/${videoId}/video`, `/dev/${videoId}/poster.jpg`]) {
      const res = await fetch(ts.url + path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
      assert.equal(res.headers.get('cache-control'), 'no-cache', path);
      await res.arrayBuffer();
    }
  });

  test('HEAD gives the headers without the bytes, and reads none from the store', async () => {
    const blobs = ts.server.ctx.blobs;
    const get = blobs.get.bind(blobs);
    let reads = 0;
    blobs.get = (...args: Parameters<typeof get>) => {
      reads++;
      return get(...args);
    };
    try {
      const res = await media({}, 'HEAD');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), String(rendition.length));
      assert.equal((await res.arrayBuffer()).byteLength, 0);
      const ranged = await media({ range: 'bytes=10-19' }, 'HEAD');
      assert.equal(ranged.status, 206);
      assert.equal(ranged.headers.get('content-length'), '10');
      assert.equal(ranged.headers.get('content-range'), `bytes 10-19/${rendition.length}`);
      await ranged.arrayBuffer();
      assert.equal(reads, 0, 'a HEAD opens nothing (an opened stream would be read whole and dropped)');
      await (await media({ range: 'bytes=0-0' })).arrayBuffer();
      assert.equal(reads, 1, 'a GET does');
    } finally {
      blobs.get = get;
    }
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

  test('the share page plays the rendition with its poster and tells link previews about both (Open Graph)', async () => {
    const html = await (await fetch(`${ts.url}/dev/${videoId}`)).text();
    assert.match(html, new RegExp(`<video[^>]+poster="/dev/${videoId}/poster.jpg"`));
    assert.match(html, new RegExp(`<source src="/dev/${videoId}/video" type="video/mp4">`));
    const base = ts.server.ctx.publicUrl();
    for (const [property, content] of [
      ['og:title', 'Untitled'],
      ['og:type', 'video.other'],
      ['og:url', `${base}/dev/${videoId}`],
      ['og:video', `${base}/dev/${videoId}/video`],
      ['og:video:type', 'video/mp4'],
      ['og:video:width', '320'],
      ['og:video:height', '240'],
      ['og:image', `${base}/dev/${videoId}/poster.jpg`],
    ]) {
      assert.ok(html.includes(`<meta property="${property}" content="${content}">`), property);
    }
    assert.match(html, /allow=&quot;autoplay; fullscreen; picture-in-picture&quot;/, 'the embed snippet lets the player autoplay');
    const poster = await fetch(`${ts.url}/dev/${videoId}/poster.jpg`);
    assert.equal(poster.headers.get('content-type'), 'image/jpeg');
  });

  test('a failed video: the share and embed pages say it failed and why, in plain words', async () => {
    const failed = await uploadVideo(app, readFileSync(new URL('../fixtures/videos/not-a-video.mp4', import.meta.url)), 8 * 1024);
    assert.equal((await waitForVideo(app, failed, settled)).error, 'not_a_video');
    for (const path of [`/dev/${failed}`, `/embed/${failed}?sdk=1`]) {
      const html = await (await fetch(ts.url + path)).text();
      assert.match(html, /This video could not be processed\. The uploaded file is not a video\./, path);
      assert.doesNotMatch(html, /still being uploaded|<video/, path);
    }
    const transcript = await app.rest('GET', `/videos/${failed}/transcript`);
    assert.equal(transcript.status, 409);
    assert.deepEqual(transcript.body, { error: 'No transcript: the video could not be processed (not_a_video)', code: 'transcript_unavailable' });
  });

  test('embed: autoplay=1 plays muted; accent and logo are shown escaped; the CSP admits the logo alone', async () => {
    const logo = 'https://cdn.example.com/logo.png?a=1&b="><script>alert(1)</script>';
    const url = `${ts.url}/embed/${videoId}?sdk=1&pk=cpk_x&autoplay=1&accent=%236366F1&logo=${encodeURIComponent(logo)}`;
    const res = await fetch(url);
    const html = await res.text();
    assert.match(html, /<video[^>]+ autoplay muted/);
    assert.match(html, /\.frame\{border-top:3px solid #6366f1\}video\{accent-color:#6366f1\}/);
    const src = /<img class="logo" src="([^"]*)"/.exec(html)?.[1];
    assert.equal(src, 'https://cdn.example.com/logo.png?a=1&amp;b=%22%3E%3Cscript%3Ealert(1)%3C/script%3E');
    assert.doesNotMatch(html, /<script/);
    assert.match(res.headers.get('content-security-policy') ?? '', /img-src 'self' data: https:\/\/cdn\.example\.com;/);
  });

  test('embed: without options, or with ones that are not what they should be, no branding at all', async () => {
    for (const query of ['?sdk=1', '?autoplay=0&accent=red;}body{display:none&logo=javascript:alert(1)', '?accent=%23ggg&logo=ftp://example.com/x.png', '?logo=https://user:pw@example.com/x.png']) {
      const res = await fetch(`${ts.url}/embed/${videoId}${query}`);
      assert.equal(res.status, 200, query);
      const html = await res.text();
      assert.doesNotMatch(html, /autoplay|class="logo"|border-top|accent-color|display:none|javascript/, query);
      assert.match(res.headers.get('content-security-policy') ?? '', /img-src 'self' data:;/, query);
    }
  });

  test('embed: a logo whose host is not a plain name or address adds nothing to the CSP; options given twice or too long are ignored, not errors', async () => {
    for (const logo of ['http://a.com;script-src/x.png', 'http://*/x.png', 'http://a,b/x.png', "http://a'b/x.png", 'http://a_b.com/x.png']) {
      const res = await fetch(`${ts.url}/embed/${videoId}?logo=${encodeURIComponent(logo)}`);
      assert.equal(res.status, 200, logo);
      assert.doesNotMatch(await res.text(), /class="logo"/, logo);
      assert.match(res.headers.get('content-security-policy') ?? '', /img-src 'self' data:; base-uri/, logo);
    }
    for (const logo of ['http://[::1]:8080/x.png', 'https://CDN.example.com:8443/x.png', 'http://bücher.de/x.png']) {
      const res = await fetch(`${ts.url}/embed/${videoId}?logo=${encodeURIComponent(logo)}`);
      assert.match(await res.text(), /class="logo"/, logo);
      assert.match(res.headers.get('content-security-policy') ?? '', new RegExp(`img-src 'self' data: ${new URL(logo).origin.replace(/[.[\]]/g, '\\$&')}; base-uri`), logo);
    }
    for (const query of ['?accent=fff&accent=000', '?sdk=1&sdk=1', '?autoplay=1&autoplay=1', `?logo=https://example.com/${'x'.repeat(2100)}.png`, '?pk=a&pk=b&logo=https://a.com/1.png&logo=https://b.com/2.png']) {
      const res = await fetch(`${ts.url}/embed/${videoId}${query}`);
      assert.equal(res.status, 200, query.slice(0, 60));
      const html = await res.text();
      assert.match(html, /<video/, query.slice(0, 60));
      assert.doesNotMatch(html, /autoplay|class="logo"|border-top/, query.slice(0, 60));
    }
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

    test('a MediaRecorder WebM (no duration in the file) plays with a real duration, seeks, and autoplays muted in the embed', async () => {
      const webm = await uploadVideo(app, await recorderWebm({ seconds: 3 }), 8 * 1024, { durationInSecs: 1 }, 'video/webm;codecs=vp9,opus');
      assert.equal((await waitForVideo(app, webm, settled)).ready, true);
      const page = await browser.newPage();
      try {
        await page.goto(`${ts.url}/dev/${webm}`);
        await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 1);
        const meta = await page.evaluate(() => {
          const v = document.querySelector('video')!;
          return { duration: v.duration, seekableEnd: v.seekable.length > 0 ? v.seekable.end(0) : 0, error: v.error?.code ?? null };
        });
        assert.equal(meta.error, null);
        assert.ok(Number.isFinite(meta.duration) && Math.abs(meta.duration - 3) <= 0.2, `duration ${meta.duration}`);
        assert.ok(Math.abs(meta.seekableEnd - meta.duration) < 0.1, `seekable to ${meta.seekableEnd}`);
        await page.evaluate(() => {
          document.querySelector('video')!.currentTime = 2;
        });
        await page.waitForFunction(() => {
          const v = document.querySelector('video')!;
          return !v.seeking && v.currentTime >= 1.9;
        });

        await page.goto(`${ts.url}/embed/${webm}?sdk=1&autoplay=1`);
        await page.waitForFunction(() => {
          const v = document.querySelector('video');
          return v !== null && !v.paused && v.currentTime > 0;
        });
        assert.equal(await page.evaluate(() => document.querySelector('video')!.muted), true);
      } finally {
        await page.close();
      }
    });
  });
});
