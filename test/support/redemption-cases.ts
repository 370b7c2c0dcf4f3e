// Fixtures of the redemption rules' unit tests (src/domain/redemption*.test.ts): a coupon and series that
// pass every check, and the state and context a test changes one field of.
import type { Coupon } from '../../src/domain/coupon.js';
import { money } from '../../src/domain/money.js';
import {
  decideRedemption,
  type CouponState,
  type CustomerSeriesState,
  type RedemptionContext,
  type RedemptionDecision,
  type SeriesState,
} from '../../src/domain/redemption.js';
import { UNLIMITED, UNLIMITED_BILL, type Series } from '../../src/domain/series.js';

export const utc = (iso: string): number => Date.parse(iso);
export const CUSTOMER = 42;
/** A Wednesday, 10:00 UTC. */
export const AT = utc('2026-03-11T10:00:00Z');

export function makeSeries(over: Partial<Series> = {}): Series {
  return {
    id: 1,
    orgId: 1,
    configVersion: 1,
    createdBy: null,
    createdAt: utc('2026-01-01T00:00:00Z'),
    updatedAt: utc('2026-01-01T00:00:00Z'),
    seriesCode: 'SPRING',
    description: 'spring offer',
    discountCode: 'SPRING',
    discountType: 'ABS',
    discountValue: money(100),
    discountUpto: money(0),
    discountOn: 'BILL',
    clientHandlingType: 'DISC_CODE',
    genericCode: null,
    validTillDate: '2026-12-31',
    redemptionValidFrom: null,
    redemptionValidAfterDays: 0,
    expiryStrategyType: 'SERIES_EXPIRY',
    expiryStrategyValue: 0,
    maxCreate: UNLIMITED,
    maxRedeem: UNLIMITED,
    maxVouchersPerUser: UNLIMITED,
    minDaysBetweenVouchers: UNLIMITED,
    maxRedemptionsInSeriesPerUser: UNLIMITED,
    minDaysBetweenRedemption: UNLIMITED,
    redemptionPerCouponMaxLimit: UNLIMITED,
    anyUser: false,
    sameUserMultipleRedeem: false,
    isMultipleUseAllowed: false,
    isMultipleVouchersPerUserAllowed: false,
    doNotResendExistingVoucher: false,
    mutualExclusiveSeriesIds: '[]',
    exclusiveSeriesIds: [],
    storeIdsJson: '[-1]',
    issueTills: { kind: 'all' },
    redeemAtStore: '[-1]',
    redeemTills: { kind: 'all' },
    redemptionRange: '{"dom":["-1"],"dow":["-1"],"hours":["-1"]}',
    range: { dom: null, dow: null, hours: null },
    minBillAmount: money(0),
    maxBillAmount: UNLIMITED_BILL,
    code: {
      alphaNumeric: true,
      length: 8,
      prefix: '',
      prefixEnabled: false,
      suffix: '',
      suffixEnabled: false,
      excludeLookAlikes: false,
    },
    smsTemplate: '',
    isSmsDisabled: true,
    extra: {},
    ...over,
  };
}

export function makeCoupon(over: Partial<Coupon> = {}): Coupon {
  return {
    id: 10,
    orgId: 1,
    seriesId: 1,
    code: 'ABCD1234',
    heldUntil: null,
    isGeneric: false,
    customerId: CUSTOMER,
    issuedAt: utc('2026-01-01T00:00:00Z'),
    validTill: '2026-12-31',
    redemptionCount: 0,
    lastRedeemedAt: null,
    revokedAt: null,
    origin: 'generated',
    createdAt: utc('2026-01-01T00:00:00Z'),
    ...over,
  };
}

export interface Case {
  series?: Partial<Series>;
  coupon?: Partial<Coupon>;
  state?: Partial<Omit<CouponState, 'coupon' | 'series'>>;
  s?: Partial<SeriesState>;
  cs?: Partial<CustomerSeriesState>;
  ctx?: Partial<RedemptionContext>;
}

export function couponState(k: Case): CouponState {
  return {
    coupon: makeCoupon(k.coupon),
    series: makeSeries(k.series),
    redemptionsByCustomer: 0,
    redeemedOnBill: false,
    heldByOther: false,
    ...k.state,
  };
}

export const seriesState = (over: Partial<SeriesState> = {}): SeriesState => ({
  redeemed: 0,
  heldByOthers: 0,
  ...over,
});
export const customerState = (over: Partial<CustomerSeriesState> = {}): CustomerSeriesState => ({
  redeemed: 0,
  lastRedeemedAt: null,
  heldByOthers: 0,
  ...over,
});
export const context = (over: Partial<RedemptionContext> = {}): RedemptionContext => ({
  customerId: CUSTOMER,
  bill: money(1000),
  tillId: 'T1',
  at: AT,
  timezone: 'UTC',
  billNumber: 'BILL-1',
  holdId: null,
  ...over,
});

export const decide = (k: Case = {}): RedemptionDecision =>
  decideRedemption(couponState(k), seriesState(k.s), customerState(k.cs), context(k.ctx));
/** The refusal reason, or 'accept'. */
export const outcome = (k: Case = {}): string => {
  const d = decide(k);
  return d.kind === 'accept' ? 'accept' : d.reason;
};
