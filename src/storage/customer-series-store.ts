// One customer's history in one series (`customer_series`): the counts the per-customer limits of issuing
// and redeeming are checked against, with guarded writes that keep them within those limits.
import { sql, type OnConflictBuilder, type Selectable } from 'kysely';
import type { CustomerSeriesCounts } from '../domain/series.js';
import type { Engine } from './database.js';
import { guarded, one, prepare, type Params, type Read, type Script } from './script.js';
import { greatest, int } from './sql.js';
import type { CustomerSeriesTable, Database } from './tables.js';

type CustomerSeriesRow = Selectable<CustomerSeriesTable>;

/** An issue to count for a customer in a series, within `limit` issues (-1: none) and `minGap` ms apart. */
interface IssueToCount {
  org: number;
  customer: number;
  series: number;
  now: number;
  limit: number;
  minGap: number;
}

const toCounts = (r: CustomerSeriesRow | undefined): CustomerSeriesCounts => ({
  issuedCount: Number(r?.issued_count ?? 0),
  lastIssuedAt: r?.last_issued_at == null ? null : Number(r.last_issued_at),
  redeemedCount: Number(r?.redeemed_count ?? 0),
  lastRedeemedAt: r?.last_redeemed_at == null ? null : Number(r.last_redeemed_at),
});

/** The customer's row of a series: its key, for an insert and for a conflict on it. */
const KEY = ['org_id', 'customer_id', 'series_id'] as const;
const keyOf = (p: { org: number; customer: number; series: number }) => ({
  org_id: p.org,
  customer_id: p.customer,
  series_id: p.series,
});

