// Whether a coupon of a series may be issued to a customer now (docs/api.md §6, docs/errors.md "Issuing"): a pure decision.
import { DAY_MS, type IsoDate } from './clock.js';
import type { Coupon } from './coupon.js';
import type { CouponErrorName } from './errors.js';
import { couponValidTill, isCouponExpired, isSeriesExpired, redemptionStart } from './expiry.js';
import { UNLIMITED, type Series } from './series.js';

export interface IssueCheckInput {
  series: Series;
  /** Coupons issued so far in the series (active or not) and unissued pool codes. */
  counters: { numIssued: number; poolAvailable: number };
  /** This customer's history in this series. */
  customerSeries: { issuedCount: number; lastIssuedAt: number | null };
  /** The customer's most recent coupon of this series that is still usable (not revoked, not expired, not used up), if any. */
  activeCoupon: Coupon | undefined;
  /** Series listed in series.exclusiveSeriesIds in which the customer holds a coupon. */
  heldExclusiveSeriesIds: readonly number[];
  tillId: string | null;
  now: number;
  timezone: string;
}

export type IssueDecision =
  | { kind: 'refuse'; reason: CouponErrorName }
  | { kind: 'resend'; coupon: Coupon }
  | { kind: 'issue'; validTill: IsoDate; fromPool: boolean };

const refuse = (reason: CouponErrorName): IssueDecision => ({ kind: 'refuse', reason });

/** Decides whether to refuse, resend the customer's coupon, or issue a new one; checks run in docs/api.md §6 order. */
export function decideIssue(input: IssueCheckInput): IssueDecision {
  const { series, counters, customerSeries, activeCoupon, now, timezone } = input;

  if (isSeriesExpired(series, now, timezone)) return refuse('SeriesExpired');

  const tills = series.issueTills;
  if (tills.kind === 'only' && (input.tillId === null || !tills.tills.includes(input.tillId))) {
    return refuse('IssuingTillNotAllowed');
  }

  if (input.heldExclusiveSeriesIds.length > 0) return refuse('MutuallyExclusiveSeries');

  if (!series.isMultipleVouchersPerUserAllowed) {
    // An active coupon proves an earlier issue even where the history row has no count for it (e.g. a code
    // uploaded already tagged to the customer), so either signal counts.
    if (customerSeries.issuedCount > 0 || activeCoupon !== undefined) {
      if (activeCoupon !== undefined && !series.doNotResendExistingVoucher) {
        return { kind: 'resend', coupon: activeCoupon };
      }
      return refuse('AlreadyIssued');
    }
  } else if (
    series.maxVouchersPerUser !== UNLIMITED &&
    customerSeries.issuedCount >= series.maxVouchersPerUser
  ) {
    return refuse('MaxPerUserExceeded');
  }

  // -1 and 0 both mean no minimum; the gap is measured in elapsed time, not calendar days.
  const minDays = series.minDaysBetweenVouchers;
  if (
    minDays > 0 &&
    customerSeries.lastIssuedAt !== null &&
    now - customerSeries.lastIssuedAt < minDays * DAY_MS
  ) {
    return refuse('MinDaysBetweenIssual');
  }

  const handling = series.clientHandlingType;
  if (handling === 'DISC_CODE_PIN' && counters.poolAvailable <= 0) return refuse('CouponsExhausted');

  if (series.maxCreate !== UNLIMITED && counters.numIssued >= series.maxCreate) {
    return refuse('MaxCreateExceeded');
  }

  // docs/api.md §6 compares with the series end, not with the new coupon's own validTill.
  if (redemptionStart(series, now, timezone) > series.validTillDate) {
    return refuse('RedemptionStartAfterExpiry');
  }

  return {
    kind: 'issue',
    validTill: couponValidTill(series, now, timezone),
    // docs/api.md §6: untagged uploaded codes go out before generated ones; GENERIC always hands out its one code.
    fromPool: handling === 'DISC_CODE_PIN' || (handling === 'DISC_CODE' && counters.poolAvailable > 0),
  };
}

/**
 * True when the customer can still redeem `coupon` at `at`: issued, not revoked, not expired, and not used up
 * (a single-use series' coupon once redeemed, or any coupon at `redemptionPerCouponMaxLimit`).
 */
export function isCouponUsable(coupon: Coupon, series: Series, at: number, timezone: string): boolean {
  if (coupon.customerId === null || coupon.revokedAt !== null) return false;
  if (isCouponExpired(coupon.validTill, at, timezone) || isSeriesExpired(series, at, timezone)) return false;
  if (!series.isMultipleUseAllowed && coupon.redemptionCount > 0) return false;
  const limit = series.redemptionPerCouponMaxLimit;
  return limit === UNLIMITED || coupon.redemptionCount < limit;
}

/** Coupons one `issue/multiple` request may ask for (docs/api.md §6); the schema and the service both hold it. */
export const MAX_MULTIPLE_ISSUE = 500;
/** Series one `bulk/issue` request may name (docs/api.md §6). */
export const MAX_BULK_SERIES = 50;
