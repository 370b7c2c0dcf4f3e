// Unit tests for the batch-level redemption rules: the discount, what is left, a request's coupons decided in
// sequence, and atomicity.
import { describe, expect, it } from 'vitest';
import {
  AT,
  couponState,
  customerState,
  context,
  decide,
  makeSeries,
  seriesState,
  type Case,
} from '../../test/support/redemption-cases.js';
import { money } from './money.js';
import {
  atomicOutcome,
  decideBatch,
  discountFor,
  redemptionsLeft,
  type BatchItem,
  type BatchState,
  type RedemptionDecision,
} from './redemption.js';

describe('discountFor', () => {
  const abs = makeSeries({ discountType: 'ABS', discountValue: money(100) });
  const perc = (value: string, upto = 0) =>
    makeSeries({ discountType: 'PERC', discountValue: money(value), discountUpto: money(upto) });

  it('gives the ABS value, never more than the bill', () => {
    expect(discountFor(abs, money(250))).toBe(money(100));
    expect(discountFor(abs, money('60.5'))).toBe(money('60.5'));
    expect(discountFor(abs, money(0))).toBe(money(0));
  });

  it('gives the ABS value when there is no bill', () => {
    expect(discountFor(abs, undefined)).toBe(money(100));
  });

  it('rounds a PERC discount half up to four places', () => {
    // 99.99 × 12.5 % = 12.49875 → 12.4988
    expect(discountFor(perc('12.5'), money('99.99'))).toBe(money('12.4988'));
    // 0.0001 × 50 % = 0.00005 → 0.0001; 0.0001 × 49 % = 0.000049 → 0
    expect(discountFor(perc('50'), money('0.0001'))).toBe(money('0.0001'));
    expect(discountFor(perc('49'), money('0.0001'))).toBe(money(0));
  });

  it('caps a PERC discount at discountUpto when discountUpto is above 0', () => {
    expect(discountFor(perc('12.5', 10), money('99.99'))).toBe(money(10));
    expect(discountFor(perc('12.5', 20), money('99.99'))).toBe(money('12.4988'));
    expect(discountFor(perc('12.5', 0), money(10_000))).toBe(money(1250));
  });

  it('gives a PERC discount of 0 when there is no bill', () => {
    expect(discountFor(perc('12.5', 10), undefined)).toBe(money(0));
  });

  it('carries the discount in an accept decision', () => {
    expect(
      decide({
        series: { discountType: 'PERC', discountValue: money('12.5') },
        ctx: { bill: money('99.99') },
      }),
    ).toEqual({ kind: 'accept', discount: money('12.4988') });
  });
});

describe('redemptionsLeft', () => {
  const left = (k: Case = {}): number =>
    redemptionsLeft(couponState(k), seriesState(k.s), customerState(k.cs));
  const open = { isMultipleUseAllowed: true, sameUserMultipleRedeem: true };

  it('is -1 when every limit is unlimited', () => {
    expect(
      left({ series: open, coupon: { redemptionCount: 50 }, state: { redemptionsByCustomer: 50 } }),
    ).toBe(-1);
  });

  it('is 1 for an unused single-use coupon and 0 once it is used', () => {
    expect(left()).toBe(1);
    expect(left({ series: { sameUserMultipleRedeem: true }, coupon: { redemptionCount: 1 } })).toBe(0);
  });

  it('is 0 once the customer has redeemed and sameUserMultipleRedeem is false', () => {
    expect(left({ series: { isMultipleUseAllowed: true }, state: { redemptionsByCustomer: 1 } })).toBe(0);
  });

  it('takes the smallest of the finite limits, holds included', () => {
    const series = {
      ...open,
      redemptionPerCouponMaxLimit: 5,
      maxRedeem: 10,
      maxRedemptionsInSeriesPerUser: 4,
    };
    expect(left({ series, coupon: { redemptionCount: 1 } })).toBe(4);
    expect(left({ series, coupon: { redemptionCount: 2 } })).toBe(3);
    expect(left({ series, s: { redeemed: 7, heldByOthers: 1 } })).toBe(2);
    expect(left({ series, cs: { redeemed: 2, heldByOthers: 1 } })).toBe(1);
  });

  it('is never below 0', () => {
    expect(left({ series: { ...open, maxRedeem: 3 }, s: { redeemed: 3, heldByOthers: 2 } })).toBe(0);
  });
});

