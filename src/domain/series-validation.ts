// What makes a series configuration valid (docs/api.md §5, docs/errors.md "Series"): the mandatory fields
// of a create, the per-field checks that answer 629 naming every bad field, and the two steps that turn a
// create's or update's draft into a checked configuration. The types and defaults are in series.ts; no I/O.
import { parseIsoDate } from './clock.js';
import { CouponError, invalidFields } from './errors.js';
import { MONEY_SCALE } from './money.js';
import {
  codeAlphabet,
  codeSpace,
  MAX_CODE_SPACE_SHARE,
  parseExclusiveSeries,
  parseRedemptionRange,
  parseTillList,
  UNLIMITED,
  UNLIMITED_BILL,
  type CodeFormat,
  type SeriesConfig,
  type SeriesDraft,
} from './series.js';

type Problems = [field: string, expected: string][];

const CODE_TEXT = /^[A-Z0-9]*$/;

/**
 * The fields the reference marks mandatory for a new series. Each must be given, and text must not be
 * blank; `discountValue` must also mean something (more than zero: checked with the configuration).
 */
export const MANDATORY_SERIES_FIELDS = [
  'description',
  'discountCode',
  'discountType',
  'discountValue',
  'clientHandlingType',
  'validTillDate',
  'expiryStrategyType',
  'anyUser',
  'smsTemplate',
] as const;

/**
 * The mandatory fields a create's draft lacks, as problems for `invalidFields`. Blank text counts as
 * missing, except an empty smsTemplate on a series that sends no SMS.
 */
export function missingSeriesFields(draft: SeriesDraft): Problems {
  return MANDATORY_SERIES_FIELDS.filter((f) => {
    const v = draft[f];
    if (v === undefined || v === null) return true;
    if (f === 'smsTemplate' && draft.isSmsDisabled === true) return false;
    return typeof v === 'string' && v.trim() === '';
  }).map((f) => [f, 'required']);
}

/**
 * The mandatory text fields a change empties: a change may leave a field out (it keeps its value), but
 * never blank it. An empty smsTemplate stays allowed on a series that sends no SMS.
 */
export function blankedSeriesFields(draft: SeriesDraft, smsDisabled: boolean): Problems {
  return MANDATORY_SERIES_FIELDS.filter((f) => {
    const v = draft[f];
    if (f === 'smsTemplate' && smsDisabled) return false;
    return typeof v === 'string' && v.trim() === '';
  }).map((f) => [f, 'required']);
}

/**
 * What is wrong with a complete configuration (after defaults), field by field (none: an empty list);
 * thrown as 629 with one error entry per field (docs/errors.md "Series").
 */
export function seriesProblems(c: SeriesConfig): Problems {
  const problems: Problems = [];
  const bad = (field: string, expected: string) => problems.push([field, expected]);
  const limit = (field: string, n: number): void => {
    if (!Number.isSafeInteger(n) || n < -1) bad(field, 'an integer, -1 for unlimited');
  };
  if (c.seriesCode.trim() === '' || c.seriesCode.length > 64) bad('seriesCode', '1 to 64 characters');
  if (c.description.length > 1000) bad('description', 'at most 1000 characters');
  if (c.discountValue <= 0n) bad('discountValue', 'more than zero: a discount that takes something off');
  if (c.discountType === 'PERC' && c.discountValue > 100n * MONEY_SCALE)
    bad('discountValue', 'at most 100 for a PERC discount');
  if (c.discountUpto < 0n) bad('discountUpto', 'zero or more');
  if (c.discountType === 'ABS' && c.discountUpto > 0n) bad('discountUpto', 'only with discountType PERC');
  if (c.minBillAmount < 0n) bad('minBillAmount', 'zero or more');
  if (c.maxBillAmount < 0n && c.maxBillAmount !== UNLIMITED_BILL)
    bad('maxBillAmount', 'zero or more, -1 for no maximum');
  if (c.maxBillAmount >= 0n && c.minBillAmount > c.maxBillAmount)
    bad('minBillAmount', 'not above maxBillAmount');
  for (const [f, n] of [
    ['maxCreate', c.maxCreate],
    ['maxRedeem', c.maxRedeem],
    ['maxVouchersPerUser', c.maxVouchersPerUser],
    ['minDaysBetweenVouchers', c.minDaysBetweenVouchers],
    ['maxRedemptionsInSeriesPerUser', c.maxRedemptionsInSeriesPerUser],
    ['minDaysBetweenRedemption', c.minDaysBetweenRedemption],
    ['redemptionPerCouponMaxLimit', c.redemptionPerCouponMaxLimit],
  ] as const) {
    limit(f, n);
  }
  if (!Number.isSafeInteger(c.redemptionValidAfterDays) || c.redemptionValidAfterDays < 0) {
    bad('redemptionValidAfterDays', 'zero or more days');
  }
  if (
    !Number.isSafeInteger(c.expiryStrategyValue) ||
    c.expiryStrategyValue < 0 ||
    c.expiryStrategyValue > 100_000
  ) {
    bad('expiryStrategyValue', 'zero or more');
  }
  if ((c.expiryStrategyType === 'DAYS' || c.expiryStrategyType === 'MONTHS') && c.expiryStrategyValue < 1) {
    bad('expiryStrategyValue', `at least 1 with expiryStrategyType ${c.expiryStrategyType}`);
  }
  const f = c.code;
  if (!Number.isInteger(f.length) || f.length < 4 || f.length > 32)
    bad('randomCodeLength', 'between 4 and 32');
  const alphabet = codeAlphabet({ alphaNumeric: f.alphaNumeric, excludeLookAlikes: false });
  for (const [field, text] of [
    ['couponPrefix', f.prefix],
    ['couponSuffix', f.suffix],
  ] as const) {
    if (text.length > 16 || !CODE_TEXT.test(text) || [...text].some((ch) => !alphabet.includes(ch))) {
      bad(field, `at most 16 characters from the code alphabet (${f.alphaNumeric ? 'A-Z, 0-9' : '0-9'})`);
    }
  }
  const lengthOk = Number.isInteger(f.length) && f.length >= 4 && f.length <= 32;
  if (
    lengthOk &&
    c.maxCreate !== UNLIMITED &&
    c.clientHandlingType === 'DISC_CODE' &&
    c.maxCreate > codeSpace(f) * MAX_CODE_SPACE_SHARE
  ) {
    bad(
      'maxCreate',
      `at most ${Math.floor(codeSpace(f) * MAX_CODE_SPACE_SHARE)} for this code format (1% of its code space); use longer codes`,
    );
  }
  if (c.clientHandlingType === 'GENERIC') {
    if (!c.genericCode || !/^[A-Z0-9_-]{1,64}$/.test(c.genericCode))
      bad('genericCode', '1 to 64 characters A-Z, 0-9, - or _');
  }
  if (c.redemptionValidFrom !== null) parseIsoDate(c.redemptionValidFrom);
  if (c.smsTemplate.length > 2000) bad('smsTemplate', 'at most 2000 characters');
  if (!c.isSmsDisabled && c.smsTemplate.trim() === '')
    bad('smsTemplate', 'the text of the SMS, unless isSMSDisabled is true');
  return problems;
}

