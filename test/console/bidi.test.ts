// Text a tenant chose, in Chromium: a right-to-left override in a webhook's description or an event's
// payload must not reorder the console's own text after it. The description used to be rendered bare
// (" · events: all" came out reversed); an event's JSON showed the override raw.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { consoleSession } from '../helpers/chromium.js';
import type { TestServer } from '../helpers/server.js';

const RLO = '\u202E';

/**
 * How the element around exactly this text treats bidi: 'isolate' when it isolates that text alone
 * (a <bdi>), whatever its parent; null when the text shares its element with the page's own text.
 */
async function isolationOf(page: Page, text: string): Promise<string | null> {
  return page.evaluate((t) => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const parent = n.parentElement;
      if (n.textContent === t && parent) return parent.textContent === t ? getComputedStyle(parent).unicodeBidi : null;
    }
    return 'not found';
  }, text);
}

describe('bidi isolation of tenant text in Chromium', () => {
  const session = consoleSession('bidi', { webhookAllowHttp: true, fetchAllowHosts: ['127.0.0.1'] });
  let ts: TestServer;
  let page: Page;
  let orgId = '';
  before(() => ({ ts, page, orgId } = session));

  test('a webhook description is isolated from the text after it', async () => {
    const description = `${RLO}abc`;
    const made = await ts.admin('POST', `/orgs/${orgId}/webhooks`, { url: 'http://127.0.0.1:9/hook', description });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    await page.goto(`${ts.url}/console/webhooks?org=${encodeURIComponent(orgId)}`);
    const item = page.getByTestId('webhook-item');
    await item.getByText('events: all').waitFor();
    assert.equal(await isolationOf(page, description), 'isolate');
    assert.equal(await isolationOf(page, 'http://127.0.0.1:9/hook'), 'isolate');
  });

  test("an event's JSON shows a bidi override as an escape", async () => {
    const hubId = (await ts.admin('POST', `/orgs/${orgId}/hubs`, { name: 'hub' })).body.id as string;
    const first = await ts.admin('POST', `/hubs/${hubId}/events`, { type: 'test.ping', data: { n: 1 } });
    const second = await ts.admin('POST', `/hubs/${hubId}/events`, { type: 'test.ping', data: { note: `${RLO}abc` } });
    assert.deepEqual([first.status, second.status], [202, 202]);
    // Replayed after the first event: the second one is in the tail without racing the subscription.
    await page.goto(`${ts.url}/console/events?scope=hub_id&id=${encodeURIComponent(hubId)}&after=${encodeURIComponent(first.body.id as string)}`);
    const row = page.locator(`[data-testid="event-row"][data-event-id="${second.body.id as string}"]`);
    await row.getByRole('button', { name: 'test.ping' }).click();
    const json = await page.getByTestId('event-detail').getByRole('region', { name: 'The event as JSON' }).innerText();
    assert.ok(!json.includes(RLO), 'no raw override in the JSON');
    assert.ok(json.includes('"note": "\\u202eabc"'), json);
    assert.deepEqual((JSON.parse(json) as { data: unknown }).data, { note: `${RLO}abc` });
  });
});
