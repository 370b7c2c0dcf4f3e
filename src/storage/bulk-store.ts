// Multi-row statements for upload batches: one statement for hundreds of rows instead of one per row.
// The SQL is written out here rather than built with Kysely: a 500-row insert as a Kysely tree costs more
// to build and compile than SQLite takes to run it. Statements of one shape are prepared once and reused.
// SQLite rows get explicit ids (and equal rowids) from max(rowid) read once in the (exclusive) write transaction; PostgreSQL
// assigns them from identity sequences. An insert that meets a unique key inserts nothing for that row and
// leaves it out of RETURNING, so callers learn which rows went in.
import type { Engine } from './database.js';
import { rows, type Op, type Script } from './script.js';

/** Rows per statement: 500 rows × ~12 values stays far below both databases' parameter limits. */
export const BULK_ROWS = 500;

export interface BulkCustomer {
  mobile: string | null;
  email: string | null;
  external_id: string | null;
}

export interface BulkCoupon {
  series_id: number;
  code: string;
  is_generic: number;
  /** Null, with issued_at and valid_till, for a pool code not yet issued. */
  customer_id: number | null;
  issued_at: number | null;
  valid_till: string | null;
  origin: string;
  upload_job_id: number | null;
  issued_by: string;
}

export interface BulkEvent {
  coupon_id: number;
  series_id: number;
  customer_id: number | null;
  type: string;
  at: number;
  actor: string;
  details: string;
}

export interface BulkMessage {
  customer_id: number;
  coupon_id: number;
  mobile: string;
  text: string;
}

type CustomerKeys = { id: number; mobile: string | null; email: string | null; external_id: string | null };
type IdTable = 'customer' | 'coupon' | 'coupon_event' | 'outbox_message';

function chunks<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += BULK_ROWS) out.push(list.slice(i, i + BULK_ROWS));
  return out;
}

const quote = (name: string) => `"${name}"`;

