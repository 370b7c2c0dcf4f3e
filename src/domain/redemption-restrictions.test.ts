import { describe, expect, it } from 'vitest';
import {
  isCustomerTargeted,
  isEntityAllowed,
  isPastValidDays,
  redemptionEntities,
  targetCustomers,
} from './redemption-restrictions.js';

const withExtra = (extra: Record<string, unknown>) => ({ extra });

describe('redemptionOrgEntityDetails', () => {
  it('names the TILL and STORE ids, as text, whether stored as JSON or as JSON text', () => {
    const list = [
      { redemptionOrgEntityType: 'CONCEPT', orgEntityId: 10 },
      { redemptionOrgEntityType: 'till', orgEntityId: 20 },
      { redemptionOrgEntityType: 'STORE', orgEntityId: '40' },
      { redemptionOrgEntityType: 'STORE' },
      'junk',
    ];
    expect(redemptionEntities(withExtra({ redemptionOrgEntityDetails: list }))).toEqual(['20', '40']);
    expect(redemptionEntities(withExtra({ redemptionOrgEntityDetails: JSON.stringify(list) }))).toEqual([
      '20',
      '40',
    ]);
  });

  it('restricts nothing when empty, absent, malformed or only CONCEPT/ZONE', () => {
    for (const v of [undefined, [], '[', [{ redemptionOrgEntityType: 'ZONE', orgEntityId: 3 }]])
      expect(isEntityAllowed(withExtra({ redemptionOrgEntityDetails: v }), null)).toBe(true);
  });

  it('refuses a till it does not name, and a client without a till', () => {
    const s = withExtra({
      redemptionOrgEntityDetails: [{ redemptionOrgEntityType: 'TILL', orgEntityId: 20 }],
    });
    expect(isEntityAllowed(s, '20')).toBe(true);
    expect(isEntityAllowed(s, '21')).toBe(false);
    expect(isEntityAllowed(s, null)).toBe(false);
  });
});

describe('targetUserDetails', () => {
  it('names customers by customerIds or userIds (a list or comma-separated text); the page’s own fields name none', () => {
    expect(targetCustomers(withExtra({ targetUserDetails: { customerIds: [3, '4'] } }))).toEqual([3, 4]);
    expect(targetCustomers(withExtra({ targetUserDetails: { userIds: '5, 6' } }))).toEqual([5, 6]);
    const page = {
      validMaxUserTransactionLimit: 1,
      validUserRegistrationStartTime: 0,
      validUserRegistrationEndTime: 10000,
    };
    expect(targetCustomers(withExtra({ targetUserDetails: page }))).toBeNull();
    expect(isCustomerTargeted(withExtra({ targetUserDetails: page }), 99)).toBe(true);
    expect(isCustomerTargeted(withExtra({ targetUserDetails: { customerIds: [3] } }), 99)).toBe(false);
  });
});

describe('validDaysFromCreation', () => {
  const issued = Date.UTC(2026, 0, 15, 22, 0, 0); // the 16th in Kolkata
  it('keeps the coupon valid through the issue date plus N days, in the org timezone', () => {
    const s = withExtra({ validDaysFromCreation: 2 });
    expect(isPastValidDays(s, issued, Date.parse('2026-01-18T18:29:59Z'), 'Asia/Kolkata')).toBe(false);
    expect(isPastValidDays(s, issued, Date.parse('2026-01-18T18:30:00Z'), 'Asia/Kolkata')).toBe(true);
  });
  it('restricts nothing when unset, 0 or not a number, or for a coupon never issued', () => {
    const late = Date.UTC(2027, 0, 1);
    for (const v of [undefined, 0, -1, 'x'])
      expect(isPastValidDays(withExtra({ validDaysFromCreation: v }), issued, late, 'UTC')).toBe(false);
    expect(isPastValidDays(withExtra({ validDaysFromCreation: 2 }), null, late, 'UTC')).toBe(false);
  });
});
