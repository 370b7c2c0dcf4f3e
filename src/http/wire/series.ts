// Wire shapes of coupon series (reference "Create Card Series", "Get Coupon Series Details"; docs/api.md §5):
// the request body (wrapped in CouponSeriesV2 or bare), and the reply with every field of the reference.
import Type, { type Static } from 'typebox';
import { dateToWire, instantToWire, localDate, parseWireTime } from '../../domain/clock.js';
import { CouponError, invalid } from '../../domain/errors.js';
import { moneyToNumber, parseMoney, type Money } from '../../domain/money.js';
import {
  CLIENT_HANDLING_TYPES,
  DISCOUNT_TYPES,
  EXPIRY_STRATEGIES,
  type Series,
  type SeriesCounters,
  type SeriesDraft,
} from '../../domain/series.js';
import { MoneyIn } from './common.js';

/**
 * Fields that only inform the till (docs/api.md §5): stored and returned as given, with the reference's defaults.
 * `info` and `tag` default to the description; `dvsExpiryDate` to the creation date.
 */
export const INFORMATIONAL_DEFAULTS: Readonly<Record<string, unknown>> = {
  validDaysFromCreation: 30,
  isTransferrable: false,
  isReferralExistingUsersAllowed: false,
  isValidationRequired: false,
  isValidWithDiscountedItem: false,
  isDvsEnabled: false,
  priority: 0,
  shortSMSTemplate: 'Hello {{cust_name}}, your voucher code is {{voucher_code}}',
  maxReferralsPerReferee: -1,
  dvsItems: '',
  campaignId: -1,
  sourceOrgId: -1,
  issueToLoyalty: false,
  redeemStoreType: 'redeemable_stores',
  offlineRedeemType: false,
  isOldFlowEnabled: false,
  isPreRedeemEventRequired: false,
  termsAndConditions: '',
  signalRedemptionEvent: false,
  syncToClient: false,
  showPinCode: false,
  targetUserDetails: {},
  ownedBy: 'NONE',
  ownerId: -1,
  ownerValidity: 0,
  shortCodeLength: 0,
  numTotal: 0,
  resendMessageEnabled: false,
  seriesType: 'UNDEFINED',
  updateProductData: false,
  externalIssual: false,
  customPropertyMap: {},
  productInfo: [],
  redemptionOrgEntityDetails: [],
};
const INFORMATIONAL_KEYS = [...Object.keys(INFORMATIONAL_DEFAULTS), 'info', 'tag', 'dvsExpiryDate'];

const Limit = Type.Integer({ minimum: -1, description: '-1 for unlimited' });
/** A JSON array or object given as a string (as the reference does) or as JSON itself. */
const JsonText = Type.Union([
  Type.String(),
  Type.Array(Type.Unknown()),
  Type.Object({}, { additionalProperties: true }),
]);
const enumOf = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));

const seriesFields = {
  seriesCode: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  discountCode: Type.Optional(Type.String()),
  discountType: Type.Optional(enumOf(DISCOUNT_TYPES)),
  discountValue: Type.Optional(MoneyIn),
  discountUpto: Type.Optional(MoneyIn),
  discountOn: Type.Optional(Type.String()),
  clientHandlingType: Type.Optional(enumOf(CLIENT_HANDLING_TYPES)),
  genericCode: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  validTillDate: Type.Optional(Type.String({ description: 'YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or ISO-8601' })),
  redemptionValidFrom: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  redemptionValidAfterDays: Type.Optional(Type.Integer({ minimum: 0 })),
  expiryStrategyType: Type.Optional(enumOf(EXPIRY_STRATEGIES)),
  expiryStrategyValue: Type.Optional(Type.Integer({ minimum: 0 })),
  maxCreate: Type.Optional(Limit),
  maxRedeem: Type.Optional(Limit),
  maxVouchersPerUser: Type.Optional(Limit),
  minDaysBetweenVouchers: Type.Optional(Limit),
  maxRedemptionsInSeriesPerUser: Type.Optional(Limit),
  minDaysBetweenRedemption: Type.Optional(Limit),
  redemptionPerCouponMaxLimit: Type.Optional(Limit),
  anyUser: Type.Optional(Type.Boolean()),
  sameUserMultipleRedeem: Type.Optional(Type.Boolean()),
  isMultipleUseAllowed: Type.Optional(Type.Boolean()),
  isMultipleVouchersPerUserAllowed: Type.Optional(Type.Boolean()),
  doNotResendExistingVoucher: Type.Optional(Type.Boolean()),
  mutualExclusiveSeriesIds: Type.Optional(JsonText),
  storeIdsJson: Type.Optional(JsonText),
  redeemAtStore: Type.Optional(JsonText),
  redemptionRange: Type.Optional(JsonText),
  minBillAmount: Type.Optional(MoneyIn),
  maxBillAmount: Type.Optional(MoneyIn),
  alphaNumeric: Type.Optional(Type.Boolean()),
  randomCodeLength: Type.Optional(Type.Integer()),
  couponPrefix: Type.Optional(Type.String()),
  isPrefixEnabled: Type.Optional(Type.Boolean()),
  couponSuffix: Type.Optional(Type.String()),
  isSuffixEnabled: Type.Optional(Type.Boolean()),
  excludeLookAlikes: Type.Optional(Type.Boolean()),
  smsTemplate: Type.Optional(Type.String()),
  isSMSDisabled: Type.Optional(Type.Boolean()),
  ...Object.fromEntries(INFORMATIONAL_KEYS.map((k) => [k, Type.Optional(Type.Unknown())])),
};

