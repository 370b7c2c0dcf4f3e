// Loads large volumes straight into the database from the benchmark's own process (the storage layer's
// tables, bypassing HTTP): pre-issued coupons for the redeem scenarios, and background pool codes for
// the scale runs. The rows are the ones an issue or a NOT_TAGGED upload writes (coupon, customer,
// customer_series, the series counter); what no redemption reads (events, SMS outbox) is left out.
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { mobile, randomCodes } from './data.js';
import type { Store } from './processes.js';

/** A pre-issued coupon: the customer's mobile and the code, as a till would send them. */
export interface Issued {
  mobile: string;
  code: string;
}

const VALID_TILL = '2030-12-31'; // the series' validTillDate (api.ts createSeries)

export interface Seeder {
  /** Issues `n` fresh coupons of a series to `n` new customers (mobiles 6…, from `firstIndex`). */
  issue(orgId: number, seriesId: number, firstIndex: number, n: number): Promise<Issued[]>;
  /** Adds about `n` random pool codes (never issued) to a series; answers how many went in. */
  background(orgId: number, seriesId: number, n: number): Promise<number>;
  /** Coupon and customer ids of codes (raw-redeem needs them). */
  ids(orgId: number, codes: readonly string[]): Promise<Map<string, { coupon: number; customer: number }>>;
  close(): Promise<void>;
}

export function openSeeder(store: Store): Seeder {
  return store.databaseUrl ? postgresSeeder(store) : sqliteSeeder(store);
}

