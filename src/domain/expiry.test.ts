import { describe, expect, it } from 'vitest';
import { couponValidTill, isCouponExpired, isSeriesExpired, redemptionStart } from './expiry.js';

const utc = (iso: string) => Date.parse(iso);
const series = (
  type: 'SERIES_EXPIRY' | 'DAYS' | 'MONTHS' | 'MONTHS_END',
  value: number,
  end = '2030-12-31',
) => ({
  expiryStrategyType: type,
  expiryStrategyValue: value,
  validTillDate: end,
});

describe('couponValidTill', () => {
  it('gives the series end for SERIES_EXPIRY', () => {
    expect(
      couponValidTill(series('SERIES_EXPIRY', 1, '2027-03-31'), utc('2026-01-15T10:00:00Z'), 'UTC'),
    ).toBe('2027-03-31');
  });

  it('counts DAYS from the local issue date', () => {
    expect(couponValidTill(series('DAYS', 30), utc('2026-01-15T10:00:00Z'), 'UTC')).toBe('2026-02-14');
    expect(couponValidTill(series('DAYS', 1), utc('2024-02-28T12:00:00Z'), 'UTC')).toBe('2024-02-29');
    expect(couponValidTill(series('DAYS', 1), utc('2023-02-28T12:00:00Z'), 'UTC')).toBe('2023-03-01');
    expect(couponValidTill(series('DAYS', 1), utc('2026-12-31T12:00:00Z'), 'UTC')).toBe('2027-01-01');
  });

  it('uses the org timezone for the issue date', () => {
    // 23:30 UTC on Jan 31 is already Feb 1 in Kolkata (UTC+5:30).
    expect(couponValidTill(series('DAYS', 0 + 1), utc('2026-01-31T23:30:00Z'), 'Asia/Kolkata')).toBe(
      '2026-02-02',
    );
    expect(couponValidTill(series('DAYS', 1), utc('2026-01-31T23:30:00Z'), 'UTC')).toBe('2026-02-01');
    // 02:00 UTC on Mar 1 is still Feb 28 in New York.
    expect(couponValidTill(series('DAYS', 1), utc('2026-03-01T02:00:00Z'), 'America/New_York')).toBe(
      '2026-03-01',
    );
  });

  it('adds calendar MONTHS and clamps to the month end, leap years included', () => {
    expect(couponValidTill(series('MONTHS', 1), utc('2026-01-15T00:00:00Z'), 'UTC')).toBe('2026-02-15');
    expect(couponValidTill(series('MONTHS', 1), utc('2024-01-31T00:00:00Z'), 'UTC')).toBe('2024-02-29');
    expect(couponValidTill(series('MONTHS', 1), utc('2025-01-31T00:00:00Z'), 'UTC')).toBe('2025-02-28');
    expect(couponValidTill(series('MONTHS', 12), utc('2024-02-29T00:00:00Z'), 'UTC')).toBe('2025-02-28');
    expect(couponValidTill(series('MONTHS', 3), utc('2026-11-30T00:00:00Z'), 'UTC')).toBe('2027-02-28');
  });

  it('gives the last day of the month N months after the issue month for MONTHS_END', () => {
    expect(couponValidTill(series('MONTHS_END', 0), utc('2026-01-15T00:00:00Z'), 'UTC')).toBe('2026-01-31');
    expect(couponValidTill(series('MONTHS_END', 1), utc('2024-01-31T00:00:00Z'), 'UTC')).toBe('2024-02-29');
    expect(couponValidTill(series('MONTHS_END', 1), utc('2023-01-31T00:00:00Z'), 'UTC')).toBe('2023-02-28');
    expect(couponValidTill(series('MONTHS_END', 2), utc('2026-11-05T00:00:00Z'), 'UTC')).toBe('2027-01-31');
  });

  it('never runs past the series end', () => {
    expect(couponValidTill(series('DAYS', 30, '2026-01-20'), utc('2026-01-15T10:00:00Z'), 'UTC')).toBe(
      '2026-01-20',
    );
    expect(couponValidTill(series('MONTHS_END', 5, '2026-02-10'), utc('2026-01-15T10:00:00Z'), 'UTC')).toBe(
      '2026-02-10',
    );
  });
});

describe('redemptionStart', () => {
  it('is the later of redemptionValidFrom and the issue date plus redemptionValidAfterDays', () => {
    const at = utc('2026-01-15T10:00:00Z');
    expect(redemptionStart({ redemptionValidFrom: null, redemptionValidAfterDays: 0 }, at, 'UTC')).toBe(
      '2026-01-15',
    );
    expect(redemptionStart({ redemptionValidFrom: null, redemptionValidAfterDays: 22 }, at, 'UTC')).toBe(
      '2026-02-06',
    );
    expect(
      redemptionStart({ redemptionValidFrom: '2026-03-01', redemptionValidAfterDays: 22 }, at, 'UTC'),
    ).toBe('2026-03-01');
    expect(
      redemptionStart({ redemptionValidFrom: '2020-11-18', redemptionValidAfterDays: 2 }, at, 'UTC'),
    ).toBe('2026-01-17');
  });
});

describe('expiry checks', () => {
  it('treats the last day of a series as valid until its end in the org timezone', () => {
    const s = { validTillDate: '2026-01-31' };
    expect(isSeriesExpired(s, utc('2026-01-31T23:59:59Z'), 'UTC')).toBe(false);
    expect(isSeriesExpired(s, utc('2026-02-01T00:00:00Z'), 'UTC')).toBe(true);
    // 20:00 UTC on Jan 31 is already Feb 1 in Kolkata.
    expect(isSeriesExpired(s, utc('2026-01-31T20:00:00Z'), 'Asia/Kolkata')).toBe(true);
    expect(isSeriesExpired(s, utc('2026-02-01T03:00:00Z'), 'America/New_York')).toBe(false);
  });

  it('treats a coupon without a date (a pool code) as never expired', () => {
    expect(isCouponExpired(null, utc('2099-01-01T00:00:00Z'), 'UTC')).toBe(false);
    expect(isCouponExpired('2026-01-31', utc('2026-02-01T00:00:00Z'), 'UTC')).toBe(true);
  });
});
