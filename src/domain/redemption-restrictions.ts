// The series' conditions on a redemption (docs/api.md §7; docs/errors.md "Checking and redeeming"): the
// redemption range, the bill range, the tills, and the later edition's restrictions read from the series'
// stored fields: where (`redemptionOrgEntityDetails`), who (`targetUserDetails.customerIds`) and how long
// after the issue (`validDaysFromCreation`). Pure; the rule engine (redemption.ts) decides with them.
import { addDays, localDate, localParts } from './clock.js';
import { ZERO, type Money } from './money.js';
import { NO_MAX_BILL, UNLIMITED_BILL, type RedemptionRange, type Series } from './series.js';

export function isInRange(range: RedemptionRange, at: number, timezone: string): boolean {
  const p = localParts(at, timezone);
  const allows = (list: readonly number[] | null, value: number): boolean =>
    list === null || list.includes(value);
  return allows(range.dom, p.day) && allows(range.dow, p.isoWeekday) && allows(range.hours, p.hour);
}

/** True when the series limits the bill at all: a minimum above 0, or a maximum (neither -1 nor the default). */
export function hasBillRange(series: Series): boolean {
  const max = series.maxBillAmount;
  return series.minBillAmount > ZERO || (max !== UNLIMITED_BILL && max !== NO_MAX_BILL);
}

export function isBillInRange(series: Series, bill: Money): boolean {
  if (bill < series.minBillAmount) return false;
  return series.maxBillAmount === UNLIMITED_BILL || bill <= series.maxBillAmount;
}

/** True when the till may redeem under `redeemAtStore`. */
export function isTillAllowed(series: Series, tillId: string | null): boolean {
  const tills = series.redeemTills;
  return tills.kind === 'all' || (tillId !== null && tills.tills.includes(tillId));
}

/** A stored JSON field that may have been sent as JSON text. */
function jsonOf(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The tills and stores `redemptionOrgEntityDetails` names (TILL and STORE entries, ids as text), or null
 * when it names none: CONCEPT and ZONE entries name groups of stores coupond does not know, so they
 * restrict nothing (docs/api.md §7).
 */
export function redemptionEntities(series: Pick<Series, 'extra'>): string[] | null {
  const list = jsonOf(series.extra.redemptionOrgEntityDetails);
  if (!Array.isArray(list)) return null;
  const ids = list.flatMap((e: unknown) => {
    if (typeof e !== 'object' || e === null) return [];
    const { redemptionOrgEntityType: type, orgEntityId: id } = e as Record<string, unknown>;
    const kind = String(type ?? '').toUpperCase();
    if (kind !== 'TILL' && kind !== 'STORE') return [];
    return typeof id === 'number' || (typeof id === 'string' && id.trim() !== '') ? [String(id).trim()] : [];
  });
  return ids.length === 0 ? null : ids;
}

/** True when the till may redeem under `redemptionOrgEntityDetails` (a client without a till may not, when it names any). */
export function isEntityAllowed(series: Pick<Series, 'extra'>, tillId: string | null): boolean {
  const ids = redemptionEntities(series);
  return ids === null || (tillId !== null && ids.includes(tillId));
}

/** The customers `targetUserDetails.customerIds` (or `userIds`) names, or null when it names none. */
export function targetCustomers(series: Pick<Series, 'extra'>): number[] | null {
  const details = jsonOf(series.extra.targetUserDetails);
  if (typeof details !== 'object' || details === null) return null;
  const d = details as Record<string, unknown>;
  const raw = d.customerIds ?? d.userIds;
  const list = typeof raw === 'string' ? raw.split(',') : raw;
  if (!Array.isArray(list)) return null;
  const ids = list.map(Number).filter((n) => Number.isSafeInteger(n) && n > 0);
  return ids.length === 0 ? null : ids;
}

/** True when `targetUserDetails` lets this customer redeem. */
export function isCustomerTargeted(series: Pick<Series, 'extra'>, customerId: number): boolean {
  const ids = targetCustomers(series);
  return ids === null || ids.includes(customerId);
}

/**
 * True when the series sets `validDaysFromCreation` (N > 0) and the coupon, issued at `issuedAt`, is past
 * its last valid day: the local date plus N days (as the DAYS expiry strategy counts). The
 * answered default (30) is not a restriction: only a value the series was given is.
 */
export function isPastValidDays(
  series: Pick<Series, 'extra'>,
  issuedAt: number | null,
  at: number,
  timezone: string,
): boolean {
  const n = Number(series.extra.validDaysFromCreation);
  if (issuedAt === null || !Number.isSafeInteger(n) || n <= 0) return false;
  return localDate(at, timezone) > addDays(localDate(issuedAt, timezone), n);
}
