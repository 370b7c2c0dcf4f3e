import { defineConfig } from 'vitest/config';

// One suite, two databases: test/support/test-database.ts reads TEST_DATABASE_URL.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Browser, race and crash suites have their own configs and scripts (npm run test:browser, test:race).
    exclude: ['test/browser/**', 'test/race/**', 'test/crash/**', '**/node_modules/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
