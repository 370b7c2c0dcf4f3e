// New row ids. PostgreSQL assigns them from identity sequences. SQLite has no sequence for a composite
// primary key, so an insert supplies max(rowid)+1: the row's own rowid takes the same value, and SQLite's
// single writer makes it race-free. Public ids are never deleted, so they are never reused.
import { sql, type RawBuilder } from 'kysely';
import type { Dialect } from './dialect.js';
import type { TableName } from './tables.js';

/** Spread into `.values({...})`: nothing on PostgreSQL, `{ id: (max(rowid)+1) }` on SQLite. */
export function newId(dialect: Dialect, table: TableName): { id?: RawBuilder<number> } {
  return dialect === 'sqlite'
    ? { id: sql<number>`(select coalesce(max(rowid), 0) + 1 from ${sql.table(table)})` }
    : {};
}
