// The operator console in headless Chromium against a real server: sign-in with the admin token (a
// wrong one first), an organization and an API key made in the UI, a document uploaded with that key
// followed to 100 % on the Work page and seen in the live event tail, the key revoked in the UI (the
// next upload is 401), sign-out. On the way: every page screenshotted (1280×800, one at 390×844, one
// dark) and checked with axe-core for serious or critical violations, and bad input in the browser —
// an organization named as markup renders as text, a huge event payload shows as truncated, a flood
// of events is capped and the page keeps answering.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildEstimatePdf } from '../fixtures/documents.js';
import { launchChromium } from '../helpers/chromium.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';
import { openSse, type SseStream } from '../helpers/sse.js';

const CONSOLE = join(import.meta.dirname, '../../packages/console');
const SHOTS = process.env.CAPSTAN_SCREENSHOTS ?? join(import.meta.dirname, '../../test-artifacts/console');
const AXE = readFileSync(join(import.meta.dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8');
const MARKUP_NAME = '<img src=x onerror=alert(1)>';
const MAX_ROWS = 500;

function newest(dir: string): number {
  return Math.max(0, ...readdirSync(dir).map((name) => {
    const path = join(dir, name);
    const s = statSync(path);
    return s.isDirectory() ? newest(path) : s.mtimeMs;
  }));
}

/** The server serves packages/console/dist: a stale build would test old code. */
function assertFreshConsole(): void {
  let built = 0;
  try {
    built = statSync(join(CONSOLE, 'dist/index.html')).mtimeMs;
  } catch {
    // No build at all: reported below.
  }
  assert.ok(built >= newest(join(CONSOLE, 'src')), 'packages/console/dist is missing or older than its sources: run `npm run build -w @capstan/console`');
}

interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }

describe('the operator console in Chromium', () => {
  let ts: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pdf: Uint8Array;
  const logs: string[] = [];
  const alerts: string[] = [];
  /** Filled as the tests go. */
  const made = { orgId: '', uiKey: '', uiKeyDisplay: '', documentId: '', hubId: '' };

  const url = (path: string) => `${ts.url}/console${path}`;
  const shot = (p: Page, name: string) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  /**
   * axe-core injected by evaluating its source through the DevTools protocol: the page's CSP refuses
   * inline scripts, so a script tag would not run; Runtime.evaluate directly is the fallback should
   * Playwright's own evaluation ever be held to the CSP.
   */
  const injectAxe = async (p: Page) => {
    if (await p.evaluate(() => 'axe' in window)) return;
    try {
      await p.evaluate(AXE);
    } catch {
      const cdp = await p.context().newCDPSession(p);
      await cdp.send('Runtime.evaluate', { expression: AXE });
      await cdp.detach();
    }
  };
  const axe = async (p: Page, name: string) => {
    await injectAxe(p);
    const violations = await p.evaluate(async () => {
      const run = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: AxeViolation[] }> } }).axe.run;
      return (await run(document, { resultTypes: ['violations'] })).violations;
    });
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(bad.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)).join(', ')}`), [], `axe on ${name}`);
  };
  const heading = (p: Page, name: string | RegExp) => p.getByRole('heading', { level: 1, name }).waitFor();
  const go = async (p: Page, link: string, h1: string | RegExp = link) => {
    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
    await heading(p, h1);
  };
  const upload = (apiKey: string, name: string) =>
    fetch(`${ts.url}/upload`, {
      method: 'POST',
      headers: { 'capout-api-key': apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ file_base64: Buffer.from(pdf).toString('base64'), file_name: name }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
  const diagnose = async (t: TestContext, body: () => Promise<void>) => {
    try {
      await body();
    } catch (e) {
      await page?.screenshot({ path: join(SHOTS, `failed-${t.name.replace(/\W+/g, '-').slice(0, 60)}.png`), fullPage: true }).catch(() => undefined);
      t.diagnostic(['--- page console and errors:', ...logs].join('\n'));
      throw e;
    }
  };
  const watch = (p: Page) => {
    p.on('console', (m) => logs.push(`[console.${m.type()}] ${m.text()}`));
    p.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
    p.on('dialog', (d) => {
      alerts.push(d.message());
      void d.dismiss();
    });
  };

  before(async () => {
    assertFreshConsole();
    mkdirSync(SHOTS, { recursive: true });
    pdf = await buildEstimatePdf();
    ts = await startServer({ realtimeRetryMs: 50 });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    page = await context.newPage();
    watch(page);
  });

  after(async () => {
    await browser?.close();
    await ts?.close();
  });

  test('a page without a session goes to sign-in; a wrong admin token shows the server\'s error', (t) => diagnose(t, async () => {
    await page.goto(url('/orgs'));
    await heading(page, 'Sign in');
    assert.equal(new URL(page.url()).pathname, '/console/sign-in');
    const token = page.getByLabel('Admin token');
    assert.equal(await token.getAttribute('type'), 'password');
    assert.equal(await token.getAttribute('autocomplete'), 'off');
    await token.fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /\(unauthorized\)/);
    await shot(page, 'sign-in');
    await axe(page, 'sign-in');
  }));

  test('signing in with the admin token opens the page asked for; the token is kept nowhere in the page', (t) => diagnose(t, async () => {
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The last test asked for /orgs before it was signed in.
    await heading(page, 'Organizations');
    await go(page, 'Overview');
    await heading(page, 'Overview');
    await page.getByTestId('nodes-table').getByRole('row').nth(1).waitFor();
    const kept = await page.evaluate(() => ({
      local: Object.keys(localStorage).map((k) => `${k}=${localStorage.getItem(k) ?? ''}`).join(';'),
      session: sessionStorage.length,
      cookie: document.cookie,
      href: location.href,
    }));
    for (const where of [kept.local, kept.cookie, kept.href]) assert.ok(!where.includes(ADMIN_TOKEN), `the token is not in ${where}`);
    assert.equal(kept.session, 0);
    assert.ok(!kept.cookie.includes('capstan_console'), 'the session cookie is HttpOnly');
    await page.locator('svg[role="img"]').first().waitFor();
    await shot(page, 'overview');
    await axe(page, 'overview');
  }));

  test('an organization named as markup is created in the UI and shown as text; its first key is shown once', (t) => diagnose(t, async () => {
    await go(page, 'Organizations');
    await page.getByLabel('Name', { exact: true }).fill(MARKUP_NAME);
    await page.getByLabel('Initial credits (micro-credits)').fill('1000000');
    await page.getByRole('button', { name: 'Create organization' }).click();
    const dialog = page.getByTestId('secret-dialog');
    await dialog.waitFor();
    assert.match(await dialog.getByTestId('secret-value').inputValue(), /^capout_test_/);
    await shot(page, 'orgs-key-shown-once');
    await axe(page, 'orgs with the key dialog');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    const link = page.getByTestId('orgs-table').getByRole('link', { name: MARKUP_NAME, exact: true });
    await link.waitFor();
    assert.equal(await page.locator('img').count(), 0, 'no img element was made from the name');
    assert.deepEqual(alerts, []);
    await shot(page, 'orgs');
    await axe(page, 'orgs');
    await link.click();
    await heading(page, MARKUP_NAME);
    made.orgId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    assert.match(made.orgId, /^org_/);
    assert.equal(await page.locator('img').count(), 0);
  }));

  test('an API key created on the organization page is shown once', (t) => diagnose(t, async () => {
    await page.getByTestId('keys-table').waitFor();
    assert.equal(await page.getByTestId('key-row').count(), 1);
    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByTestId('secret-dialog');
    await dialog.waitFor();
    const field = dialog.getByTestId('secret-value');
    made.uiKey = await field.inputValue();
    assert.match(made.uiKey, /^capout_test_/);
    const label = await dialog.locator('label').first().innerText();
    made.uiKeyDisplay = label.replace(/^API key /, '').trim();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('key-row').nth(1).waitFor();
    assert.ok(!(await page.locator('main').innerText()).includes(made.uiKey), 'the key itself is not on the page once the dialog is closed');
    await shot(page, 'org-detail');
    await axe(page, 'org detail');
  }));

  test('a document uploaded with that key reaches 100 % on the Work page and shows in the live tail', (t) => diagnose(t, async () => {
    // The tail is opened first, in a second tab of the same session, so it sees the events live.
    const tail = await context.newPage();
    watch(tail);
    await tail.goto(url(`/events?scope=org_id&id=${encodeURIComponent(made.orgId)}`));
    await heading(tail, 'Live events');
    await tail.getByTestId('stream-state').filter({ hasText: 'Live' }).waitFor();
    await go(page, 'Work', 'Work in flight');

    const up = await upload(made.uiKey, 'console.pdf');
    assert.equal(up.status, 201, JSON.stringify(up.body));
    made.documentId = up.body.document_id as string;

    const row = page.locator(`[data-testid="work-row"][data-resource-id="${made.documentId}"]`).first();
    await row.waitFor({ timeout: 30_000 });
    const bar = page.locator(`[data-testid="work-row"][data-resource-id="${made.documentId}"] progress`);
    await page.waitForFunction((id) => [...document.querySelectorAll(`[data-testid="work-row"][data-resource-id="${id}"] progress`)].some((p) => (p as HTMLProgressElement).value === 100), made.documentId, { timeout: 60_000 });
    assert.equal(await bar.first().getAttribute('aria-label'), `Progress of ${made.documentId}`);
    await shot(page, 'work');
    await axe(page, 'work');

    const docEvent = tail.getByTestId('event-row').filter({ hasText: 'document.' }).first();
    await docEvent.waitFor({ timeout: 30_000 });
    await docEvent.getByRole('button').click();
    const detail = tail.getByTestId('event-detail');
    await detail.waitFor();
    assert.ok((await detail.locator('pre').innerText()).includes(made.documentId), 'the event names the document');
    const eventId = await docEvent.getAttribute('data-event-id');
    await detail.getByRole('button', { name: 'Resume from here' }).click();
    await tail.getByTestId('cursor').filter({ hasText: `after=${eventId ?? ''}` }).waitFor();
    assert.equal(new URL(tail.url()).searchParams.get('after'), eventId);
    await tail.getByTestId('stream-state').filter({ hasText: 'Live' }).waitFor();
    await shot(tail, 'events');
    await axe(tail, 'live events');
    await tail.close();
  }));

  test('a huge event payload shows as truncated, a flood is capped, and the tail keeps answering', (t) => diagnose(t, async () => {
    const hub = await ts.admin('POST', `/orgs/${made.orgId}/hubs`, { name: 'Console hub' });
    assert.equal(hub.status, 201);
    made.hubId = hub.body.id as string;
    await go(page, 'Live events');
    await page.getByLabel('Scope').selectOption('hub_id');
    await page.getByLabel('Id', { exact: true }).fill(made.hubId);
    await page.getByRole('button', { name: 'Watch' }).click();
    await page.getByTestId('stream-state').filter({ hasText: 'Live' }).waitFor();
    // A tail without a cursor follows the topic from the moment it is subscribed, which may come a
    // little after its headers: ping until one ping shows, then everything after it is live.
    for (let n = 0; ; n++) {
      const ping = await ts.admin('POST', `/hubs/${made.hubId}/events`, { type: 'test.ping', data: { probe: n } });
      assert.equal(ping.status, 202);
      const shown = await page.locator(`[data-testid="event-row"][data-event-id="${ping.body.id as string}"]`).waitFor({ timeout: 1000 }).then(() => true, () => false);
      if (shown) break;
      assert.ok(n < 30, 'a published ping shows in the tail');
    }

    const big = await ts.admin('POST', `/hubs/${made.hubId}/events`, { type: 'test.ping', data: { blob: 'x'.repeat(15 * 1024) } });
    assert.equal(big.status, 202);
    const bigRow = page.locator(`[data-testid="event-row"][data-event-id="${big.body.id as string}"]`);
    await bigRow.getByText(/^truncated \(\d+ bytes\)$/).waitFor({ timeout: 30_000 });

    const FLOOD = MAX_ROWS + 100;
    for (let i = 0; i < FLOOD; i += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, FLOOD - i) }, (_, j) => ts.admin('POST', `/hubs/${made.hubId}/events`, { type: 'test.ping', data: { n: i + j } })));
      for (const r of batch) assert.equal(r.status, 202);
    }
    await page.waitForFunction((max) => document.querySelectorAll('[data-testid="event-row"]').length === max, MAX_ROWS, { timeout: 60_000 });
    // Still answering: pause takes effect and the newest flood event is on top.
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    const resume = page.getByRole('button', { name: 'Resume', exact: true });
    assert.equal(await resume.getAttribute('aria-pressed'), 'true');
    assert.equal(await page.getByTestId('event-row').count(), MAX_ROWS);
    await resume.click();
    assert.deepEqual(alerts, []);
    await shot(page, 'events-flood');
    await axe(page, 'live events after a flood');
  }));

  test('Hubs: a contact added and its token minted in the UI; its open stream listed and disconnected (confirmed) on Connections', (t) => diagnose(t, async () => {
    await go(page, 'Hubs');
    await page.getByLabel('Organization', { exact: true }).selectOption(made.orgId);
    await page.getByRole('link', { name: 'Console hub' }).click();
    await page.getByTestId('contacts-table').or(page.getByText('No contacts yet')).first().waitFor();
    await page.getByLabel('Contact name').fill('Ada');
    await page.getByRole('button', { name: 'Add contact' }).click();
    await page.getByTestId('contacts-table').getByRole('rowheader', { name: 'Ada' }).waitFor();
    await page.getByRole('button', { name: 'Mint token for Ada' }).click();
    const dialog = page.getByTestId('secret-dialog');
    await dialog.waitFor();
    const contactToken = await dialog.getByTestId('secret-value').inputValue();
    assert.match(contactToken, /^eyJ/);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    let stream: SseStream | undefined;
    try {
      stream = await openSse(`${ts.url}/realtime/events?hub_id=${encodeURIComponent(made.hubId)}`, { token: contactToken });
      assert.equal(stream.status, 200, stream.body);
      const connected = page.getByRole('region', { name: 'Connected contacts' }).getByTestId('connection-row');
      await connected.first().waitFor({ timeout: 30_000 });
      await shot(page, 'hubs');
      await axe(page, 'hubs');

      // The list of organizations is held back: the choice must show from the first render, not once
      // the list arrives (on a busy machine the picker read empty in between).
      const orgList = /\/admin\/v1\/orgs\?/;
      await page.route(orgList, async (route) => {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await route.continue().catch(() => undefined);
      });
      await go(page, 'Webhooks');
      assert.equal(await page.getByLabel('Organization', { exact: true }).inputValue(), made.orgId, 'the organization chosen on Hubs carries over');
      await page.unroute(orgList);
      await page.getByText('No endpoints yet').waitFor();
      await shot(page, 'webhooks');
      await axe(page, 'webhooks');

      await go(page, 'Connections');
      const row = page.getByTestId('connection-row').filter({ hasText: 'contact:' });
      await row.first().waitFor({ timeout: 30_000 });
      await shot(page, 'connections');
      await axe(page, 'connections');
      await row.first().getByRole('button', { name: /^Disconnect/ }).click();
      const confirm = page.getByTestId('confirm-dialog');
      await confirm.waitFor();
      await confirm.getByRole('button', { name: 'Disconnect', exact: true }).click();
      await confirm.waitFor({ state: 'detached' });
      await stream.ended;
      assert.ok(stream.frames.some((f) => f.event === 'stream.unauthorized'), 'the contact\'s stream ended with stream.unauthorized');
    } finally {
      stream?.close();
    }
  }));

  test('dark theme, remembered; a 390 px wide screen with the menu collapsed', (t) => diagnose(t, async () => {
    await go(page, 'Overview');
    await page.getByTestId('theme-toggle').click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.reload();
    await heading(page, 'Overview');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark', 'the choice survives a reload');
    await page.getByTestId('nodes-table').waitFor();
    await shot(page, 'overview-dark');
    await axe(page, 'overview, dark');
    await page.getByTestId('theme-toggle').click();

    await page.setViewportSize({ width: 390, height: 844 });
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.equal(await nav.isVisible(), false, 'the navigation is collapsed');
    const menu = page.getByRole('button', { name: 'Menu' });
    await menu.click();
    assert.equal(await menu.getAttribute('aria-expanded'), 'true');
    await nav.waitFor();
    await shot(page, 'overview-390');
    await axe(page, 'overview at 390 px');
    await nav.getByRole('link', { name: 'Organizations' }).click();
    await heading(page, 'Organizations');
    await page.setViewportSize({ width: 1280, height: 800 });
  }));

  test('the key revoked in the UI (confirmed in a dialog) answers 401 to the next upload', (t) => diagnose(t, async () => {
    await page.goto(url(`/orgs/${encodeURIComponent(made.orgId)}`));
    await heading(page, MARKUP_NAME);
    const row = page.getByTestId('key-row').filter({ hasText: made.uiKeyDisplay });
    await row.getByRole('button', { name: /^Revoke key/ }).click();
    const confirm = page.getByTestId('confirm-dialog');
    await confirm.waitFor();
    await shot(page, 'revoke-confirm');
    await axe(page, 'revoke confirmation');
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await confirm.waitFor({ state: 'detached' });
    await row.getByText(/^revoked /).waitFor();
    const refused = await upload(made.uiKey, 'after-revoke.pdf');
    assert.equal(refused.status, 401, JSON.stringify(refused.body));
    assert.equal(typeof refused.body.code, 'string');
  }));

  test('signing out ends the session on the server', (t) => diagnose(t, async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading(page, 'Sign in');
    assert.match(await page.getByTestId('sign-in-notice').innerText(), /signed out/);
    const status = await page.evaluate(async () => (await fetch('/admin/v1/session', { credentials: 'same-origin' })).status);
    assert.equal(status, 401);
    await page.goto(url('/work'));
    await heading(page, 'Sign in');
    assert.equal(new URL(page.url()).pathname, '/console/sign-in');
    assert.deepEqual(alerts, [], 'no script ran from user-supplied text');
  }));
});
