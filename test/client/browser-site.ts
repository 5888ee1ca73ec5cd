// The browser tests' own site, on another origin than the Capstan server: one HTML page that loads the
// built SDK as an ES module (no bundler), the SDK's dist files as text/javascript, and fixtures for
// the page to fetch. Plus a record of what that page's requests looked like when they reached the
// Capstan server (preflights included: Chromium does not show them to the test as page requests).
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import type * as Sdk from '@capstan/client';

const DIST = join(import.meta.dirname, '../../packages/client/dist');

// The test file's page.evaluate callbacks are compiled with esbuild's keepNames, which wraps named
// functions in `__name(…)`: the page defines it so those callbacks run as written. The SDK itself
// is imported twice on purpose, statically and through import(), which must give the same module.
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>capstan sdk</title></head>
<body>
<script>window.__name = (f) => f;</script>
<script type="module">
import * as sdk from '/dist/index.js';
const again = await import('/dist/index.js');
if (again !== sdk) throw new Error('two instances of the SDK module');
window.capstan = sdk;
const errorInfo = (e) => ({ name: e && e.name, code: e && e.code, status: e && e.status, message: String(e && e.message || e), capstan: sdk.isCapstanError(e) });
window.errorInfo = errorInfo;
window.runs = {};
window.follow = (name, iterable) => {
  const run = { items: [], ended: false, error: null };
  window.runs[name] = run;
  (async () => {
    try {
      for await (const item of iterable) run.items.push(item);
      run.ended = true;
    } catch (e) {
      run.error = errorInfo(e);
    }
  })();
};
window.fixture = async (path) => {
  const res = await fetch(path);
  if (!res.ok) throw new Error(path + ' answered ' + res.status);
  return res.blob();
};
window.pageReady = true;
</script></body></html>`;

export interface ErrorInfo {
  readonly name: string | undefined;
  readonly code: string | undefined;
  readonly status: number | undefined;
  readonly message: string;
  /** isCapstanError said yes: the SDK's own error type, across the page boundary. */
  readonly capstan: boolean;
}

export interface Run {
  readonly items: unknown[];
  readonly ended: boolean;
  readonly error: ErrorInfo | null;
}

/** What the page puts on window, for page.evaluate callbacks (`window as unknown as PageWindow`). */
export interface PageWindow {
  readonly capstan: typeof Sdk;
  readonly runs: Record<string, Run>;
  /** Iterates `iterable` in the background into runs[name]. */
  follow(name: string, iterable: AsyncIterable<unknown>): void;
  errorInfo(e: unknown): ErrorInfo;
  fixture(path: string): Promise<Blob>;
  /** Objects the test keeps in the page between evaluate calls (streams, watches). */
  kept: Record<string, { close(): void }>;
  /** Exposed by the test (page.exposeFunction): a hub contact token minted by the admin API. */
  hubToken(): Promise<string>;
}

export interface Site {
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves the page at /, packages/client/dist at /dist/, and `fixtures` by path. */
export async function serveSite(fixtures: Readonly<Record<string, { type: string; bytes: Uint8Array }>>): Promise<Site> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://site').pathname;
    const fixture = fixtures[path];
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(PAGE);
    } else if (fixture) {
      res.writeHead(200, { 'content-type': fixture.type, 'content-length': fixture.bytes.byteLength });
      res.end(fixture.bytes);
    } else if (path.startsWith('/dist/') && path.endsWith('.js') && !normalize(path).includes('..')) {
      let body: Buffer;
      try {
        body = readFileSync(join(DIST, path.slice('/dist/'.length)));
      } catch {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(body);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** One request of the page as the Capstan server received it, and its answer once sent. */
export interface Exchange {
  readonly method: string;
  readonly path: string;
  /** Lower-case request header names. */
  readonly headers: readonly string[];
  /** Access-Control-Request-Headers of a preflight, split. */
  readonly requested: readonly string[];
  readonly lastEventId: string | undefined;
  status?: number;
  allowOrigin?: string;
  allowHeaders?: readonly string[];
}

const list = (value: unknown): string[] => (typeof value === 'string' ? value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean) : []);

/**
 * Records every HTTP request carrying `origin` that reaches `server` (the raw node:http server under
 * Fastify), with its answer's status and CORS headers, read as Fastify writes them (the listener runs
 * first so that it sees every answer, even one written at once).
 */
export function recordExchanges(server: Server, origin: string, into: Exchange[]): void {
  server.prependListener('request', (req: IncomingMessage, res) => {
    if (req.headers.origin !== origin) return;
    const lastEventId = req.headers['last-event-id'];
    const exchange: Exchange = {
      method: req.method ?? '',
      path: new URL(req.url ?? '/', 'http://capstan').pathname,
      headers: Object.keys(req.headers),
      requested: list(req.headers['access-control-request-headers']),
      lastEventId: typeof lastEventId === 'string' ? lastEventId : undefined,
    };
    into.push(exchange);
    // Fastify hands its headers to writeHead rather than setHeader: they are read from its arguments.
    const writeHead = res.writeHead;
    res.writeHead = function (this: typeof res, ...args: Parameters<typeof res.writeHead>) {
      const headers: Record<string, unknown> = { ...res.getHeaders() };
      for (const arg of args) {
        if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) continue;
        for (const [name, value] of Object.entries(arg)) headers[name.toLowerCase()] = value;
      }
      exchange.status = args[0];
      exchange.allowOrigin = headers['access-control-allow-origin']?.toString();
      exchange.allowHeaders = list(headers['access-control-allow-headers']?.toString());
      return writeHead.apply(this, args);
    } as typeof res.writeHead;
  });
}
