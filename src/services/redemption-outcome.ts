// The outcome of one coupon in a check, hold or redeem request: its decision and the numbers the wire shows.
import type { Coupon } from '../domain/coupon.js';
import { redemptionsLeft, type BatchState, type RedemptionDecision } from '../domain/redemption.js';
import type { Series } from '../domain/series.js';
import type { LoadedItem } from './redemption-state.js';

export interface ItemOutcome {
  raw: string;
  coupon: Coupon | undefined;
  series: Series | undefined;
  decision: RedemptionDecision;
  /** The redemption's id when it was written. */
  redemptionId?: number;
  numberOfRedemptionsByUser: number;
  redemptionsLeft: number;
}

/** Applies refusals known before the rules (a generic code the customer does not hold). */
export function withEarly(
  items: readonly LoadedItem[],
  decisions: RedemptionDecision[],
): RedemptionDecision[] {
  return decisions.map((d, i) => {
    const early = items[i]!.early;
    return early ? { kind: 'refuse', reason: early } : d;
  });
}

export function describeItem(it: LoadedItem, decision: RedemptionDecision, state: BatchState): ItemOutcome {
  const cs = it.coupon ? state.coupons.get(it.coupon.id) : undefined;
  return {
    raw: it.raw,
    coupon: it.coupon,
    series: it.series,
    decision,
    numberOfRedemptionsByUser: cs?.redemptionsByCustomer ?? 0,
    redemptionsLeft: cs
      ? redemptionsLeft(
          cs,
          state.series.get(cs.series.id) ?? { redeemed: 0, heldByOthers: 0 },
          state.customerSeries.get(cs.series.id) ?? { redeemed: 0, lastRedeemedAt: null, heldByOthers: 0 },
        )
      : 0,
  };
}
