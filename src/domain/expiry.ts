// When coupons expire and become redeemable (docs/api.md §6), in the org's timezone. Dates are local dates;
// a date is valid through its last instant.
import { addDays, addMonths, endOfMonth, localDate, minDate, type IsoDate } from './clock.js';
import type { SeriesConfig } from './series.js';

/**
 * A new coupon's last valid date: SERIES_EXPIRY → the series end; DAYS N → N days after the issue date;
 * MONTHS N → N calendar months after it (a missing day becomes the month's last); MONTHS_END N → the last
 * day of the month N months after the issue month (0 = the issue month). Never past the series end.
 */
export function couponValidTill(
  series: Pick<SeriesConfig, 'expiryStrategyType' | 'expiryStrategyValue' | 'validTillDate'>,
  issuedAt: number,
  timezone: string,
): IsoDate {
  const issued = localDate(issuedAt, timezone);
  const n = series.expiryStrategyValue;
  let till: IsoDate;
  switch (series.expiryStrategyType) {
    case 'SERIES_EXPIRY':
      till = series.validTillDate;
      break;
    case 'DAYS':
      till = addDays(issued, n);
      break;
    case 'MONTHS':
      till = addMonths(issued, n);
      break;
    case 'MONTHS_END':
      till = endOfMonth(addMonths(issued.slice(0, 8) + '01', n));
      break;
  }
  return minDate(till, series.validTillDate);
}

/** The first local date a coupon may be redeemed: redemptionValidFrom, and redemptionValidAfterDays after issue. */
export function redemptionStart(
  series: Pick<SeriesConfig, 'redemptionValidFrom' | 'redemptionValidAfterDays'>,
  issuedAt: number,
  timezone: string,
): IsoDate {
  const afterIssue = addDays(localDate(issuedAt, timezone), series.redemptionValidAfterDays);
  const from = series.redemptionValidFrom;
  return from !== null && from > afterIssue ? from : afterIssue;
}

/** The series has ended when the local date at `at` is after its last valid date (docs/errors.md 712). */
export function isSeriesExpired(
  series: Pick<SeriesConfig, 'validTillDate'>,
  at: number,
  timezone: string,
): boolean {
  return localDate(at, timezone) > series.validTillDate;
}

/** A coupon has expired when the local date at `at` is after its last valid date (docs/errors.md 713). */
export function isCouponExpired(validTill: IsoDate | null, at: number, timezone: string): boolean {
  return validTill !== null && localDate(at, timezone) > validTill;
}
