import { defineConfig } from 'vitest/config';

// `npm run test:faults`: the fault suite (docs/reliability.md). Real server processes under traffic while the
// database connection is cut, the database stops, the SQLite file is locked or the disk fills. One file at a
// time: each injects faults into servers it starts. The database is chosen as for `npm test`
// (TEST_DATABASE_URL for PostgreSQL); tests that need something the machine lacks skip with a line saying so.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.faults.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 180_000,
  },
});
