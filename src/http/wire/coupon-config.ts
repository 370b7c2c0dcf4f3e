// `couponConfig` of the issue/multiple answer (the later edition's "Issue bulk coupon with count from series"):
// a few fields of the series, as the series object shows them (docs/api.md §6).
import Type, { type Static } from 'typebox';
import type { Series, SeriesCounters } from '../../domain/series.js';
import { toSeriesReply } from './series.js';

const N = Type.Number();
const B = Type.Boolean();

export const CouponConfig = Type.Object({
  customPropertyMap: Type.Unknown(),
  id: Type.Integer({ description: 'the series id (the reference shows 0)' }),
  description: Type.String(),
  discountCode: Type.String(),
  info: Type.Unknown(),
  discountUpto: N,
  discountValue: N,
  issueToLoyalty: Type.Unknown(),
  numUploadedNonIssued: Type.Integer(),
  numUploadedTotal: Type.Integer(),
  redemptionValidAfterDays: Type.Integer(),
  ownerId: Type.Unknown(),
  ownerValidity: Type.Unknown(),
  alphaNumeric: B,
  shortCodeLength: Type.Unknown(),
  randomCodeLength: Type.Integer(),
  fixedExpiryDate: N,
  numTotal: Type.Unknown(),
  latestIssualTime: N,
  latestRedemptionTime: N,
  discountOn: Type.String(),
  discountType: Type.String(),
  externalIssual: Type.Unknown(),
  updateProductData: Type.Unknown(),
});

export function toCouponConfig(series: Series, counters: SeriesCounters): Static<typeof CouponConfig> {
  const s = toSeriesReply(series, counters);
  return {
    customPropertyMap: s.customPropertyMap ?? {},
    id: s.id,
    description: s.description,
    discountCode: s.discountCode,
    info: s.info,
    discountUpto: s.discountUpto,
    discountValue: s.discountValue,
    issueToLoyalty: s.issueToLoyalty,
    numUploadedNonIssued: s.numUploadedNonIssued,
    numUploadedTotal: s.numUploadedTotal,
    redemptionValidAfterDays: s.redemptionValidAfterDays,
    ownerId: s.ownerId,
    ownerValidity: s.ownerValidity,
    alphaNumeric: s.alphaNumeric,
    shortCodeLength: s.shortCodeLength,
    randomCodeLength: s.randomCodeLength,
    fixedExpiryDate: s.fixedExpiryDate,
    numTotal: s.numTotal,
    latestIssualTime: s.latestIssualTime,
    latestRedemptionTime: s.latestRedemptionTime,
    discountOn: s.discountOn,
    discountType: s.discountType,
    externalIssual: s.externalIssual,
    updateProductData: s.updateProductData,
  };
}
