// A form's failure is about the value that was sent, in Chromium: once the operator changes the input,
// or another action of the page succeeds, it no longer shows. It used to stay: a refused webhook URL
// stayed under a new value that the browser's own validation kept from being sent, and one section's
// failure on an organization's page stayed after another section's action succeeded.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { consoleSession } from '../helpers/chromium.js';
import type { TestServer } from '../helpers/server.js';

describe('console form errors in Chromium', () => {
  const session = consoleSession('forms');
  let ts: TestServer;
  let page: Page;
  let orgId = '';
  before(() => ({ ts, page, orgId } = session));

  /** The failure a form shows, once the server refused what it sent. */
  const refused = async (form: Locator) => {
    const alert = form.getByRole('alert');
    await alert.waitFor();
    return alert;
  };

  test('a refused webhook URL stops showing once the URL is edited, though the new one is never sent', async () => {
    await page.goto(`${ts.url}/console/webhooks?org=${encodeURIComponent(orgId)}`);
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'Add an endpoint' }) });
    await page.getByLabel('URL').fill('http://10.0.0.1/x');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const alert = await refused(form);
    assert.match(await alert.innerText(), /invalid_webhook_url|url_not_allowed/);
    await page.getByLabel('URL').fill('not-a-url');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    assert.equal(await page.getByLabel('URL').evaluate((el) => (el as HTMLInputElement).validity.valid), false, 'the browser keeps it from being sent');
    await alert.waitFor({ state: 'detached' });
  });

  /** Opens the organization's page and sends a grant the server refuses: its failure. */
  const refusedGrant = async () => {
    await page.goto(`${ts.url}/console/orgs/${encodeURIComponent(orgId)}`);
    const credits = page.locator('form', { has: page.getByLabel('Amount (micro-credits)') });
    await page.getByLabel('Amount (micro-credits)').fill('9000000000000000');
    await page.getByRole('button', { name: 'Grant credits' }).click();
    return refused(credits);
  };

  test('a refused grant stops showing once the form is edited', async () => {
    const alert = await refusedGrant();
    await page.getByLabel('Reason').fill('Not A Reason!');
    await alert.waitFor({ state: 'detached' });
  });

  test("one section's failure stops showing when another section's action succeeds", async () => {
    const alert = await refusedGrant();
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = page.getByTestId('secret-dialog');
    await secret.waitFor();
    await secret.getByRole('button', { name: 'Done' }).click();
    await secret.waitFor({ state: 'detached' });
    await alert.waitFor({ state: 'detached' });
  });
});
