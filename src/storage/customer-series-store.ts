// One customer's history in one series (`customer_series`): the counts the per-customer limits of issuing
// and redeeming are checked against, with guarded writes that keep them within those limits.
import { sql } from 'kysely';
import type { CustomerSeriesCounts } from '../domain/series.js';
import type { Engine } from './database.js';
import { guarded, one, prepare, type Params, type Read, type Script } from './script.js';
import { greatest, int } from './sql.js';
import {
  createCustomerSeriesReads,
  keepAndLock,
  KEY,
  toCounts,
  type CustomerSeriesRow,
} from './customer-series-reads.js';

/** An issue to count for a customer in a series, within `limit` issues (-1: none) and `minGap` ms apart. */
interface IssueToCount {
  org: number;
  customer: number;
  series: number;
  now: number;
  limit: number;
  minGap: number;
}

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
  const find = prepare((p: Params<{ org: number; customer: number; series: number }>) =>
    db
      .selectFrom('customer_series')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('customer_id', '=', p.customer)
      .where('series_id', '=', p.series),
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
    ...createCustomerSeriesReads(engine),
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
