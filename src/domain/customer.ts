// Customers and their identifiers: normalisation (docs/api.md §3) and how a request names a customer (docs/api.md §4).
import { CouponError } from './errors.js';

export interface Customer {
  id: number;
  mobile: string | null;
  email: string | null;
  externalId: string | null;
  firstName: string | null;
  lastName: string | null;
  createdAt: number;
  updatedAt: number;
}

/** How a request names a customer; every field already normalised. */
export interface CustomerRef {
  id?: number;
  externalId?: string;
  mobile?: string;
  email?: string;
}

export type IdentifierType = keyof CustomerRef;

/** docs/api.md §4: with several identifiers, this one decides. */
export const IDENTIFIER_PRECEDENCE: readonly IdentifierType[] = ['id', 'externalId', 'mobile', 'email'];

const MOBILE_PUNCTUATION = /[\s\-().]/g;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const MAX_EXTERNAL_ID = 128;

/**
 * Digits only: spaces, dashes, brackets and a leading + or 00 are dropped; with an org country code, a
 * number of ten digits or fewer gets it prefixed. Undefined when anything else is in it.
 */
export function normaliseMobile(raw: string, countryCode: string | null): string | undefined {
  let s = raw.trim().replace(MOBILE_PUNCTUATION, '');
  if (s.startsWith('+')) s = s.slice(1);
  else if (s.startsWith('00')) s = s.slice(2);
  if (!/^\d{4,15}$/.test(s)) return undefined;
  if (countryCode && s.length <= 10) {
    // A national number: its trunk zeros go before the country code is put in front.
    const national = s.replace(/^0+/, '');
    if (national.length < 4) return undefined; // all zeros: no number at all, not a bare country code
    s = countryCode + national;
  }
  return s.length <= 18 ? s : undefined;
}

export function normaliseEmail(raw: string): string | undefined {
  const s = raw.trim().toLowerCase();
  return s.length <= 254 && EMAIL.test(s) ? s : undefined;
}

export function normaliseExternalId(raw: string): string | undefined {
  const s = raw.trim();
  return s.length > 0 && s.length <= MAX_EXTERNAL_ID ? s : undefined;
}

/** A customer id from the wire: a positive integer as a number or a numeric string. */
export function parseCustomerId(raw: unknown): number | undefined {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw > 0) return raw;
  if (typeof raw === 'string' && /^\d{1,15}$/.test(raw.trim())) {
    const n = Number(raw.trim());
    return n > 0 ? n : undefined;
  }
  return undefined;
}

const present = (v: unknown): boolean =>
  v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '');

/**
 * Reads the identifiers of a `user`/`customer` object. Empty strings count as absent (docs/api.md §4); a
 * malformed identifier is 721. Returns an empty ref when nothing was given; callers decide if that is an error.
 */
export function parseCustomerRef(
  input: { id?: unknown; mobile?: unknown; email?: unknown; externalId?: unknown },
  countryCode: string | null,
): CustomerRef {
  const ref: CustomerRef = {};
  if (present(input.id)) {
    const id = parseCustomerId(input.id);
    if (id === undefined) throw new CouponError('InvalidCustomer', 'id must be a positive integer');
    ref.id = id;
  }
  if (present(input.externalId)) {
    const v =
      typeof input.externalId === 'string' || typeof input.externalId === 'number'
        ? normaliseExternalId(String(input.externalId))
        : undefined;
    if (v === undefined) throw new CouponError('InvalidCustomer', 'externalId is malformed');
    ref.externalId = v;
  }
  if (present(input.mobile)) {
    const v =
      typeof input.mobile === 'string' || typeof input.mobile === 'number'
        ? normaliseMobile(String(input.mobile), countryCode)
        : undefined;
    if (v === undefined) throw new CouponError('InvalidCustomer', 'mobile is malformed');
    ref.mobile = v;
  }
  if (present(input.email)) {
    const v = typeof input.email === 'string' ? normaliseEmail(input.email) : undefined;
    if (v === undefined) throw new CouponError('InvalidCustomer', 'email is malformed');
    ref.email = v;
  }
  return ref;
}

export function isEmptyRef(ref: CustomerRef): boolean {
  return IDENTIFIER_PRECEDENCE.every((t) => ref[t] === undefined);
}

/**
 * Given the customers each identifier of a ref found, picks the one the ref names (docs/api.md §4): the highest
 * precedence identifier that matched decides; any other identifier that matched a different customer is 721.
 */
export function pickCustomer(
  ref: CustomerRef,
  found: Partial<Record<IdentifierType, Customer>>,
): Customer | undefined {
  let chosen: Customer | undefined;
  for (const type of IDENTIFIER_PRECEDENCE) {
    const c = found[type];
    if (!c) continue;
    if (!chosen) chosen = c;
    else if (c.id !== chosen.id)
      throw new CouponError('InvalidCustomer', `${type} belongs to another customer`);
  }
  return chosen;
}
