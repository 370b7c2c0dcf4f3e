// Files in the database: uploaded files and the result files of their jobs, in parts, so that every server
// of a fleet on one database reaches them (a data folder belongs to one machine). SQLite keeps them in the
// same table, so both databases run one code path.
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export function files0020(dialect: Dialect) {
  const pg = dialect === 'postgres';
  const big = pg ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // One row per part: `name` is the file's path relative to a data folder (uploads/<org>/…,
      // results/<org>/…), `at_byte` the part's first byte in the file. The key starts with org_id, like
      // every other table's.
      await db.schema
        .createTable('file_part')
        .addColumn('org_id', big, (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('at_byte', big, (c) => c.notNull())
        .addColumn('data', pg ? sql`bytea` : sql`blob`, (c) => c.notNull())
        .addPrimaryKeyConstraint('file_part_pk', ['org_id', 'name', 'at_byte'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('file_part').execute();
    },
  };
}
