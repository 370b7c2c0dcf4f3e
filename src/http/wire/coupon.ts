// Wire shapes of issued coupons (reference "Issue Coupon to Customer", "Get Coupon Details"; docs/api.md §6).
import Type, { type Static } from 'typebox';
import { dateToWire, instantToWire } from '../../domain/clock.js';
import type { Coupon } from '../../domain/coupon.js';
import { parseCustomerId } from '../../domain/customer.js';
import { invalid } from '../../domain/errors.js';
import { MAX_MULTIPLE_ISSUE } from '../../domain/issuance.js';
import { moneyToNumber } from '../../domain/money.js';
import type { Series } from '../../domain/series.js';
import { ErrorEntrySchema } from './common.js';

/** The sources bulk issue accepts (docs/api.md §6); anything else is 777. */
export const SOURCES = [
  'INSTORE',
  'MARTJACK',
  'WECHAT',
  'FACEBOOK',
  'WEB_ENGAGE',
  'TMALL',
  'TAOBAO',
  'JD',
  'ECOMMERCE',
  'WEBSITE',
  'LINE',
  'MOBILE_APP',
] as const;

const IdValue = Type.Union([Type.Integer(), Type.String()]);

/** `customer` / `user`: any one identifier; empty strings count as absent (docs/api.md §4). */
export const CustomerRefBody = Type.Object(
  {
    id: Type.Optional(Type.Union([IdValue, Type.Null()])),
    mobile: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Null()])),
    email: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    externalId: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Null()])),
    cardNumber: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Null()])),
    cardExternalId: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Null()])),
    firstName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    lastName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { additionalProperties: true },
);
export type CustomerRefIn = Static<typeof CustomerRefBody>;

export const IssueBody = Type.Object(
  {
    seriesId: Type.Optional(
      Type.Union([IdValue, Type.Array(IdValue)], { description: 'the series to issue from' }),
    ),
    customer: Type.Optional(CustomerRefBody),
  },
  { additionalProperties: true },
);

export const BulkIssueBody = Type.Object(
  {
    seriesIds: Type.Optional(Type.Array(IdValue)),
    customer: Type.Optional(CustomerRefBody),
  },
  { additionalProperties: true },
);

export const MultipleIssueBody = Type.Object(
  {
    seriesIds: Type.Optional(
      Type.Union([IdValue, Type.Array(IdValue)], { description: 'the series (the later edition’s key)' }),
    ),
    seriesId: Type.Optional(Type.Union([IdValue, Type.Array(IdValue)])),
    // Bounds are checked by the route, so that 0 and 501 get the documented 756 and 677 (docs/api.md §6).
    count: Type.Optional(
      Type.Integer({
        minimum: -1_000_000_000,
        maximum: 1_000_000_000,
        description: `1 to ${MAX_MULTIPLE_ISSUE}; 1 when absent`,
      }),
    ),
    customer: Type.Optional(CustomerRefBody),
  },
  { additionalProperties: true },
);

export const SourceQuery = Type.Object({
  source: Type.Optional(Type.String()),
  accountId: Type.Optional(Type.String()),
});

/** A series id from the wire: a number, a numeric string, or a one-element array of either. */
export function parseSeriesId(raw: unknown, field = 'seriesId'): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const v = Array.isArray(raw) ? (raw.length === 1 ? raw[0] : NaN) : raw;
  const id = parseCustomerId(v);
  if (id === undefined) throw invalid(field, 'a series id (a positive integer)');
  return id;
}

const couponFields = {
  code: Type.String(),
  seriesId: Type.Integer(),
  description: Type.String(),
  discountCode: Type.String(),
  validTill: Type.String(),
  discountType: Type.String(),
  discountValue: Type.Number(),
  discountUpto: Type.Number(),
  discountOn: Type.String(),
  detailedInfo: Type.String(),
};

/** One issued coupon, as the bulk issue result shows it. */
export const IssuedCoupon = Type.Object({
  ...couponFields,
  redemptionCount: Type.Integer(),
  id: Type.Integer(),
});
export type IssuedCouponOut = Static<typeof IssuedCoupon>;

/** A coupon as GET /v2/coupon lists it: the reference's fields, plus its id and state (beyond). */
export const CouponDetails = Type.Object({
  ...couponFields,
  id: Type.Integer(),
  customerId: Type.Union([Type.Integer(), Type.Null()]),
  issuedOn: Type.Union([Type.String(), Type.Null()]),
  redemptionCount: Type.Integer(),
  revoked: Type.Boolean(),
});

function detailedInfo(series: Series): string {
  const info = series.extra.info;
  return typeof info === 'string' && info !== '' ? info : series.description;
}

function baseFields(coupon: Coupon, series: Series) {
  return {
    code: coupon.code,
    seriesId: series.id,
    description: series.description,
    discountCode: series.discountCode,
    validTill: dateToWire(coupon.validTill ?? series.validTillDate),
    discountType: series.discountType,
    discountValue: moneyToNumber(series.discountValue),
    discountUpto: moneyToNumber(series.discountUpto),
    discountOn: series.discountOn,
    detailedInfo: detailedInfo(series),
  };
}

export function toIssuedCoupon(coupon: Coupon, series: Series): IssuedCouponOut {
  return { ...baseFields(coupon, series), redemptionCount: coupon.redemptionCount, id: coupon.id };
}

export function toCouponDetails(coupon: Coupon, series: Series): Static<typeof CouponDetails> {
  return {
    ...baseFields(coupon, series),
    id: coupon.id,
    customerId: coupon.customerId,
    issuedOn: coupon.issuedAt === null ? null : instantToWire(coupon.issuedAt),
    redemptionCount: coupon.redemptionCount,
    revoked: coupon.revokedAt !== null,
  };
}

export const BulkItem = Type.Object({
  entityId: Type.Union([Type.Integer(), Type.String()]),
  result: Type.Union([IssuedCoupon, Type.Null()]),
  errors: Type.Array(ErrorEntrySchema),
  warnings: Type.Array(Type.Unknown()),
});