const SeriesFields = Type.Object(seriesFields, { additionalProperties: true });
/** The request body: `{"CouponSeriesV2": {…}}` or the same object bare. */
export const SeriesBody = Type.Object(
  { CouponSeriesV2: Type.Optional(SeriesFields), ...seriesFields },
  { additionalProperties: true },
);
export type SeriesBodyIn = Static<typeof SeriesBody>;

const jsonText = (v: unknown): string | undefined =>
  v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v);

function moneyField(v: unknown, field: string): Money | undefined {
  if (v === undefined) return undefined;
  const m = parseMoney(v);
  if (m === undefined) throw invalid(field, 'an amount with at most 4 decimal places');
  return m;
}

function dateField(v: unknown, field: string, timezone: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const instant = typeof v === 'string' ? parseWireTime(v, timezone) : undefined;
  if (instant === undefined) throw invalid(field, 'a date: YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or ISO-8601');
  return localDate(instant, timezone);
}

/** Reads a create or update body into a draft; dates are read in the org's timezone. */
export function fromSeriesBody(body: SeriesBodyIn, timezone: string): SeriesDraft {
  const raw = (body.CouponSeriesV2 ?? body) as Record<string, unknown> & Static<typeof SeriesFields>;
  if (typeof raw !== 'object' || raw === null)
    throw new CouponError('InvalidInput', 'CouponSeriesV2 must be an object');
  const extra: Record<string, unknown> = {};
  for (const k of INFORMATIONAL_KEYS) if (raw[k] !== undefined) extra[k] = raw[k];
  const draft: SeriesDraft = {
    seriesCode: raw.seriesCode?.trim(),
    description: raw.description,
    discountCode: raw.discountCode,
    discountType: raw.discountType,
    discountValue: moneyField(raw.discountValue, 'discountValue'),
    discountUpto: moneyField(raw.discountUpto, 'discountUpto'),
    discountOn: raw.discountOn,
    clientHandlingType: raw.clientHandlingType,
    genericCode: raw.genericCode === undefined ? undefined : raw.genericCode || null,
    validTillDate: dateField(raw.validTillDate, 'validTillDate', timezone),
    redemptionValidFrom:
      raw.redemptionValidFrom === null || raw.redemptionValidFrom === ''
        ? null
        : dateField(raw.redemptionValidFrom, 'redemptionValidFrom', timezone),
    redemptionValidAfterDays: raw.redemptionValidAfterDays,
    expiryStrategyType: raw.expiryStrategyType,
    expiryStrategyValue: raw.expiryStrategyValue,
    maxCreate: raw.maxCreate,
    maxRedeem: raw.maxRedeem,
    maxVouchersPerUser: raw.maxVouchersPerUser,
    minDaysBetweenVouchers: raw.minDaysBetweenVouchers,
    maxRedemptionsInSeriesPerUser: raw.maxRedemptionsInSeriesPerUser,
    minDaysBetweenRedemption: raw.minDaysBetweenRedemption,
    redemptionPerCouponMaxLimit: raw.redemptionPerCouponMaxLimit,
    anyUser: raw.anyUser,
    sameUserMultipleRedeem: raw.sameUserMultipleRedeem,
    isMultipleUseAllowed: raw.isMultipleUseAllowed,
    isMultipleVouchersPerUserAllowed: raw.isMultipleVouchersPerUserAllowed,
    doNotResendExistingVoucher: raw.doNotResendExistingVoucher,
    mutualExclusiveSeriesIds: jsonText(raw.mutualExclusiveSeriesIds),
    storeIdsJson: jsonText(raw.storeIdsJson),
    redeemAtStore: jsonText(raw.redeemAtStore),
    redemptionRange: jsonText(raw.redemptionRange),
    minBillAmount: moneyField(raw.minBillAmount, 'minBillAmount'),
    maxBillAmount: moneyField(raw.maxBillAmount, 'maxBillAmount'),
    code: {
      alphaNumeric: raw.alphaNumeric,
      length: raw.randomCodeLength,
      prefix: raw.couponPrefix,
      prefixEnabled: raw.isPrefixEnabled,
      suffix: raw.couponSuffix,
      suffixEnabled: raw.isSuffixEnabled,
      excludeLookAlikes: raw.excludeLookAlikes,
    },
    smsTemplate: raw.smsTemplate,
    isSmsDisabled: raw.isSMSDisabled,
    extra,
  };
  return draft;
}

