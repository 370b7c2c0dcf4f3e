// The load phase of the redemption pipeline: reads what the rules need for the coupons a request names,
// inside the caller's transaction. With `lock` (hold, redeem) it takes the row locks that serialise the
// decision first (PostgreSQL; docs/architecture.md "Read under the lock you will write under"). It reads
// only where a rule can use the answer, and decides nothing itself: which coupon a generic code names and
// what the facts mean are rules of domain/redemption.ts.
import { normaliseCode, type Coupon } from '../../domain/coupon.js';
import { IDENTIFIER_PRECEDENCE, type CustomerRef } from '../../domain/customer.js';
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

/** A coupon named in a request: by code, or by coupon id (the reference accepts either). */
export type CouponNamed = { code: string } | { couponId: number };

export interface RedemptionLoad {
  items: RequestedCoupon[];
  state: RedemptionState;
  /** Redemption ids taken for the write (PostgreSQL, with `newIds`); empty otherwise. */
  newIds: number[];
}

/** What a batch read before the load found for a request naming one code (PostgreSQL). */
export interface Prefetched {
  coupon: Coupon;
  /** The series as the batch saw it (series-store.ts `settle` finishes it). */
  seen: SeriesSeen;
  customerSeries: CustomerSeriesCounts;
}

/** The one code a request names, normalised; undefined for several coupons, an id or an invalid code. */
function onlyCode(named: readonly CouponNamed[]): string | undefined {
  const only = named.length === 1 ? named[0]! : undefined;
  return only && 'code' in only ? normaliseCode(only.code) : undefined;
}

/** What was read with the lookup of the customer (`readsWithLookup`), for `loadRedemption`'s `early`. */
export interface EarlyReads {
  pre: Prefetched;
  newIds: number[];
  /** A hold id taken for the write (`newId: 'hold'`). */
  holdId?: number;
  /** Whether the coupon and the customer's series row were read under their locks. */
  locked: boolean;
}

/**
 * PostgreSQL, a request naming one code: the reads of `prefetch` below, sent with the lookup of the
 * customer (customers.ts `withLookup`), so that a check is one round trip and a redemption two. The
 * customer's row of the series is found (and with `lock` created and locked, as `prefetch` does) by the
 * identifier that decides who the customer is (domain/customer.ts), and used only when it belongs to the
 * customer the lookup resolved; else `of` answers undefined and the load reads as usual. Undefined where
 * it does not apply (SQLite, several codes, a card).
 */
export function readsWithLookup(
  stores: Stores,
  org: number,
  ref: CustomerRef,
  named: readonly CouponNamed[],
  /** `newId`: take the id the write will insert under (a redemption's, a hold's), so nobody waits for it. */
  options: { lock: boolean; newId: 'redemption' | 'hold' | false },
):
  | { reads: Read<unknown>[]; of(answers: unknown[] | undefined, customerId: number): EarlyReads | undefined }
  | undefined {
  const code = onlyCode(named);
  const type = IDENTIFIER_PRECEDENCE.find((t) => ref[t] !== undefined);
  if (!stores.batching || code === undefined || ref.cardNumber !== undefined) return undefined;
  if (ref.cardExternalId !== undefined || type === undefined) return undefined;
  if (type === 'cardNumber' || type === 'cardExternalId') return undefined;
  const { lock } = options;
  const idRead =
    options.newId === 'redemption'
      ? stores.redemption.readNewId()
      : options.newId === 'hold'
        ? stores.hold.readNewId()
        : undefined;
  const reads: Read<unknown>[] = [
    stores.coupon.readByCode(org, code, lock),
    stores.series.readOfCode(org, code),
    stores.customerSeries.readOfCodeFor(org, { type, value: ref[type]! }, code, lock),
    ...(idRead ? [idRead] : []),
  ];
  return {
    reads,
    of(answers, customerId) {
      if (!answers) return undefined;
      const [coupon, seen, counts, id] = answers as [
        Coupon | undefined,
        SeriesSeen,
        { customerId: number; counts: CustomerSeriesCounts } | undefined,
        number | undefined,
      ];
      if (!coupon || !counts || counts.customerId !== customerId) return undefined;
      const pre = { coupon, seen, customerSeries: counts.counts };
      if (options.newId === 'hold')
        return { pre, newIds: [], ...(id === undefined ? {} : { holdId: id }), locked: lock };
      return { pre, newIds: id === undefined ? [] : [id], locked: lock };
    },
  };
}

/**
 * PostgreSQL, a request naming one code: the coupon (locked with `lock`), its series, the customer's row
 * of it and, with `newId`, a redemption id, in one round trip instead of four (docs/architecture.md
 * "Round trips on PostgreSQL"). The load below then skips those reads; it finds nothing for a generic or
 * unknown code, which the load then looks up as usual.
 */
function* prefetch(
  stores: Stores,
  org: number,
  customerId: number,
  named: readonly CouponNamed[],
  lock: boolean,
  newId: boolean,
): Script<{ pre: Prefetched | undefined; newIds: number[] }> {
  const code = onlyCode(named);
  if (!stores.batching || code === undefined) return { pre: undefined, newIds: [] };
  const idRead = newId ? stores.redemption.readNewId() : undefined;
  const reads = [
    stores.coupon.readByCode(org, code, lock),
    stores.series.readOfCode(org, code),
    stores.customerSeries.readOfCode(org, customerId, code, lock),
    ...(idRead ? [idRead] : []),
  ] as const;
  const [coupon, seen, customerSeries, id] = (yield* readBatch(reads as never)) as unknown as [
    Coupon | undefined,
    SeriesSeen,
    CustomerSeriesCounts,
    number | undefined,
  ];
  return {
    pre: coupon ? { coupon, seen, customerSeries } : undefined,
    newIds: id === undefined ? [] : [id],
  };
}

