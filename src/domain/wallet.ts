// A customer's wallet: which coupons a `status` filter keeps, how many uses a coupon has left, and the case
// codes go out in (docs/api.md §6 "Wallet", "Code case"). Pure: the caller passes the instant and timezone.
import type { Coupon } from './coupon.js';
import { invalid } from './errors.js';
import { isCouponExpired, isSeriesExpired, redemptionStart } from './expiry.js';
import { localDate } from './clock.js';
import type { Series } from './series.js';

export const WALLET_STATUSES = [
  'REDEEMED',
  'UNREDEEMED',
  'ACTIVE',
  'EXPIRED',
  'ACTIVE_REDEEMED',
  'ACTIVE_UNREDEEMED',
  'EXPIRED_REDEEMED',
  'EXPIRED_UNREDEEMED',
  'REDEEMABLE',
] as const;
export type WalletStatus = (typeof WALLET_STATUSES)[number];

export const CODE_CASES = ['UPPER', 'LOWER', 'AS_IT_IS'] as const;
export type CodeCase = (typeof CODE_CASES)[number];

/** Reads `coupon_code_case` / `couponCodeCase`, whatever its own case; absent is UPPER (629 for others). */
export function parseCodeCase(raw: unknown, field: string): CodeCase {
  if (raw === undefined || raw === null || raw === '') return 'UPPER';
  const v = String(raw).trim().toUpperCase();
  if (!(CODE_CASES as readonly string[]).includes(v)) throw invalid(field, CODE_CASES.join(', '));
  return v as CodeCase;
}

/**
 * A code in the asked case. Codes are stored upper-case (docs/api.md §3), so the stored form is the one
 * AS_IT_IS answers.
 */
export function inCase(code: string, c: CodeCase): string {
  return c === 'LOWER' ? code.toLowerCase() : c === 'UPPER' ? code.toUpperCase() : code;
}

/** Reads the `status` values (repeated or comma-separated), whatever their case; 629 for an unknown one. */
export function parseStatuses(values: readonly string[]): WalletStatus[] {
  return [
    ...new Set(
      values.map((v) => {
        const s = v.trim().toUpperCase();
        if (!(WALLET_STATUSES as readonly string[]).includes(s)) {
          throw invalid('status', WALLET_STATUSES.join(', '));
        }
        return s as WalletStatus;
      }),
    ),
  ];
}

/** The uses a coupon has left under its own limits (single use, per-coupon limit); -1 when unlimited. */
export function couponUsesLeft(coupon: Coupon, series: Series): number {
  const left: number[] = [];
  if (!series.isMultipleUseAllowed) left.push(1 - coupon.redemptionCount);
  if (series.redemptionPerCouponMaxLimit !== -1) {
    left.push(series.redemptionPerCouponMaxLimit - coupon.redemptionCount);
  }
  return left.length === 0 ? -1 : Math.max(0, Math.min(...left));
}

/** Expired: the coupon's last valid date, or its series', is before today in the org's timezone. */
export function isWalletCouponExpired(coupon: Coupon, series: Series, at: number, tz: string): boolean {
  return isCouponExpired(coupon.validTill, at, tz) || isSeriesExpired(series, at, tz);
}

/** Whether a coupon is in any of `statuses` (none: every coupon). */
export function matchesStatus(
  statuses: readonly WalletStatus[],
  coupon: Coupon,
  series: Series,
  at: number,
  tz: string,
): boolean {
  if (statuses.length === 0) return true;
  const expired = isWalletCouponExpired(coupon, series, at, tz);
  const redeemed = coupon.redemptionCount > 0;
  return statuses.some((s) => {
    switch (s) {
      case 'REDEEMED':
        return redeemed;
      case 'UNREDEEMED':
        return !redeemed;
      case 'ACTIVE':
        return !expired;
      case 'EXPIRED':
        return expired;
      case 'ACTIVE_REDEEMED':
        return !expired && redeemed;
      case 'ACTIVE_UNREDEEMED':
        return !expired && !redeemed;
      case 'EXPIRED_REDEEMED':
        return expired && redeemed;
      case 'EXPIRED_UNREDEEMED':
        return expired && !redeemed;
      case 'REDEEMABLE':
        return (
          !expired &&
          coupon.issuedAt !== null &&
          localDate(at, tz) >= redemptionStart(series, coupon.issuedAt, tz) &&
          couponUsesLeft(coupon, series) !== 0
        );
    }
  });
}