const Unknown = Type.Unknown();
const Str = Type.String();
const Num = Type.Number();
const Int = Type.Integer();
const Bool = Type.Boolean();

/** Every field of the reference's series reply, in its order, plus the settable fields docs/api.md §5 adds. */
export const SeriesReply = Type.Object({
  id: Int,
  orgId: Int,
  description: Str,
  discountCode: Str,
  validTillDate: Str,
  validDaysFromCreation: Unknown,
  expiryStrategyValue: Int,
  maxCreate: Int,
  maxRedeem: Int,
  isTransferrable: Unknown,
  anyUser: Bool,
  sameUserMultipleRedeem: Bool,
  isReferralExistingUsersAllowed: Unknown,
  isMultipleUseAllowed: Bool,
  isValidationRequired: Unknown,
  isValidWithDiscountedItem: Unknown,
  createdBy: Int,
  numIssued: Int,
  numRedeemed: Int,
  createdOn: Str,
  lastUsed: Str,
  seriesCode: Str,
  smsTemplate: Str,
  isSMSDisabled: Bool,
  info: Unknown,
  isMultipleVouchersPerUserAllowed: Bool,
  doNotResendExistingVoucher: Bool,
  mutualExclusiveSeriesIds: Str,
  storeIdsJson: Str,
  isDvsEnabled: Unknown,
  dvsExpiryDate: Unknown,
  priority: Unknown,
  shortSMSTemplate: Unknown,
  maxVouchersPerUser: Int,
  minDaysBetweenVouchers: Int,
  maxReferralsPerReferee: Unknown,
  discountUpto: Num,
  discountValue: Num,
  dvsItems: Unknown,
  redemptionRange: Str,
  minBillAmount: Num,
  maxBillAmount: Num,
  redeemAtStore: Str,
  campaignId: Unknown,
  tag: Unknown,
  maxRedemptionsInSeriesPerUser: Int,
  minDaysBetweenRedemption: Int,
  redemptionValidFrom: Str,
  sourceOrgId: Unknown,
  issueToLoyalty: Unknown,
  redeemStoreType: Unknown,
  offlineRedeemType: Unknown,
  isOldFlowEnabled: Unknown,
  isPreRedeemEventRequired: Unknown,
  termsAndConditions: Unknown,
  signalRedemptionEvent: Unknown,
  syncToClient: Unknown,
  showPinCode: Unknown,
  targetUserDetails: Unknown,
  numUploadedNonIssued: Int,
  numUploadedTotal: Int,
  redemptionValidAfterDays: Int,
  ownedBy: Unknown,
  ownerId: Unknown,
  ownerValidity: Unknown,
  alphaNumeric: Bool,
  shortCodeLength: Unknown,
  randomCodeLength: Int,
  fixedExpiryDate: Int,
  numTotal: Unknown,
  latestIssualTime: Int,
  latestRedemptionTime: Int,
  resendMessageEnabled: Unknown,
  seriesType: Unknown,
  clientHandlingType: Str,
  expiryStrategyType: Str,
  discountOn: Str,
  discountType: Str,
  updateProductData: Unknown,
  externalIssual: Unknown,
  genericCode: Type.Union([Str, Type.Null()]),
  redemptionPerCouponMaxLimit: Int,
  couponPrefix: Str,
  isPrefixEnabled: Bool,
  couponSuffix: Str,
  isSuffixEnabled: Bool,
  excludeLookAlikes: Bool,
  customPropertyMap: Unknown,
  productInfo: Unknown,
  redemptionOrgEntityDetails: Unknown,
});
export type SeriesReplyOut = Static<typeof SeriesReply>;

export const SeriesCreateReply = Type.Object({
  ...SeriesReply.properties,
  warnings: Type.Array(Type.Unknown()),
});

