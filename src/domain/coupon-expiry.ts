// A coupon's new expiry from the wire (PUT /v2/coupon/bulk/expiry, docs/api.md §6 "Expiry"): the instant a
// caller gives becomes the coupon's last valid local date, and the checks the change must pass. Pure.
import { addDays, localDate, parseWireTime, type IsoDate } from './clock.js';
import type { CouponErrorName } from './errors.js';

/**
 * The last valid local date for an expiry given as ISO-8601 (with or without offset), `YYYY-MM-DD`, or epoch
 * milliseconds (seconds below 10^11). A date alone is its own last valid day. An instant ends the day it
 * falls in, so the coupon stays valid to that day's end, except an instant at local midnight, which ends
 * the day before. `expiresAt` is the instant the coupon stops being valid, for the past-date check.
 * Undefined when it is not a time.
 */
export function expiryFromWire(
  raw: unknown,
  timezone: string,
): { lastValidDay: IsoDate; expiresAt: number } | undefined {
  let instant: number | undefined;
  if (typeof raw === 'number' || (typeof raw === 'string' && /^\d{9,15}$/.test(raw.trim()))) {
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n <= 0) return undefined;
    instant = n < 1e11 ? n * 1000 : n;
  } else if (typeof raw === 'string') {
    const text = raw.trim();
    if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
      const start = parseWireTime(text, timezone);
      if (start === undefined) return undefined;
      return { lastValidDay: text, expiresAt: parseWireTime(addDays(text, 1), timezone)! };
    }
    instant = parseWireTime(text, timezone);
  }
  if (instant === undefined || !Number.isFinite(instant)) return undefined;
  return { lastValidDay: localDate(instant - 1, timezone), expiresAt: instant };
}

/** Why a coupon's expiry cannot be set to `lastValidDay` (in the page's order), or undefined when it can. */
export function expiryRefusal(
  change: { lastValidDay: IsoDate; expiresAt: number },
  seriesLastDay: IsoDate,
  now: number,
): CouponErrorName | undefined {
  if (change.expiresAt <= now) return 'ExpiryInPast';
  if (change.lastValidDay > seriesLastDay) return 'ExpiryBeyondSeries';
  return undefined;
}
