// Coupon series: the offer and its rules (docs/api.md §5). Types, defaults and the JSON-in-a-string parsers;
// no I/O. What makes a configuration valid, and turning a draft into one, is in series-validation.ts.
import { parseIsoDate, type IsoDate } from './clock.js';
import { invalid } from './errors.js';
import { money, type Money } from './money.js';

export const CLIENT_HANDLING_TYPES = ['DISC_CODE', 'DISC_CODE_PIN', 'GENERIC'] as const;
export type ClientHandlingType = (typeof CLIENT_HANDLING_TYPES)[number];
export const EXPIRY_STRATEGIES = ['SERIES_EXPIRY', 'DAYS', 'MONTHS', 'MONTHS_END'] as const;
export type ExpiryStrategy = (typeof EXPIRY_STRATEGIES)[number];
export const DISCOUNT_TYPES = ['ABS', 'PERC'] as const;
export type DiscountType = (typeof DISCOUNT_TYPES)[number];

/** -1 means unlimited for every limit field (docs/api.md §5). */
export const UNLIMITED = -1;

/** A list of tills; `all` is the wire's "[-1]". */
export type TillList = { kind: 'all' } | { kind: 'only'; tills: readonly string[] };

/** Allowed days of month (1–31), ISO days of week (1–7) and hours (0–23); null means any. */
export interface RedemptionRange {
  dom: readonly number[] | null;
  dow: readonly number[] | null;
  hours: readonly number[] | null;
}

export interface CodeFormat {
  alphaNumeric: boolean;
  /** Length of the random part (4–32). */
  length: number;
  prefix: string;
  prefixEnabled: boolean;
  suffix: string;
  suffixEnabled: boolean;
  excludeLookAlikes: boolean;
}

/** The rule-bearing configuration of a series (what create and update set). */
export interface SeriesConfig {
  seriesCode: string;
  description: string;
  discountCode: string;
  discountType: DiscountType;
  discountValue: Money;
  discountUpto: Money;
  discountOn: string;
  clientHandlingType: ClientHandlingType;
  genericCode: string | null;
  /** The series' last valid local date (its end day counts as valid). */
  validTillDate: IsoDate;
  redemptionValidFrom: IsoDate | null;
  redemptionValidAfterDays: number;
  expiryStrategyType: ExpiryStrategy;
  expiryStrategyValue: number;
  maxCreate: number;
  maxRedeem: number;
  maxVouchersPerUser: number;
  minDaysBetweenVouchers: number;
  maxRedemptionsInSeriesPerUser: number;
  minDaysBetweenRedemption: number;
  redemptionPerCouponMaxLimit: number;
  anyUser: boolean;
  sameUserMultipleRedeem: boolean;
  isMultipleUseAllowed: boolean;
  isMultipleVouchersPerUserAllowed: boolean;
  doNotResendExistingVoucher: boolean;
  /** Kept as given (a JSON array in a string), parsed into `exclusiveSeriesIds`. */
  mutualExclusiveSeriesIds: string;
  exclusiveSeriesIds: readonly number[];
  storeIdsJson: string;
  issueTills: TillList;
  redeemAtStore: string;
  redeemTills: TillList;
  /** Kept as given (a JSON object in a string), parsed into `range`. */
  redemptionRange: string;
  range: RedemptionRange;
  minBillAmount: Money;
  maxBillAmount: Money;
  code: CodeFormat;
  smsTemplate: string;
  isSmsDisabled: boolean;
  /** Fields that only inform the till, stored and returned as given (keyed by wire name). */
  extra: Readonly<Record<string, unknown>>;
}

export interface Series extends SeriesConfig {
  id: number;
  orgId: number;
  configVersion: number;
  createdBy: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface SeriesCounters {
  numIssued: number;
  numRedeemed: number;
  numUploadedTotal: number;
  numUploadedNonIssued: number;
  latestIssualTime: number;
  latestRedemptionTime: number;
}

/** One customer's coupons of one series: what the per-customer limits count. */
export interface CustomerSeriesCounts {
  issuedCount: number;
  lastIssuedAt: number | null;
  redeemedCount: number;
  lastRedeemedAt: number | null;
}

export const ZERO_COUNTERS: SeriesCounters = {
  numIssued: 0,
  numRedeemed: 0,
  numUploadedTotal: 0,
  numUploadedNonIssued: 0,
  latestIssualTime: 0,
  latestRedemptionTime: 0,
};

/** The reference's default maxBillAmount (2^53 − 1): no upper bound in practice. */
export const NO_MAX_BILL = money('9007199254740991');
/** maxBillAmount -1: no maximum (docs/api.md §5: -1 means unlimited for every limit field). */
export const UNLIMITED_BILL = money(-1);
export const DEFAULT_REDEMPTION_RANGE = '{"dom":["-1"],"dow":["-1"],"hours":["-1"]}';
export const ALL_TILLS_JSON = '[-1]';

export const LOOK_ALIKES = '0O1IL';
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';

/** The characters a code's random part is drawn from. */
export function codeAlphabet(format: Pick<CodeFormat, 'alphaNumeric' | 'excludeLookAlikes'>): string {
  const base = format.alphaNumeric ? LETTERS + DIGITS : DIGITS;
  return format.excludeLookAlikes ? [...base].filter((c) => !LOOK_ALIKES.includes(c)).join('') : base;
}

/** How many distinct random parts a format allows. */
export function codeSpace(format: CodeFormat): number {
  return codeAlphabet(format).length ** format.length;
}

/**
 * docs/api.md §5 (beyond): a finite maxCreate may use at most 1 % of the code space, so that a guessed code is
 * almost never a real one.
 */
export const MAX_CODE_SPACE_SHARE = 0.01;

// --- parsing helpers for the JSON-in-a-string fields -------------------------------------------------------

function parseJson(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(field, 'valid JSON');
  }
}

