// The load phase of the redemption pipeline: reads what the rules need for the coupons a request names,
// inside the caller's transaction. With `lock` (hold, redeem) it takes the row locks that serialise the
// decision first (PostgreSQL; docs/architecture.md "Read under the lock you will write under"). It reads
// only where a rule can use the answer, and decides nothing itself: which coupon a generic code names and
// what the facts mean are rules of domain/redemption.ts.
import { normaliseCode, type Coupon } from '../../domain/coupon.js';
import {
  couponStateOf,
  pickGeneric,
  type Checkout,
  type CouponState,
  type CustomerSeriesState,
  type HoldOnCoupon,
  type RedemptionState,
  type RequestedCoupon,
  type SeriesState,
} from '../../domain/redemption.js';
import type { CouponErrorName } from '../../domain/errors.js';
import { UNLIMITED, type CustomerSeriesCounts, type Series } from '../../domain/series.js';
import { readBatch, type Read, type Script } from '../../storage/script.js';
import type { SeriesSeen } from '../../storage/series-store.js';
import type { Stores } from '../../storage/stores.js';
import { prefetch, prefetchMany, type EarlyReads, type Prefetched, type PrefetchedMany } from './prefetch.js';

/** A coupon named in a request: by code, or by coupon id (the reference accepts either). */
export type CouponNamed = { code: string } | { couponId: number };

export interface RedemptionLoad {
  items: RequestedCoupon[];
  state: RedemptionState;
  /** Redemption ids taken for the write (PostgreSQL, with `newIds`); empty otherwise. */
  newIds: number[];
}

/** Finds the coupon each entry names (a generic code: the customer's own coupon of it). */
function* findNamed(
  stores: Stores,
  org: number,
  customerId: number,
  named: readonly CouponNamed[],
  pre: Prefetched | undefined,
  many: PrefetchedMany | undefined,
): Script<RequestedCoupon[]> {
  const items: RequestedCoupon[] = [];
  // PostgreSQL: the coupons of several codes, if `prefetchMany` read them (it did whenever one was valid).
  const batched = many?.coupons ?? new Map<string, Coupon | undefined>();
  for (const n of named) {
    if ('couponId' in n) {
      const coupon =
        pre && pre.coupon.id === n.couponId ? pre.coupon : yield* stores.coupon.find(org, n.couponId);
      const raw = coupon?.code ?? String(n.couponId);
      items.push({ raw, code: raw, normalised: raw, couponId: coupon?.id, coupon, series: undefined });
      continue;
    }
    const raw = n.code;
    const normalised = normaliseCode(raw);
    let coupon: Coupon | undefined;
    let early: CouponErrorName | undefined;
    if (normalised !== undefined) {
      coupon =
        pre && pre.coupon.code === normalised
          ? pre.coupon
          : batched.has(normalised)
            ? batched.get(normalised)
            : yield* stores.coupon.findByCode(org, normalised);
      if (!coupon) {
        const mine = yield* stores.coupon.findGeneric(org, normalised, customerId);
        // Whether the code is generic at all matters only when the customer holds none of its coupons.
        const codeIsGeneric = mine.length === 0 && (yield* stores.coupon.isGenericCode(org, normalised));
        ({ coupon, early } = pickGeneric(mine, codeIsGeneric));
      }
    }
    items.push({
      raw,
      code: raw,
      normalised,
      couponId: coupon?.id,
      coupon,
      series: undefined,
      ...(early ? { early } : {}),
    });
  }
  return items;
}

/**
 * Reads the state the rules decide with. `now` is the recording time (holds live then count);
 * `lock` takes the locks in the documented order: coupons (ascending id), the customer's series rows,
 * the limited series' counters.
 */
