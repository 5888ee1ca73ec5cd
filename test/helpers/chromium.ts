// Debian's Chromium, driven by playwright-core (which never downloads a browser of its own). The test
// command installs it when it is missing (scripts/test.mjs); run directly without it, this says how.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADMIN_TOKEN } from './server.js';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`npm test\` (it installs it as root) or \`bash scripts/install-system-deps.sh\` as root`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** Signs `page` in to the console of the test server at `serverUrl` and waits for its Overview. */
export async function signInToConsole(page: Page, serverUrl: string): Promise<void> {
  await page.goto(`${serverUrl}/console`);
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: /sign in/i }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
}
