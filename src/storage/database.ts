// Opens the database named by the configuration and runs transaction scripts on it (storage/script.ts).
// SQLite (better-sqlite3, WAL; sqlite-engine.ts) is the embedded default; PostgreSQL (pg;
// postgres-engine.ts) when DATABASE_URL says so. The Engine contract both answer is in engine.ts, and
// re-exported here so that stores and the composition root import one module.
import { isPostgresUrl, type DatabaseOptions, type Engine } from './engine.js';
import { openPostgres } from './postgres-engine.js';
import { openSqlite } from './sqlite-engine.js';

export { isPostgresUrl, SHORT_READ, type DatabaseOptions, type Engine, type RunOptions } from './engine.js';

export async function openDatabase(options: DatabaseOptions): Promise<Engine> {
  return isPostgresUrl(options.url)
    ? openPostgres(options.url, options)
    : openSqlite(options.sqlitePath, options);
}
