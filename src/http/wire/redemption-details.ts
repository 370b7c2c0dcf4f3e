// The item fields `GET /v2/coupon/is_redeemable` adds with `details=true` or `details=extended` (the later
// edition's page "Check if coupon is Redeemable"; docs/api.md §7): the discount, the `couponseries` object,
// and with `extended` the brands, products, categories and entity-level redemption configuration.
import Type, { type Static } from 'typebox';
import { dateToWire } from '../../domain/clock.js';
import type { Coupon } from '../../domain/coupon.js';
import { moneyToNumber } from '../../domain/money.js';
import type { Series } from '../../domain/series.js';
import { INFORMATIONAL_DEFAULTS } from './series.js';

/** How `validTillDate` is written, as the page's `validTilldateFormat` names it. */
export const VALID_TILL_DATE_FORMAT = "yyyy-MM-dd'T'HH:mm:ssXXX";

export const CouponSeriesDetails = Type.Object(
  {
    id: Type.Integer(),
    seriesCode: Type.Union([Type.String(), Type.Null()]),
    description: Type.String(),
    discountCode: Type.String(),
    discountType: Type.String(),
    discountValue: Type.Number(),
    discountUpto: Type.Number(),
    discountOn: Type.Unknown(),
    validTillDate: Type.String(),
    validTilldateFormat: Type.String(),
    isValidWithDiscountedItem: Type.Unknown(),
    isUpdateProductData: Type.Boolean(),
    updateProductData: Type.Unknown(),
    info: Type.Unknown(),
    maxRedemptionsInSeriesPerUser: Type.Integer(),
    issueToLoyalty: Type.Unknown(),
    clientHandlingType: Type.String(),
  },
  { additionalProperties: true, description: 'the series of the coupon (details=true)' },
);

/** The item fields of details=true / extended (optional in the schema: absent without `details`). */
export const DetailFields = {
  discountType: Type.Optional(Type.String()),
  discountValue: Type.Optional(Type.Number()),
  discountUpto: Type.Optional(Type.Number()),
  validTillDate: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  couponseries: Type.Optional(Type.Unknown()),
  brands: Type.Optional(Type.Array(Type.Unknown())),
  products: Type.Optional(Type.Array(Type.Unknown())),
  categories: Type.Optional(Type.Array(Type.Unknown())),
  entityLevelRedemptionConfigsValues: Type.Optional(Type.Array(Type.Unknown())),
};

/** The series and its discount, as both shapes of a checked coupon's series open. */
function seriesDiscount(s: Series) {
  return {
    id: s.id,
    seriesCode: s.seriesCode,
    description: s.description,
    discountCode: s.discountCode,
    discountType: s.discountType,
    discountValue: moneyToNumber(s.discountValue),
    discountUpto: moneyToNumber(s.discountUpto),
    discountOn: s.discountOn,
    validTillDate: dateToWire(s.validTillDate),
  };
}

/** The series of a checked coupon as the item's older key `seriesDetails` shows it with details=true. */
export function seriesSummary(s: Series) {
  return { ...seriesDiscount(s), clientHandlingType: s.clientHandlingType };
}

/** The series of a coupon as details=true shows it. */
export function couponSeriesDetails(s: Series): Static<typeof CouponSeriesDetails> {
  const x = { ...INFORMATIONAL_DEFAULTS, ...s.extra };
  return {
    ...seriesDiscount(s),
    validTilldateFormat: VALID_TILL_DATE_FORMAT,
    isValidWithDiscountedItem: x.isValidWithDiscountedItem,
    isUpdateProductData: x.updateProductData === true,
    updateProductData: x.updateProductData,
    info: x.info ?? s.description,
    maxRedemptionsInSeriesPerUser: s.maxRedemptionsInSeriesPerUser,
    issueToLoyalty: x.issueToLoyalty,
    clientHandlingType: s.clientHandlingType,
  };
}

/** The ids of one `productType` in the series' `productInfo` (ids given as an array or a comma-separated string). */
function productIds(s: Series, type: string): unknown[] {
  const info = s.extra.productInfo;
  if (!Array.isArray(info)) return [];
  return info.flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const e = entry as { productType?: unknown; productIds?: unknown };
    if (String(e.productType ?? '').toUpperCase() !== type) return [];
    if (Array.isArray(e.productIds)) return e.productIds as unknown[];
    if (typeof e.productIds === 'string')
      return e.productIds
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
    return e.productIds === undefined || e.productIds === null ? [] : [e.productIds];
  });
}

/** The fields one coupon's item gains with details=true or details=extended. */
export function detailFields(
  coupon: Coupon | undefined,
  s: Series,
  level: 'true' | 'extended',
  seriesConfig: unknown,
) {
  const base = {
    discountType: s.discountType,
    discountValue: moneyToNumber(s.discountValue),
    discountUpto: moneyToNumber(s.discountUpto),
  };
  if (level === 'true') {
    return {
      ...base,
      validTillDate: coupon?.validTill ? dateToWire(coupon.validTill) : dateToWire(s.validTillDate),
      couponseries: couponSeriesDetails(s),
    };
  }
  const entities = s.extra.redemptionOrgEntityDetails;
  return {
    ...base,
    couponseries: seriesConfig,
    brands: productIds(s, 'BRAND'),
    products: productIds(s, 'SKU'),
    categories: productIds(s, 'CATEGORY'),
    entityLevelRedemptionConfigsValues: Array.isArray(entities) ? (entities as unknown[]) : [],
  };
}
