// A browser's EventSource whose cursor has gone stale: it reconnects by itself with its Last-Event-ID,
// gets stream.stale_resume, and its next reconnect must start fresh (the current state, then live)
// instead of asking for the same stale cursor again and again. Chromium, on a page of another origin,
// watching a developer video with the public key in ?key=.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, servePage, type OtherOrigin } from '../helpers/chromium.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { createVideo, makeApp, type TestApp } from '../helpers/videos.js';

const PAGE = `<!doctype html><meta charset="utf-8"><title>watch</title><script>
window.log = [];
window.watch = (url) => {
  const es = new EventSource(url);
  window.es = es;
  es.onopen = () => window.log.push({ type: 'open' });
  for (const type of ['video.status', 'stream.subscribed', 'video.upload_started', 'stream.stale_resume', 'stream.unauthorized']) {
    es.addEventListener(type, (e) => window.log.push({ type, id: e.lastEventId }));
  }
};
</script>`;

interface Seen {
  readonly type: string;
  readonly id?: string;
}

describe('a browser EventSource with a stale cursor', () => {
  let ts: TestServer;
  let app: TestApp;
  let site: OtherOrigin;
  let browser: Browser;

  before(async () => {
    // A one-second replay window and quick reconnects, so a cursor goes stale between two of them.
    ts = await startServer({ realtimeRetentionSeconds: 1, realtimeRetryMs: 1500 });
    app = await makeApp(ts);
    site = await servePage(PAGE);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await ts?.close();
  });

  const logOf = (page: Page): Promise<Seen[]> => page.evaluate(() => (window as unknown as { log: Seen[] }).log);
  const waitFor = async (page: Page, what: string, done: (log: Seen[]) => boolean): Promise<Seen[]> => {
    for (let i = 0; i < 300; i++) {
      const log = await logOf(page);
      if (done(log)) return log;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${what}: the page saw ${JSON.stringify(await logOf(page))}`);
  };

  test('is told stream.stale_resume once, then starts over with the current state', async () => {
    const videoId = await createVideo(app);
    const page = await browser.newPage();
    try {
      await page.goto(site.origin + '/');
      await page.evaluate((url) => (window as unknown as { watch(u: string): void }).watch(url), `${ts.url}/api/developer/sdk/v1/videos/${videoId}/events?key=${app.publicKey}`);
      await waitFor(page, 'the first stream', (log) => log.some((s) => s.type === 'stream.subscribed'));
      assert.equal((await app.sdk('/upload/multipart/initiate', { videoId })).status, 200);
      const withCursor = await waitFor(page, 'an event with an id', (log) => log.some((s) => s.type === 'video.upload_started'));
      const cursor = withCursor.find((s) => s.type === 'video.upload_started')?.id;
      assert.match(cursor ?? '', /^[0-9a-f]{8}-/);

      // Let the cursor age past the one-second window, then end the stream: the browser comes back
      // on its own, with that cursor as Last-Event-ID.
      await new Promise((r) => setTimeout(r, 1_200));
      const listed = await ts.admin('GET', '/connections?surface=videos');
      const connections = listed.body.data as { id: string }[];
      assert.equal(connections.length, 1, JSON.stringify(listed.body));
      assert.equal((await ts.admin('DELETE', `/connections/${connections[0]!.id}`)).status, 200);

      const log = await waitFor(page, 'a fresh stream after stream.stale_resume', (l) => {
        const stale = l.findIndex((s) => s.type === 'stream.stale_resume');
        return stale >= 0 && l.slice(stale).some((s) => s.type === 'stream.subscribed');
      });
      // Give a looping client time to show itself: it would be told stale_resume every 1.5 s.
      await new Promise((r) => setTimeout(r, 2_000));
      const final = await logOf(page);
      assert.equal(final.filter((s) => s.type === 'stream.stale_resume').length, 1, JSON.stringify(final));
      const stale = log.findIndex((s) => s.type === 'stream.stale_resume');
      assert.deepEqual(log.slice(stale + 1).filter((s) => s.type !== 'open').map((s) => s.type), ['video.status', 'stream.subscribed'], 'the current state, then live');
    } finally {
      await page.close();
    }
  });
});
