// A series in a promotions manager's words, grouped as they think of an offer: what it gives, how long it
// runs, its limits, who may use it, where, and what the customer is told. Values are sentences and dates,
// never the wire's -1, its epoch numbers or its JSON text.
import { formatCount, formatDate, formatDiscount } from './format';
import type { Series } from './types';

export interface SummaryGroup {
  title: string;
  rows: [label: string, value: string][];
}

/** The wire's "no maximum bill": the largest safe integer. */
const NO_MAX = Number.MAX_SAFE_INTEGER;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const unlimited = (v: unknown, unit = ''): string =>
  num(v) < 0 || Number.isNaN(num(v)) ? 'unlimited' : `${formatCount(num(v))}${unit}`;
const days = (v: unknown): string => {
  const n = num(v);
  return n <= 0 || Number.isNaN(n) ? 'no minimum' : `${formatCount(n)} day${n === 1 ? '' : 's'}`;
};
const yes = (v: unknown): boolean => v === true;

function parse(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A till list ("[-1]" is every till). */
function tills(text: unknown): string {
  const list = parse(text);
  if (!Array.isArray(list) || list.length === 0 || list.some((t) => String(t) === '-1')) return 'every till';
  return list.map(String).join(', ');
}

const WEEKDAYS = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** `{"dom":[-1],"dow":[1,2],"hours":[9,10]}` as "Monday, Tuesday; 09:00–10:59". */
function range(text: unknown): string {
  const r = parse(text) as { dom?: number[]; dow?: number[]; hours?: number[] } | undefined;
  if (!r || typeof r !== 'object') return 'any time';
  const all = (l: unknown): boolean =>
    !Array.isArray(l) || l.length === 0 || l.some((x) => String(x).trim() === '-1');
  const parts: string[] = [];
  if (!all(r.dom)) parts.push(`on day ${r.dom!.join(', ')} of the month`);
  if (!all(r.dow)) parts.push(`on ${r.dow!.map((d) => WEEKDAYS[d] ?? String(d)).join(', ')}`);
  if (!all(r.hours))
    parts.push(
      `from ${r.hours!.map((h) => `${String(h).padStart(2, '0')}:00–${String(h).padStart(2, '0')}:59`).join(', ')}`,
    );
  return parts.length ? parts.join('; ') : 'any time';
}

function exclusive(text: unknown): string {
  const list = parse(text);
  return Array.isArray(list) && list.length > 0
    ? `not with a coupon of series ${list.join(', ')}`
    : 'with any other coupon';
}

function codes(s: Series): string {
  switch (s.clientHandlingType) {
    case 'GENERIC':
      return `one code for everyone: ${String(s.genericCode ?? '')}`;
    case 'DISC_CODE_PIN':
      return 'uploaded codes only';
    default: {
      const length = num(s.randomCodeLength) || 8;
      const kind = yes(s.alphaNumeric) ? 'letters and digits' : 'digits';
      const prefix = yes(s.isPrefixEnabled) && s.couponPrefix ? `, starting ${String(s.couponPrefix)}` : '';
      const suffix = yes(s.isSuffixEnabled) && s.couponSuffix ? `, ending ${String(s.couponSuffix)}` : '';
      return `generated: ${length} ${kind}${prefix}${suffix}`;
    }
  }
}

function couponExpiry(s: Series): string {
  const n = num(s.expiryStrategyValue);
  switch (s.expiryStrategyType) {
    case 'DAYS':
      return `${formatCount(n)} day${n === 1 ? '' : 's'} after it is issued`;
    case 'MONTHS':
      return `${formatCount(n)} month${n === 1 ? '' : 's'} after it is issued`;
    case 'MONTHS_END':
      return n === 0
        ? 'at the end of the month it is issued'
        : `at the end of the ${n}. month after its issue`;
    default:
      return 'when the series ends';
  }
}

function bills(s: Series): string {
  const min = num(s.minBillAmount);
  const max = num(s.maxBillAmount);
  const hasMax = max >= 0 && max < NO_MAX;
  if (min <= 0 && !hasMax) return 'any bill';
  if (!hasMax) return `bills of ${formatCount(min)} or more`;
  if (min <= 0) return `bills up to ${formatCount(max)}`;
  return `bills from ${formatCount(min)} to ${formatCount(max)}`;
}

function redeemableFrom(s: Series): string {
  const from = typeof s.redemptionValidFrom === 'string' ? s.redemptionValidFrom : '';
  const after = num(s.redemptionValidAfterDays);
  const parts: string[] = [];
  if (from && !from.startsWith('1970-01-01')) parts.push(`from ${formatDate(from)}`);
  if (after > 0) parts.push(`${formatCount(after)} day${after === 1 ? '' : 's'} after issue`);
  return parts.length ? parts.join(', and ') : 'as soon as it is issued';
}

export function seriesSummary(s: Series): SummaryGroup[] {
  return [
    {
      title: 'Offer',
      rows: [
        ['Discount', formatDiscount(s)],
        ['On', bills(s)],
        ['Discount code at the till', String(s.discountCode ?? '—')],
        ['Codes', codes(s)],
      ],
    },
    {
      title: 'Validity',
      rows: [
        ['Series runs until', formatDate(s.validTillDate)],
        ['Each coupon expires', couponExpiry(s)],
        ['Redeemable', redeemableFrom(s)],
        ['Redeemable at', range(s.redemptionRange)],
      ],
    },
    {
      title: 'Limits',
      rows: [
        ['Coupons in all', unlimited(s.maxCreate)],
        ['Redemptions in all', unlimited(s.maxRedeem)],
        ['Redemptions of one coupon', unlimited(s.redemptionPerCouponMaxLimit)],
        ['Redemptions per customer', unlimited(s.maxRedemptionsInSeriesPerUser)],
        ['Days between a customer’s redemptions', days(s.minDaysBetweenRedemption)],
      ],
    },
    {
      title: 'Who may use it',
      rows: [
        ['Redeemed by', yes(s.anyUser) ? 'anyone with the code' : 'only the customer it was issued to'],
        [
          'Coupons per customer',
          yes(s.isMultipleVouchersPerUserAllowed)
            ? unlimited(s.maxVouchersPerUser)
            : `one${yes(s.doNotResendExistingVoucher) ? '' : ' (asking again sends the same coupon)'}`,
        ],
        ['Days between a customer’s coupons', days(s.minDaysBetweenVouchers)],
        ['Combines', exclusive(s.mutualExclusiveSeriesIds)],
      ],
    },
    {
      title: 'Where',
      rows: [
        ['Issued at', tills(s.storeIdsJson)],
        ['Redeemed at', tills(s.redeemAtStore)],
      ],
    },
    {
      title: 'Messages',
      rows: [['SMS with each coupon', yes(s.isSMSDisabled) ? 'none' : String(s.smsTemplate || 'none')]],
    },
  ];
}
