// A storage engine on a database of its own (support/test-database.ts), for tests of storage itself: the
// runner, the migrations, the pipeline. It opens like the server's, with a small pool.
import { openDatabase, type Engine } from '../../src/storage/database.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface TestEngine {
  engine: Engine;
  db: TestDatabase;
  /** Closes the engine and drops its database. */
  close(): Promise<void>;
}

/** Opens an engine on a fresh database; `name` names its SQLite file. */
export async function openTestEngine(name: string, poolSize: number): Promise<TestEngine> {
  const db = await createTestDatabase();
  const engine = await openDatabase({
    url: db.env.DATABASE_URL,
    sqlitePath: `${db.dataDir}/${name}.db`,
    pgSchema: db.env.DATABASE_SCHEMA,
    poolSize,
  });
  return {
    engine,
    db,
    close: async () => {
      await engine.close();
      await db.drop();
    },
  };
}