describe('decideBatch', () => {
  const reasons = (ds: RedemptionDecision[]): string[] =>
    ds.map((d) => (d.kind === 'accept' ? 'accept' : d.reason));
  const item = (couponId: number | undefined, code = 'ABCD1234'): BatchItem => ({
    code,
    normalised: code,
    couponId,
  });
  const one = (k: Case = {}): BatchState => {
    const c = couponState(k);
    return {
      coupons: new Map([[c.coupon.id, c]]),
      series: new Map([[c.series.id, seriesState(k.s)]]),
      customerSeries: new Map([[c.series.id, customerState(k.cs)]]),
    };
  };

  it('refuses a single-use code listed twice with 716 when the customer may not redeem again', () => {
    expect(reasons(decideBatch([item(10), item(10)], one(), context()))).toEqual([
      'accept',
      'AlreadyRedeemedByCustomer',
    ]);
  });

  it('refuses a single-use code listed twice with 711 when the customer may redeem again', () => {
    const state = one({ series: { sameUserMultipleRedeem: true } });
    expect(reasons(decideBatch([item(10), item(10)], state, context()))).toEqual([
      'accept',
      'AlreadyRedeemed',
    ]);
  });

  it('refuses a multi-use code listed twice on one transaction number with 747', () => {
    const state = one({ series: { sameUserMultipleRedeem: true, isMultipleUseAllowed: true } });
    expect(reasons(decideBatch([item(10), item(10)], state, context()))).toEqual([
      'accept',
      'AlreadyRedeemedOnBill',
    ]);
    expect(reasons(decideBatch([item(10), item(10)], state, context({ billNumber: null })))).toEqual([
      'accept',
      'accept',
    ]);
  });

  it('refuses the second of two coupons of a maxRedeem 1 series with 714', () => {
    const series = makeSeries({ maxRedeem: 1 });
    const state: BatchState = {
      coupons: new Map([
        [10, couponState({ series, coupon: { id: 10 } })],
        [11, couponState({ series, coupon: { id: 11, code: 'WXYZ9876' } })],
      ]),
      series: new Map([[1, seriesState()]]),
      customerSeries: new Map([[1, customerState()]]),
    };
    expect(reasons(decideBatch([item(10), item(11, 'WXYZ9876')], state, context()))).toEqual([
      'accept',
      'SeriesRedeemLimitReached',
    ]);
  });

  it("carries the customer's last redemption time to the next coupon of the series", () => {
    const series = makeSeries({ minDaysBetweenRedemption: 1 });
    const state: BatchState = {
      coupons: new Map([
        [10, couponState({ series, coupon: { id: 10 } })],
        [11, couponState({ series, coupon: { id: 11 } })],
      ]),
      series: new Map(),
      customerSeries: new Map(),
    };
    expect(reasons(decideBatch([item(10), item(11)], state, context()))).toEqual([
      'accept',
      'MinDaysBetweenRedemption',
    ]);
  });

  it('refuses a malformed code with 702 and an unknown code with 719, and still decides the rest', () => {
    const items: BatchItem[] = [
      { code: 'bad code!', normalised: undefined, couponId: undefined },
      item(undefined, 'NOPE'),
      item(10),
    ];
    expect(reasons(decideBatch(items, one(), context()))).toEqual([
      'CodeMalformed',
      'CouponNotFound',
      'accept',
    ]);
  });

  it('decides every item after a refusal', () => {
    const revoked = couponState({ coupon: { id: 12, revokedAt: AT } });
    const state = one();
    const withRevoked: BatchState = { ...state, coupons: new Map([...state.coupons, [12, revoked]]) };
    expect(reasons(decideBatch([item(12), item(10)], withRevoked, context()))).toEqual([
      'CouponRevoked',
      'accept',
    ]);
  });

  it('treats a series or customer-series missing from the state as unused', () => {
    const state: BatchState = { ...one(), series: new Map(), customerSeries: new Map() };
    expect(reasons(decideBatch([item(10)], state, context()))).toEqual(['accept']);
  });

  it('throws when a coupon id has no coupon state (a caller bug)', () => {
    expect(() => decideBatch([item(99)], one(), context())).toThrow(/coupon 99/);
  });

  it('never changes the state it is given', () => {
    const state = one({ series: { maxRedeem: 5 }, s: { redeemed: 2 }, cs: { redeemed: 1 } });
    const before = structuredClone({
      coupons: [...state.coupons],
      series: [...state.series],
      customerSeries: [...state.customerSeries],
    });
    decideBatch([item(10), item(10)], state, context());
    expect({
      coupons: [...state.coupons],
      series: [...state.series],
      customerSeries: [...state.customerSeries],
    }).toEqual(before);
  });
});

describe('atomicOutcome', () => {
  const accept: RedemptionDecision = { kind: 'accept', discount: money(5) };

  it('keeps the accepts when every item is accepted', () => {
    expect(atomicOutcome([accept, accept])).toEqual([accept, accept]);
    expect(atomicOutcome([])).toEqual([]);
  });

  it('answers 749 for accepted items when another item is refused', () => {
    expect(atomicOutcome([accept, { kind: 'refuse', reason: 'CouponExpired' }, accept])).toEqual([
      { kind: 'refuse', reason: 'OtherCouponFailed' },
      { kind: 'refuse', reason: 'CouponExpired' },
      { kind: 'refuse', reason: 'OtherCouponFailed' },
    ]);
  });
});