function sqliteSeeder(store: Store): Seeder {
  const db = new BetterSqlite3(path.join(store.dataDir, 'coupond.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('cache_size = -400000'); // 400 MB for the 5M-row index build; only this process's cache
  const maxId = (table: string) =>
    (db.prepare(`select coalesce(max(rowid), 0) as m from ${table}`).get() as { m: number }).m;

  return {
    async issue(orgId, seriesId, firstIndex, n) {
      const now = Date.now();
      const codes = randomCodes(n);
      const issued = codes.map((code, i) => ({ mobile: mobile(6, firstIndex + i), code }));
      // rowid = id, always: coupond's next id is max(rowid) + 1 (src/storage/ids.ts).
      const customer = db.prepare(
        `insert into customer (rowid, org_id, id, mobile, created_at, updated_at)
         values (@id, @org, @id, @mobile, @now, @now)`,
      );
      const coupon = db.prepare(
        `insert into coupon (rowid, org_id, id, series_id, code, is_generic, customer_id, issued_at, valid_till,
           origin, issued_by, created_at)
         values (@id, @org, @id, @series, @code, 0, @customer, @now, @validTill, 'generated', 'bench', @now)`,
      );
      const history = db.prepare(
        `insert into customer_series (org_id, customer_id, series_id, issued_count, last_issued_at)
         values (?, ?, ?, 1, ?)`,
      );
      const counter = db.prepare(
        `update series_counter set num_issued = num_issued + ?, latest_issual_time = ?
         where org_id = ? and series_id = ? and slot = 0`,
      );
      db.transaction(() => {
        const c0 = maxId('customer');
        const k0 = maxId('coupon');
        issued.forEach((it, i) => {
          const person = c0 + i + 1;
          customer.run({ id: person, org: orgId, mobile: it.mobile, now });
          coupon.run({
            id: k0 + i + 1,
            org: orgId,
            series: seriesId,
            code: it.code,
            customer: person,
            now,
            validTill: VALID_TILL,
          });
          history.run(orgId, c0 + i + 1, seriesId, now);
        });
        counter.run(n, now, orgId, seriesId);
      }).immediate();
      return issued;
    },

    async background(orgId, seriesId, n) {
      const now = Date.now();
      const result = db
        .transaction(() => {
          const k0 = maxId('coupon');
          // Random hex codes: spread over the key space like real codes, so the index is what it would be.
          return db
            .prepare(
              `with recursive n(i) as (select 1 union all select i + 1 from n where i < @n)
               insert or ignore into coupon (rowid, org_id, id, series_id, code, is_generic, origin, issued_by, created_at)
               select @k0 + i, @org, @k0 + i, @series, hex(randomblob(5)), 0, 'pool', 'bench', @now from n`,
            )
            .run({ org: orgId, k0, series: seriesId, now, n });
        })
        .immediate();
      db.pragma('wal_checkpoint(TRUNCATE)');
      return result.changes;
    },

    async ids(orgId, codes) {
      const q = db.prepare(
        'select id, customer_id from coupon where org_id = ? and code = ? and is_generic = 0',
      );
      const out = new Map<string, { coupon: number; customer: number }>();
      for (const code of codes) {
        const r = q.get(orgId, code) as { id: number; customer_id: number } | undefined;
        if (r) out.set(code, { coupon: r.id, customer: r.customer_id });
      }
      return out;
    },

    async close() {
      db.close();
    },
  };
}

function postgresSeeder(store: Store): Seeder {
  const client = new pg.Client({
    connectionString: store.databaseUrl,
    options: `-c search_path="${store.schema}"`,
  });
  const connected = client.connect();
  const CHUNK = 20_000;

  return {
    async issue(orgId, seriesId, firstIndex, n) {
      await connected;
      const now = Date.now();
      const codes = randomCodes(n);
      const issued = codes.map((code, i) => ({ mobile: mobile(6, firstIndex + i), code }));
      await client.query('begin');
      try {
        for (let start = 0; start < n; start += CHUNK) {
          const part = issued.slice(start, start + CHUNK);
          // One statement per chunk: customers, their coupons and their series rows, joined by mobile.
          await client.query(
            `with input as (select * from unnest($2::text[], $3::text[]) as t(mobile, code)),
                  c as (insert into customer (org_id, mobile, created_at, updated_at)
                        select $1, mobile, $5, $5 from input returning id, mobile),
                  k as (insert into coupon (org_id, series_id, code, is_generic, customer_id, issued_at, valid_till,
                          origin, issued_by, created_at)
                        select $1, $4, input.code, 0, c.id, $5, $6, 'generated', 'bench', $5
                        from input join c using (mobile) returning customer_id)
             insert into customer_series (org_id, customer_id, series_id, issued_count, last_issued_at)
             select $1, customer_id, $4, 1, $5 from k`,
            [orgId, part.map((p) => p.mobile), part.map((p) => p.code), seriesId, now, VALID_TILL],
          );
        }
        await client.query(
          `update series_counter set num_issued = num_issued + $1, latest_issual_time = $2
           where org_id = $3 and series_id = $4 and slot = 0`,
          [n, now, orgId, seriesId],
        );
        await client.query('commit');
      } catch (e) {
        await client.query('rollback');
        throw e;
      }
      await client.query('analyze customer, coupon, customer_series');
      return issued;
    },

    async background(orgId, seriesId, n) {
      await connected;
      const r = await client.query(
        `insert into coupon (org_id, series_id, code, is_generic, origin, issued_by, created_at)
         select $1, $2, upper(substr(md5(random()::text), 1, 10)), 0, 'pool', 'bench', $3
         from generate_series(1, $4::int)
         on conflict do nothing`,
        [orgId, seriesId, Date.now(), n],
      );
      await client.query('analyze coupon');
      return r.rowCount ?? 0;
    },

    async ids(orgId, codes) {
      await connected;
      const r = await client.query<{ code: string; id: number; customer_id: number }>(
        `select code, id::float8 as id, customer_id::float8 as customer_id from coupon
         where org_id = $1 and code = any($2::text[]) and is_generic = 0`,
        [orgId, codes],
      );
      return new Map(r.rows.map((row) => [row.code, { coupon: row.id, customer: row.customer_id }]));
    },

    async close() {
      await connected.catch(() => undefined);
      await client.end();
    },
  };
}
