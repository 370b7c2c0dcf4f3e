// Fixtures of the issuance rules' unit tests (src/domain/issuance.test.ts): a series with no limit set and
// the input a test changes one field of.
import type { Coupon } from '../../src/domain/coupon.js';
import type { IssueCheckInput } from '../../src/domain/issuance.js';
import { money } from '../../src/domain/money.js';
import type { Series } from '../../src/domain/series.js';

export const utc = (iso: string) => Date.parse(iso);
export const NOW = utc('2026-06-15T12:00:00Z');

/** A series with no limit set: every check passes unless a test changes a field. */
export const makeSeries = (over: Partial<Series> = {}): Series => ({
  id: 10,
  orgId: 1,
  configVersion: 1,
  createdBy: null,
  createdAt: utc('2026-01-01T00:00:00Z'),
  updatedAt: utc('2026-01-01T00:00:00Z'),
  seriesCode: 'SUMMER',
  description: '',
  discountCode: 'NO_VALUE',
  discountType: 'ABS',
  discountValue: money(10),
  discountUpto: money(0),
  discountOn: 'BILL',
  clientHandlingType: 'DISC_CODE',
  genericCode: null,
  validTillDate: '2026-12-31',
  redemptionValidFrom: null,
  redemptionValidAfterDays: 0,
  expiryStrategyType: 'SERIES_EXPIRY',
  expiryStrategyValue: 1,
  maxCreate: -1,
  maxRedeem: -1,
  maxVouchersPerUser: -1,
  minDaysBetweenVouchers: -1,
  maxRedemptionsInSeriesPerUser: -1,
  minDaysBetweenRedemption: -1,
  redemptionPerCouponMaxLimit: -1,
  anyUser: false,
  sameUserMultipleRedeem: false,
  isMultipleUseAllowed: false,
  isMultipleVouchersPerUserAllowed: false,
  doNotResendExistingVoucher: true,
  mutualExclusiveSeriesIds: '[]',
  exclusiveSeriesIds: [],
  storeIdsJson: '[-1]',
  issueTills: { kind: 'all' },
  redeemAtStore: '[-1]',
  redeemTills: { kind: 'all' },
  redemptionRange: '{"dom":["-1"],"dow":["-1"],"hours":["-1"]}',
  range: { dom: null, dow: null, hours: null },
  minBillAmount: money(0),
  maxBillAmount: money(-1),
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
  isSmsDisabled: false,
  extra: {},
  ...over,
});

export const makeCoupon = (over: Partial<Coupon> = {}): Coupon => ({
  id: 501,
  orgId: 1,
  seriesId: 10,
  code: 'ABCD2345',
  heldUntil: null,
  isGeneric: false,
  customerId: 77,
  issuedAt: utc('2026-06-01T09:00:00Z'),
  validTill: '2026-12-31',
  redemptionCount: 0,
  lastRedeemedAt: null,
  revokedAt: null,
  origin: 'generated',
  createdAt: utc('2026-06-01T09:00:00Z'),
  ...over,
});

/** A first issue to a new customer at NOW in UTC; `series` fields and input fields can be overridden. */
export const input = (series: Partial<Series> = {}, over: Partial<Omit<IssueCheckInput, 'series'>> = {}) =>
  ({
    series: makeSeries(series),
    counters: { numIssued: 0, poolAvailable: 0 },
    customerSeries: { issuedCount: 0, lastIssuedAt: null },
    activeCoupon: undefined,
    heldExclusiveSeriesIds: [],
    tillId: 'T1',
    now: NOW,
    timezone: 'UTC',
    ...over,
  }) satisfies IssueCheckInput;

export const issued = { kind: 'issue', validTill: '2026-12-31', fromPool: false } as const;
export const refused = (reason: string) => ({ kind: 'refuse', reason });
