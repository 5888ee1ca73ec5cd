// Debian's Chromium, driven by playwright-core (which never downloads a browser of its own). The test
// command installs it when it is missing (scripts/test.mjs); run directly without it, this says how.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Config } from '../../src/config/index.js';
import { ADMIN_TOKEN, startServer, type TestServer } from './server.js';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`npm test\` (it installs it as root) or \`bash scripts/install-system-deps.sh\` as root`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** A page served from an origin of its own (another port of loopback), for cross-origin browser tests. */
export interface OtherOrigin {
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves `html` at every path of a second origin. */
export async function servePage(html: string): Promise<OtherOrigin> {
  const site = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(site.address() as AddressInfo).port}`,
    async close() {
      site.closeAllConnections();
      await new Promise<void>((resolve) => site.close(() => resolve()));
    },
  };
}

/** Signs `page` in to the console of the test server at `serverUrl` and waits for its Overview. */
export async function signInToConsole(page: Page, serverUrl: string): Promise<void> {
  await page.goto(`${serverUrl}/console`);
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: /sign in/i }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
}

export interface ConsoleSession {
  readonly ts: TestServer;
  readonly page: Page;
  /** An organization made for the tests, named as asked. */
  readonly orgId: string;
}

/**
 * For a describe block: a server, an organization and a Chromium page signed in to the console, made
 * before its tests and closed after them. The fields are set once its `before` has run.
 */
export function consoleSession(orgName: string, overrides: Partial<Record<keyof Config, unknown>> = {}): ConsoleSession {
  const session = {} as { ts: TestServer; page: Page; orgId: string };
  let browser: Browser | undefined;
  before(async () => {
    session.ts = await startServer(overrides);
    session.orgId = (await session.ts.admin('POST', '/orgs', { name: orgName })).body.id as string;
    browser = await launchChromium();
    session.page = await (await browser.newContext()).newPage();
    await signInToConsole(session.page, session.ts.url);
  });
  after(async () => {
    await browser?.close();
    await session.ts?.close();
  });
  return session;
}
