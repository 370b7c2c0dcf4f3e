// Tests for the issuance decision: each docs/api.md §6 check, its boundaries, and the order in which they run.
import { describe, expect, it } from 'vitest';
import {
  input,
  issued,
  makeCoupon,
  makeSeries,
  NOW,
  refused,
  utc,
} from '../../test/support/issuance-cases.js';
import { DAY_MS } from './clock.js';
import { decideIssue, isCouponUsable, type IssueCheckInput } from './issuance.js';
import type { Series } from './series.js';

describe('decideIssue', () => {
  it('issues a generated coupon valid until the series end when nothing limits it', () => {
    expect(decideIssue(input())).toEqual(issued);
  });

  it('gives the new coupon the validTill of the expiry strategy', () => {
    const decision = decideIssue(input({ expiryStrategyType: 'DAYS', expiryStrategyValue: 10 }));
    expect(decision).toEqual({ ...issued, validTill: '2026-06-25' });
    const clipped = decideIssue(
      input({ expiryStrategyType: 'MONTHS', expiryStrategyValue: 3, validTillDate: '2026-08-01' }),
    );
    expect(clipped).toEqual({ ...issued, validTill: '2026-08-01' });
  });

  describe('1. series expiry', () => {
    it('issues on the last valid day of the series, to its last instant', () => {
      const now = utc('2026-12-31T23:59:59.999Z');
      expect(decideIssue(input({}, { now }))).toEqual(issued);
    });

    it('refuses a series whose last day has passed', () => {
      expect(decideIssue(input({}, { now: utc('2027-01-01T00:00:00Z') }))).toEqual(refused('SeriesExpired'));
    });

    it('reads the date in the org timezone', () => {
      // 20:00 UTC on Dec 31 is already Jan 1 in Kolkata (UTC+5:30).
      const now = utc('2026-12-31T20:00:00Z');
      expect(decideIssue(input({}, { now, timezone: 'UTC' }))).toEqual(issued);
      expect(decideIssue(input({}, { now, timezone: 'Asia/Kolkata' }))).toEqual(refused('SeriesExpired'));
    });
  });

  describe('2. issuing till', () => {
    const onlyT1 = {
      storeIdsJson: '["T1","T2"]',
      issueTills: { kind: 'only', tills: ['T1', 'T2'] },
    } as const;

    it('issues at a listed till', () => {
      expect(decideIssue(input(onlyT1, { tillId: 'T2' }))).toEqual(issued);
    });

    it('refuses at a till that is not listed', () => {
      expect(decideIssue(input(onlyT1, { tillId: 'T9' }))).toEqual(refused('IssuingTillNotAllowed'));
    });

    it('refuses without a till when the series lists tills', () => {
      expect(decideIssue(input(onlyT1, { tillId: null }))).toEqual(refused('IssuingTillNotAllowed'));
    });

    it('issues at any till, or none, when the series allows all tills', () => {
      expect(decideIssue(input({}, { tillId: null }))).toEqual(issued);
      expect(decideIssue(input({}, { tillId: 'ANY' }))).toEqual(issued);
    });
  });

  describe('3. mutually exclusive series', () => {
    it('refuses a customer who holds a coupon of an exclusive series', () => {
      const series = { mutualExclusiveSeriesIds: '[11,12]', exclusiveSeriesIds: [11, 12] };
      expect(decideIssue(input(series, { heldExclusiveSeriesIds: [12] }))).toEqual(
        refused('MutuallyExclusiveSeries'),
      );
      expect(decideIssue(input(series, { heldExclusiveSeriesIds: [] }))).toEqual(issued);
    });
  });

  describe('4. one coupon per customer', () => {
    const active = makeCoupon();
    const had = { customerSeries: { issuedCount: 1, lastIssuedAt: utc('2026-06-01T09:00:00Z') } };

    it('resends the active coupon when doNotResendExistingVoucher is false', () => {
      const decision = decideIssue(
        input({ doNotResendExistingVoucher: false }, { ...had, activeCoupon: active }),
      );
      expect(decision).toEqual({ kind: 'resend', coupon: active });
    });

    it('refuses when doNotResendExistingVoucher is true, even with an active coupon', () => {
      const decision = decideIssue(
        input({ doNotResendExistingVoucher: true }, { ...had, activeCoupon: active }),
      );
      expect(decision).toEqual(refused('AlreadyIssued'));
    });

    it.each([true, false])(
      'refuses when the earlier coupon is no longer usable (doNotResendExistingVoucher %s)',
      (doNotResendExistingVoucher) => {
        expect(decideIssue(input({ doNotResendExistingVoucher }, had))).toEqual(refused('AlreadyIssued'));
      },
    );

    it('treats an active coupon as an earlier issue even when the history counts none', () => {
      const over = { activeCoupon: active };
      expect(decideIssue(input({ doNotResendExistingVoucher: false }, over))).toEqual({
        kind: 'resend',
        coupon: active,
      });
      expect(decideIssue(input({ doNotResendExistingVoucher: true }, over))).toEqual(
        refused('AlreadyIssued'),
      );
    });

    it('issues another coupon when multiple coupons per customer are allowed', () => {
      const series = { isMultipleVouchersPerUserAllowed: true, doNotResendExistingVoucher: false };
      expect(decideIssue(input(series, { ...had, activeCoupon: active }))).toEqual(issued);
    });
  });

  describe('5. maxVouchersPerUser', () => {
    const multiple = (maxVouchersPerUser: number) => ({
      isMultipleVouchersPerUserAllowed: true,
      maxVouchersPerUser,
    });
    const count = (issuedCount: number) => ({ customerSeries: { issuedCount, lastIssuedAt: null } });

    it('issues below the limit and refuses at it', () => {
      expect(decideIssue(input(multiple(3), count(2)))).toEqual(issued);
      expect(decideIssue(input(multiple(3), count(3)))).toEqual(refused('MaxPerUserExceeded'));
    });

    it('has no limit at -1', () => {
      expect(decideIssue(input(multiple(-1), count(1_000_000)))).toEqual(issued);
    });

    it('refuses every issue at 0', () => {
      expect(decideIssue(input(multiple(0), count(0)))).toEqual(refused('MaxPerUserExceeded'));
    });

    it('does not apply when only one coupon per customer is allowed', () => {
      const series = { isMultipleVouchersPerUserAllowed: false, maxVouchersPerUser: 0 };
      expect(decideIssue(input(series, count(0)))).toEqual(issued);
    });
  });

  describe('6. minDaysBetweenVouchers', () => {
    const series = { isMultipleVouchersPerUserAllowed: true, minDaysBetweenVouchers: 7 };
    const last = (lastIssuedAt: number | null) => ({ customerSeries: { issuedCount: 1, lastIssuedAt } });

    it('issues once exactly the minimum has passed', () => {
      expect(decideIssue(input(series, last(NOW - 7 * DAY_MS)))).toEqual(issued);
    });

    it('refuses a millisecond before the minimum has passed', () => {
      expect(decideIssue(input(series, last(NOW - 7 * DAY_MS + 1)))).toEqual(refused('MinDaysBetweenIssual'));
    });

    it('issues a first coupon whatever the minimum', () => {
      expect(decideIssue(input(series, last(null)))).toEqual(issued);
    });

    it.each([-1, 0])('has no minimum at %i', (minDaysBetweenVouchers) => {
      const s = { ...series, minDaysBetweenVouchers };
      expect(decideIssue(input(s, last(NOW)))).toEqual(issued);
    });
  });

  describe('7. pool of uploaded codes', () => {
    it('refuses a DISC_CODE_PIN series whose pool is empty', () => {
      const pin = { clientHandlingType: 'DISC_CODE_PIN' } as const;
      expect(decideIssue(input(pin, { counters: { numIssued: 3, poolAvailable: 0 } }))).toEqual(
        refused('CouponsExhausted'),
      );
      expect(decideIssue(input(pin, { counters: { numIssued: 3, poolAvailable: 1 } }))).toEqual({
        ...issued,
        fromPool: true,
      });
    });

    it('issues a DISC_CODE series from its pool first, then generates', () => {
      expect(decideIssue(input({}, { counters: { numIssued: 0, poolAvailable: 2 } }))).toEqual({
        ...issued,
        fromPool: true,
      });
      expect(decideIssue(input({}, { counters: { numIssued: 2, poolAvailable: 0 } }))).toEqual(issued);
    });

    it('never takes a GENERIC series coupon from a pool', () => {
      const generic = { clientHandlingType: 'GENERIC', genericCode: 'SUMMER10' } as const;
      expect(decideIssue(input(generic, { counters: { numIssued: 0, poolAvailable: 5 } }))).toEqual(issued);
      expect(decideIssue(input(generic, { counters: { numIssued: 0, poolAvailable: 0 } }))).toEqual(issued);
    });
  });

  describe('8. maxCreate', () => {
    const made = (numIssued: number) => ({ counters: { numIssued, poolAvailable: 0 } });

    it('issues below the limit and refuses at it', () => {
      expect(decideIssue(input({ maxCreate: 5 }, made(4)))).toEqual(issued);
      expect(decideIssue(input({ maxCreate: 5 }, made(5)))).toEqual(refused('MaxCreateExceeded'));
    });

    it('refuses every issue at 0', () => {
      expect(decideIssue(input({ maxCreate: 0 }, made(0)))).toEqual(refused('MaxCreateExceeded'));
    });

    it('has no limit at -1', () => {
      expect(decideIssue(input({ maxCreate: -1 }, made(10_000_000)))).toEqual(issued);
    });
  });

  describe('9. redemption start after the series end', () => {
    const end = { validTillDate: '2026-06-20' };
    const ends = { ...issued, validTill: '2026-06-20' };

    it('issues when the coupon becomes redeemable on the last day of the series', () => {
      expect(decideIssue(input({ ...end, redemptionValidAfterDays: 5 }))).toEqual(ends);
      expect(decideIssue(input({ ...end, redemptionValidFrom: '2026-06-20' }))).toEqual(ends);
    });

    it('refuses when the coupon would become redeemable only after the series ends', () => {
      expect(decideIssue(input({ ...end, redemptionValidAfterDays: 6 }))).toEqual(
        refused('RedemptionStartAfterExpiry'),
      );
      expect(decideIssue(input({ ...end, redemptionValidFrom: '2026-06-21' }))).toEqual(
        refused('RedemptionStartAfterExpiry'),
      );
    });
  });

  describe('order', () => {
    it('answers SeriesExpired for an expired series that is also at maxCreate', () => {
      const decision = decideIssue(
        input(
          { maxCreate: 1 },
          { now: utc('2027-02-01T00:00:00Z'), counters: { numIssued: 1, poolAvailable: 0 } },
        ),
      );
      expect(decision).toEqual(refused('SeriesExpired'));
    });

    it('resends an active coupon even when the series has reached maxCreate', () => {
      const active = makeCoupon();
      const decision = decideIssue(
        input(
          { doNotResendExistingVoucher: false, maxCreate: 1 },
          {
            counters: { numIssued: 1, poolAvailable: 0 },
            customerSeries: { issuedCount: 1, lastIssuedAt: NOW },
            activeCoupon: active,
          },
        ),
      );
      expect(decision).toEqual({ kind: 'resend', coupon: active });
    });

    it('reports the first failing check, in docs/api.md §6 order, as each earlier one is put right', () => {
      // Every check fails at first; each step fixes the check that was reported.
      const failing = {
        series: {
          validTillDate: '2026-06-10',
          issueTills: { kind: 'only', tills: ['T1'] },
          exclusiveSeriesIds: [11],
          isMultipleVouchersPerUserAllowed: false,
          maxVouchersPerUser: 2,
          minDaysBetweenVouchers: 30,
          clientHandlingType: 'DISC_CODE_PIN',
          maxCreate: 4,
          redemptionValidAfterDays: 400,
        } as Partial<Series>,
        rest: {
          tillId: 'T9',
          heldExclusiveSeriesIds: [11],
          customerSeries: { issuedCount: 2, lastIssuedAt: NOW - DAY_MS },
          counters: { numIssued: 4, poolAvailable: 0 },
        } as Partial<IssueCheckInput>,
      };
      const fixes: [string, () => void][] = [
        ['SeriesExpired', () => (failing.series.validTillDate = '2026-12-31')],
        ['IssuingTillNotAllowed', () => (failing.rest.tillId = 'T1')],
        ['MutuallyExclusiveSeries', () => (failing.rest.heldExclusiveSeriesIds = [])],
        ['AlreadyIssued', () => (failing.series.isMultipleVouchersPerUserAllowed = true)],
        ['MaxPerUserExceeded', () => (failing.series.maxVouchersPerUser = -1)],
        ['MinDaysBetweenIssual', () => (failing.series.minDaysBetweenVouchers = 0)],
        ['CouponsExhausted', () => (failing.rest.counters = { numIssued: 4, poolAvailable: 1 })],
        ['MaxCreateExceeded', () => (failing.series.maxCreate = -1)],
        ['RedemptionStartAfterExpiry', () => (failing.series.redemptionValidAfterDays = 0)],
      ];
      for (const [reason, fix] of fixes) {
        expect(decideIssue(input(failing.series, failing.rest))).toEqual(refused(reason));
        fix();
      }
      expect(decideIssue(input(failing.series, failing.rest))).toEqual({ ...issued, fromPool: true });
    });
  });
});

