// Limits on callers counted across a fleet: the windows of the failed-attempt throttles and of the request
// rate limit, shared by every server process on one database (services/shared-windows.ts).
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

export function throttle0021(dialect: Dialect) {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // One row per counted subject: `name` is the limit (auth-address, guess-client, rate, …), `subject`
      // what it counts (an address, an API key, a client). Not an org's row: an address has no org.
      await db.schema
        .createTable('throttle_window')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('hits', big, (c) => c.notNull())
        .addColumn('reset_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('throttle_window_pk', ['name', 'subject'])
        .execute();
      await db.schema
        .createIndex('throttle_window_updated_ix')
        .on('throttle_window')
        .column('updated_at')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('throttle_window').execute();
    },
  };
}
