// The console's files at /console, from a built folder made here: the security headers on every
// answer, hashed assets cached for good with their content type, index.html for every other path
// (the app routes in the browser) behind a session except the sign-in page, traversal refused,
// 503 while the console is not built, and nothing at all while the admin API is off.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, startServer, tempDir, type TestServer } from '../helpers/server.js';

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const INDEX = '<!doctype html><html><head><script type="module" src="/console/assets/app-abc123.js"></script></head><body><div id="app"></div></body></html>';
const SCRIPT = 'document.getElementById("app").textContent = "console";';

function buildConsole(): string {
  const dir = tempDir('capstan-console-dist-');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'app-abc123.js'), SCRIPT);
  writeFileSync(join(dir, 'assets', 'app-abc123.css'), 'body{margin:0}');
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

interface RawAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A GET with the path sent exactly as written: fetch would resolve `..` segments before sending. */
function rawGet(base: string, path: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function assertSecurityHeaders(res: RawAnswer, where: string): void {
  assert.equal(res.headers['content-security-policy'], CSP, where);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', where);
  assert.equal(res.headers['referrer-policy'], 'no-referrer', where);
  assert.equal(res.headers['x-frame-options'], 'DENY', where);
}

const codeOf = (res: RawAnswer): string => (JSON.parse(res.body) as { code: string }).code;

async function signIn(url: string): Promise<string> {
  const res = await fetch(`${url}/admin/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: ADMIN_TOKEN }) });
  assert.equal(res.status, 201);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

describe('the console, built', () => {
  let dist: string;
  let s: TestServer;
  let cookie: string;
  before(async () => {
    dist = buildConsole();
    s = await startServer({ consoleDir: dist });
    cookie = await signIn(s.url);
  });
  after(async () => {
    await s.close();
    rmSync(dist, { recursive: true, force: true });
  });

  test('with a session every page path is index.html, not cached, with the security headers', async () => {
    for (const path of ['/console', '/console/', '/console/orgs', '/console/orgs/org_abc/keys', '/console/work?status=failed', '/console/nodes.json']) {
      const res = await rawGet(s.url, path, { cookie });
      assert.equal(res.status, 200, path);
      assert.equal(res.body, INDEX, path);
      assert.equal(res.headers['content-type'], 'text/html; charset=utf-8', path);
      assert.equal(res.headers['cache-control'], 'no-store', path);
      assertSecurityHeaders(res, path);
    }
  });

  test('without a valid session a page redirects to the sign-in page, which is served to anyone', async () => {
    const anonymous: Record<string, string>[] = [{}, { cookie: 'capstan_console=forged' }, { cookie: `capstan_console=${'A'.repeat(43)}` }];
    for (const headers of anonymous) {
      // The page asked for rides along, so signing in lands on it.
      for (const [path, next] of [['/console', ''], ['/console/', ''], ['/console/orgs', '?next=%2Fconsole%2Forgs'], ['/console/settings/', '?next=%2Fconsole%2Fsettings%2F'], ['/console/orgs?x=1', '?next=%2Fconsole%2Forgs%3Fx%3D1']] as const) {
        const res = await rawGet(s.url, path, headers);
        assert.equal(res.status, 302, path);
        assert.equal(res.headers.location, `/console/sign-in${next}`, path);
        assertSecurityHeaders(res, path);
      }
    }
    for (const path of ['/console/sign-in', '/console/sign-in/']) {
      const res = await rawGet(s.url, path);
      assert.equal(res.status, 200, path);
      assert.equal(res.body, INDEX);
      assert.equal(res.headers['cache-control'], 'no-store');
      assertSecurityHeaders(res, path);
    }
  });

  test('hashed assets need no session, have their content type and are cached for good', async () => {
    const js = await rawGet(s.url, '/console/assets/app-abc123.js');
    assert.equal(js.status, 200);
    assert.equal(js.body, SCRIPT);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assertSecurityHeaders(js, 'js');
    const css = await rawGet(s.url, '/console/assets/app-abc123.css');
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    const icon = await rawGet(s.url, '/console/favicon.svg');
    assert.equal(icon.status, 200);
    assert.equal(icon.headers['content-type'], 'image/svg+xml');
    assert.equal(icon.headers['cache-control'], 'no-cache', 'an unhashed file is revalidated');
    const head = await fetch(`${s.url}/console/assets/app-abc123.js`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-type'), 'text/javascript; charset=utf-8');
  });

  test('an asset that does not exist is 404 not_found, never the page', async () => {
    for (const path of ['/console/assets/app-zzz999.js', '/console/assets/', '/console/assets', '/console/assets/sub/x.js']) {
      const res = await rawGet(s.url, path, { cookie });
      assert.equal(res.status, 404, path);
      assert.equal(codeOf(res), 'not_found', path);
      assertSecurityHeaders(res, path);
    }
  });

  test('a path that would leave the built folder is 404 not_found, however it is written', async () => {
    for (const path of [
      '/console/assets/../../package.json',
      '/console/../package.json',
      '/console/%2e%2e/package.json',
      '/console/%2E%2E',
      '/console/assets/../index.html',
      '/console/assets/%2e%2e/%2e%2e/package.json',
      '/console/assets/%2E%2E/%2E%2E/%2E%2E/etc/passwd',
      '/console/%2e%2e%2f%2e%2e%2fpackage.json',
      '/console/assets/..%2f..%2fpackage.json',
      '/console/assets/..%5c..%5cpackage.json',
      '/console/assets/app-abc123.js%00.html',
      '/console/./assets/app-abc123.js',
      '/console/assets//app-abc123.js',
    ]) {
      const res = await rawGet(s.url, path, { cookie });
      assert.ok(!res.body.includes('"name": "capstan"') && !res.body.includes('root:'), `${path} leaks nothing`);
      assert.equal(res.status, 404, `${path}: ${res.status} ${res.body.slice(0, 80)}`);
      assert.equal(codeOf(res), 'not_found', path);
      assertSecurityHeaders(res, path);
    }
  });

  test('a write method on /console is 405', async () => {
    const res = await fetch(`${s.url}/console/orgs`, { method: 'POST' });
    assert.equal(res.status, 405);
    assert.equal(((await res.json()) as { code: string }).code, 'method_not_allowed');
  });
});

describe('the console, not built', () => {
  let s: TestServer;
  let empty: string;
  before(async () => {
    empty = tempDir('capstan-console-missing-');
    s = await startServer({ consoleDir: join(empty, 'dist') });
  });
  after(async () => {
    await s.close();
    rmSync(empty, { recursive: true, force: true });
  });

  test('every /console path is 503 console_unavailable, with the security headers', async () => {
    for (const path of ['/console', '/console/sign-in', '/console/assets/app-abc123.js']) {
      const res = await rawGet(s.url, path);
      assert.equal(res.status, 503, path);
      assert.equal(codeOf(res), 'console_unavailable', path);
      assertSecurityHeaders(res, path);
    }
  });
});

describe('the console with the admin API off', () => {
  let dist: string;
  let s: TestServer;
  before(async () => {
    dist = buildConsole();
    s = await startServer({ consoleDir: dist, adminToken: null });
  });
  after(async () => {
    await s.close();
    rmSync(dist, { recursive: true, force: true });
  });

  test('/console does not exist: 404 route_not_found for pages, assets and any method', async () => {
    for (const path of ['/console', '/console/sign-in', '/console/assets/app-abc123.js']) {
      const res = await rawGet(s.url, path);
      assert.equal(res.status, 404, path);
      assert.equal(codeOf(res), 'route_not_found', path);
    }
    const post = await fetch(`${s.url}/console/orgs`, { method: 'POST' });
    assert.equal(post.status, 404);
    assert.equal(((await post.json()) as { code: string }).code, 'route_not_found');
  });
});
