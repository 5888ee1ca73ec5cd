// Builds the console into dist/ for the server to serve under /console. The page's CSP allows only
// same-origin scripts and styles, so nothing may be inlined into index.html: no module-preload
// polyfill, no inlined assets, and the stylesheet is always a file.
// `npm run dev -w @capstan/console` serves it from source with the admin API proxied to a running
// Capstan (CAPSTAN_URL, default http://localhost:8000), as the same origin it is in production.
import { defineConfig } from 'vite';

const target = process.env.CAPSTAN_URL ?? 'http://localhost:8000';

export default defineConfig({
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
  },
  server: {
    // The server checks a console write's Origin against its own: the proxy presents it.
    proxy: { '/admin': { target, changeOrigin: true, headers: { origin: target } } },
  },
});
