// Unit tests for the request-level rules of domain/redemption.ts: which coupon a generic code names, what
// the read facts mean, and the plan a redeem's writer follows (the counts its guards expect, the holds it
// consumes, atomicity).
import { describe, expect, it } from 'vitest';
import { AT, CUSTOMER, context, makeCoupon, makeSeries } from '../../test/support/redemption-cases.js';
import type { Coupon } from './coupon.js';
import { money } from './money.js';
import {
  couponStateOf,
  pickGeneric,
  planRedemption,
  type RedemptionContext,
  type RedemptionState,
  type RequestedCoupon,
} from './redemption.js';
import type { Series } from './series.js';

const series = (over: Partial<Series> = {}): Series =>
  makeSeries({ sameUserMultipleRedeem: true, isMultipleUseAllowed: true, ...over });
const coupon = makeCoupon;
/** No bill number, no hold, any till: a test adds what it is about. */
const ctx = (over: Partial<RedemptionContext> = {}): RedemptionContext =>
  context({ billNumber: null, holdId: null, tillId: null, ...over });

const requested = (c: Coupon, s: Series): RequestedCoupon => ({
  raw: c.code,
  code: c.code,
  normalised: c.code,
  couponId: c.id,
  coupon: c,
  series: s,
});

/** The state of one coupon as read: `redeemed` active redemptions of the customer, `holds` live. */
function stateOf(
  c: Coupon,
  s: Series,
  k: {
    redeemed?: number;
    holds?: { holdId: number; billNumber: string | null }[];
    context?: RedemptionContext;
  } = {},
): RedemptionState {
  const facts = {
    activeRedemptions: Array.from({ length: k.redeemed ?? 0 }, () => ({
      customerId: CUSTOMER,
      billNumber: 'B0',
    })),
    liveHolds: k.holds ?? [],
  };
  return {
    coupons: new Map([[c.id, couponStateOf(c, s, facts, k.context ?? ctx())]]),
    series: new Map([[s.id, { redeemed: 5, heldByOthers: 0 }]]),
    customerSeries: new Map([[s.id, { redeemed: k.redeemed ?? 0, lastRedeemedAt: null, heldByOthers: 0 }]]),
    liveHolds: new Map([[c.id, k.holds ?? []]]),
  };
}

describe('pickGeneric', () => {
  const a = coupon({ id: 1, isGeneric: true, redemptionCount: 1 });
  const b = coupon({ id: 2, isGeneric: true });
  it("names the customer's newest unused, unrevoked coupon of the code, else the newest", () => {
    expect(pickGeneric([a, b], true).coupon).toBe(b);
    expect(pickGeneric([a], true).coupon).toBe(a);
  });
  it('refuses 710 when the customer holds none of a generic code, and leaves an unknown code to 719', () => {
    expect(pickGeneric([], true)).toEqual({ coupon: undefined, early: 'NotCustomersCoupon' });
    expect(pickGeneric([], false)).toEqual({ coupon: undefined });
  });
});

describe('couponStateOf', () => {
  const s = series();
  it("counts this customer's redemptions and sees one on this bill", () => {
    const facts = {
      activeRedemptions: [
        { customerId: CUSTOMER, billNumber: 'B1' },
        { customerId: 7, billNumber: 'B2' },
      ],
      liveHolds: [],
    };
    const state = couponStateOf(coupon(), s, facts, ctx({ billNumber: 'B2' }));
    expect(state.redemptionsByCustomer).toBe(1);
    expect(state.redeemedOnBill).toBe(true);
    expect(couponStateOf(coupon(), s, facts, ctx()).redeemedOnBill).toBe(false);
  });
  it("counts a live hold against the checkout unless it is the checkout's own hold or bill", () => {
    const facts = { activeRedemptions: [], liveHolds: [{ holdId: 3, billNumber: 'B1' }] };
    expect(couponStateOf(coupon(), s, facts, ctx()).heldByOther).toBe(true);
    expect(couponStateOf(coupon(), s, facts, ctx({ holdId: 3 })).heldByOther).toBe(false);
    expect(couponStateOf(coupon(), s, facts, ctx({ billNumber: 'B1' })).heldByOther).toBe(false);
    expect(couponStateOf(coupon(), s, facts, ctx({ billNumber: 'B9' })).heldByOther).toBe(true);
  });
});

describe('planRedemption', () => {
  const s = series();
  it('gives each redemption of a code listed twice the counts its guards expect, one after the other', () => {
    const c = coupon({ redemptionCount: 2 });
    const plan = planRedemption([requested(c, s), requested(c, s)], stateOf(c, s, { redeemed: 2 }), ctx(), {
      atomic: true,
      now: AT,
    });
    expect(plan.allAccepted).toBe(true);
    expect(plan.uses.map((u) => [u.couponUsesBefore, u.customerUsesBefore])).toEqual([
      [2, 2],
      [3, 3],
    ]);
    expect(plan.uses.map((u) => u.discount)).toEqual([money(100), money(100)]);
    expect(plan.coupons).toEqual([c]);
  });

  it('writes nothing of an atomic request with a refusal, and the rest of a partial one', () => {
    const c = coupon();
    const revoked = coupon({ id: 11, code: 'WXYZ9876', revokedAt: AT });
    const state = stateOf(c, s);
    (state.coupons as Map<number, unknown>).set(
      11,
      couponStateOf(revoked, s, { activeRedemptions: [], liveHolds: [] }, ctx()),
    );
    const items = [requested(c, s), requested(revoked, s)];
    const atomic = planRedemption(items, state, ctx(), { atomic: true, now: AT });
    expect(atomic.outcomes.map((o) => o.decision)).toEqual([
      { kind: 'refuse', reason: 'OtherCouponFailed' },
      { kind: 'refuse', reason: 'CouponRevoked' },
    ]);
    expect(atomic.uses).toEqual([]);
    const partial = planRedemption(items, state, ctx(), { atomic: false, now: AT });
    expect(partial.uses.map((u) => u.coupon.id)).toEqual([10]);
    expect(partial.allAccepted).toBe(false);
  });

  it('consumes the hold the checkout names, once per coupon, or the live holds of its bill', () => {
    const held = coupon({ heldUntil: AT + 60_000 });
    const consumed = (
      holds: { holdId: number; billNumber: string | null }[],
      context: RedemptionContext,
      times = 1,
    ) =>
      planRedemption(
        Array.from({ length: times }, () => requested(held, s)),
        stateOf(held, s, { holds, context }),
        context,
        { atomic: true, now: AT },
      ).uses.map((u) => u.consumesHolds);
    const named = ctx({ holdId: 3 });
    expect(consumed([{ holdId: 3, billNumber: 'B1' }], named, 2)).toEqual([[3], []]);
    const both = [
      { holdId: 3, billNumber: 'B1' },
      { holdId: 5, billNumber: 'B1' },
    ];
    expect(consumed(both, ctx({ billNumber: 'B1' }))).toEqual([[3, 5]]);
    expect(consumed(both, ctx({ billNumber: 'B9' }))).toEqual([]); // another checkout's: 737, nothing written
  });

  it('consumes no hold of a coupon whose holds have all expired', () => {
    const c = coupon({ heldUntil: AT - 1 });
    const plan = planRedemption([requested(c, s)], stateOf(c, s), ctx({ billNumber: 'B1' }), {
      atomic: true,
      now: AT,
    });
    expect(plan.uses[0]!.consumesHolds).toEqual([]);
  });
});
