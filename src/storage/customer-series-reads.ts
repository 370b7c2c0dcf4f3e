// The customer_series reads that find a customer's row by something other than its key (a code, an
// identifier of the customer, a redemption), so that they can join a batch before the key is known
// (docs/architecture.md "Round trips on PostgreSQL"). customer-series-store.ts offers them with the rest.
import { sql, type OnConflictBuilder, type Selectable } from 'kysely';
import type { CustomerSeriesCounts } from '../domain/series.js';
import { couponByKey, kindOf, valueOf, type CouponKey, type CouponKeyKind } from './coupon-read-store.js';
import type { Engine } from './database.js';
import { prepare, type Params, type Read } from './script.js';
import type { CustomerSeriesTable, Database } from './tables.js';

export type CustomerSeriesRow = Selectable<CustomerSeriesTable>;

export const toCounts = (r: CustomerSeriesRow | undefined): CustomerSeriesCounts => ({
  issuedCount: Number(r?.issued_count ?? 0),
  lastIssuedAt: r?.last_issued_at == null ? null : Number(r.last_issued_at),
  redeemedCount: Number(r?.redeemed_count ?? 0),
  lastRedeemedAt: r?.last_redeemed_at == null ? null : Number(r.last_redeemed_at),
});

/** The customer's row of a series: its key, for an insert and for a conflict on it. */
export const KEY = ['org_id', 'customer_id', 'series_id'] as const;

/** On a conflict, rewrites a count as it is: the row is created when missing and locked either way. */
export const keepAndLock = (oc: OnConflictBuilder<Database, 'customer_series'>) =>
  oc.columns(KEY).doUpdateSet((eb) => ({ redeemed_count: eb.ref('customer_series.redeemed_count') }));

type By = CouponKeyKind;

