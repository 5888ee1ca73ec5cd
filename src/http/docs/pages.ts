// The two reference pages: a shared header (links between the pages and to the raw documents), then the
// container a renderer fills. Every URL is relative to the page, so the pages load nothing but Capstan.
import { VERSION } from '../../util/version.js';
import { assetHref, type DocsAssetName } from './assets.js';

export type DocsPageName = 'reference' | 'realtime';

interface PageSpec {
  readonly title: string;
  /** From the page's URL to the server's root: /docs sits at the root, /docs/realtime one folder down. */
  readonly up: string;
  /** The document the renderer reads, from the server's root. */
  readonly spec: string;
  readonly styles: readonly DocsAssetName[];
  readonly scripts: readonly DocsAssetName[];
}

const PAGES: Record<DocsPageName, PageSpec> = {
  reference: { title: 'HTTP API', up: '', spec: 'openapi.json', styles: [], scripts: ['redoc.standalone.js', 'reference.js'] },
  realtime: { title: 'Realtime API', up: '../', spec: 'asyncapi.json', styles: ['asyncapi.css'], scripts: ['asyncapi.standalone.js', 'realtime.js'] },
};

/**
 * Scripts only from Capstan, never inline. Redoc starts its search index in a worker made from a blob:
 * URL. The AsyncAPI bundle validates documents with Ajv, which compiles its validators with
 * new Function(): that page cannot work without 'unsafe-eval'. Both renderers inject <style> elements,
 * hence 'unsafe-inline' for styles (never for scripts).
 */
export function docsCsp(name: DocsPageName): string {
  return [
    "default-src 'none'",
    name === 'realtime' ? "script-src 'self' 'unsafe-eval'" : "script-src 'self'",
    'worker-src blob:',
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

// The header, plus one rule for Redoc: error codes in the catalogue table stay on one line.
const PAGE_CSS = `
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
body>header{position:sticky;top:0;z-index:100;display:flex;align-items:center;gap:1.5rem;height:48px;padding:0 20px;box-sizing:border-box;
  background:#14213d;color:#fff;font:15px/1 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
body>header strong{font-weight:600;letter-spacing:.01em}
body>header small{opacity:.7;font-weight:400;margin-left:.4rem}
body>header nav{display:flex;gap:1.1rem;flex:1}
body>header a{color:#cfd8ea;text-decoration:none;padding:4px 0;border-bottom:2px solid transparent}
body>header a:hover,body>header a:focus-visible{color:#fff}
body>header a[aria-current=page]{color:#fff;border-bottom-color:#7aa7ff}
body>header .raw{display:flex;gap:1rem;font-size:13px}
body>header .raw a{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.redoc-markdown td code{white-space:nowrap;word-break:normal}
`;

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderDocsPage(name: DocsPageName): string {
  const page = PAGES[name];
  const { up } = page;
  const current = (which: DocsPageName) => (which === name ? ' aria-current="page"' : '');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${esc(page.title)} · Capstan ${esc(VERSION)}</title>
<style>${PAGE_CSS}</style>
${page.styles.map((s) => `<link rel="stylesheet" href="${assetHref(s, up)}">`).join('\n')}
</head>
<body>
<header>
<strong>Capstan<small>${esc(VERSION)}</small></strong>
<nav aria-label="Reference"><a href="${up}docs"${current('reference')}>HTTP API</a><a href="${up}docs/realtime"${current('realtime')}>Realtime API</a></nav>
<span class="raw"><a href="${up}openapi.json">openapi.json</a><a href="${up}asyncapi.json">asyncapi.json</a></span>
</header>
<main id="reference" data-spec="${up}${page.spec}"></main>
${page.scripts.map((s) => `<script src="${assetHref(s, up)}"></script>`).join('\n')}
</body>
</html>
`;
}
