// Builds the console into dist/ for the server to serve under /console. The page's CSP allows only
// same-origin scripts and styles, so nothing may be inlined into index.html: no module-preload
// polyfill, no inlined assets, and the stylesheet is always a file.
import { defineConfig } from 'vite';

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
});
