// Small SQL fragments whose spelling differs between SQLite and PostgreSQL.
import { sql, type Expression, type RawBuilder } from 'kysely';
import type { Dialect } from './dialect.js';

/** The larger of two values: SQLite's scalar max(), PostgreSQL's greatest(). */
export function greatest<T>(
  dialect: Dialect,
  a: Expression<T> | RawBuilder<T>,
  b: Expression<T> | RawBuilder<T> | T,
): RawBuilder<T> {
  return dialect === 'postgres' ? sql<T>`greatest(${a}, ${b})` : sql<T>`max(${a}, ${b})`;
}

/**
 * A numeric parameter typed for the server: PostgreSQL cannot infer the type of `$1 < $2` or `$1 - $2`
 * when both sides are parameters (it would compare them as text), so such parameters are cast.
 */
export function int(value: number): RawBuilder<number> {
  return sql<number>`cast(${value} as bigint)`;
}
