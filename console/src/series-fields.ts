// The series fields the form edits, and the mapping between the API's series and the form's text values.
import type { Series } from './types';

export type FieldKind = 'text' | 'integer' | 'money' | 'date' | 'bool' | 'select' | 'tills';

/** The form's sections, in the order a promotions manager thinks of an offer. */
export const GROUPS = [
  'Offer',
  'Codes',
  'Validity',
  'Limits',
  'Who may use it',
  'Where',
  'Messages',
] as const;

export interface FieldDef {
  name: string;
  label: string;
  kind: FieldKind;
  group: (typeof GROUPS)[number];
  /** The API refuses a new series without it. */
  required?: boolean;
  options?: readonly (string | readonly [string, string])[];
  hint?: string;
}

const LIMIT = '-1 or empty: unlimited';

export const SERIES_FIELDS: readonly FieldDef[] = [
  {
    name: 'description',
    label: 'Description',
    kind: 'text',
    group: 'Offer',
    required: true,
    hint: 'What the customer gets, e.g. 10% off, up to 50',
  },
  {
    name: 'discountCode',
    label: 'Discount code at the till',
    kind: 'text',
    group: 'Offer',
    required: true,
    hint: 'The code the till system knows this offer by',
  },
  { name: 'seriesCode', label: 'Series code', kind: 'text', group: 'Offer', hint: 'Empty: generated' },
  {
    name: 'discountType',
    label: 'Discount',
    kind: 'select',
    group: 'Offer',
    required: true,
    options: [
      ['ABS', 'An amount off the bill'],
      ['PERC', 'A percentage of the bill'],
    ],
  },
  {
    name: 'discountValue',
    label: 'Amount or percentage off',
    kind: 'money',
    group: 'Offer',
    required: true,
    hint: 'More than zero; a percentage at most 100',
  },
  {
    name: 'discountUpto',
    label: 'Discount at most',
    kind: 'money',
    group: 'Offer',
    hint: 'PERC only; 0: no cap',
  },
  { name: 'minBillAmount', label: 'Smallest bill', kind: 'money', group: 'Offer' },
  { name: 'maxBillAmount', label: 'Largest bill', kind: 'money', group: 'Offer' },
  {
    name: 'validTillDate',
    label: 'Series valid till',
    kind: 'date',
    group: 'Validity',
    required: true,
    hint: 'YYYY-MM-DD, the last day coupons can be used',
  },
  {
    name: 'expiryStrategyType',
    label: 'Each coupon expires',
    kind: 'select',
    group: 'Validity',
    required: true,
    options: [
      ['SERIES_EXPIRY', 'When the series ends'],
      ['DAYS', 'Some days after it is issued'],
      ['MONTHS', 'Some months after it is issued'],
      ['MONTHS_END', 'At the end of a month after it is issued'],
    ],
  },
  {
    name: 'expiryStrategyValue',
    label: 'Expiry days or months',
    kind: 'integer',
    group: 'Validity',
    hint: 'For DAYS, MONTHS and MONTHS_END',
  },
  {
    name: 'redemptionValidFrom',
    label: 'Redeemable from',
    kind: 'date',
    group: 'Validity',
    hint: 'YYYY-MM-DD; empty: at once',
  },
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
    required: true,
    options: [
      ['DISC_CODE', 'Generated, one per coupon'],
      ['DISC_CODE_PIN', 'Uploaded codes only'],
      ['GENERIC', 'One code for everyone'],
    ],
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
    group: 'Who may use it',
  },
  {
    name: 'anyUser',
    label: 'Anyone with the code may redeem it (not only the customer it was issued to)',
    kind: 'bool',
    group: 'Who may use it',
    required: true,
  },
  {
    name: 'storeIdsJson',
    label: 'Issued at tills',
    kind: 'tills',
    group: 'Where',
    hint: 'Till ids separated by commas; empty: every till',
  },
  {
    name: 'redeemAtStore',
    label: 'Redeemed at tills',
    kind: 'tills',
    group: 'Where',
    hint: 'Till ids separated by commas; empty: every till',
  },
  {
    name: 'doNotResendExistingVoucher',
    label: 'Refuse (rather than resend) when the customer has one',
    kind: 'bool',
    group: 'Who may use it',
  },
  {
    name: 'smsTemplate',
    label: 'SMS sent with each coupon',
    kind: 'text',
    group: 'Messages',
    required: true,
    hint: 'Tags: {{voucher}}, {{first_name}}, {{offer_name}}, {{valid_till}}, …',
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
    smsTemplate: 'Your code {{voucher}}: {{offer_name}}, valid till {{valid_till}}',
  };
}

/** A till list as the form shows it: '' for every till ([-1]), else the ids separated by commas. */
function tillsText(raw: unknown): string {
  try {
    const list = JSON.parse(String(raw)) as unknown;
    if (!Array.isArray(list) || list.length === 0 || list.includes(-1) || list.includes('-1')) return '';
    return list.join(', ');
  } catch {
    return String(raw ?? '');
  }
}

/** An existing series as form values. The epoch date means "no date" on the wire. */
export function seriesValues(s: Series): FormValues {
  const v: FormValues = {};
  for (const f of SERIES_FIELDS) {
    const raw = s[f.name];
    if (f.kind === 'bool') v[f.name] = raw === true;
    else if (f.kind === 'tills') v[f.name] = tillsText(raw);
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
  if (f.kind === 'tills') {
    const ids = text
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    return JSON.stringify(ids.length ? ids : [-1]);
  }
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
      if (value === '' && f.kind === 'tills') {
        body[f.name] = '[-1]';
        continue;
      }
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
