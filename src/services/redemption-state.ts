// Reads everything the redemption rules need for a list of codes (docs/api.md §7, §8), inside the caller's
// transaction. With `lock`, takes the row locks that serialise the decision first (PostgreSQL; see
// docs/architecture.md "Read under the lock you will write under").
import type { Coupon } from '../domain/coupon.js';
import { normaliseCode } from '../domain/coupon.js';
import type { CouponErrorName } from '../domain/errors.js';
import type {
  BatchItem,
  BatchState,
  CouponState,
  CustomerSeriesState,
  SeriesState,
} from '../domain/redemption.js';
import { UNLIMITED, type Series } from '../domain/series.js';
import type { Script } from '../storage/script.js';
import type { Stores } from '../storage/stores.js';

/** Which checkout is asking: its own hold and bill do not count against it. */
export interface Checkout {
  holdId: number | null;
  transactionNumber: string | null;
}

/** A coupon named in a request: by code, or by coupon id (the reference accepts either). */
export type CouponNamed = { code: string } | { couponId: number };

export interface LoadedItem extends BatchItem {
  raw: string;
  coupon: Coupon | undefined;
  series: Series | undefined;
  /** A refusal known before the rules run (a generic code the customer does not hold: 710). */
  early?: CouponErrorName;
}

export interface LoadedState {
  items: LoadedItem[];
  state: BatchState;
  series: Map<number, Series>;
}

/** Picks the generic coupon a customer redeems: the newest usable one, else the newest. */
function pickGeneric(list: Coupon[]): Coupon | undefined {
  return list.find((c) => c.revokedAt === null && c.redemptionCount === 0) ?? list[0];
}

export function* loadRedemptionState(
  stores: Stores,
  org: number,
  customerId: number,
  named: readonly CouponNamed[],
  options: { now: number; lock: boolean; checkout: Checkout },
): Script<LoadedState> {
  const { now, lock, checkout } = options;
  const items: LoadedItem[] = [];
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
      coupon = yield* stores.coupon.findByCode(org, normalised);
      if (!coupon) {
        coupon = pickGeneric(yield* stores.coupon.findGeneric(org, normalised, customerId));
        if (!coupon && (yield* stores.coupon.isGenericCode(org, normalised))) early = 'NotCustomersCoupon';
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

  const coupons = new Map<number, Coupon>();
  for (const it of items) if (it.coupon) coupons.set(it.coupon.id, it.coupon);
  if (lock) {
    const locked = yield* stores.coupon.lockMany(org, [...coupons.keys()]);
    for (const [id, c] of locked) coupons.set(id, c);
  }

  const seriesIds = [...new Set([...coupons.values()].map((c) => c.seriesId))].sort((a, b) => a - b);
  const seriesList =
    seriesIds.length === 1
      ? [(yield* stores.series.find(org, seriesIds[0]!))!]
      : yield* stores.series.findMany(org, seriesIds);
  const series = new Map(seriesList.map((s) => [s.id, s]));

  const own = { holdId: checkout.holdId, billNumber: checkout.transactionNumber };
  const customerSeries = new Map<number, CustomerSeriesState>();
  const seriesState = new Map<number, SeriesState>();
  for (const id of seriesIds) {
    const s = series.get(id)!;
    const cs = lock
      ? yield* stores.customerSeries.lock(org, customerId, id)
      : yield* stores.customerSeries.find(org, customerId, id);
    const perUserLimited = s.maxRedemptionsInSeriesPerUser !== UNLIMITED;
    customerSeries.set(id, {
      redeemed: cs.redeemedCount,
      lastRedeemedAt: cs.lastRedeemedAt,
      heldByOthers: perUserLimited ? yield* stores.hold.othersOfCustomer(org, id, customerId, now, own) : 0,
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
      heldByOthers: yield* stores.hold.othersInSeries(org, id, now, own),
    });
  }

  const couponStates = new Map<number, CouponState>();
  for (const c of coupons.values()) {
    let byCustomer = 0;
    let onTransaction = false;
    if (c.redemptionCount > 0) {
      for (const r of yield* stores.redemption.activeOf(org, c.id)) {
        if (r.customerId === customerId) byCustomer++;
        if (checkout.transactionNumber !== null && r.billNumber === checkout.transactionNumber)
          onTransaction = true;
      }
    }
    let heldByOther = false;
    if (c.heldUntil !== null && c.heldUntil > now) {
      const holds = yield* stores.hold.liveOnCoupon(org, c.id, now);
      heldByOther = holds.some(
        (h) =>
          h.holdId !== checkout.holdId &&
          (checkout.transactionNumber === null || h.billNumber !== checkout.transactionNumber),
      );
    }
    couponStates.set(c.id, {
      coupon: c,
      series: series.get(c.seriesId)!,
      redemptionsByCustomer: byCustomer,
      redeemedOnTransaction: onTransaction,
      heldByOther,
    });
  }
  for (const it of items) {
    if (it.coupon) {
      it.coupon = coupons.get(it.coupon.id);
      it.series = series.get(it.coupon!.seriesId);
    }
  }
  return { items, state: { coupons: couponStates, series: seriesState, customerSeries }, series };
}
