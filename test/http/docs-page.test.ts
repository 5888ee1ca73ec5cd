// The rendered API reference: /docs (OpenAPI through Redoc) and /docs/realtime (AsyncAPI through
// AsyncAPI's React component) over plain HTTP and in headless Chromium. The pages must render from
// Capstan alone: every request the browser makes stays on the server's origin.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { rawExchange } from '../helpers/raw-http.js';
import { startServer, type TestServer } from '../helpers/server.js';

interface OpenApi {
  'x-tagGroups'?: { name: string; tags: string[] }[];
  paths: Record<string, Record<string, { operationId?: string }>>;
}
interface AsyncApi {
  asyncapi: string;
  channels: Record<string, { address?: string | null }>;
}

/** What a page did while it rendered: every URL it asked for, CSP violations, uncaught errors. */
interface Recording {
  readonly requests: string[];
  readonly violations: string[];
  readonly errors: string[];
}

const SHOTS = mkdtempSync(join(tmpdir(), 'capstan-docs-screenshots-'));
/** Rendering the whole OpenAPI document takes Redoc a while on a busy machine. */
const RENDER_TIMEOUT = 180_000;
const installed = (specifier: string) => readFileSync(createRequire(import.meta.url).resolve(specifier));

describe('the API reference pages', () => {
  let s: TestServer;
  let browser: Browser;

  before(async () => {
    s = await startServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  async function open(path: string): Promise<{ page: Page; recording: Recording }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const recording: Recording = { requests: [], violations: [], errors: [] };
    page.on('request', (r) => recording.requests.push(r.url()));
    page.on('pageerror', (e) => recording.errors.push(e.message));
    await page.exposeFunction('reportViolation', (v: string) => recording.violations.push(v));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { reportViolation(v: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.goto(s.url + path);
    return { page, recording };
  }

  function assertStayedHome(recording: Recording): void {
    const origin = new URL(s.url).origin;
    const away = recording.requests.filter((u) => !u.startsWith('data:') && new URL(u).origin !== origin);
    assert.deepEqual(away, [], 'every request stays on the server');
    assert.deepEqual(recording.violations, [], 'nothing the Content-Security-Policy blocks');
    assert.deepEqual(recording.errors, [], 'no uncaught error');
  }

  /**
   * The rendered documents are hundreds of thousands of pixels tall; a "full" shot takes the page's
   * first 4000 pixels, the others what a 1280x800 window shows.
   */
  async function screenshot(t: TestContext, page: Page, name: string, full = false): Promise<void> {
    const path = join(SHOTS, `${name}.png`);
    await page.screenshot({ path, timeout: RENDER_TIMEOUT, ...(full ? { fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 4000 } } : {}) });
    t.diagnostic(`screenshot: ${path}`);
  }

  describe('over HTTP', () => {
    test('each page is HTML with a strict Content-Security-Policy, links both pages and both raw documents, and loads only its own assets', async () => {
      for (const [path, extraScript] of [['/docs', ''], ['/docs/realtime', " 'unsafe-eval'"]] as const) {
        const res = await fetch(s.url + path);
        assert.equal(res.status, 200, path);
        assert.match(res.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
        const csp = res.headers.get('content-security-policy') ?? '';
        assert.ok(csp.split('; ').includes(`script-src 'self'${extraScript}`), `${path}: ${csp}`);
        assert.ok(csp.includes("default-src 'none'") && csp.includes("frame-ancestors 'none'"), csp);
        const html = await res.text();
        assert.match(html, /^<!doctype html>/i);
        const hrefs = [...html.matchAll(/\b(?:href|src|data-spec)="([^"]*)"/g)].map((m) => new URL(m[1]!, s.url + path).pathname);
        for (const target of ['/docs', '/docs/realtime', '/openapi.json', '/asyncapi.json']) assert.ok(hrefs.includes(target), `${path} links ${target}`);
        assert.ok(!/\b(?:href|src)="(?:https?:)?\/\//.test(html), `${path} names no other origin`);
        assert.ok(!/<script>/.test(html), `${path} has no inline script`);
        for (const src of [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => new URL(m[1]!, s.url + path))) {
          assert.match(src.pathname, /^\/docs\/assets\/[a-z.]+\.js$/);
          assert.equal((await fetch(src)).status, 200, src.pathname);
        }
      }
    });

    test('the bundles are the installed packages\' files, with an ETag, a long Cache-Control and 304 on revalidation', async () => {
      const cases = [
        ['asyncapi.standalone.js', 'text/javascript', installed('@asyncapi/react-component/browser/standalone/index.js')],
        ['asyncapi.css', 'text/css', installed('@asyncapi/react-component/styles/default.min.css')],
      ] as const;
      for (const [name, type, bytes] of cases) {
        const res = await fetch(`${s.url}/docs/assets/${name}`);
        assert.equal(res.status, 200, name);
        assert.match(res.headers.get('content-type') ?? '', new RegExp(`^${type}`));
        assert.match(res.headers.get('cache-control') ?? '', /max-age=31536000/);
        assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes, name);
        const etag = res.headers.get('etag');
        assert.match(etag ?? '', /^"[\w-]+"$/);
        const again = await fetch(`${s.url}/docs/assets/${name}`, { headers: { 'if-none-match': etag! } });
        assert.equal(again.status, 304, name);
        assert.equal((await again.arrayBuffer()).byteLength, 0);
        const head = await fetch(`${s.url}/docs/assets/${name}`, { method: 'HEAD', headers: { 'if-none-match': etag! } });
        assert.equal(head.status, 304, `HEAD ${name}`);
        assert.equal(head.headers.get('content-length'), null, `HEAD ${name}: a 304 states no length`);
      }
      // Redoc's bundle is served with its one remote URL (the menu footer's logo) emptied.
      const redoc = await (await fetch(`${s.url}/docs/assets/redoc.standalone.js`)).text();
      const original = installed('redoc/bundles/redoc.standalone.js').toString('utf8');
      assert.ok(original.includes('https://cdn.redoc.ly/redoc/logo-mini.svg'));
      assert.equal(redoc, original.replace('src:"https://cdn.redoc.ly/redoc/logo-mini.svg"', 'src:""'));
    });

    test('an unknown asset is 404 not_found in the catalogue shape, and no path reaches another file', async () => {
      for (const name of ['nope.js', 'redoc.standalone.js.map', '..%2f..%2fpackage.json', '..%2F..%2F..%2Fpackage.json', '%2e%2e%2f%2e%2e%2fpackage.json', 'assets%2f..%2f..%2f..%2fpackage.json', '__proto__', 'constructor', 'hasOwnProperty', 'redoc.standalone.js%00', '']) {
        const res = await fetch(`${s.url}/docs/assets/${name}`);
        assert.equal(res.status, 404, name);
        assert.deepEqual(await res.json(), { error: 'No such documentation asset', code: 'not_found' }, name);
      }
      // Sent as written: a client would resolve the dot segments before sending.
      for (const target of ['/docs/assets/../../package.json', '/docs/assets/..\\..\\package.json', '/docs/assets/%2e%2e/%2e%2e/package.json', '/docs/assets//etc/passwd']) {
        const res = await rawExchange(s.url, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        assert.ok(res.status === 400 || res.status === 404, `${target}: ${res.status}`);
        const body = JSON.parse(res.body) as { code: string; error: string };
        assert.ok(['not_found', 'route_not_found', 'invalid_request'].includes(body.code), `${target}: ${res.body}`);
        assert.ok(!res.body.includes('"capstan"') && !res.body.includes('root:'), target);
      }
    });
  });

  describe('in Chromium', () => {
    test('/docs renders the OpenAPI document: surface groups in order, operations with body, responses and samples, search, nothing fetched elsewhere', async (t) => {
      const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as OpenApi;
      const upload = doc.paths['/upload']?.post?.operationId;
      assert.ok(upload, 'POST /upload has an operationId');
      const { page, recording } = await open('/docs');
      try {
        const section = page.locator(`[data-section-id="operation/${upload}"]`);
        await section.waitFor({ state: 'attached', timeout: RENDER_TIMEOUT });

        const groups = await page.locator('.menu-content li[data-item-id^="group/"]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
        assert.deepEqual(groups, (doc['x-tagGroups'] ?? []).map((g) => g.name), 'the menu follows x-tagGroups');
        assert.deepEqual(groups, ['Documents', 'Organizer', 'Videos', 'Hub', 'Meta', 'Admin'], 'surfaces in the seeds\' order, admin last');

        await section.scrollIntoViewIfNeeded();
        const text = (await section.textContent()) ?? '';
        for (const part of ['/upload', 'Request Body schema', 'file_name', 'Responses', 'Response Schema', 'document_id', 'Request samples', 'Response samples']) {
          assert.ok(text.includes(part), `POST /upload shows "${part}"`);
        }
        await screenshot(t, page, 'docs-upload');

        // Search runs in a worker started from a blob: URL, which the page's CSP must allow.
        await page.locator('input[placeholder="Search..."]').fill('upload');
        await page.locator('[data-role="search:results"] li').first().waitFor({ timeout: RENDER_TIMEOUT });

        await page.locator('input[placeholder="Search..."]').fill('');
        await page.evaluate(() => window.scrollTo(0, 0));
        await screenshot(t, page, 'docs-top');
        await screenshot(t, page, 'docs-full', true);
        assertStayedHome(recording);
      } finally {
        await page.close();
      }
    });

    test('/docs/realtime renders the AsyncAPI document with every channel, nothing fetched elsewhere', async (t) => {
      const res = await fetch(`${s.url}/asyncapi.json`);
      assert.equal(res.status, 200, '/asyncapi.json is served');
      const doc = (await res.json()) as AsyncApi;
      assert.match(doc.asyncapi, /^3\./);
      const addresses = Object.values(doc.channels).map((c) => c.address).filter((a): a is string => typeof a === 'string');
      assert.ok(addresses.length > 0);
      const { page, recording } = await open('/docs/realtime');
      try {
        await page.locator('#operations').waitFor({ timeout: RENDER_TIMEOUT });
        const text = await page.locator('#reference').innerText();
        for (const address of addresses) assert.ok(text.includes(address), `channel ${address} is shown`);
        await screenshot(t, page, 'realtime-top');
        await page.locator('[id^="operation-"]').first().scrollIntoViewIfNeeded();
        await screenshot(t, page, 'realtime-operation');
        await page.evaluate(() => window.scrollTo(0, 0));
        await screenshot(t, page, 'realtime-full', true);
        assertStayedHome(recording);
      } finally {
        await page.close();
      }
    });
  });
});
