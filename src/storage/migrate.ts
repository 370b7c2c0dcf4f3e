// Runs the migrations (one set for both databases) with Kysely's Migrator, which locks against
// concurrent runs, so several servers may start at once on one PostgreSQL database.
import { DEFAULT_MIGRATION_TABLE, Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Engine } from './database.js';
import { schema0001 } from './migrations/0001-schema.js';
import { pgGuard0010 } from './migrations/0010-pg-guard.js';
import { files0020 } from './migrations/0020-files.js';
import { throttle0021 } from './migrations/0021-throttle.js';
import { customerCards0040 } from './migrations/0040-customer-cards.js';

function migrations(engine: Engine): Record<string, Migration> {
  return {
    '0001-schema': schema0001(engine.dialect),
    '0010-pg-guard': pgGuard0010(engine.dialect),
    '0020-files': files0020(engine.dialect),
    '0021-throttle': throttle0021(engine.dialect),
    '0040-customer-cards': customerCards0040(engine.dialect),
  };
}

/**
 * On PostgreSQL the migration tables live in the engine's schema, named explicitly: otherwise Kysely finds
 * another schema's migration tables (introspection sees every schema) and skips creating its own.
 */
function migratorFor(engine: Engine): Migrator {
  const provider: MigrationProvider = { getMigrations: async () => migrations(engine) };
  return new Migrator({
    db: engine.kysely,
    provider,
    ...(engine.schema ? { migrationTableSchema: engine.schema } : {}),
  });
}

/**
 * The names of the applied migrations, by one query, or undefined when that fails (a new database has no
 * migration table). The Migrator itself first inspects every table and takes its lock, a good part of a
 * command's start when there is nothing to do.
 */
async function appliedMigrations(engine: Engine): Promise<string[] | undefined> {
  const table = engine.schema ? `${engine.schema}.${DEFAULT_MIGRATION_TABLE}` : DEFAULT_MIGRATION_TABLE;
  try {
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(table)}`.execute(engine.kysely);
    return rows.map((r) => r.name);
  } catch {
    return undefined;
  }
}

export async function migrateToLatest(engine: Engine): Promise<string[]> {
  const known = Object.keys(migrations(engine));
  const applied = await appliedMigrations(engine);
  // Exactly the known migrations applied: current. Anything else (missing, unknown) goes to the Migrator.
  if (applied && applied.length === known.length && known.every((name) => applied.includes(name))) return [];
  const migrator = migratorFor(engine);
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of migrations not applied yet (start-up refuses to serve an outdated schema it cannot migrate). */
export async function pendingMigrations(engine: Engine): Promise<string[]> {
  const migrator = migratorFor(engine);
  const all = await migrator.getMigrations();
  return all.filter((m) => !m.executedAt).map((m) => m.name);
}
