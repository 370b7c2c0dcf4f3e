// Builds the admin console into console/dist, served by the API process at /console (src/http/routes/console.ts).
import { defineConfig } from 'vite';

// `vite build console` (npm run build) makes console/ the root, so paths here are relative to it.
export default defineConfig({
  base: '/console/',
  // Preact's automatic JSX runtime through Vite's own transformer: no framework plugin (and no Babel) needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The served page's CSP allows no inline script, so nothing may be inlined as a data: module either.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npx vite console` during development: API calls go to a coupond on :8080.
    proxy: {
      '/v2': 'http://127.0.0.1:8080',
      '/v3': 'http://127.0.0.1:8080',
      '/coupon': 'http://127.0.0.1:8080',
    },
  },
});
