// One suite, two databases (docs/architecture.md "Conventions"): SQLite by default; PostgreSQL when TEST_DATABASE_URL is set.
// Each test app gets its own SQLite file or its own PostgreSQL schema, so test files run in parallel.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
export const onPostgres = TEST_DATABASE_URL !== undefined;
export const dialectName = onPostgres ? 'postgres' : 'sqlite';

export interface TestDatabase {
  env: Record<string, string>;
  dataDir: string;
  drop(): Promise<void>;
}

/** A fresh, empty database and data folder. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const id = randomBytes(6).toString('hex');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coupond-test-'));
  if (!TEST_DATABASE_URL) {
    return {
      env: { COUPOND_DATA_DIR: dataDir },
      dataDir,
      drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const schema = `t_${id}`;
  return {
    env: { COUPOND_DATA_DIR: dataDir, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema },
    dataDir,
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
