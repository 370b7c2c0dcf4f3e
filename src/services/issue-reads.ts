// The reads of an issue on PostgreSQL, batched (docs/architecture.md "Round trips on PostgreSQL"): what needs
// no customer travels with a new customer's registration; otherwise the customer's lock and everything the
// decision reads go in one batch. The decision itself stays in domain/issuance.ts (issue-coupon.ts).
import type { Coupon } from '../domain/coupon.js';
import { UNLIMITED, type CustomerSeriesCounts, type Series, type SeriesCounters } from '../domain/series.js';
import { readBatch, type Read, type Script } from '../storage/script.js';
import type { SeriesSeen } from '../storage/series-store.js';
import type { Stores } from '../storage/stores.js';

/**
 * What an issue reads before its decision, read ahead in a batch (PostgreSQL): the series, its counters and
 * a coupon id; with `known`, also the customer's history and coupons in the series (read under the
 * customer's lock). Without `known` the customer was registered by this transaction: no history, no coupons.
 */
export interface IssuePrefetch {
  series: SeriesSeen;
  counters: SeriesCounters;
  /** A coupon id taken from the sequence (PostgreSQL), so that the insert need not be waited for. */
  couponId: number | undefined;
  known?: { history: CustomerSeriesCounts; mine: Coupon[] };
  /**
   * Without `known`: the series whose coupon this transaction has already given the new customer (a bulk
   * issue's earlier series), the only ones such a customer can hold for an exclusivity check.
   */
  givenHere?: readonly number[];
}

/** Each series once, in the order first named (a bulk issue may name one twice: see `issuePrefetchReads`). */
const distinct = (seriesIds: readonly number[]): number[] => [...new Set(seriesIds)];

/**
 * The reads of an issue that need no customer, for each series named, to send with the customer's
 * registration (resolveCustomer `alongside`), and how their answers become an IssuePrefetch per series.
 * A series named twice is read ahead once: its second issue must see the first one's writes, so it reads
 * again in the transaction (readIssueState without a prefetch). Undefined where batches do not pay (SQLite).
 */
export function issuePrefetchReads(
  stores: Stores,
  org: number,
  seriesIds: readonly number[],
):
  | { reads: Read<unknown>[]; of(answers: unknown[] | undefined): Map<number, IssuePrefetch> | undefined }
  | undefined {
  if (!stores.batching) return undefined;
  const ids = distinct(seriesIds);
  const reads: Read<unknown>[] = ids.flatMap((id) => {
    const newId = stores.coupon.readNewId();
    return [stores.series.readFind(org, id), stores.counter.readCounters(org, id), ...(newId ? [newId] : [])];
  });
  const per = reads.length / ids.length;
  return {
    reads,
    of: (answers) =>
      answers &&
      new Map(
        ids.map((id, i) => [
          id,
          {
            series: answers[i * per] as SeriesSeen,
            counters: answers[i * per + 1] as SeriesCounters,
            couponId: answers[i * per + 2] as number | undefined,
          },
        ]),
      ),
  };
}

/**
 * PostgreSQL, a customer who existed before this transaction: the customer's lock, then everything the
 * decisions of the named series read, in one batch (each series once).
 */
export function* readIssueStates(
  stores: Stores,
  org: number,
  customerId: number,
  seriesIds: readonly number[],
): Script<Map<number, IssuePrefetch>> {
  const ids = distinct(seriesIds);
  const perSeries = ids.map((id) => {
    const newId = stores.coupon.readNewId();
    return [
      stores.series.readFind(org, id),
      stores.counter.readCounters(org, id),
      stores.customerSeries.readFind(org, customerId, id),
      stores.coupon.readCustomerCoupons(org, customerId, id),
      ...(newId ? [newId] : []),
    ] as Read<unknown>[];
  });
  const per = perSeries[0]?.length ?? 0;
  const [, ...answers] = yield* readBatch<unknown[]>([
    stores.customer.readLock(org, customerId),
    ...perSeries.flat(),
  ]);
  return new Map(
    ids.map((id, i) => {
      const [seen, counters, history, mine, couponId] = answers.slice(i * per, (i + 1) * per);
      return [
        id,
        {
          series: seen as SeriesSeen,
          counters: counters as SeriesCounters,
          couponId: couponId as number | undefined,
          known: { history: history as CustomerSeriesCounts, mine: mine as Coupon[] },
        },
      ];
    }),
  );
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
 * PostgreSQL: what the decision reads. Read ahead already (`prefetch`: with a new customer's registration,
 * or by `readIssueStates` for several series), else the customer's lock and everything in one batch now. A
 * customer registered by this transaction has no coupons, no history and no other writer. A limited series
 * then takes its locks and reads its counts again under them (docs/architecture.md "Round trips on
 * PostgreSQL").
 */
export function* readIssueState(
  stores: Stores,
  org: number,
  customerId: number,
  seriesId: number,
  prefetch: IssuePrefetch | undefined,
): Script<IssueState> {
  const ahead = prefetch ?? (yield* readIssueStates(stores, org, customerId, [seriesId])).get(seriesId)!;
  const state: IssueState = {
    series: yield* stores.series.settle(ahead.series),
    counters: ahead.counters,
    history: ahead.known?.history ?? NO_HISTORY,
    mine: ahead.known?.mine ?? [],
    couponId: ahead.couponId,
  };
  const series = state.series;
  if (series && series.maxCreate !== UNLIMITED) {
    // Lock order (docs/architecture.md): the customer's series row before the series counter, as redeem.
    // One batch: its statements run in order, so the counts are read once both locks are held, and the
    // customer's row comes back from its own lock.
    const reads: Read<unknown>[] = [stores.customerSeries.readLock(org, customerId, series.id)];
    const counterLock = stores.counter.readLockForLimit(org, series.id);
    if (counterLock) reads.push(counterLock);
    reads.push(stores.counter.readCounters(org, series.id));
    const answers = (yield* readBatch(reads)) as readonly unknown[];
    state.history = answers[0] as CustomerSeriesCounts;
    state.counters = answers[answers.length - 1] as SeriesCounters;
  }
  return state;
}
