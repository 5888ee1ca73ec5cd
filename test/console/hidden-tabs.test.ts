// Console tabs and the browser's six HTTP/1.1 connections per server: each console page on a live view
// holds a stream, so six visible tabs would leave a seventh nothing to load with. A hidden tab closes
// its stream after a short grace and opens it again, with fresh data, when it is shown; one opened in
// the background opens none until then. Headless Chromium never hides a tab, so the test stubs
// document.visibilityState and sends visibilitychange, as the browser does when the operator switches
// tabs; the streams closed are real, as is the limit.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, signInToConsole } from '../helpers/chromium.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** Chromium's connections per host over HTTP/1.1. */
const BROWSER_CONNECTIONS = 6;
/** A wait that would hang without the fix ends here, failing the test rather than the run. */
const HANG_GUARD_MS = 30_000;

/** As source text: the functions of a compiled callback would carry helpers the page does not have. */
async function setVisibility(page: Page, state: 'hidden' | 'visible'): Promise<void> {
  await page.evaluate(`(() => {
    const state = ${JSON.stringify(state)};
    Object.defineProperty(document, 'visibilityState', { configurable: true, get() { return state; } });
    Object.defineProperty(document, 'hidden', { configurable: true, get() { return state === 'hidden'; } });
    document.dispatchEvent(new Event('visibilitychange'));
  })()`);
}

describe('console tabs in the background give their connections back', () => {
  let ts: TestServer;
  let browser: Browser;
  let context: BrowserContext;

  before(async () => {
    ts = await startServer({ realtimeRetryMs: 50 });
    browser = await launchChromium();
    context = await browser.newContext();
  });
  after(async () => {
    await browser?.close();
    await ts?.close();
  });

  /** The console streams the server holds open now (this node's list is live). */
  const consoleStreams = async (): Promise<number> => {
    const res = await ts.admin('GET', '/connections?surface=admin');
    return (res.body.data as { credential: string }[]).filter((c) => c.credential === 'console').length;
  };
  const waitForStreams = async (count: number, why: string) => {
    const deadline = Date.now() + HANG_GUARD_MS;
    while ((await consoleStreams()) !== count) {
      assert.ok(Date.now() < deadline, `${why}: the server holds ${await consoleStreams()} console streams, not ${count}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const openConnections = async (page: Page) => {
    await page.goto(`${ts.url}/console/connections`);
    await page.getByRole('heading', { level: 1, name: 'Connections' }).waitFor();
    await page.getByTestId('stream-state').filter({ hasText: 'Live' }).waitFor();
  };

  test('seven tabs on Connections, all but one hidden: the seventh loads and live, and the visible tab\'s calls go through', async () => {
    const first = await context.newPage();
    await signInToConsole(first, ts.url);
    await openConnections(first);
    // Every connection the browser allows this server, each holding a console stream.
    const background: Page[] = [];
    for (let i = 1; i < BROWSER_CONNECTIONS; i++) {
      const tab = await context.newPage();
      await openConnections(tab);
      background.push(tab);
    }
    await waitForStreams(BROWSER_CONNECTIONS, 'each tab opened its stream');

    for (const tab of background) await setVisibility(tab, 'hidden');
    await waitForStreams(1, 'the hidden tabs closed theirs');
    for (const tab of background) assert.equal(await tab.getByTestId('stream-state').innerText(), 'Paused while hidden');

    const seventh = await context.newPage();
    await openConnections(seventh);
    await setVisibility(seventh, 'hidden');
    await waitForStreams(1, 'the seventh tab, hidden in its turn, closed its stream');

    // The visible tab still has connections to spare for its calls.
    const status = await first.evaluate(async () => {
      const abort = new AbortController();
      const guard = setTimeout(() => abort.abort(), 15_000);
      try {
        return (await fetch('/admin/v1/orgs', { credentials: 'same-origin', signal: abort.signal })).status;
      } catch (e) {
        return `failed: ${(e as Error).name}`;
      } finally {
        clearTimeout(guard);
      }
    });
    assert.equal(status, 200);
    assert.equal(await first.getByTestId('stream-state').innerText(), 'Live', 'the visible tab kept its stream');
  });

  test('a hidden tab shown again opens its stream again and shows fresh data', async () => {
    const tabs = context.pages();
    const tab = tabs[2];
    assert.ok(tab);
    assert.equal(await tab.getByTestId('stream-state').innerText(), 'Paused while hidden');
    await setVisibility(tab, 'visible');
    await tab.getByTestId('stream-state').filter({ hasText: 'Live' }).waitFor();
    // Its own stream is among the connections it lists: the list came with the new stream.
    await tab.getByTestId('connection-row').filter({ hasText: 'console' }).first().waitFor();
    await waitForStreams(2, 'the shown tab opened its stream again');
  });

  test('a tab opened in the background opens no stream until it is shown', async () => {
    const streamsBefore = await consoleStreams();
    const tab = await context.newPage();
    // Hidden before the console's own script runs, as a tab opened in the background is.
    await tab.addInitScript(`Object.defineProperty(document, 'visibilityState', { configurable: true, get() { return 'hidden'; } });`);
    await tab.goto(`${ts.url}/console/connections`);
    await tab.getByRole('heading', { level: 1, name: 'Connections' }).waitFor();
    await tab.getByTestId('stream-state').filter({ hasText: 'Paused while hidden' }).waitFor();
    assert.equal(await consoleStreams(), streamsBefore);
    await setVisibility(tab, 'visible');
    await tab.getByTestId('stream-state').filter({ hasText: 'Live' }).waitFor();
    await waitForStreams(streamsBefore + 1, 'the tab shown opened its stream');
    await tab.close();
    await waitForStreams(streamsBefore, 'the closed tab\'s stream ended');
  });

  test('a tab that is hidden only for a moment keeps its stream', async () => {
    const tab = context.pages()[0];
    assert.ok(tab);
    const streamsBefore = await consoleStreams();
    await setVisibility(tab, 'hidden');
    await setVisibility(tab, 'visible');
    assert.equal(await tab.getByTestId('stream-state').innerText(), 'Live');
    assert.equal(await consoleStreams(), streamsBefore);
  });
});