/** Finds the coupon each entry names (a generic code: the customer's own coupon of it). */
function* findNamed(
  stores: Stores,
  org: number,
  customerId: number,
  named: readonly CouponNamed[],
  pre: Prefetched | undefined,
): Script<RequestedCoupon[]> {
  const items: RequestedCoupon[] = [];
  // PostgreSQL: the coupons of several codes in one batch (unlocked: the locks come after, in id order).
  const batched = new Map<string, Coupon | undefined>();
  if (stores.batching && named.length > 1) {
    const codes = [
      ...new Set(
        named.flatMap((n) => {
          const c = 'code' in n ? normaliseCode(n.code) : undefined;
          return c === undefined || (pre && pre.coupon.code === c) ? [] : [c];
        }),
      ),
    ];
    const found = yield* readBatch(codes.map((c) => stores.coupon.readByCode(org, c, false)));
    codes.forEach((c, i) => batched.set(c, found[i]));
  }
  for (const n of named) {
    if ('couponId' in n) {
      const coupon = yield* stores.coupon.find(org, n.couponId);
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
  const fetched =
    early && (early.locked || !lock) && (early.newIds.length > 0 || !options.newIds)
      ? early
      : yield* prefetch(stores, org, customerId, named, lock, !!options.newIds);
  const newIds = [...fetched.newIds];
  const preSeries = fetched.pre && (yield* stores.series.settle(fetched.pre.seen));
  // A coupon whose series the batch did not find is looked up as usual below.
  const pre = fetched.pre && preSeries ? { ...fetched.pre, series: preSeries } : undefined;
  const items = yield* findNamed(stores, org, customerId, named, pre);

  const coupons = new Map<number, Coupon>();
  for (const it of items) if (it.coupon) coupons.set(it.coupon.id, it.coupon);
  // A prefetched coupon was read under its lock already.
  if (lock && !pre) {
    const locked = yield* stores.coupon.lockMany(org, [...coupons.keys()]);
    for (const [id, c] of locked) coupons.set(id, c);
  }

  const seriesIds = [...new Set([...coupons.values()].map((c) => c.seriesId))].sort((a, b) => a - b);
  // PostgreSQL, without the one-code batch: every series and the customer's row of each (locked, in series
  // order, after the coupons) in one batch.
  const batchedCounts = new Map<number, CustomerSeriesCounts>();
  let seriesList: Series[];
  if (pre) seriesList = [pre.series];
  else if (stores.batching && seriesIds.length > 0) {
    // With them, the ids of the redemptions a write may insert (one per coupon found at most).
    const idReads = options.newIds ? [...coupons.keys()].map(() => stores.redemption.readNewId()!) : [];
    const answers = (yield* readBatch([
      ...seriesIds.map((id) => stores.series.readFind(org, id)),
      ...seriesIds.map((id) =>
        lock
          ? stores.customerSeries.readLock(org, customerId, id)
          : stores.customerSeries.readFind(org, customerId, id),
      ),
      ...idReads,
    ] as never)) as unknown as unknown[];
    seriesList = [];
    for (let i = 0; i < seriesIds.length; i++) {
      seriesList.push((yield* stores.series.settle(answers[i] as SeriesSeen))!);
      batchedCounts.set(seriesIds[i]!, answers[seriesIds.length + i] as CustomerSeriesCounts);
    }
    newIds.push(...(answers.slice(2 * seriesIds.length) as number[]));
  } else
    seriesList =
      seriesIds.length === 1
        ? [(yield* stores.series.find(org, seriesIds[0]!))!]
        : yield* stores.series.findMany(org, seriesIds);
  const series = new Map(seriesList.map((s) => [s.id, s]));

  const customerSeries = new Map<number, CustomerSeriesState>();
  const seriesState = new Map<number, SeriesState>();
  for (const id of seriesIds) {
    const s = series.get(id)!;
    const cs =
      pre && pre.series.id === id
        ? pre.customerSeries
        : (batchedCounts.get(id) ??
          (lock
            ? yield* stores.customerSeries.lock(org, customerId, id)
            : yield* stores.customerSeries.find(org, customerId, id)));
    // Other checkouts' holds of this customer count only against a per-customer limit.
    const perCustomerLimited = s.maxRedemptionsInSeriesPerUser !== UNLIMITED;
    customerSeries.set(id, {
      redeemed: cs.redeemedCount,
      lastRedeemedAt: cs.lastRedeemedAt,
      heldByOthers: perCustomerLimited
        ? yield* stores.hold.othersOfCustomer(org, id, customerId, now, checkout)
        : 0,
    });
  }
  for (const id of seriesIds) {
    const s = series.get(id)!;
    // Only a limited series needs its total; reading it unlimited would cost a sum for nothing.
    if (s.maxRedeem === UNLIMITED) {
      seriesState.set(id, { redeemed: 0, heldByOthers: 0 });
      continue;
    }
    if (lock) yield* stores.counter.lockForLimit(org, id);
    seriesState.set(id, {
      redeemed: yield* stores.counter.totalRedeemed(org, id),
      heldByOthers: yield* stores.hold.othersInSeries(org, id, now, checkout),
    });
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
