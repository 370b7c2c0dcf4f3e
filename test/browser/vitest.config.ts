// The browser tests' own configuration (npm run test:browser): a real server process and Debian's chromium,
// kept out of `npm test` so that stays fast and needs no browser.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'),
    include: ['test/browser/**/*.test.ts'],
    pool: 'forks',
    // One browser and one server per file; the steps of a file build on each other, in order.
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
    env: { COUPOND_BROWSER_TESTS: '1' },
  },
});
