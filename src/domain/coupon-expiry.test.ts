import { describe, expect, it } from 'vitest';
import { expiryFromWire, expiryRefusal } from './coupon-expiry.js';

describe('expiryFromWire', () => {
  it('ends the day an instant falls in, and the day before at local midnight', () => {
    expect(expiryFromWire('2026-10-30T10:00:00Z', 'UTC')?.lastValidDay).toBe('2026-10-30');
    expect(expiryFromWire('2026-10-30T00:00:00Z', 'UTC')?.lastValidDay).toBe('2026-10-29');
    expect(expiryFromWire('2026-10-01T00:00:00+05:30', 'Asia/Kolkata')?.lastValidDay).toBe('2026-09-30');
    expect(expiryFromWire('2026-10-01T00:00:00+05:30', 'UTC')?.lastValidDay).toBe('2026-09-30');
  });

  it('takes a date alone as the last valid day, and epoch milliseconds or seconds', () => {
    expect(expiryFromWire('2026-10-30', 'Asia/Kolkata')).toEqual({
      lastValidDay: '2026-10-30',
      expiresAt: Date.UTC(2026, 9, 30, 18, 30),
    });
    expect(expiryFromWire(Date.UTC(2026, 5, 1, 12), 'UTC')?.lastValidDay).toBe('2026-06-01');
    expect(expiryFromWire(String(Date.UTC(2026, 5, 1, 12) / 1000), 'UTC')?.lastValidDay).toBe('2026-06-01');
  });

  it('refuses what is no time', () => {
    for (const raw of ['tomorrow', '2026-13-01', '', null, true, -5, 1e300]) {
      expect(expiryFromWire(raw, 'UTC'), String(raw)).toBeUndefined();
    }
  });
});

describe('expiryRefusal', () => {
  const now = Date.UTC(2026, 0, 15, 10);
  it('refuses a past expiry (690) before one beyond the series (691)', () => {
    expect(expiryRefusal({ lastValidDay: '2026-01-14', expiresAt: now - 1 }, '2026-12-31', now)).toBe(
      'ExpiryInPast',
    );
    expect(expiryRefusal({ lastValidDay: '2027-01-01', expiresAt: now + 1e10 }, '2026-12-31', now)).toBe(
      'ExpiryBeyondSeries',
    );
    expect(
      expiryRefusal({ lastValidDay: '2026-12-31', expiresAt: now + 1e9 }, '2026-12-31', now),
    ).toBeUndefined();
  });
});