export function createCustomerSeriesReads(engine: Engine) {
  const db = engine.kysely;
  const pg = engine.dialect === 'postgres';

  const couponOf = (by: By, p: Params<{ org: number; key: string | number }>) => couponByKey(db, by, p);
  const seriesOf = (by: By, p: Params<{ org: number; key: string | number }>) =>
    couponOf(by, p).select('coupon.series_id');
  /**
   * The counts of the customer one identifier names, in the series of a coupon, as one statement that
   * needs neither the customer's id nor the coupon first (PostgreSQL's one-round-trip check): the
   * customer's id comes with them, so the caller can tell they are the counts of the customer it resolved.
   */
  const byIdentifier = (column: 'id' | 'external_id' | 'mobile' | 'email', by: By) =>
    prepare((p: Params<{ org: number; value: string | number; key: string | number }>) =>
      db
        .selectFrom('customer as c')
        .leftJoin('customer_series as cs', (j) =>
          j
            .onRef('cs.org_id', '=', 'c.org_id')
            .onRef('cs.customer_id', '=', 'c.id')
            .on('cs.series_id', '=', seriesOf(by, p)),
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
  /** The same row created when missing and locked (PostgreSQL), as `lockOf` below. */
  const lockByIdentifier = (column: 'id' | 'external_id' | 'mobile' | 'email', by: By) =>
    prepare((p: Params<{ org: number; value: string | number; key: string | number }>) =>
      db
        .insertInto('customer_series')
        .columns(['org_id', 'customer_id', 'series_id'])
        .expression(
          couponOf(by, p)
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
  const ofKeyBy = new Map<string, ReturnType<typeof byIdentifier>>();
  /** The statement for an identifier and a kind of key, with or without the lock; compiled when first asked for. */
  const ofKeyFor = (type: Identifier, by: By, lock: boolean) => {
    const key = `${type}:${by}:${lock && pg}`;
    let st = ofKeyBy.get(key);
    if (!st) {
      const column = identifierColumns[type];
      st = (lock && pg ? lockByIdentifier(column, by) : byIdentifier(column, by)) as ReturnType<
        typeof byIdentifier
      >;
      ofKeyBy.set(key, st);
    }
    return st;
  };
  /** The customer's row for the series of a coupon. */
  const findOf = (by: By) =>
    prepare((p: Params<{ org: number; customer: number; key: string | number }>) =>
      db
        .selectFrom('customer_series')
        .selectAll()
        .where('org_id', '=', p.org)
        .where('customer_id', '=', p.customer)
        .where('series_id', '=', seriesOf(by, p)),
    );
  /** The same row, created when missing and locked (PostgreSQL). */
  const lockOf = (by: By) =>
    prepare((p: Params<{ org: number; customer: number; key: string | number }>) =>
      db
        .insertInto('customer_series')
        .columns(['org_id', 'customer_id', 'series_id'])
        .expression(
          couponOf(by, p).select([
            'coupon.org_id',
            sql<number>`cast(${p.customer} as bigint)`.as('customer_id'),
            'coupon.series_id',
          ]),
        )
        .onConflict(keepAndLock)
        .returningAll(),
    );
  const ofKey = {
    code: { find: findOf('code'), lock: lockOf('code') },
    id: { find: findOf('id'), lock: lockOf('id') },
  };
  /** The series of the coupons with these (not generic) codes (PostgreSQL: an array parameter). */
  const seriesOfCodes = (p: Params<{ org: number; codes: readonly string[] }>) =>
    db
      .selectFrom('coupon')
      .where('coupon.org_id', '=', p.org)
      .where('coupon.code', '=', sql<string>`any(${p.codes})`)
      .where('coupon.is_generic', '=', sql.lit(0));
  /** The customer's rows of the series of several codes (PostgreSQL, a request naming several codes). */
  const findOfCodes = pg
    ? prepare((p: Params<{ org: number; customer: number; codes: readonly string[] }>) =>
        db
          .selectFrom('customer_series')
          .selectAll()
          .where('org_id', '=', p.org)
          .where('customer_id', '=', p.customer)
          .where('series_id', 'in', seriesOfCodes(p).select('coupon.series_id')),
      )
    : undefined;
  /** The same rows created when missing and locked, in series order (the lock order after the coupons). */
  const lockOfCodes = pg
    ? prepare((p: Params<{ org: number; customer: number; codes: readonly string[] }>) =>
        db
          .insertInto('customer_series')
          .columns(['org_id', 'customer_id', 'series_id'])
          .expression(
            seriesOfCodes(p)
              .select([
                'coupon.org_id',
                sql<number>`cast(${p.customer} as bigint)`.as('customer_id'),
                'coupon.series_id',
              ])
              .distinct()
              .orderBy('coupon.series_id'),
          )
          .onConflict(keepAndLock)
          .returningAll(),
      )
    : undefined;

  /**
   * Locks the customers' rows of these redemptions, in (customer, series) order (PostgreSQL: a
   * reactivation, after the redemption rows and their coupons). Every redemption left its row behind.
   */
  const lockOfRedemptions = pg
    ? prepare((p: Params<{ org: number; ids: readonly number[] }>) =>
        db
          .selectFrom('customer_series')
          .select(['customer_id', 'series_id'])
          .where('org_id', '=', p.org)
          .where((eb) =>
            eb(
              eb.refTuple('customer_id', 'series_id'),
              'in',
              eb
                .selectFrom('redemption')
                .select(['customer_id', 'series_id'])
                .where('org_id', '=', p.org)
                .where('id', '=', sql<number>`any(${p.ids})`)
                .$asTuple('customer_id', 'series_id'),
            ),
          )
          .orderBy('customer_id')
          .orderBy('series_id')
          .forUpdate(),
      )
    : undefined;

  return {
    /**
     * `find` or `lock` for the series of the coupon a key names, as a read that can join a batch (the
     * coupon need not be read first).
     */
    readOfCoupon(
      org: number,
      customer: number,
      coupon: CouponKey,
      lock: boolean,
    ): Read<CustomerSeriesCounts> {
      const by = kindOf(coupon);
      return {
        op: ofKey[by][lock && pg ? 'lock' : 'find'].bind({ org, customer, key: valueOf(coupon) }),
        map: (rows) => toCounts((rows as CustomerSeriesRow[])[0]),
      };
    },
    /**
     * `readOfCoupon` for the customer one identifier names (`lock` as there): the customer's id comes with
     * the counts; undefined when the identifier names nobody (or the key no coupon).
     */
    readOfCouponFor(
      org: number,
      who: { type: Identifier; value: string | number },
      coupon: CouponKey,
      lock: boolean,
    ): Read<{ customerId: number; counts: CustomerSeriesCounts } | undefined> {
      return {
        op: ofKeyFor(who.type, kindOf(coupon), lock).bind({ org, value: who.value, key: valueOf(coupon) }),
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
    /**
     * The customer's counts in the series of several (not generic) codes, by series id, as a read that can
     * join a batch; with `lock` the rows are created when missing and locked in series order. PostgreSQL
     * only (undefined on SQLite). Answers the counts of a series of those codes (zeros: no row yet).
     */
    readOfCodes(
      org: number,
      customer: number,
      codes: readonly string[],
      lock: boolean,
    ): Read<(series: number) => CustomerSeriesCounts> | undefined {
      const st = lock ? lockOfCodes : findOfCodes;
      return (
        st && {
          op: st.bind({ org, customer, codes }),
          map: (rows) => {
            const bySeries = new Map((rows as CustomerSeriesRow[]).map((r) => [Number(r.series_id), r]));
            return (series: number) => toCounts(bySeries.get(series));
          },
        }
      );
    },
    /**
     * `lockOfRedemptions` as a read that can join a batch (PostgreSQL); undefined on SQLite, whose writer
     * lock already covers the rows.
     */
    readLockOfRedemptions(org: number, redemptions: readonly number[]): Read<void> | undefined {
      return (
        lockOfRedemptions && { op: lockOfRedemptions.bind({ org, ids: redemptions }), map: () => undefined }
      );
    },
  };
}
