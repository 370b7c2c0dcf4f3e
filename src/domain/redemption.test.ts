// Unit tests for the redemption rules: each check, its boundaries, and the order in which checks run.
import { describe, expect, it } from 'vitest';
import { AT, decide, outcome, utc, type Case } from '../../test/support/redemption-cases.js';
import { DAY_MS } from './clock.js';
import { money } from './money.js';
import { UNLIMITED, UNLIMITED_BILL, type Series } from './series.js';

describe('decideRedemption', () => {
  it('accepts a fresh coupon issued to the customer, with its discount', () => {
    expect(decide()).toEqual({ kind: 'accept', discount: money(100) });
  });

  describe('revocation and holds (check 2)', () => {
    it('refuses a revoked coupon', () => {
      expect(outcome({ coupon: { revokedAt: AT - DAY_MS } })).toBe('CouponRevoked');
    });

    it('refuses a coupon held by another checkout', () => {
      expect(outcome({ state: { heldByOther: true } })).toBe('CouponHeld');
    });

    it('reports revocation before a hold', () => {
      expect(outcome({ coupon: { revokedAt: AT }, state: { heldByOther: true } })).toBe('CouponRevoked');
    });
  });

  describe('redemption range (check 3)', () => {
    it('accepts at any time when dom, dow and hours are null', () => {
      const range = { dom: null, dow: null, hours: null };
      for (const at of [
        utc('2026-03-15T00:00:00Z'),
        utc('2026-03-31T23:59:59Z'),
        utc('2026-02-28T12:00:00Z'),
      ]) {
        expect(outcome({ series: { range }, ctx: { at } })).toBe('accept');
      }
    });

    it('refuses a day of month that is not listed', () => {
      expect(outcome({ series: { range: { dom: [11], dow: null, hours: null } } })).toBe('accept');
      expect(outcome({ series: { range: { dom: [1, 12], dow: null, hours: null } } })).toBe(
        'OutsideRedemptionRange',
      );
    });

    it('numbers days of week the ISO way: Monday is 1 and Sunday is 7', () => {
      const sunday = utc('2026-03-15T12:00:00Z');
      const monday = utc('2026-03-16T12:00:00Z');
      const only = (dow: number[]) => ({ range: { dom: null, dow, hours: null } });
      expect(outcome({ series: only([7]), ctx: { at: sunday } })).toBe('accept');
      expect(outcome({ series: only([0]), ctx: { at: sunday } })).toBe('OutsideRedemptionRange');
      expect(outcome({ series: only([1]), ctx: { at: monday } })).toBe('accept');
      expect(outcome({ series: only([7]), ctx: { at: monday } })).toBe('OutsideRedemptionRange');
      expect(outcome({ series: only([3]), ctx: { at: AT } })).toBe('accept'); // Wednesday
    });

    it('refuses an hour that is not listed', () => {
      expect(outcome({ series: { range: { dom: null, dow: null, hours: [10] } } })).toBe('accept');
      expect(outcome({ series: { range: { dom: null, dow: null, hours: [9, 11] } } })).toBe(
        'OutsideRedemptionRange',
      );
    });

    it('accepts hour 23 up to the last minute and refuses at 00:00 in the org timezone', () => {
      const hours23 = { range: { dom: null, dow: null, hours: [23] } };
      // Kolkata is UTC+5:30: 18:29 UTC is 23:59 there, 18:30 UTC is 00:00 the next day.
      const tz = 'Asia/Kolkata';
      expect(outcome({ series: hours23, ctx: { at: utc('2026-03-15T18:29:59Z'), timezone: tz } })).toBe(
        'accept',
      );
      expect(outcome({ series: hours23, ctx: { at: utc('2026-03-15T18:30:00Z'), timezone: tz } })).toBe(
        'OutsideRedemptionRange',
      );
    });

    it('reads the hour, day of month and weekday in the org timezone, not UTC', () => {
      // The same instant: Sunday 15th 18:30 in UTC, Monday 16th 00:00 in Kolkata.
      const at = utc('2026-03-15T18:30:00Z');
      const check = (range: Series['range'], timezone: string) =>
        outcome({ series: { range }, ctx: { at, timezone } });
      const hour0 = { dom: null, dow: null, hours: [0] };
      const monday = { dom: null, dow: [1], hours: null };
      const the16th = { dom: [16], dow: null, hours: null };
      for (const range of [hour0, monday, the16th]) {
        expect(check(range, 'Asia/Kolkata')).toBe('accept');
        expect(check(range, 'UTC')).toBe('OutsideRedemptionRange');
      }
      const sunday15th18h = { dom: [15], dow: [7], hours: [18] };
      expect(check(sunday15th18h, 'UTC')).toBe('accept');
      expect(check(sunday15th18h, 'Asia/Kolkata')).toBe('OutsideRedemptionRange');
    });

    it('needs all three lists to allow the moment', () => {
      expect(outcome({ series: { range: { dom: [11], dow: [3], hours: [10] } } })).toBe('accept');
      expect(outcome({ series: { range: { dom: [11], dow: [3], hours: [11] } } })).toBe(
        'OutsideRedemptionRange',
      );
      expect(outcome({ series: { range: { dom: [11], dow: [4], hours: [10] } } })).toBe(
        'OutsideRedemptionRange',
      );
    });
  });

  describe('customer and prior use (checks 4–7)', () => {
    it("refuses another customer's coupon when the series is not anyUser", () => {
      expect(outcome({ ctx: { customerId: 7 } })).toBe('NotCustomersCoupon');
    });

    it('accepts any customer when the series is anyUser', () => {
      expect(outcome({ series: { anyUser: true }, ctx: { customerId: 7 } })).toBe('accept');
    });

    it('refuses a customer redeeming again when sameUserMultipleRedeem is false', () => {
      expect(outcome({ series: { isMultipleUseAllowed: true }, state: { redemptionsByCustomer: 1 } })).toBe(
        'AlreadyRedeemedByCustomer',
      );
    });

    it('reports 716 before 711 when the same customer redeems a single-use coupon again', () => {
      expect(outcome({ coupon: { redemptionCount: 1 }, state: { redemptionsByCustomer: 1 } })).toBe(
        'AlreadyRedeemedByCustomer',
      );
    });

    it('refuses a redeemed single-use coupon', () => {
      expect(
        outcome({ series: { anyUser: true }, coupon: { redemptionCount: 1 }, ctx: { customerId: 7 } }),
      ).toBe('AlreadyRedeemed');
      expect(outcome({ series: { sameUserMultipleRedeem: true }, coupon: { redemptionCount: 1 } })).toBe(
        'AlreadyRedeemed',
      );
    });

    it('accepts a redeemed coupon again when multiple use and repeat redemption are allowed', () => {
      const series = { isMultipleUseAllowed: true, sameUserMultipleRedeem: true };
      expect(outcome({ series, coupon: { redemptionCount: 5 }, state: { redemptionsByCustomer: 5 } })).toBe(
        'accept',
      );
    });

    it('refuses a coupon that has reached redemptionPerCouponMaxLimit', () => {
      const series = {
        isMultipleUseAllowed: true,
        sameUserMultipleRedeem: true,
        redemptionPerCouponMaxLimit: 3,
      };
      expect(outcome({ series, coupon: { redemptionCount: 2 } })).toBe('accept');
      expect(outcome({ series, coupon: { redemptionCount: 3 } })).toBe('CouponUseLimitReached');
      expect(outcome({ series: { ...series, redemptionPerCouponMaxLimit: 0 } })).toBe(
        'CouponUseLimitReached',
      );
    });

    it('treats redemptionPerCouponMaxLimit -1 as unlimited', () => {
      const series = { isMultipleUseAllowed: true, redemptionPerCouponMaxLimit: UNLIMITED };
      expect(outcome({ series, coupon: { redemptionCount: 10_000 } })).toBe('accept');
    });
  });

  describe('dates (checks 8–10)', () => {
    const tz = 'Asia/Kolkata';

    it('accepts on the last day of the series until 23:59 local and refuses from 00:00 the next day', () => {
      const series = { validTillDate: '2026-03-15' };
      // 18:29:59 UTC is 23:59:59 on the 15th in Kolkata; 18:30 UTC is 00:00 on the 16th.
      expect(outcome({ series, ctx: { at: utc('2026-03-15T18:29:59Z'), timezone: tz } })).toBe('accept');
      expect(outcome({ series, ctx: { at: utc('2026-03-15T18:30:00Z'), timezone: tz } })).toBe(
        'SeriesExpired',
      );
    });

    it('refuses a coupon whose series has expired', () => {
      expect(outcome({ series: { validTillDate: '2026-03-10' } })).toBe('SeriesExpired');
    });

    it('accepts on the last day of the coupon until 23:59 local and refuses from 00:00 the next day', () => {
      const coupon = { validTill: '2026-03-15' };
      expect(outcome({ coupon, ctx: { at: utc('2026-03-15T18:29:59Z'), timezone: tz } })).toBe('accept');
      expect(outcome({ coupon, ctx: { at: utc('2026-03-15T18:30:00Z'), timezone: tz } })).toBe(
        'CouponExpired',
      );
    });

    it('reports an expired series before an expired coupon', () => {
      expect(outcome({ series: { validTillDate: '2026-03-01' }, coupon: { validTill: '2026-03-01' } })).toBe(
        'SeriesExpired',
      );
    });

    it('refuses a coupon before redemptionValidFrom and accepts on that date', () => {
      const series = { redemptionValidFrom: '2026-03-16' };
      expect(outcome({ series, ctx: { at: utc('2026-03-15T18:29:59Z'), timezone: tz } })).toBe(
        'NotRedeemableYet',
      );
      expect(outcome({ series, ctx: { at: utc('2026-03-15T18:30:00Z'), timezone: tz } })).toBe('accept');
    });

    it('refuses a coupon until redemptionValidAfterDays have passed since the local issue date', () => {
      // Issued on Mar 10 local; 1 day after means redeemable from Mar 11.
      const coupon = { issuedAt: utc('2026-03-10T20:00:00Z') };
      const series = { redemptionValidAfterDays: 1 };
      expect(outcome({ series, coupon, ctx: { at: utc('2026-03-10T23:59:59Z') } })).toBe('NotRedeemableYet');
      expect(outcome({ series, coupon, ctx: { at: utc('2026-03-11T00:00:00Z') } })).toBe('accept');
      // 20:00 UTC on Mar 10 is already Mar 11 in Kolkata, so the coupon is redeemable from Mar 12 there.
      expect(outcome({ series, coupon, ctx: { at: utc('2026-03-11T10:00:00Z'), timezone: tz } })).toBe(
        'NotRedeemableYet',
      );
    });

    it('refuses a coupon that was never issued (null issuedAt) as not redeemable yet', () => {
      expect(outcome({ series: { anyUser: true }, coupon: { issuedAt: null, customerId: null } })).toBe(
        'NotRedeemableYet',
      );
    });
  });

  describe('series and customer limits (checks 11–13)', () => {
    it('refuses when the series has reached maxRedeem', () => {
      expect(outcome({ series: { maxRedeem: 5 }, s: { redeemed: 4 } })).toBe('accept');
      expect(outcome({ series: { maxRedeem: 5 }, s: { redeemed: 5 } })).toBe('SeriesRedeemLimitReached');
    });

    it("counts other checkouts' holds towards maxRedeem", () => {
      expect(outcome({ series: { maxRedeem: 5 }, s: { redeemed: 3, heldByOthers: 1 } })).toBe('accept');
      expect(outcome({ series: { maxRedeem: 5 }, s: { redeemed: 3, heldByOthers: 2 } })).toBe(
        'SeriesRedeemLimitReached',
      );
      expect(outcome({ series: { maxRedeem: 1 }, s: { heldByOthers: 1 } })).toBe('SeriesRedeemLimitReached');
    });

    it('treats maxRedeem -1 as unlimited', () => {
      expect(outcome({ series: { maxRedeem: UNLIMITED }, s: { redeemed: 1_000_000, heldByOthers: 9 } })).toBe(
        'accept',
      );
    });

    it('refuses when the customer has reached maxRedemptionsInSeriesPerUser, holds included', () => {
      const series = { maxRedemptionsInSeriesPerUser: 2 };
      expect(outcome({ series, cs: { redeemed: 1 } })).toBe('accept');
      expect(outcome({ series, cs: { redeemed: 2 } })).toBe('CustomerRedeemLimitReached');
      expect(outcome({ series, cs: { redeemed: 1, heldByOthers: 1 } })).toBe('CustomerRedeemLimitReached');
    });

    it('treats maxRedemptionsInSeriesPerUser -1 as unlimited', () => {
      const series = { maxRedemptionsInSeriesPerUser: UNLIMITED };
      expect(outcome({ series, cs: { redeemed: 500, heldByOthers: 5 } })).toBe('accept');
    });

    it('reports the series limit before the customer limit', () => {
      const series = { maxRedeem: 1, maxRedemptionsInSeriesPerUser: 1 };
      expect(outcome({ series, s: { redeemed: 1 }, cs: { redeemed: 1 } })).toBe('SeriesRedeemLimitReached');
    });

    it('refuses a redemption sooner than minDaysBetweenRedemption after the previous one in the series', () => {
      const series = { minDaysBetweenRedemption: 7 };
      expect(outcome({ series, cs: { lastRedeemedAt: AT - 7 * DAY_MS + 1 } })).toBe(
        'MinDaysBetweenRedemption',
      );
      expect(outcome({ series, cs: { lastRedeemedAt: AT - 7 * DAY_MS } })).toBe('accept');
      expect(outcome({ series, cs: { lastRedeemedAt: null } })).toBe('accept');
    });

    it('refuses a back-dated redemption that falls before the latest one in the series', () => {
      // at − lastRedeemedAt is negative, so below any minimum: the spacing is kept by refusing.
      const series = { minDaysBetweenRedemption: 7 };
      expect(outcome({ series, cs: { lastRedeemedAt: AT + 30 * DAY_MS } })).toBe('MinDaysBetweenRedemption');
    });

    it('treats minDaysBetweenRedemption -1 and 0 as no minimum', () => {
      for (const minDaysBetweenRedemption of [UNLIMITED, 0]) {
        expect(outcome({ series: { minDaysBetweenRedemption }, cs: { lastRedeemedAt: AT } })).toBe('accept');
        // A back-dated redemption (redemptionTime before the latest one) is not spaced either.
        expect(
          outcome({ series: { minDaysBetweenRedemption }, cs: { lastRedeemedAt: AT + 2 * DAY_MS } }),
        ).toBe('accept');
      }
    });
  });

  describe('bill, till and transaction (checks 14–16)', () => {
    const range = { minBillAmount: money(100), maxBillAmount: money(500) };

    it('accepts a bill exactly at minBillAmount and exactly at maxBillAmount', () => {
      expect(outcome({ series: range, ctx: { bill: money(100) } })).toBe('accept');
      expect(outcome({ series: range, ctx: { bill: money(500) } })).toBe('accept');
    });

    it('refuses a bill one ten-thousandth outside either end', () => {
      expect(outcome({ series: range, ctx: { bill: money('99.9999') } })).toBe('BillAmountOutOfRange');
      expect(outcome({ series: range, ctx: { bill: money('500.0001') } })).toBe('BillAmountOutOfRange');
    });

    it('has no maximum when maxBillAmount is -1', () => {
      const series = { minBillAmount: money(100), maxBillAmount: UNLIMITED_BILL };
      expect(outcome({ series, ctx: { bill: money('9999999999.9999') } })).toBe('accept');
      expect(outcome({ series, ctx: { bill: money('99.9999') } })).toBe('BillAmountOutOfRange');
    });

    it('lets only a zero bill through when minBillAmount and maxBillAmount are both 0', () => {
      const series = { minBillAmount: money(0), maxBillAmount: money(0) };
      expect(outcome({ series, ctx: { bill: money(0) } })).toBe('accept');
      expect(outcome({ series, ctx: { bill: money('0.0001') } })).toBe('BillAmountOutOfRange');
    });

    it('skips the bill check when there is no bill (a hold without billAmount)', () => {
      expect(outcome({ series: range, ctx: { bill: undefined } })).toBe('accept');
    });

    it('refuses a till that is not in redeemTills, and a missing till, when the series lists tills', () => {
      const series = { redeemTills: { kind: 'only', tills: ['T1', 'T2'] } as const };
      expect(outcome({ series, ctx: { tillId: 'T2' } })).toBe('accept');
      expect(outcome({ series, ctx: { tillId: 'T3' } })).toBe('TillNotAllowed');
      expect(outcome({ series, ctx: { tillId: null } })).toBe('TillNotAllowed');
    });

    it('accepts any till, or none, when redeemTills is all', () => {
      expect(outcome({ ctx: { tillId: 'ANY' } })).toBe('accept');
      expect(outcome({ ctx: { tillId: null } })).toBe('accept');
    });

    it('refuses a coupon already redeemed on this transaction number', () => {
      expect(outcome({ state: { redeemedOnBill: true } })).toBe('AlreadyRedeemedOnBill');
    });
  });

  it('reports the earliest failing check, in the order of docs/errors.md', () => {
    // A coupon failing every check; each step fixes the check that was just reported.
    const k: Required<Case> = {
      series: {
        range: { dom: [1], dow: null, hours: null },
        anyUser: false,
        sameUserMultipleRedeem: false,
        isMultipleUseAllowed: false,
        redemptionPerCouponMaxLimit: 1,
        validTillDate: '2026-03-01',
        redemptionValidFrom: '2026-04-01',
        maxRedeem: 1,
        maxRedemptionsInSeriesPerUser: 1,
        minDaysBetweenRedemption: 30,
        minBillAmount: money(5000),
        redeemTills: { kind: 'only', tills: ['T9'] },
      },
      coupon: { revokedAt: AT, customerId: 7, redemptionCount: 1, validTill: '2026-03-01' },
      state: { heldByOther: true, redemptionsByCustomer: 1, redeemedOnBill: true },
      s: { redeemed: 1 },
      cs: { redeemed: 1, lastRedeemedAt: AT - DAY_MS },
      ctx: {},
    };
    const steps: [string, () => void][] = [
      ['CouponRevoked', () => (k.coupon.revokedAt = null)],
      ['CouponHeld', () => (k.state.heldByOther = false)],
      ['OutsideRedemptionRange', () => (k.series.range = { dom: null, dow: null, hours: null })],
      ['NotCustomersCoupon', () => (k.series.anyUser = true)],
      ['AlreadyRedeemedByCustomer', () => (k.series.sameUserMultipleRedeem = true)],
      ['AlreadyRedeemed', () => (k.series.isMultipleUseAllowed = true)],
      ['CouponUseLimitReached', () => (k.series.redemptionPerCouponMaxLimit = UNLIMITED)],
      ['SeriesExpired', () => (k.series.validTillDate = '2026-12-31')],
      ['CouponExpired', () => (k.coupon.validTill = '2026-12-31')],
      ['NotRedeemableYet', () => (k.series.redemptionValidFrom = null)],
      ['SeriesRedeemLimitReached', () => (k.series.maxRedeem = UNLIMITED)],
      ['CustomerRedeemLimitReached', () => (k.series.maxRedemptionsInSeriesPerUser = UNLIMITED)],
      ['MinDaysBetweenRedemption', () => (k.series.minDaysBetweenRedemption = UNLIMITED)],
      ['BillAmountOutOfRange', () => (k.series.minBillAmount = money(0))],
      ['TillNotAllowed', () => (k.series.redeemTills = { kind: 'all' })],
      ['AlreadyRedeemedOnBill', () => (k.state.redeemedOnBill = false)],
    ];
    const seen = steps.map(([, fix]) => {
      const reason = outcome(k);
      fix();
      return reason;
    });
    expect(seen).toEqual(steps.map(([reason]) => reason));
    expect(outcome(k)).toBe('accept');
  });

  it('reports revocation for a coupon that is both revoked and expired', () => {
    expect(outcome({ coupon: { revokedAt: AT, validTill: '2026-01-31' } })).toBe('CouponRevoked');
  });
});