export function createCustomerSeriesStore(engine: Engine) {
  const db = engine.kysely;
  const pg = engine.dialect === 'postgres';

  /** A row's last issue or redemption time moved to `at`: another server's clock may be ahead, so only forward. */
  const later = (column: 'last_issued_at' | 'last_redeemed_at', at: number) =>
    greatest(
      engine.dialect,
      sql<number>`coalesce(${sql.ref(`customer_series.${column}`)}, ${int(0)})`,
      int(at),
    );
  /** On a conflict, rewrites a count as it is: the row is created when missing and locked either way. */
  const keepAndLock = (oc: OnConflictBuilder<Database, 'customer_series'>) =>
    oc.columns(KEY).doUpdateSet((eb) => ({ redeemed_count: eb.ref('customer_series.redeemed_count') }));

  const find = prepare((p: Params<{ org: number; customer: number; series: number }>) =>
    db
      .selectFrom('customer_series')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('customer_id', '=', p.customer)
      .where('series_id', '=', p.series),
  );
  /** The coupon with this (not generic) code. */
  const couponOfCode = (p: Params<{ org: number; code: string }>) =>
    db
      .selectFrom('coupon')
      .where('coupon.org_id', '=', p.org)
      .where('coupon.code', '=', p.code)
      .where('coupon.is_generic', '=', sql.lit(0));
  const seriesOfCode = (p: Params<{ org: number; code: string }>) =>
    couponOfCode(p).select('coupon.series_id');
  /**
   * The counts of the customer one identifier names, in the series of a code, as one statement that needs
   * neither the customer's id nor the coupon first (PostgreSQL's one-round-trip check): the customer's id
   * comes with them, so the caller can tell they are the counts of the customer it resolved.
   */
  const byIdentifier = (column: 'id' | 'external_id' | 'mobile' | 'email') =>
    prepare((p: Params<{ org: number; value: string | number; code: string }>) =>
      db
        .selectFrom('customer as c')
        .leftJoin('customer_series as cs', (j) =>
          j
            .onRef('cs.org_id', '=', 'c.org_id')
            .onRef('cs.customer_id', '=', 'c.id')
            .on('cs.series_id', '=', seriesOfCode(p)),
        )
        .select([
          'c.id as of_customer',
          'cs.issued_count',
          'cs.last_issued_at',
          'cs.redeemed_count',
          'cs.last_redeemed_at',
        ])
        .where('c.org_id', '=', p.org)
        .where(`c.${column}`, '=', p.value as never),
    );
  /** The same row created when missing and locked (PostgreSQL), as `lockOfCode` below. */
  const lockByIdentifier = (column: 'id' | 'external_id' | 'mobile' | 'email') =>
    prepare((p: Params<{ org: number; value: string | number; code: string }>) =>
      db
        .insertInto('customer_series')
        .columns(['org_id', 'customer_id', 'series_id'])
        .expression(
          couponOfCode(p)
            .innerJoin('customer as c', (j) =>
              j.onRef('c.org_id', '=', 'coupon.org_id').on(`c.${column}`, '=', p.value as never),
            )
            .select(['coupon.org_id', 'c.id as customer_id', 'coupon.series_id']),
        )
        .onConflict((oc) =>
          oc
            .columns(['org_id', 'customer_id', 'series_id'])
            .doUpdateSet((eb) => ({ redeemed_count: eb.ref('customer_series.redeemed_count') })),
        )
        .returningAll(),
    );
  const identifierColumns = {
    id: 'id',
    externalId: 'external_id',
    mobile: 'mobile',
    email: 'email',
  } as const;
  type Identifier = keyof typeof identifierColumns;
  const ofCodeBy = new Map<string, ReturnType<typeof byIdentifier>>();
  /** The statement for an identifier, with or without the lock; compiled when first asked for. */
  const ofCodeFor = (type: Identifier, lock: boolean) => {
    const key = `${type}:${lock && pg}`;
    let st = ofCodeBy.get(key);
    if (!st) {
      const column = identifierColumns[type];
      st = (lock && pg ? lockByIdentifier(column) : byIdentifier(column)) as ReturnType<typeof byIdentifier>;
      ofCodeBy.set(key, st);
    }
    return st;
  };
  /** The customer's row for the series of a code. */
  const findOfCode = prepare((p: Params<{ org: number; customer: number; code: string }>) =>
    db
      .selectFrom('customer_series')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('customer_id', '=', p.customer)
      .where('series_id', '=', seriesOfCode(p)),
  );
  /** The same row, created when missing and locked (PostgreSQL). */
  const lockOfCode = prepare((p: Params<{ org: number; customer: number; code: string }>) =>
    db
      .insertInto('customer_series')
      .columns(['org_id', 'customer_id', 'series_id'])
      .expression(
        couponOfCode(p).select([
          'coupon.org_id',
          sql<number>`cast(${p.customer} as bigint)`.as('customer_id'),
          'coupon.series_id',
        ]),
      )
      .onConflict(keepAndLock)
      .returningAll(),
  );
  /** The row, locked (PostgreSQL): created when missing, so there is a row to lock. */
  const lock = prepare((p: Params<{ org: number; customer: number; series: number }>) =>
    db.insertInto('customer_series').values(keyOf(p)).onConflict(keepAndLock).returningAll(),
  );

  /**
   * Counts one more issue for the customer in the series, guarded by the per-customer limits: a row that
   * already reached `limit` (-1: none) or was issued to less than `minGap` ms ago is left alone (no row back).
   */
  const addIssue = prepare((p: Params<IssueToCount>) =>
    db
      .insertInto('customer_series')
      .values({ ...keyOf(p), issued_count: 1, last_issued_at: p.now })
      .onConflict((oc) =>
        oc
          .columns(KEY)
          .doUpdateSet((eb) => ({
            issued_count: eb('customer_series.issued_count', '+', 1),
            last_issued_at: later('last_issued_at', p.now),
          }))
          .where((eb) =>
            eb.and([
              eb.or([eb(int(p.limit), '<', 0), eb('customer_series.issued_count', '<', p.limit)]),
              eb.or([
                eb(int(p.minGap), '<=', 0),
                eb('customer_series.last_issued_at', 'is', null),
                eb('customer_series.last_issued_at', '<=', sql<number>`${int(p.now)} - ${int(p.minGap)}`),
              ]),
            ]),
          ),
      )
      .returning('issued_count'),
  );

  /** Counts a redemption for the customer in the series, guarded by the count the decision saw. */
  const addRedemption = prepare(
    (p: Params<{ org: number; customer: number; series: number; expected: number; at: number }>) =>
      db
        .insertInto('customer_series')
        .values({ ...keyOf(p), redeemed_count: 1, last_redeemed_at: p.at })
        .onConflict((oc) =>
          oc
            .columns(KEY)
            .doUpdateSet((eb) => ({
              redeemed_count: eb('customer_series.redeemed_count', '+', 1),
              last_redeemed_at: later('last_redeemed_at', p.at),
            }))
            .where('customer_series.redeemed_count', '=', p.expected),
        )
        .returning('redeemed_count'),
  );

  /** Takes a redemption back; the last redemption time becomes that of the latest active one. */
  const removeRedemption = prepare((p: Params<{ org: number; customer: number; series: number }>) =>
    db
      .updateTable('customer_series')
      .set((eb) => ({
        redeemed_count: eb('redeemed_count', '-', 1),
        last_redeemed_at: eb
          .selectFrom('redemption as r')
          .select((e) => e.fn.max('r.redeemed_at').as('m'))
          .where('r.org_id', '=', p.org)
          .where('r.customer_id', '=', p.customer)
          .where('r.series_id', '=', p.series)
          .where('r.reactivated_at', 'is', null),
      }))
      .where('org_id', '=', p.org)
      .where('customer_id', '=', p.customer)
      .where('series_id', '=', p.series)
      .where('redeemed_count', '>', 0),
  );

  return {
    /** The customer's counts in a series (zeros when there are none yet). */
    *find(org: number, customer: number, series: number): Script<CustomerSeriesCounts> {
      return toCounts(yield* one(find, { org, customer, series }));
    },
    /**
     * The same, after taking the row's lock on PostgreSQL (creating the row when missing); SQLite's writer
     * lock already covers it.
     */
    *lock(org: number, customer: number, series: number): Script<CustomerSeriesCounts> {
      return toCounts(
        pg ? yield* one(lock, { org, customer, series }) : yield* one(find, { org, customer, series }),
      );
    },
    /**
     * `find` or `lock` for the series of the coupon with this (not generic) code, as a read that can join a
     * batch (the coupon need not be read first).
     */
    readOfCode(org: number, customer: number, code: string, lock: boolean): Read<CustomerSeriesCounts> {
      return {
        op: (lock && pg ? lockOfCode : findOfCode).bind({ org, customer, code }),
        map: (rows) => toCounts((rows as CustomerSeriesRow[])[0]),
      };
    },
    /**
     * `readOfCode` for the customer one identifier names (`lock` as there): the customer's id comes with the
     * counts; undefined when the identifier names nobody (or the code no coupon).
     */
    readOfCodeFor(
      org: number,
      key: { type: Identifier; value: string | number },
      code: string,
      lock: boolean,
    ): Read<{ customerId: number; counts: CustomerSeriesCounts } | undefined> {
      return {
        op: ofCodeFor(key.type, lock).bind({ org, value: key.value, code }),
        map: (rows) => {
          const row = (rows as (Partial<CustomerSeriesRow> & { of_customer?: number })[])[0];
          return (
            row && {
              customerId: Number(row.of_customer ?? row.customer_id),
              counts: toCounts(row as CustomerSeriesRow),
            }
          );
        },
      };
    },
    /** `lock` as a read that can join a batch (PostgreSQL, where batches run). */
    readLock(org: number, customer: number, series: number): Read<CustomerSeriesCounts> {
      return {
        op: (pg ? lock : find).bind({ org, customer, series }),
        map: (rows) => toCounts((rows as CustomerSeriesRow[])[0]),
      };
    },
    /** `find` as a read that can join a batch. */
    readFind(org: number, customer: number, series: number): Read<CustomerSeriesCounts> {
      return {
        op: find.bind({ org, customer, series }),
        map: (rows) => toCounts((rows as CustomerSeriesRow[])[0]),
      };
    },
    /** `addIssueWithinLimits` as a guarded write (storage/script.ts): RetryConflict instead of false. */
    *addIssueGuarded(p: IssueToCount): Script<void> {
      yield* guarded(addIssue, p, 'per-customer issue limit');
    },
    /** Counts an issue; false when `limit` (-1: none) is reached or the last issue is under `minGap` ms old. */
    *addIssueWithinLimits(p: IssueToCount): Script<boolean> {
      return (yield* one(addIssue, p)) !== undefined;
    },
    /** Counts a redemption; false when the count is no longer `expected` (another writer got there first). */
    *addRedemptionIfCountIs(p: {
      org: number;
      customer: number;
      series: number;
      expected: number;
      at: number;
    }): Script<void> {
      // RetryConflict when the count moved (a guarded write: storage/script.ts).
      yield* guarded(addRedemption, p, 'customer redemptions');
    },
    /** Takes a redemption back (a reactivation); false when there was none to take. */
    *removeRedemption(org: number, customer: number, series: number): Script<void> {
      yield* guarded(removeRedemption, { org, customer, series }, 'customer redemption count');
    },
  };
}

export type CustomerSeriesStore = ReturnType<typeof createCustomerSeriesStore>;
