// The console's long lists and the things that change behind its back, in Chromium: organizations
// page past the first page (the list used to stop at 100 with a note), the organization picker offers
// every organization, a webhook test's delivery moves on to `succeeded` without Refresh (its outcome
// is no event of the organization), Retry is off on a disabled endpoint (the server would answer 409),
// and an organization's keys made by the API while the operator was in another tab show when they
// come back.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, signInToConsole } from '../helpers/chromium.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** More than the picker's old single page of 100 and the list's page of 50. */
const ORGS = 105;

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('console lists and outside changes in Chromium', () => {
  let ts: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let receiver: Server;
  let receiverUrl = '';
  /** The receiver holds its answers until this is called: the page sees the first delivery open. */
  let hold = true;
  const held: (() => void)[] = [];
  const release = () => {
    hold = false;
    for (const answer of held.splice(0)) answer();
  };
  const orgIds: string[] = [];

  before(async () => {
    ts = await startServer({ webhookAllowHttp: true, fetchAllowHosts: ['127.0.0.1'] });
    receiver = createServer((req, res) => {
      req.resume();
      const answer = () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      if (hold) held.push(answer);
      else answer();
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    for (let i = 0; i < ORGS; i++) {
      const made = await ts.admin('POST', '/orgs', { name: `Tenant ${String(i).padStart(3, '0')}` });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      orgIds.push(made.body.id as string);
    }
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
    await signInToConsole(page, ts.url);
  });
  after(async () => {
    release();
    await browser?.close();
    await new Promise((r) => receiver?.close(r));
    await ts?.close();
  });

  test('the organizations list pages past its first page', async () => {
    await page.goto(`${ts.url}/console/orgs`);
    const table = page.getByTestId('orgs-table');
    await table.getByText('Tenant 000').waitFor();
    // The demo organization of a development start may come first; count what is on the page.
    assert.equal(await table.locator('tbody tr').count(), 50);
    const range = page.getByTestId('pager-range');
    assert.match(await range.innerText(), /^Organizations 1–50$/);
    const pager = page.getByRole('navigation', { name: 'Pages of organizations' });
    assert.ok(await pager.getByRole('button', { name: 'Previous' }).isDisabled());
    let pages = 1;
    while (await pager.getByRole('button', { name: 'Next' }).isEnabled()) {
      await pager.getByRole('button', { name: 'Next' }).click();
      pages++;
      await until(`page ${pages}`, async () => (await range.innerText()).startsWith(`Organizations ${(pages - 1) * 50 + 1}–`));
      assert.ok(pages <= 4, 'the pager ends');
    }
    await table.getByText(`Tenant ${String(ORGS - 1).padStart(3, '0')}`).waitFor();
    assert.ok(await pager.getByRole('button', { name: 'Previous' }).isEnabled());
    await pager.getByRole('button', { name: 'Previous' }).click();
    await until('the page before', async () => (await range.innerText()).endsWith(`–${(pages - 1) * 50}`));
  });

  test('the organization picker offers every organization, not the first 100', async () => {
    await page.goto(`${ts.url}/console/webhooks`);
    const picker = page.getByLabel('Organization');
    await until('the picker to fill', async () => (await picker.locator('option').count()) > ORGS);
    const last = orgIds[ORGS - 1]!;
    await picker.selectOption(last);
    await page.waitForURL(new RegExp(`org=${last}`));
    await page.getByRole('heading', { name: 'Add an endpoint' }).waitFor();
  });

  test('a test delivery shows its outcome without Refresh', async () => {
    const org = orgIds[1]!;
    const made = await ts.admin('POST', `/orgs/${org}/webhooks`, { url: receiverUrl });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    await page.goto(`${ts.url}/console/webhooks?org=${encodeURIComponent(org)}`);
    await page.getByRole('button', { name: 'Send test' }).click();
    const rows = page.getByTestId('deliveries-table').locator('tbody tr');
    await rows.first().waitFor();
    await until('the delivery listed while still open', async () => /pending|delivering/.test(await rows.first().innerText()));
    release();
    await until('succeeded, with no click on Refresh', async () => /succeeded/.test(await rows.first().innerText()));
  });

  test('Retry is off on a disabled endpoint, and the page says why', async () => {
    const org = orgIds[2]!;
    const made = await ts.admin('POST', `/orgs/${org}/webhooks`, { url: receiverUrl });
    const id = made.body.id as string;
    const sent = await ts.admin('POST', `/webhooks/${id}/test`);
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const off = await ts.admin('PATCH', `/webhooks/${id}`, { enabled: false });
    assert.equal(off.status, 200, JSON.stringify(off.body));
    await page.goto(`${ts.url}/console/webhooks?org=${encodeURIComponent(org)}`);
    await page.getByRole('button', { name: 'Show deliveries' }).click();
    const retry = page.getByRole('button', { name: /^Retry delivery / });
    await retry.first().waitFor();
    assert.ok(await retry.first().isDisabled());
    await page.getByText('The endpoint is disabled: enable it to retry its deliveries.').waitFor();
    // A filter by status lists only those deliveries.
    await page.getByLabel('Status').selectOption('failed');
    await page.getByText('No failed deliveries.').waitFor();
  });

  test('keys made elsewhere show when the operator comes back to the tab', async () => {
    const org = orgIds[3]!;
    await page.goto(`${ts.url}/console/orgs/${encodeURIComponent(org)}`);
    const keys = page.getByTestId('key-row');
    await keys.first().waitFor();
    const before = await keys.count();
    const key = await ts.admin('POST', `/orgs/${org}/keys`, { mode: 'live' });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    await page.evaluate(() => {
      window.dispatchEvent(new Event('blur'));
      window.dispatchEvent(new Event('focus'));
    });
    await until('the new key listed', async () => (await keys.count()) === before + 1);
  });
});
