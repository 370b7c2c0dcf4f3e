// Customers and their identifiers: normalisation (docs/api.md §3) and how a request names a customer (docs/api.md §4).
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
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
  /** A card the customer holds (docs/api.md §4 "Cards"), by its number or its external id. */
  cardNumber?: string;
  cardExternalId?: string;
}

export type IdentifierType = keyof CustomerRef;

/** docs/api.md §4: with several identifiers, this one decides (cards last). */
export const IDENTIFIER_PRECEDENCE: readonly IdentifierType[] = [
  'id',
  'externalId',
  'mobile',
  'email',
  'cardNumber',
  'cardExternalId',
];

const MOBILE_PUNCTUATION = /[\s\-().]/g;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const MAX_EXTERNAL_ID = 128;

/** E.164 allows at most 15 digits; fewer than 8 digits name no subscriber anywhere without a country. */
const BARE_DIGITS = /^\d{8,15}$/;

/** A parsed number in coupond's stored form: its E.164 digits without the +; undefined unless valid. */
function validDigits(text: string, defaultCallingCode?: string): string | undefined {
  const n = parsePhoneNumberFromString(text, defaultCallingCode ? { defaultCallingCode } : {});
  return n?.isValid() ? n.number.slice(1) : undefined;
}

/**
 * A mobile number as coupond keeps it: E.164 digits without the + (`919876543210`), or undefined when it
 * is not a number. Spaces, dashes, dots and brackets are dropped. A number written internationally (`+`
 * or `00` first) is checked against the numbering plan of the country it names (libphonenumber's full
 * metadata). With the org's country calling code, a number written without one is read as a national
 * number of that country (a trunk 0 dropped) and checked for it, and one that already starts with the
 * code is checked as international. Without a country code a bare number cannot be tied to a country:
 * 8 to 15 digits are taken as an international number as written (README "Customers and mobile numbers").
 */
export function normaliseMobile(raw: string, countryCode: string | null): string | undefined {
  let s = raw.trim().replace(MOBILE_PUNCTUATION, '');
  let international = false;
  if (s.startsWith('+')) {
    s = s.slice(1);
    international = true;
  } else if (s.startsWith('00')) {
    s = s.slice(2);
    international = true;
  }
  if (!/^\d{4,17}$/.test(s)) return undefined;
  if (international) return validDigits(`+${s}`);
  if (countryCode) {
    return validDigits(s, countryCode) ?? (s.startsWith(countryCode) ? validDigits(`+${s}`) : undefined);
  }
  return BARE_DIGITS.test(s) ? s : undefined;
}

export function normaliseEmail(raw: string): string | undefined {
  const s = raw.trim().toLowerCase();
  return s.length <= 254 && EMAIL.test(s) ? s : undefined;
}

const MAX_CARD = 64;

/** A card number or card external id: trimmed, 1 to 64 characters (docs/api.md §4 "Cards"). */
export function normaliseCard(raw: string): string | undefined {
  const s = raw.trim();
  return s.length > 0 && s.length <= MAX_CARD ? s : undefined;
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
 * The v1.1 spellings (`external_id`, `card_number`, `card_external_id`) are accepted everywhere too; the
 * camelCase name wins when both are given (docs/api.md §4).
 */
export function parseCustomerRef(
  given: {
    id?: unknown;
    mobile?: unknown;
    email?: unknown;
    externalId?: unknown;
    cardNumber?: unknown;
    cardExternalId?: unknown;
    external_id?: unknown;
    card_number?: unknown;
    card_external_id?: unknown;
  },
  countryCode: string | null,
): CustomerRef {
  const either = (camel: unknown, snake: unknown): unknown => (present(camel) ? camel : snake);
  const input = {
    ...given,
    externalId: either(given.externalId, given.external_id),
    cardNumber: either(given.cardNumber, given.card_number),
    cardExternalId: either(given.cardExternalId, given.card_external_id),
  };
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
  for (const type of ['cardNumber', 'cardExternalId'] as const) {
    const raw = input[type];
    if (!present(raw)) continue;
    const v = typeof raw === 'string' || typeof raw === 'number' ? normaliseCard(String(raw)) : undefined;
    if (v === undefined) throw new CouponError('InvalidCustomer', `${type} is malformed`);
    ref[type] = v;
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
