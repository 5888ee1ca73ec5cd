// The Webhooks page with every endpoint's deliveries open, in Chromium: the panels share one live tail
// of the organization. Each used to open its own, and a browser opens at most six connections to a
// server over HTTP/1.1, so from the seventh panel on nothing loaded and its buttons stayed disabled.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';

const ENDPOINTS = 8;

describe('webhook deliveries panels in Chromium', () => {
  let ts: TestServer;
  let browser: Browser;
  before(async () => {
    ts = await startServer({ webhookAllowHttp: true, fetchAllowHosts: ['127.0.0.1'], webhookConcurrency: 0 });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await ts?.close();
  });

  test(`${ENDPOINTS} panels open at once all load, over one live stream`, async () => {
    const org = (await ts.admin('POST', '/orgs', { name: 'many hooks' })).body.id as string;
    for (let i = 0; i < ENDPOINTS; i++) {
      const made = await ts.admin('POST', `/orgs/${org}/webhooks`, { url: `http://127.0.0.1:9/hook-${i}` });
      assert.equal(made.status, 201, JSON.stringify(made.body));
    }
    const context = await browser.newContext();
    const page = await context.newPage();
    const tails: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/admin/v1/live/events')) tails.push(r.url());
    });
    await page.goto(`${ts.url}/console`);
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.goto(`${ts.url}/console/webhooks?org=${encodeURIComponent(org)}`);
    const show = page.getByRole('button', { name: 'Show deliveries' });
    await show.first().waitFor();
    assert.equal(await show.count(), ENDPOINTS);
    while ((await show.count()) > 0) await show.first().click();
    const loaded = page.getByText('No deliveries yet — send a test above.');
    const deadline = Date.now() + 20_000;
    while ((await loaded.count()) < ENDPOINTS) {
      assert.ok(Date.now() < deadline, `only ${await loaded.count()} of ${ENDPOINTS} panels loaded`);
      await page.waitForTimeout(100);
    }
    assert.equal(new Set(tails.map((u) => new URL(u).searchParams.get('org_id'))).size, 1);
    assert.ok(tails.length <= 2, `one live tail for the organization (reconnects aside), got ${tails.length}`);
    await context.close();
  });
});
