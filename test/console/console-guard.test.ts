// The operator console's guard in a real browser: a session that expires while a page is open sends it
// back to sign-in saying so, as does one found expired by a write or a reload (the cookie outlives the
// session to be told so); a sign-out in this tab or another says which; a forged cookie opens
// nothing; a page on another site cannot make the console's server change anything with the
// operator's cookie; the pages work from the keyboard.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Request } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';

// Only the expiry test's own server has a short session: on a slow machine the other tests' steps
// can take longer than a few seconds, and their sessions must outlive them.
const TTL_SECONDS = 3;

describe('the console guard in Chromium', () => {
  let ts: TestServer;
  let browser: Browser;
  let evil: Server;
  let evilUrl: string;

  before(async () => {
    ts = await startServer();
    browser = await launchChromium();
    // Another site (localhost is not 127.0.0.1's site) whose page tries to use the operator's cookie.
    const target = ts.url;
    evil = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><title>elsewhere</title>
<form id="f" method="post" action="${target}/admin/v1/orgs" enctype="text/plain"><input name='{"name":"forged-form","x":"' value='"}'></form>
<script>
  window.results = {};
  fetch('${target}/admin/v1/orgs', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json', 'x-csrf-token': 'guess' }, body: JSON.stringify({ name: 'forged-fetch' }) })
    .then((r) => { window.results.fetch = 'answered ' + r.status; }, (e) => { window.results.fetch = 'blocked ' + e.name; });
  fetch('${target}/admin/v1/orgs', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ name: 'forged-simple' }) })
    .then(() => { window.results.simple = 'sent'; }, () => { window.results.simple = 'blocked'; });
</script>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    evilUrl = `http://localhost:${(evil.address() as AddressInfo).port}`;
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => evil?.close(resolve));
    await ts?.close();
  });

  const signIn = async (context: BrowserContext, url = ts.url) => {
    const page = await context.newPage();
    await page.goto(`${url}/console`);
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    return page;
  };

  const orgNames = async () => {
    const res = await ts.admin('GET', '/orgs?limit=100');
    return (res.body.data as { name: string }[]).map((o) => o.name);
  };

  test('a session that expires while the overview is open ends its stream and the page returns to sign-in saying why', async (t) => {
    const short = await startServer({ consoleSessionTtlSeconds: TTL_SECONDS, realtimeRetryMs: 50 });
    t.after(() => short.close());
    const context = await browser.newContext();
    const page = await signIn(context, short.url);
    const session = (await context.cookies()).find((c) => c.name === 'capstan_console');
    assert.ok(session?.httpOnly && session.sameSite === 'Strict', 'the session is an HttpOnly, SameSite=Strict cookie');
    const cookie = `capstan_console=${session.value}`;
    // No click, no reload: the live stream's stream.expired at the session's end is what moves the page.
    await page.getByText('Your session expired. Sign in again.').waitFor({ timeout: (TTL_SECONDS + 10) * 1000 });
    await page.getByLabel('Admin token').waitFor();
    const res = await fetch(`${short.url}/admin/v1/orgs`, { headers: { cookie } });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { code: string }).code, 'session_expired');
    await context.close();
  });

  test('a session that expired while a page without a stream was open: the browser still sends its cookie, the server says session_expired and so does the page', async (t) => {
    const short = await startServer({ consoleSessionTtlSeconds: TTL_SECONDS });
    t.after(() => short.close());
    const context = await browser.newContext();
    const page = await signIn(context, short.url);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Organizations', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Organizations' }).waitFor();
    // Asked from the page, with whatever the browser's cookie jar still holds, until the session is over.
    const sessionAnswer = () => page.evaluate(async () => {
      const res = await fetch('/admin/v1/session', { credentials: 'same-origin' });
      return { status: res.status, code: res.ok ? '' : ((await res.json()) as { code: string }).code };
    });
    let answer = await sessionAnswer();
    while (answer.status === 200) {
      await new Promise((r) => setTimeout(r, 250));
      answer = await sessionAnswer();
    }
    assert.deepEqual(answer, { status: 401, code: 'session_expired' }, 'the cookie is still sent past the expiry, and named expired');
    // Nothing on the Organizations page listens to a stream: the next write is what finds out.
    await page.getByLabel('Name', { exact: true }).fill('after expiry');
    await page.getByRole('button', { name: 'Create organization' }).click();
    const notice = page.getByTestId('sign-in-notice');
    await notice.waitFor();
    assert.equal(await notice.innerText(), 'Your session expired. Sign in again.');
    // A reload (the server sends the page to sign-in) still says why.
    await page.goto(`${short.url}/console/orgs`);
    assert.equal(new URL(page.url()).pathname, '/console/sign-in');
    await notice.waitFor();
    assert.equal(await notice.innerText(), 'Your session expired. Sign in again.');
    await context.close();
  });

  for (const [link, heading] of [['Overview', 'Overview'], ['Connections', 'Connections']]) {
    test(`signing out on ${link} (which holds the live system stream) says "You signed out.", not that it happened elsewhere`, async () => {
      const context = await browser.newContext();
      const page = await signIn(context);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.getByTestId('stream-state').filter({ hasText: 'Live' }).waitFor();
      // The system stream ends either way: closed by the page, or by the server's stream.expired
      // (signed_out) once it sees the session gone. Only once it has ended is the notice final.
      const systemStream = (r: Request) => r.url().includes('/admin/v1/live/system');
      const streamEnded = Promise.race([
        page.waitForEvent('requestfinished', { predicate: systemStream, timeout: 15_000 }),
        page.waitForEvent('requestfailed', { predicate: systemStream, timeout: 15_000 }),
      ]);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
      await streamEnded;
      // Two frames: whatever the stream's end dispatched has rendered.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      assert.equal(await page.getByTestId('sign-in-notice').innerText(), 'You signed out.');
      await context.close();
    });
  }

  test('signing out in another tab returns the open one to sign-in saying so, not that the session expired', async () => {
    const context = await browser.newContext();
    const open = await signIn(context);
    const other = await context.newPage();
    await other.goto(`${ts.url}/console/orgs`);
    await other.getByRole('heading', { level: 1, name: 'Organizations' }).waitFor();
    await other.getByRole('button', { name: 'Sign out' }).click();
    await other.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    // No click and no reload in the open tab: its live stream's stream.expired (signed_out) moves it.
    const notice = open.getByTestId('sign-in-notice');
    await notice.waitFor({ timeout: 15_000 });
    assert.equal(await notice.innerText(), 'You signed out in another tab or window. Sign in again.');
    await context.close();
  });

  test('a forged session cookie opens no page and no call; signing in then lands on the page asked for', async () => {
    const context = await browser.newContext();
    const { hostname } = new URL(ts.url);
    await context.addCookies([{ name: 'capstan_console', value: 'Zm9yZ2VkLWNvb2tpZS12YWx1ZS0wMTIzNDU2Nzg5YWJjZGVm', domain: hostname, path: '/', httpOnly: true, sameSite: 'Strict' }]);
    const page = await context.newPage();
    await page.goto(`${ts.url}/console/orgs?from=link`);
    assert.equal(new URL(page.url()).pathname, '/console/sign-in');
    await page.getByLabel('Admin token').waitFor();
    const res = await context.request.get(`${ts.url}/admin/v1/orgs`);
    assert.equal(res.status(), 401);
    assert.equal(((await res.json()) as { code: string }).code, 'unauthorized');
    // Signing in from there lands on the page the link named, not on the overview.
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.getByRole('heading', { level: 1, name: 'Organizations' }).waitFor();
    assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/console/orgs?from=link');
    await context.close();
  });

  test('a next= that is not a console page is never followed', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${ts.url}/console/sign-in?next=${encodeURIComponent('//evil.example/console/x')}`);
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    assert.equal(new URL(page.url()).origin, new URL(ts.url).origin);
    await context.close();
  });

  test('a page on another site cannot create anything with the signed-in operator\'s cookie', async () => {
    const context = await browser.newContext();
    const console = await signIn(context);
    const before = await orgNames();
    const page = await context.newPage();
    await page.goto(evilUrl);
    await page.waitForFunction(() => {
      const r = (window as unknown as { results: Record<string, string> }).results;
      return r.fetch !== undefined && r.simple !== undefined;
    });
    const results = await page.evaluate(() => (window as unknown as { results: Record<string, string> }).results);
    // The JSON call needs a preflight the server does not grant with credentials: the browser stops it.
    assert.match(results.fetch ?? '', /^blocked/);
    const submitted = page.waitForNavigation();
    await page.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit());
    await submitted;
    const answer = await page.evaluate(() => document.body.innerText);
    assert.match(answer, /"code":"(unauthorized|unsupported_media_type|csrf_failed)"/);
    assert.deepEqual(await orgNames(), before, 'nothing was created');
    // The operator's own session still works.
    await console.reload();
    await console.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await context.close();
  });

  test('the pages work from the keyboard: a skip link first, then the navigation', async (t) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await signIn(context);
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      return nav ? Math.round(nav.loadEventEnd - nav.startTime) : -1;
    });
    t.diagnostic(`console load (navigation start to load event, localhost): ${timing} ms`);
    // A page as it loads: focus starts at the document.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
    const focused = [];
    await page.locator('body').focus();
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      focused.push(await page.evaluate(() => document.activeElement?.textContent?.trim() ?? ''));
    }
    assert.ok(focused.includes('Organizations'), `the navigation is reachable by Tab: ${focused.join(' | ')}`);
    while ((await page.evaluate(() => document.activeElement?.textContent?.trim())) !== 'Organizations') await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Organizations' }).waitFor();
    assert.match(page.url(), /\/console\/orgs$/);
    await context.close();
  });
});
