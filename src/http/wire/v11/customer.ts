// How the v1.1 calls name a customer (mobile, email, external_id, id, card_number, card_external_id) and the
// customer blocks of their answers (docs/api.md §14).
import Type from 'typebox';
import { localParts } from '../../../domain/clock.js';
import { parseCustomerRef, type Customer, type CustomerRef } from '../../../domain/customer.js';

export const CustomerQuery = {
  mobile: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  external_id: Type.Optional(Type.String()),
  id: Type.Optional(Type.String({ description: 'the customer id' })),
  card_number: Type.Optional(Type.String({ description: 'a card the customer holds' })),
  card_external_id: Type.Optional(
    Type.String({ description: 'a card the customer holds, by its external id' }),
  ),
};

/** The wire's identifier names, as a loose object (query or body). */
export interface V11Identifiers {
  mobile?: unknown;
  email?: unknown;
  external_id?: unknown;
  id?: unknown;
  card_number?: unknown;
  card_external_id?: unknown;
}

/** A customer ref from v1.1 identifiers: empty values are absent, a malformed one is 721 (as in v2). */
export function refOf(q: V11Identifiers | undefined, countryCode: string | null): CustomerRef {
  return parseCustomerRef(
    {
      mobile: q?.mobile,
      email: q?.email,
      externalId: q?.external_id,
      id: q?.id,
      cardNumber: q?.card_number,
      cardExternalId: q?.card_external_id,
    },
    countryCode,
  );
}

/** `{mobile, email, external_id}`, as the issue, redeem and isredeemable answers show a customer. */
export function customerBrief(c: Customer | undefined) {
  return { mobile: c?.mobile ?? null, email: c?.email ?? null, external_id: c?.externalId ?? null };
}

/** `{id, name, mobile, email, external_id}`, as GET /v1.1/coupon/get shows a customer. */
export function customerNamed(c: Customer) {
  return {
    id: String(c.id),
    name: [c.firstName, c.lastName].filter((s) => s).join(' '),
    ...customerBrief(c),
  };
}

const two = (n: number): string => String(n).padStart(2, '0');

/** An instant as the v1.1 pages write it: `YYYY-MM-DD HH:MM:SS` in the org's timezone. */
export function localTime(instant: number, timezone: string): string {
  const p = localParts(instant, timezone);
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}:${two(p.second)}`;
}

/** An instant as ISO-8601 UTC with milliseconds (`created_date` of GET /v1.1/customer/coupons). */
export const isoTime = (instant: number): string => new Date(instant).toISOString();

/** `coupon_code_case`: LOWER, UPPER (the default) or AS_IT_IS (coupond keeps codes upper-case). */
export function codeCase(raw: string | undefined): (code: string) => string {
  const c = (raw ?? '').toUpperCase();
  if (c === 'LOWER') return (code) => code.toLowerCase();
  if (c === 'AS_IT_IS') return (code) => code;
  return (code) => code.toUpperCase();
}

export const CodeCaseQuery = {
  coupon_code_case: Type.Optional(
    Type.String({ description: 'LOWER, UPPER (default) or AS_IT_IS; the lookup ignores case' }),
  ),
};
