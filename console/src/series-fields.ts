// The series fields the form edits, and the mapping between the API's series and the form's text values.
import type { Series } from './types';

export type FieldKind = 'text' | 'integer' | 'money' | 'date' | 'bool' | 'select';

export interface FieldDef {
  name: string;
  label: string;
  kind: FieldKind;
  group: 'Offer' | 'Validity' | 'Codes' | 'Limits' | 'Messages';
  options?: readonly string[];
  hint?: string;
}

const LIMIT = '-1 or empty: unlimited';

export const SERIES_FIELDS: readonly FieldDef[] = [
  { name: 'description', label: 'Description', kind: 'text', group: 'Offer' },
  { name: 'seriesCode', label: 'Series code', kind: 'text', group: 'Offer', hint: 'Empty: generated' },
  {
    name: 'discountType',
    label: 'Discount type',
    kind: 'select',
    group: 'Offer',
    options: ['ABS', 'PERC'],
    hint: 'ABS: an amount off; PERC: a percentage of the bill',
  },
  { name: 'discountValue', label: 'Discount value', kind: 'money', group: 'Offer' },
  {
    name: 'discountUpto',
    label: 'Discount at most',
    kind: 'money',
    group: 'Offer',
    hint: 'PERC only; 0: no cap',
  },
  { name: 'minBillAmount', label: 'Smallest bill', kind: 'money', group: 'Offer' },
  { name: 'maxBillAmount', label: 'Largest bill', kind: 'money', group: 'Offer' },
  { name: 'validTillDate', label: 'Series valid till', kind: 'date', group: 'Validity' },
  {
    name: 'expiryStrategyType',
    label: 'Coupon expiry',
    kind: 'select',
    group: 'Validity',
    options: ['SERIES_EXPIRY', 'DAYS', 'MONTHS', 'MONTHS_END'],
  },
  {
    name: 'expiryStrategyValue',
    label: 'Expiry days or months',
    kind: 'integer',
    group: 'Validity',
    hint: 'For DAYS, MONTHS and MONTHS_END',
  },
  { name: 'redemptionValidFrom', label: 'Redeemable from', kind: 'date', group: 'Validity' },
  {
    name: 'redemptionValidAfterDays',
    label: 'Redeemable days after issue',
    kind: 'integer',
    group: 'Validity',
  },
  {
    name: 'clientHandlingType',
    label: 'Codes come from',
    kind: 'select',
    group: 'Codes',
    options: ['DISC_CODE', 'DISC_CODE_PIN', 'GENERIC'],
    hint: 'DISC_CODE: generated; DISC_CODE_PIN: uploads only; GENERIC: one code for everyone',
  },
  {
    name: 'genericCode',
    label: 'Generic code',
    kind: 'text',
    group: 'Codes',
    hint: 'GENERIC only; empty: generated',
  },
  { name: 'randomCodeLength', label: 'Code length', kind: 'integer', group: 'Codes' },
  { name: 'alphaNumeric', label: 'Letters and digits (else digits only)', kind: 'bool', group: 'Codes' },
  { name: 'excludeLookAlikes', label: 'Leave out 0, O, 1, I and L', kind: 'bool', group: 'Codes' },
  { name: 'couponPrefix', label: 'Prefix', kind: 'text', group: 'Codes' },
  { name: 'isPrefixEnabled', label: 'Use the prefix', kind: 'bool', group: 'Codes' },
  { name: 'couponSuffix', label: 'Suffix', kind: 'text', group: 'Codes' },
  { name: 'isSuffixEnabled', label: 'Use the suffix', kind: 'bool', group: 'Codes' },
  { name: 'maxCreate', label: 'Coupons at most', kind: 'integer', group: 'Limits', hint: LIMIT },
  { name: 'maxRedeem', label: 'Redemptions at most', kind: 'integer', group: 'Limits', hint: LIMIT },
  {
    name: 'maxVouchersPerUser',
    label: 'Coupons per customer at most',
    kind: 'integer',
    group: 'Limits',
    hint: LIMIT,
  },
  {
    name: 'minDaysBetweenVouchers',
    label: 'Days between issues to a customer',
    kind: 'integer',
    group: 'Limits',
    hint: LIMIT,
  },
  {
    name: 'maxRedemptionsInSeriesPerUser',
    label: 'Redemptions per customer at most',
    kind: 'integer',
    group: 'Limits',
    hint: LIMIT,
  },
  {
    name: 'minDaysBetweenRedemption',
    label: 'Days between redemptions',
    kind: 'integer',
    group: 'Limits',
    hint: LIMIT,
  },
  {
    name: 'redemptionPerCouponMaxLimit',
    label: 'Redemptions per coupon at most',
    kind: 'integer',
    group: 'Limits',
    hint: LIMIT,
  },
  {
    name: 'isMultipleVouchersPerUserAllowed',
    label: 'A customer may hold several coupons',
    kind: 'bool',
    group: 'Limits',
  },
  {
    name: 'doNotResendExistingVoucher',
    label: 'Refuse (rather than resend) when the customer has one',
    kind: 'bool',
    group: 'Limits',
  },
  {
    name: 'smsTemplate',
    label: 'SMS template',
    kind: 'text',
    group: 'Messages',
    hint: '{{voucher_code}}, {{first_name}}, {{valid_till}}, …',
  },
  { name: 'isSMSDisabled', label: 'Send no SMS', kind: 'bool', group: 'Messages' },
];

export const FIELD_NAMES = SERIES_FIELDS.map((f) => f.name);

export type FormValues = Record<string, string | boolean>;

/** A new series' form: the API's defaults, and a series end a year from today. */
export function newSeriesValues(validTill: string): FormValues {
  const v: FormValues = {};
  for (const f of SERIES_FIELDS) v[f.name] = f.kind === 'bool' ? false : '';
  return {
    ...v,
    discountType: 'ABS',
    validTillDate: validTill,
    expiryStrategyType: 'SERIES_EXPIRY',
    clientHandlingType: 'DISC_CODE',
    randomCodeLength: '8',
    alphaNumeric: true,
    doNotResendExistingVoucher: true,
  };
}

/** An existing series as form values. The epoch date means "no date" on the wire. */
export function seriesValues(s: Series): FormValues {
  const v: FormValues = {};
  for (const f of SERIES_FIELDS) {
    const raw = s[f.name];
    if (f.kind === 'bool') v[f.name] = raw === true;
    else if (f.kind === 'date')
      v[f.name] = typeof raw === 'string' && !raw.startsWith('1970-01-01') ? raw.slice(0, 10) : '';
    else v[f.name] = raw === null || raw === undefined ? '' : String(raw);
  }
  return v;
}

/** A value as the API takes it. Text the API will refuse is sent as typed, so its message names the field. */
function toWire(f: FieldDef, value: string | boolean): unknown {
  if (f.kind === 'bool') return value === true;
  const text = String(value).trim();
  if (f.kind === 'integer') return /^-?\d+$/.test(text) ? Number(text) : text;
  return text;
}

/**
 * The request body: on create every filled field; on change only the fields that differ from `initial`
 * (an emptied date or generic code is sent as null, which clears it).
 */
export function seriesBody(values: FormValues, initial?: FormValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of SERIES_FIELDS) {
    const value = values[f.name]!;
    if (initial) {
      if (value === initial[f.name]) continue;
      if (value === '' && (f.name === 'redemptionValidFrom' || f.name === 'genericCode')) {
        body[f.name] = null;
        continue;
      }
    }
    if (value === '') continue;
    body[f.name] = toWire(f, value);
  }
  return body;
}
