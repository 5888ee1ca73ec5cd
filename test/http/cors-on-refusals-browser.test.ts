// Chromium, on a page of another origin, reads the refusals Capstan makes before any route runs: the
// preflight its custom header needs is answered, and the error itself carries CORS headers, so the page
// sees the status and the catalogue's code instead of "Failed to fetch".
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, servePage, type OtherOrigin } from '../helpers/chromium.js';
import { startServer, type TestServer } from '../helpers/server.js';

// The page's own script: functions given to page.evaluate from here would be compiled by tsx first.
const PAGE = `<!doctype html><meta charset="utf-8"><title>page</title><script>
window.read = async (url, headers) => {
  try {
    const res = await fetch(url, { headers });
    return res.status + ' ' + (await res.json()).code;
  } catch (e) {
    return 'unreadable: ' + e;
  }
};
</script>`;

let ts: TestServer;
let site: OtherOrigin;
let browser: Browser;

before(async () => {
  ts = await startServer();
  site = await servePage(PAGE);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await site?.close();
  await ts?.close();
});

test('a page on another origin reads 400, 404 and 431 refused before any route', async () => {
  const page = await browser.newPage();
  await page.goto(`${site.origin}/`);
  const read = (path: string, headers: Record<string, string>): Promise<string> =>
    page.evaluate(([url, h]) => (window as unknown as { read: (u: string, h: Record<string, string>) => Promise<string> }).read(url, h), [ts.url + path, headers] as const);
  // A custom header: each request is preflighted first.
  const key = { 'capout-api-key': 'cak_nope' };
  const seen = {
    badPath: await read('/status/doc_50%_off', key),
    badQuery: await read('/documents?limit=10&q=100%', key),
    emptySegment: await read('/status/', key),
    tooLarge: await read('/credits', { ...key, 'x-trace': 'a'.repeat(17_000) }),
  };
  assert.deepEqual(seen, { badPath: '400 invalid_request', badQuery: '400 invalid_request', emptySegment: '404 route_not_found', tooLarge: '431 headers_too_large' });
});