describe('isCouponUsable', () => {
  const series = makeSeries();
  const at = NOW;

  it('is true for an issued coupon that is unredeemed, unrevoked and in date', () => {
    expect(isCouponUsable(makeCoupon(), series, at, 'UTC')).toBe(true);
  });

  it('is false for a revoked coupon', () => {
    expect(isCouponUsable(makeCoupon({ revokedAt: NOW - 1 }), series, at, 'UTC')).toBe(false);
  });

  it('is true on the coupon’s last valid day and false the day after', () => {
    const coupon = makeCoupon({ validTill: '2026-06-15' });
    expect(isCouponUsable(coupon, series, utc('2026-06-15T23:59:59Z'), 'UTC')).toBe(true);
    expect(isCouponUsable(coupon, series, utc('2026-06-16T00:00:00Z'), 'UTC')).toBe(false);
  });

  it('is false once the series has ended, even if the coupon date says otherwise', () => {
    // A series end moved earlier after the coupon was issued.
    expect(isCouponUsable(makeCoupon(), makeSeries({ validTillDate: '2026-06-14' }), at, 'UTC')).toBe(false);
  });

  it('is false for a redeemed coupon of a single-use series', () => {
    expect(isCouponUsable(makeCoupon({ redemptionCount: 1 }), series, at, 'UTC')).toBe(false);
  });

  it('is true for a redeemed coupon of a multiple-use series without a per-coupon limit', () => {
    const multi = makeSeries({ isMultipleUseAllowed: true, redemptionPerCouponMaxLimit: -1 });
    expect(isCouponUsable(makeCoupon({ redemptionCount: 50 }), multi, at, 'UTC')).toBe(true);
  });

  it('is false once redemptionPerCouponMaxLimit is reached', () => {
    const multi = makeSeries({ isMultipleUseAllowed: true, redemptionPerCouponMaxLimit: 3 });
    expect(isCouponUsable(makeCoupon({ redemptionCount: 2 }), multi, at, 'UTC')).toBe(true);
    expect(isCouponUsable(makeCoupon({ redemptionCount: 3 }), multi, at, 'UTC')).toBe(false);
  });

  it('is false for a code still waiting in the pool', () => {
    const pooled = makeCoupon({ customerId: null, issuedAt: null, validTill: null, origin: 'uploaded' });
    expect(isCouponUsable(pooled, series, at, 'UTC')).toBe(false);
  });
});
