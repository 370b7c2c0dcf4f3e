import { defineConfig } from 'vitest/config';

// One suite, two databases: test/support/test-database.ts reads TEST_DATABASE_URL.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