export function createBulkStore(engine: Engine) {
  const pg = engine.dialect === 'postgres';
  const sqlCache = new Map<string, string>();

  /** The SQL of a statement over `n` rows, built once per shape. */
  function shaped(
    key: string,
    n: number,
    build: (placeholders: (count: number) => string[]) => string,
  ): string {
    const k = `${key}#${n}`;
    let text = sqlCache.get(k);
    if (!text) {
      let next = 0;
      text = build((count) => Array.from({ length: count }, () => (pg ? `$${++next}` : '?')));
      sqlCache.set(k, text);
    }
    return text;
  }

  function op(sql: string, parameters: unknown[], want: 'rows' | 'changes' = 'rows'): Op {
    return { sql, parameters, want, prepared: true };
  }

  /**
   * A lookup of hundreds of keys, planned at each run on PostgreSQL. A named statement switches to a
   * generic plan after five runs, and one made while an upload's tables were still small scans the whole
   * table: measured at 290 ms per 500-key lookup by mobile once the table held 20,000 customers.
   */
  function lookup(sql: string, parameters: unknown[]): Op {
    return { sql, parameters, want: 'rows', prepared: !pg };
  }

  /** `insert into t (cols) values (…), (…) <tail>` for `n` rows. */
  function insertSql(table: string, columns: readonly string[], n: number, tail: string): string {
    return shaped(`${table}:${columns.join(',')}:${tail}`, n, (ph) => {
      const tuples = Array.from({ length: n }, () => `(${ph(columns.length).join(', ')})`);
      return `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values ${tuples.join(', ')} ${tail}`;
    });
  }

  /** The next free ids of a table on SQLite (the write transaction is exclusive); none on PostgreSQL. */
  function* idsFor(table: IdTable, n: number): Script<number[] | undefined> {
    if (pg) return undefined;
    const [row] = yield* rows<{ m: number }>(
      op(`select coalesce(max(rowid), 0) as m from ${quote(table)}`, []),
    );
    const base = Number(row!.m);
    return Array.from({ length: n }, (_, i) => base + 1 + i);
  }

  /** Inserts rows; with SQLite, an explicit id column first. */
  function* insert<R>(
    table: IdTable | 'customer_series',
    columns: readonly string[],
    values: readonly unknown[][],
    tail: string,
  ): Script<R[]> {
    const ids = table === 'customer_series' ? undefined : yield* idsFor(table, values.length);
    // The rowid too: a row left out (a clash) must not shift the rowids of the rows after it, or rowid and
    // id part ways and the next max(rowid) hands out an id that exists.
    const cols = ids ? ['rowid', 'id', ...columns] : columns;
    const params = ids ? values.flatMap((v, i) => [ids[i], ids[i], ...v]) : values.flat();
    return yield* rows<R>(op(insertSql(table, cols, values.length, tail), params));
  }

  return {
    /** Customers of the org whose `column` is one of `values`. */
    *customersBy(
      org: number,
      column: 'id' | 'mobile' | 'email' | 'external_id',
      values: readonly (string | number)[],
    ): Script<CustomerKeys[]> {
      const found: CustomerKeys[] = [];
      for (const part of chunks(values)) {
        const text = shaped(`customersBy:${column}`, part.length, (ph) => {
          const [org1, ...list] = ph(part.length + 1);
          return `select "id", "mobile", "email", "external_id" from "customer" where "org_id" = ${org1} and ${quote(column)} in (${list.join(', ')})`;
        });
        found.push(...(yield* rows<CustomerKeys>(lookup(text, [org, ...part]))));
      }
      return found;
    },

    /** Inserts customers; answers the ones that went in (a row whose identifier exists is left out). */
    *insertCustomers(org: number, list: readonly BulkCustomer[], now: number): Script<CustomerKeys[]> {
      const inserted: CustomerKeys[] = [];
      const columns = ['org_id', 'mobile', 'email', 'external_id', 'created_at', 'updated_at'];
      for (const part of chunks(list)) {
        const values = part.map((c) => [org, c.mobile, c.email, c.external_id, now, now]);
        inserted.push(
          ...(yield* insert<CustomerKeys>(
            'customer',
            columns,
            values,
            'on conflict do nothing returning "id", "mobile", "email", "external_id"',
          )),
        );
      }
      return inserted;
    },

    /** PostgreSQL: locks customers in ascending id order (SQLite's writer lock already covers them). */
    *lockCustomers(org: number, ids: readonly number[]): Script<void> {
      if (!pg || ids.length === 0) return;
      for (const part of chunks([...ids].sort((a, b) => a - b))) {
        const text = shaped('lockCustomers', part.length, (ph) => {
          const [org1, ...list] = ph(part.length + 1);
          return `select "id" from "customer" where "org_id" = ${org1} and "id" in (${list.join(', ')}) order by "id" for update`;
        });
        yield* rows(lookup(text, [org, ...part]));
      }
    },

    /**
     * The customers' history rows in a series, created when missing and locked (an upsert), in ascending
     * customer order: what the issuance limits count, read under the lock they are written under.
     */
    *lockCustomerSeries(
      org: number,
      series: number,
      customers: readonly number[],
    ): Script<Map<number, { issued: number; lastIssuedAt: number | null }>> {
      const result = new Map<number, { issued: number; lastIssuedAt: number | null }>();
      for (const part of chunks([...customers].sort((a, b) => a - b))) {
        const found = yield* insert<{
          customer_id: number;
          issued_count: number;
          last_issued_at: number | null;
        }>(
          'customer_series',
          ['org_id', 'customer_id', 'series_id'],
          part.map((c) => [org, c, series]),
          'on conflict ("org_id", "customer_id", "series_id") do update set "issued_count" = "customer_series"."issued_count" returning "customer_id", "issued_count", "last_issued_at"',
        );
        for (const r of found) {
          result.set(Number(r.customer_id), {
            issued: Number(r.issued_count),
            lastIssuedAt: r.last_issued_at === null ? null : Number(r.last_issued_at),
          });
        }
      }
      return result;
    },

    /**
     * Counts one more issue for each customer (each appears once per batch), guarded by the count the
     * decision saw; answers how many rows took it (fewer means the world moved: retry the batch).
     */
    *countIssues(
      org: number,
      series: number,
      counts: readonly { customer: number; to: number }[],
      now: number,
    ): Script<number> {
      let updated = 0;
      for (const part of chunks(counts)) {
        const found = yield* insert<{ customer_id: number }>(
          'customer_series',
          ['org_id', 'customer_id', 'series_id', 'issued_count', 'last_issued_at'],
          part.map((c) => [org, c.customer, series, c.to, now]),
          'on conflict ("org_id", "customer_id", "series_id") do update set "issued_count" = excluded."issued_count", "last_issued_at" = excluded."last_issued_at" ' +
            'where "customer_series"."issued_count" = excluded."issued_count" - 1 returning "customer_id"',
        );
        updated += found.length;
      }
      return updated;
    },

    /** Inserts issued coupons; answers those that went in (a code that exists is left out: draw again). */
    *insertCoupons(
      org: number,
      list: readonly BulkCoupon[],
      now: number,
    ): Script<{ id: number; code: string; customer_id: number | null }[]> {
      const inserted: { id: number; code: string; customer_id: number | null }[] = [];
      const columns = [
        'org_id',
        'series_id',
        'code',
        'is_generic',
        'customer_id',
        'issued_at',
        'valid_till',
        'origin',
        'upload_job_id',
        'issued_by',
        'created_at',
      ];
      for (const part of chunks(list)) {
        const values = part.map((c) => [
          org,
          c.series_id,
          c.code,
          c.is_generic,
          c.customer_id,
          c.issued_at,
          c.valid_till,
          c.origin,
          c.upload_job_id,
          c.issued_by,
          now,
        ]);
        inserted.push(
          ...(yield* insert<{ id: number; code: string; customer_id: number | null }>(
            'coupon',
            columns,
            values,
            'on conflict do nothing returning "id", "code", "customer_id"',
          )),
        );
      }
      return inserted;
    },

    *insertEvents(org: number, list: readonly BulkEvent[]): Script<void> {
      const columns = ['org_id', 'coupon_id', 'series_id', 'customer_id', 'type', 'at', 'actor', 'details'];
      for (const part of chunks(list)) {
        yield* insert(
          'coupon_event',
          columns,
          part.map((e) => [org, e.coupon_id, e.series_id, e.customer_id, e.type, e.at, e.actor, e.details]),
          '',
        );
      }
    },

    *insertMessages(org: number, list: readonly BulkMessage[], now: number): Script<void> {
      const columns = [
        'org_id',
        'customer_id',
        'coupon_id',
        'mobile',
        'text',
        'status',
        'attempts',
        'next_attempt_at',
        'created_at',
      ];
      for (const part of chunks(list)) {
        yield* insert(
          'outbox_message',
          columns,
          part.map((m) => [org, m.customer_id, m.coupon_id, m.mobile, m.text, 'pending', 0, now, now]),
          '',
        );
      }
    },
  };
}

export type BulkStore = ReturnType<typeof createBulkStore>;
