// Debian's Chromium, driven by playwright-core (which never downloads a browser of its own). The test
// command installs it when it is missing (scripts/test.mjs); run directly without it, this says how.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`npm test\` (it installs it as root) or \`bash scripts/install-system-deps.sh\` as root`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}