export function* loadRedemption(
  stores: Stores,
  org: number,
  customerId: number,
  named: readonly CouponNamed[],
  options: {
    now: number;
    lock: boolean;
    checkout: Checkout;
    newIds?: boolean;
    /** What was read with the lookup of the customer (`readsWithLookup`), under the locks `lock` needs. */
    early?: EarlyReads | undefined;
  },
): Script<RedemptionLoad> {
  const { now, lock, checkout, early } = options;
  const ask = { stores, org, customerId, named, lock, newId: !!options.newIds };
  const fetched =
    early && (early.locked || !lock) && (early.newIds.length > 0 || !options.newIds)
      ? early
      : yield* prefetch(ask);
  const many = fetched.pre ? undefined : yield* prefetchMany(ask);
  const newIds = [...fetched.newIds, ...(many?.newIds ?? [])];
  const preSeries = fetched.pre && (yield* stores.series.settle(fetched.pre.seen));
  // A coupon whose series the batch did not find is looked up as usual below.
  const pre = fetched.pre && preSeries ? { ...fetched.pre, series: preSeries } : undefined;
  const items = yield* findNamed(stores, org, customerId, named, pre, many);

  const coupons = new Map<number, Coupon>();
  for (const it of items) if (it.coupon) coupons.set(it.coupon.id, it.coupon);
  // A prefetched coupon was read under its lock already. One found after the batch of several codes (a
  // generic code's, or one named by id) is locked after those: out of id order, so two such requests can
  // deadlock, which PostgreSQL detects and the runner retries (storage/postgres-engine.ts).
  if (lock && !pre) {
    const batchedIds = new Set([...(many?.coupons.values() ?? [])].flatMap((c) => (c ? [c.id] : [])));
    const rest = [...coupons.keys()].filter((id) => !batchedIds.has(id));
    if (rest.length > 0) {
      const locked = yield* stores.coupon.lockMany(org, rest);
      for (const [id, c] of locked) coupons.set(id, c);
    }
  }

  const seriesIds = [...new Set([...coupons.values()].map((c) => c.seriesId))].sort((a, b) => a - b);
  // What a batch read already: the one code's series and row, or those of several codes.
  const series = new Map<number, Series>();
  const batchedCounts = new Map<number, CustomerSeriesCounts>();
  if (pre) {
    series.set(pre.series.id, pre.series);
    batchedCounts.set(pre.series.id, pre.customerSeries);
  }
  for (const [id, s] of many?.series ?? []) {
    series.set(id, s);
    batchedCounts.set(id, many!.countsOf(id));
  }
  const unread = seriesIds.filter((id) => !series.has(id));
  // PostgreSQL, the other series: each and the customer's row of each (locked, in series order, after the
  // coupons) in one batch.
  if (stores.batching && unread.length > 0) {
    // With them, the ids of the redemptions a write may insert (one per coupon found at most).
    const idReads = options.newIds
      ? Array.from({ length: Math.max(0, coupons.size - newIds.length) }, () =>
          stores.redemption.readNewId()!,
        )
      : [];
    const answers = (yield* readBatch([
      ...unread.map((id) => stores.series.readFind(org, id)),
      ...unread.map((id) =>
        lock
          ? stores.customerSeries.readLock(org, customerId, id)
          : stores.customerSeries.readFind(org, customerId, id),
      ),
      ...idReads,
    ] as never)) as unknown as unknown[];
    for (let i = 0; i < unread.length; i++) {
      series.set(unread[i]!, (yield* stores.series.settle(answers[i] as SeriesSeen))!);
      batchedCounts.set(unread[i]!, answers[unread.length + i] as CustomerSeriesCounts);
    }
    newIds.push(...(answers.slice(2 * unread.length) as number[]));
  } else if (unread.length > 0) {
    const found =
      unread.length === 1
        ? [(yield* stores.series.find(org, unread[0]!))!]
        : yield* stores.series.findMany(org, unread);
    for (const s of found) series.set(s.id, s);
  }

  const customerSeries = new Map<number, CustomerSeriesState>();
  const seriesState = new Map<number, SeriesState>();
  const counts = new Map<number, CustomerSeriesCounts>();
  for (const id of seriesIds) {
    counts.set(
      id,
      batchedCounts.get(id) ??
        (lock
          ? yield* stores.customerSeries.lock(org, customerId, id)
          : yield* stores.customerSeries.find(org, customerId, id)),
    );
  }
  // What the limits are checked against, in one batch (one round trip on PostgreSQL): other checkouts'
  // holds for this customer where a per-customer limit applies; and for a limited series (only those: an
  // unlimited one would cost a sum for nothing) the lock that queues this writer behind the series' others,
  // then its total and other checkouts' holds, read once the lock is held (a batch runs in order).
  const reads: Read<unknown>[] = [];
  const add = (r: Read<unknown> | undefined): number => (r ? reads.push(r) - 1 : -1);
  const planned = seriesIds.map((id) => {
    const s = series.get(id)!;
    // Other checkouts' holds of this customer count only against a per-customer limit.
    const ofCustomer =
      s.maxRedemptionsInSeriesPerUser !== UNLIMITED
        ? add(stores.hold.readOthersOfCustomer(org, id, customerId, now, checkout))
        : -1;
    if (s.maxRedeem === UNLIMITED) return { id, ofCustomer, total: -1, inSeries: -1 };
    if (lock) add(stores.counter.readLockForLimit(org, id));
    const total = add(stores.counter.readTotalRedeemed(org, id));
    return { id, ofCustomer, total, inSeries: add(stores.hold.readOthersInSeries(org, id, now, checkout)) };
  });
  const answers = reads.length > 0 ? ((yield* readBatch(reads)) as readonly unknown[]) : [];
  const count = (i: number): number => (i < 0 ? 0 : (answers[i] as number));
  for (const { id, ofCustomer, total, inSeries } of planned) {
    const cs = counts.get(id)!;
    customerSeries.set(id, {
      redeemed: cs.redeemedCount,
      lastRedeemedAt: cs.lastRedeemedAt,
      heldByOthers: count(ofCustomer),
    });
    seriesState.set(id, { redeemed: count(total), heldByOthers: count(inSeries) });
  }

  const couponStates = new Map<number, CouponState>();
  const liveHolds = new Map<number, readonly HoldOnCoupon[]>();
  for (const c of coupons.values()) {
    // A coupon without uses has no active redemption, and one not held past now has no live hold.
    const activeRedemptions = c.redemptionCount > 0 ? yield* stores.redemption.activeOf(org, c.id) : [];
    const holds =
      c.heldUntil !== null && c.heldUntil > now ? yield* stores.hold.liveOnCoupon(org, c.id, now) : [];
    liveHolds.set(c.id, holds);
    const ctx = { customerId, billNumber: checkout.billNumber, holdId: checkout.holdId };
    couponStates.set(
      c.id,
      couponStateOf(c, series.get(c.seriesId)!, { activeRedemptions, liveHolds: holds }, ctx),
    );
  }
  for (const it of items) {
    if (it.coupon) {
      it.coupon = coupons.get(it.coupon.id);
      it.series = series.get(it.coupon!.seriesId);
    }
  }
  return {
    items,
    state: { coupons: couponStates, series: seriesState, customerSeries, liveHolds },
    newIds,
  };
}