/** The reference's series object from the stored series and its counters. */
export function toSeriesReply(s: Series, c: SeriesCounters): SeriesReplyOut {
  const x = { ...INFORMATIONAL_DEFAULTS, ...s.extra };
  const lastUsed = Math.max(s.updatedAt, c.latestIssualTime, c.latestRedemptionTime);
  return {
    id: s.id,
    orgId: s.orgId,
    description: s.description,
    discountCode: s.discountCode,
    validTillDate: dateToWire(s.validTillDate),
    validDaysFromCreation: x.validDaysFromCreation,
    expiryStrategyValue: s.expiryStrategyValue,
    maxCreate: s.maxCreate,
    maxRedeem: s.maxRedeem,
    isTransferrable: x.isTransferrable,
    anyUser: s.anyUser,
    sameUserMultipleRedeem: s.sameUserMultipleRedeem,
    isReferralExistingUsersAllowed: x.isReferralExistingUsersAllowed,
    isMultipleUseAllowed: s.isMultipleUseAllowed,
    isValidationRequired: x.isValidationRequired,
    isValidWithDiscountedItem: x.isValidWithDiscountedItem,
    createdBy: s.createdBy ?? -1,
    numIssued: c.numIssued,
    numRedeemed: c.numRedeemed,
    createdOn: instantToWire(s.createdAt),
    lastUsed: instantToWire(lastUsed),
    seriesCode: s.seriesCode,
    smsTemplate: s.smsTemplate,
    isSMSDisabled: s.isSmsDisabled,
    info: x.info ?? s.description,
    isMultipleVouchersPerUserAllowed: s.isMultipleVouchersPerUserAllowed,
    doNotResendExistingVoucher: s.doNotResendExistingVoucher,
    mutualExclusiveSeriesIds: s.mutualExclusiveSeriesIds,
    storeIdsJson: s.storeIdsJson,
    isDvsEnabled: x.isDvsEnabled,
    dvsExpiryDate: x.dvsExpiryDate ?? dateToWire(localDate(s.createdAt, 'UTC')),
    priority: x.priority,
    shortSMSTemplate: x.shortSMSTemplate,
    maxVouchersPerUser: s.maxVouchersPerUser,
    minDaysBetweenVouchers: s.minDaysBetweenVouchers,
    maxReferralsPerReferee: x.maxReferralsPerReferee,
    discountUpto: moneyToNumber(s.discountUpto),
    discountValue: moneyToNumber(s.discountValue),
    dvsItems: x.dvsItems,
    redemptionRange: s.redemptionRange,
    minBillAmount: moneyToNumber(s.minBillAmount),
    maxBillAmount: moneyToNumber(s.maxBillAmount),
    redeemAtStore: s.redeemAtStore,
    campaignId: x.campaignId,
    tag: x.tag ?? s.description,
    maxRedemptionsInSeriesPerUser: s.maxRedemptionsInSeriesPerUser,
    minDaysBetweenRedemption: s.minDaysBetweenRedemption,
    redemptionValidFrom: dateToWire(s.redemptionValidFrom ?? '1970-01-01'),
    sourceOrgId: x.sourceOrgId,
    issueToLoyalty: x.issueToLoyalty,
    redeemStoreType: x.redeemStoreType,
    offlineRedeemType: x.offlineRedeemType,
    isOldFlowEnabled: x.isOldFlowEnabled,
    isPreRedeemEventRequired: x.isPreRedeemEventRequired,
    termsAndConditions: x.termsAndConditions,
    signalRedemptionEvent: x.signalRedemptionEvent,
    syncToClient: x.syncToClient,
    showPinCode: x.showPinCode,
    targetUserDetails: x.targetUserDetails,
    numUploadedNonIssued: c.numUploadedNonIssued,
    numUploadedTotal: c.numUploadedTotal,
    redemptionValidAfterDays: s.redemptionValidAfterDays,
    ownedBy: x.ownedBy,
    ownerId: x.ownerId,
    ownerValidity: x.ownerValidity,
    alphaNumeric: s.code.alphaNumeric,
    shortCodeLength: x.shortCodeLength,
    randomCodeLength: s.code.length,
    fixedExpiryDate: Date.parse(`${s.validTillDate}T00:00:00Z`),
    numTotal: x.numTotal,
    latestIssualTime: c.latestIssualTime,
    latestRedemptionTime: c.latestRedemptionTime,
    resendMessageEnabled: x.resendMessageEnabled,
    seriesType: x.seriesType,
    clientHandlingType: s.clientHandlingType,
    expiryStrategyType: s.expiryStrategyType,
    discountOn: s.discountOn,
    discountType: s.discountType,
    updateProductData: x.updateProductData,
    externalIssual: x.externalIssual,
    genericCode: s.genericCode,
    redemptionPerCouponMaxLimit: s.redemptionPerCouponMaxLimit,
    couponPrefix: s.code.prefix,
    isPrefixEnabled: s.code.prefixEnabled,
    couponSuffix: s.code.suffix,
    isSuffixEnabled: s.code.suffixEnabled,
    excludeLookAlikes: s.code.excludeLookAlikes,
    customPropertyMap: x.customPropertyMap,
    productInfo: x.productInfo,
    redemptionOrgEntityDetails: x.redemptionOrgEntityDetails,
  };
}
