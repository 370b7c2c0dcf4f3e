import { defineConfig } from 'vitest/config';

// `npm run test:race`: the race suite and the crash tests, kept out of `npm test` because they run real
// server processes for tens of seconds. One file at a time: they share the machine's cores with the
// servers they start. The database is chosen as for `npm test` (TEST_DATABASE_URL for PostgreSQL).
export default defineConfig({
  test: {
    include: ['test/race/**/*.race.ts', 'test/crash/**/*.crash.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 180_000,
  },
});