/**
 * A new series from a draft: every mandatory field present (MANDATORY_SERIES_FIELDS), then as
 * applySeriesDraft. A refusal names each missing field and each wrong one, one error entry per field.
 */
export function newSeriesConfig(base: SeriesConfig, draft: SeriesDraft): SeriesConfig {
  const missing = missingSeriesFields(draft);
  try {
    const config = applySeriesDraft(base, draft);
    if (missing.length > 0) throw invalidFields(missing);
    return config;
  } catch (e) {
    if (missing.length === 0 || !(e instanceof CouponError) || e.reason !== 'InvalidInput') throw e;
    const named = new Set(missing.map(([field]) => field));
    const wrong = (e.details ?? (e.detail ? [e.detail] : []))
      .map((d): [string, string] => {
        const at = d.indexOf(': ');
        return at < 0 ? [d, ''] : [d.slice(0, at), d.slice(at + 2)];
      })
      .filter(([field]) => !named.has(field));
    throw invalidFields([...missing, ...wrong]);
  }
}

/** Applies a draft to a configuration, re-parses the JSON-in-a-string fields and validates the result. */
export function applySeriesDraft(base: SeriesConfig, draft: SeriesDraft): SeriesConfig {
  const { code, extra, ...plain } = draft;
  const defined = Object.fromEntries(
    Object.entries(plain).filter(([, v]) => v !== undefined),
  ) as Partial<SeriesConfig>;
  const codeChanges = Object.fromEntries(
    Object.entries(code ?? {}).filter(([, v]) => v !== undefined),
  ) as Partial<CodeFormat>;
  const next: SeriesConfig = {
    ...base,
    ...defined,
    code: { ...base.code, ...codeChanges },
    extra: { ...base.extra, ...(extra ?? {}) },
  };
  if (next.code.prefix) next.code = { ...next.code, prefix: next.code.prefix.toUpperCase() };
  if (next.code.suffix) next.code = { ...next.code, suffix: next.code.suffix.toUpperCase() };
  if (next.genericCode) next.genericCode = next.genericCode.trim().toUpperCase();
  next.exclusiveSeriesIds = parseExclusiveSeries(next.mutualExclusiveSeriesIds, 'mutualExclusiveSeriesIds');
  next.issueTills = parseTillList(next.storeIdsJson, 'storeIdsJson');
  next.redeemTills = parseTillList(next.redeemAtStore, 'redeemAtStore');
  next.range = parseRedemptionRange(next.redemptionRange);
  const problems = [...blankedSeriesFields(draft, next.isSmsDisabled), ...seriesProblems(next)];
  if (problems.length > 0) throw invalidFields(problems);
  return next;
}
