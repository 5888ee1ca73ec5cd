// The rendered API reference: a self-contained HTML page built from the OpenAPI document (no CDN),
// plus the error catalogue, so what a reader sees is what the server validates.
import type { OpenApiDoc } from './app.js';
import { ERRORS } from './errors.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderDocsPage(doc: OpenApiDoc): string {
  const rows: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    for (const [method, op] of Object.entries(ops)) {
      const params = (op.parameters ?? []).map((p) => `<code>${esc(p.name)}</code> (${esc(p.in)}${p.required ? ', required' : ''})`).join(', ');
      rows.push(`<tr><td><code>${esc(method.toUpperCase())}</code></td><td><code>${esc(path)}</code></td><td>${esc(op.summary ?? '')}${op.description ? `<br><small>${esc(op.description)}</small>` : ''}</td><td>${params}</td></tr>`);
    }
  }
  const errors = Object.entries(ERRORS).map(([code, e]) => `<tr><td><code>${code}</code></td><td>${e.status}</td><td>${esc(e.message)}</td></tr>`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)} ${esc(doc.info.version)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}code{font-size:13px}</style></head>
<body><h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1><p>${esc(doc.info.description ?? '')} Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
<h2>Endpoints</h2><table><thead><tr><th>Method</th><th>Path</th><th>Summary</th><th>Parameters</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<h2>Errors</h2><table><thead><tr><th>code</th><th>status</th><th>default message</th></tr></thead><tbody>${errors.join('')}</tbody></table></body></html>`;
}
