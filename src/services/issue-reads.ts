// The reads of an issue on PostgreSQL, batched (docs/architecture.md "Round trips on PostgreSQL"): what needs
// no customer travels with a new customer's registration; otherwise the customer's lock and everything the
// decision reads go in one batch. The decision itself stays in domain/issuance.ts (issue-coupon.ts).
import type { Coupon } from '../domain/coupon.js';
import { UNLIMITED, type CustomerSeriesCounts, type Series, type SeriesCounters } from '../domain/series.js';
import { readBatch, type Read, type Script } from '../storage/script.js';
import type { SeriesSeen } from '../storage/series-store.js';
import type { Stores } from '../storage/stores.js';

/** What an issue reads that does not depend on the customer (PostgreSQL: batched with a registration). */
export interface IssuePrefetch {
  series: SeriesSeen;
  counters: SeriesCounters;
  /** A coupon id taken from the sequence (PostgreSQL), so that the insert need not be waited for. */
  couponId: number | undefined;
}

/**
 * The reads of an issue that need no customer, to send with the customer's registration (resolveCustomer
 * `alongside`), and how their answers become an IssuePrefetch. Undefined where batches do not pay (SQLite).
 */
export function issuePrefetchReads(
  stores: Stores,
  org: number,
  seriesId: number,
): { reads: Read<unknown>[]; of(answers: unknown[] | undefined): IssuePrefetch | undefined } | undefined {
  if (!stores.batching) return undefined;
  const newId = stores.coupon.readNewId();
  const reads: Read<unknown>[] = [
    stores.series.readFind(org, seriesId),
    stores.counter.readCounters(org, seriesId),
    ...(newId ? [newId] : []),
  ];
  return {
    reads,
    of: (answers) =>
      answers && {
        series: answers[0] as SeriesSeen,
        counters: answers[1] as SeriesCounters,
        couponId: answers[2] as number | undefined,
      },
  };
}

/** What the decision reads, after the customer's lock (and the limits' locks). */
export interface IssueState {
  series: Series | undefined;
  counters: SeriesCounters;
  history: CustomerSeriesCounts;
  mine: Coupon[];
  couponId: number | undefined;
}

const NO_HISTORY: CustomerSeriesCounts = {
  issuedCount: 0,
  lastIssuedAt: null,
  redeemedCount: 0,
  lastRedeemedAt: null,
};

/**
 * PostgreSQL: the customer's lock and everything the decision reads in one batch; with `created` (the
 * customer was registered by this transaction, `prefetch` read with it), nothing: such a customer has no
 * coupons, no history and no other writer. A limited series then takes its locks and reads its counts again
 * under them (docs/architecture.md "Round trips on PostgreSQL").
 */
export function* readIssueState(
  stores: Stores,
  org: number,
  customerId: number,
  seriesId: number,
  prefetch: IssuePrefetch | undefined,
): Script<IssueState> {
  let state: IssueState;
  if (prefetch) {
    const series = yield* stores.series.settle(prefetch.series);
    state = { ...prefetch, series, history: NO_HISTORY, mine: [] };
  } else {
    const newId = stores.coupon.readNewId();
    const answers = (yield* readBatch([
      stores.customer.readLock(org, customerId),
      stores.series.readFind(org, seriesId),
      stores.counter.readCounters(org, seriesId),
      stores.customerSeries.readFind(org, customerId, seriesId),
      stores.coupon.readCustomerCoupons(org, customerId, seriesId),
      ...(newId ? [newId] : []),
    ] as never)) as unknown as [
      void,
      SeriesSeen,
      SeriesCounters,
      CustomerSeriesCounts,
      Coupon[],
      number | undefined,
    ];
    const [, seen, counters, history, mine, couponId] = answers;
    state = { series: yield* stores.series.settle(seen), counters, history, mine, couponId };
  }
  const series = state.series;
  if (series && series.maxCreate !== UNLIMITED) {
    // Lock order (docs/architecture.md): the customer's series row before the series counter, as redeem.
    yield* stores.customerSeries.lock(org, customerId, series.id);
    yield* stores.counter.lockForLimit(org, series.id);
    state.counters = yield* stores.counter.counters(org, series.id);
    state.history = yield* stores.customerSeries.find(org, customerId, series.id);
  }
  return state;
}
