// Migrations at start-up, on the database the suite runs against: a current schema is recognised by one
// query (every command and server start pays for it), and anything else still goes through Kysely's Migrator.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestEngine, type TestEngine } from '../../test/support/test-engine.js';
import type { Engine } from './database.js';
import { migrateToLatest, pendingMigrations } from './migrate.js';

let opened: TestEngine;
let engine: Engine;
beforeAll(async () => {
  opened = await openTestEngine('migrate', 2);
  engine = opened.engine;
});
afterAll(() => opened.close());

const lockTableExists = () =>
  sql`select count(*) as n from kysely_migration_lock`.execute(engine.kysely).then(
    () => true,
    () => false,
  );

describe('migrateToLatest', () => {
  it('applies the migrations to a new database, then finds nothing pending', async () => {
    expect(await migrateToLatest(engine)).toEqual([
      '0001-schema',
      '0010-pg-guard',
      '0020-files',
      '0021-throttle',
      '0040-customer-cards',
    ]);
    expect(await pendingMigrations(engine)).toEqual([]);
    expect(await migrateToLatest(engine)).toEqual([]);
  });

  it('leaves a migration it does not know (a newer coupond ran) to the Migrator, which refuses', async () => {
    await sql`insert into kysely_migration (name, timestamp) values ('9999-future', '2099-01-01')`.execute(
      engine.kysely,
    );
    try {
      await expect(migrateToLatest(engine)).rejects.toThrow(/9999-future/);
    } finally {
      await sql`delete from kysely_migration where name = '9999-future'`.execute(engine.kysely);
    }
  });

  it('does not run the Migrator when the schema is current (one query decides)', async () => {
    // The Migrator creates its lock table whenever it runs: with it gone, it stays gone.
    await sql`drop table kysely_migration_lock`.execute(engine.kysely);
    expect(await migrateToLatest(engine)).toEqual([]);
    expect(await lockTableExists()).toBe(false);
    // And the Migrator, when it does run, puts it back.
    expect(await pendingMigrations(engine)).toEqual([]);
    await migratorRun();
    expect(await lockTableExists()).toBe(true);
  });
});

/** Forces a Migrator run: an unknown applied name sends migrateToLatest to it (which then refuses). */
async function migratorRun(): Promise<void> {
  await sql`insert into kysely_migration (name, timestamp) values ('9999-future', '2099-01-01')`.execute(
    engine.kysely,
  );
  try {
    await migrateToLatest(engine).catch(() => undefined);
  } finally {
    await sql`delete from kysely_migration where name = '9999-future'`.execute(engine.kysely);
  }
}
