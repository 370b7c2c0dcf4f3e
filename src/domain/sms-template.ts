// The SMS text of an issued coupon (docs/api.md §11): a series' smsTemplate with its {{tags}} filled in.
// An unknown tag is left out of the message and reported, never a failure.
import { dateToWire, localDate, parseIsoDate, type IsoDate } from './clock.js';

export const SMS_TAGS = [
  'voucher',
  'voucher_code',
  'first_name',
  'last_name',
  'fullname',
  'cust_name',
  'offer_name',
  'valid_days_from_create',
  'valid_till',
] as const;
export type SmsTag = (typeof SMS_TAGS)[number];

export interface SmsFacts {
  code: string;
  firstName: string | null;
  lastName: string | null;
  offerName: string;
  issuedAt: number;
  validTill: IsoDate;
  timezone: string;
}

export interface RenderedSms {
  text: string;
  /** Tags the template used that coupond does not know; they were left out of the text. */
  unknownTags: string[];
}

const TAG = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** Days from the issue date to the last valid date, counting both (a coupon valid today only has 1). */
function validDays(issuedAt: number, validTill: IsoDate, timezone: string): number {
  const start = parseIsoDate(localDate(issuedAt, timezone));
  const end = parseIsoDate(validTill);
  const days = Math.round(
    (Date.UTC(end.year, end.month - 1, end.day) - Date.UTC(start.year, start.month - 1, start.day)) /
      86_400_000,
  );
  return Math.max(0, days + 1);
}

/** Fills a template's tags from the coupon and customer. */
export function renderSms(template: string, facts: SmsFacts): RenderedSms {
  const first = facts.firstName?.trim() ?? '';
  const last = facts.lastName?.trim() ?? '';
  const full = [first, last].filter(Boolean).join(' ');
  const values: Record<SmsTag, string> = {
    voucher: facts.code,
    voucher_code: facts.code,
    first_name: first,
    last_name: last,
    fullname: full,
    cust_name: full || first,
    offer_name: facts.offerName,
    valid_days_from_create: String(validDays(facts.issuedAt, facts.validTill, facts.timezone)),
    valid_till: dateToWire(facts.validTill).slice(0, 10),
  };
  const unknownTags: string[] = [];
  const text = template.replace(TAG, (_m, name: string) => {
    const key = name.toLowerCase() as SmsTag;
    if ((SMS_TAGS as readonly string[]).includes(key)) return values[key];
    if (!unknownTags.includes(name)) unknownTags.push(name);
    return '';
  });
  return { text: text.replace(/[ \t]{2,}/g, ' ').trim(), unknownTags };
}