/** "[-1]" → all tills; "[12, \"A7\"]" → those tills. */
export function parseTillList(text: string, field: string): TillList {
  const v = parseJson(text, field);
  if (!Array.isArray(v)) throw invalid(field, 'a JSON array of till ids, or [-1] for all');
  const items = v.map((x) => {
    if ((typeof x !== 'number' || !Number.isFinite(x)) && (typeof x !== 'string' || x.trim() === '')) {
      throw invalid(field, 'a JSON array of till ids, or [-1] for all');
    }
    return String(x).trim();
  });
  if (items.length === 0 || items.includes('-1')) return { kind: 'all' };
  return { kind: 'only', tills: [...new Set(items)] };
}

export function parseExclusiveSeries(text: string, field: string): number[] {
  const v = parseJson(text, field);
  if (!Array.isArray(v)) throw invalid(field, 'a JSON array of series ids');
  return [
    ...new Set(
      v.map((x) => {
        const n = typeof x === 'string' ? Number(x) : x;
        if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0)
          throw invalid(field, 'a JSON array of series ids');
        return n;
      }),
    ),
  ];
}

function rangeList(v: unknown, field: string, min: number, max: number): number[] | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v)) throw invalid(`${field}`, `an array of numbers ${min}–${max}, or [-1]`);
  const nums = v.map((x) => {
    const n = typeof x === 'string' && x.trim() !== '' ? Number(x) : x;
    if (typeof n !== 'number' || !Number.isInteger(n))
      throw invalid(field, `an array of numbers ${min}–${max}, or [-1]`);
    return n;
  });
  if (nums.length === 0 || nums.includes(-1)) return null;
  for (const n of nums)
    if (n < min || n > max) throw invalid(field, `an array of numbers ${min}–${max}, or [-1]`);
  return [...new Set(nums)].sort((a, b) => a - b);
}

/** Parses the reference's redemptionRange string: {"dom":[…],"dow":[…],"hours":[…]}; -1 or absent = any. */
export function parseRedemptionRange(text: string): RedemptionRange {
  const field = 'redemptionRange';
  const v = parseJson(text, field);
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw invalid(field, 'a JSON object with dom, dow and hours');
  const o = v as Record<string, unknown>;
  return {
    dom: rangeList(o.dom, `${field}.dom`, 1, 31),
    dow: rangeList(o.dow, `${field}.dow`, 1, 7),
    hours: rangeList(o.hours, `${field}.hours`, 0, 23),
  };
}

// --- defaults ------------------------------------------------------------------------------------------------

/** The fields a create or update may set; the JSON-in-a-string fields are given as text and parsed here. */
export type SeriesDraft = Partial<
  Omit<SeriesConfig, 'exclusiveSeriesIds' | 'issueTills' | 'redeemTills' | 'range' | 'code' | 'extra'>
> & { code?: Partial<CodeFormat>; extra?: Readonly<Record<string, unknown>> };

/** A series as the reference's defaults describe it; `validTillDate` 100 years out when not given. */
export function defaultSeriesConfig(seriesCode: string, today: IsoDate): SeriesConfig {
  const { year, month, day } = parseIsoDate(today);
  const validTillDate = `${String(year + 100).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(day, 28)).padStart(2, '0')}`;
  return {
    seriesCode,
    description: '',
    discountCode: 'NO_VALUE',
    discountType: 'ABS',
    discountValue: money(0),
    discountUpto: money(0),
    discountOn: 'BILL',
    clientHandlingType: 'DISC_CODE',
    genericCode: null,
    validTillDate,
    redemptionValidFrom: null,
    redemptionValidAfterDays: 0,
    expiryStrategyType: 'SERIES_EXPIRY',
    expiryStrategyValue: 1,
    maxCreate: UNLIMITED,
    maxRedeem: UNLIMITED,
    maxVouchersPerUser: UNLIMITED,
    minDaysBetweenVouchers: UNLIMITED,
    maxRedemptionsInSeriesPerUser: UNLIMITED,
    minDaysBetweenRedemption: UNLIMITED,
    redemptionPerCouponMaxLimit: UNLIMITED,
    anyUser: false,
    sameUserMultipleRedeem: false,
    isMultipleUseAllowed: false,
    isMultipleVouchersPerUserAllowed: false,
    doNotResendExistingVoucher: true,
    mutualExclusiveSeriesIds: '[]',
    exclusiveSeriesIds: [],
    storeIdsJson: ALL_TILLS_JSON,
    issueTills: { kind: 'all' },
    redeemAtStore: ALL_TILLS_JSON,
    redeemTills: { kind: 'all' },
    redemptionRange: DEFAULT_REDEMPTION_RANGE,
    range: { dom: null, dow: null, hours: null },
    minBillAmount: money(0),
    maxBillAmount: NO_MAX_BILL,
    code: {
      alphaNumeric: true,
      length: 8,
      prefix: '',
      prefixEnabled: false,
      suffix: '',
      suffixEnabled: false,
      excludeLookAlikes: false,
    },
    smsTemplate: '',
    isSmsDisabled: false,
    extra: {},
  };
}
