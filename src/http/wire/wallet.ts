// Wire shapes of a customer's wallet: the reference's "Get All Customer Coupons" (basic, paged) and "Get
// Detailed Customer Coupon Data" answers (docs/api.md §6 "Wallet").
import Type, { type Static } from 'typebox';
import { dateToWire, endOfDayExclusive, instantToWire, localDate } from '../../domain/clock.js';
import { redemptionStart } from '../../domain/expiry.js';
import { moneyToNumber } from '../../domain/money.js';
import { inCase, type CodeCase } from '../../domain/wallet.js';
import type { Wallet, WalletCoupon } from '../../services/wallet.js';
import { ErrorEntrySchema, truncationWarnings, Warnings } from './common.js';
import { SeriesReply, toSeriesReply } from './series.js';

const Place = Type.Object({ code: Type.String(), name: Type.String() });

const BasicRedemption = Type.Object({
  id: Type.Integer(),
  date: Type.String(),
  transactionNumber: Type.String(),
  redeemedAt: Place,
});

const BasicCoupon = Type.Object({
  code: Type.String(),
  seriesId: Type.Integer(),
  description: Type.String(),
  validTill: Type.String(),
  discountType: Type.String(),
  discountValue: Type.Number(),
  discountUpto: Type.Number(),
  redemptionCount: Type.Integer(),
  redemptionsLeft: Type.Integer({ description: '-1: no limit on this coupon' }),
  id: Type.Integer(),
  createdDate: Type.String(),
  transactionNumber: Type.String(),
  issuedAt: Place,
  customProperty: Type.Array(Type.Object({ name: Type.String(), value: Type.String() })),
  redemptions: Type.Array(BasicRedemption),
  reversedRedemptions: Type.Array(BasicRedemption),
  validTillDateTime: Type.String({ description: 'the last second the coupon is valid, UTC' }),
  expired: Type.Boolean({ description: '(beyond) past its or its series’ last valid date' }),
});

/** A list answer's `pagination`: the reference shows limit and offset as strings. */
export const Pagination = Type.Object({
  limit: Type.String(),
  offset: Type.String(),
  total: Type.Integer(),
});

export const WalletReply = Type.Object({
  entity: Type.Object({
    pagination: Pagination,
    customers: Type.Array(
      Type.Object({
        firstname: Type.String(),
        lastname: Type.String(),
        email: Type.String(),
        mobile: Type.String(),
        id: Type.Integer(),
        externalId: Type.Optional(Type.String()),
        coupons: Type.Array(BasicCoupon),
      }),
    ),
  }),
  warnings: Warnings,
  errors: Type.Array(ErrorEntrySchema),
  success: Type.Boolean(),
});

const Status = Type.Object({
  statusCode: Type.Object({ status: Type.Boolean(), code: Type.Integer(), message: Type.String() }),
  warnings: Warnings,
  warningsAsStatusCode: Warnings,
  code: Type.Integer(),
  success: Type.Boolean(),
  message: Type.String(),
});

const DetailedSeries = Type.Object({
  ...SeriesReply.properties,
  brands: Type.Array(Type.Unknown()),
  products: Type.Array(Type.Unknown()),
  categories: Type.Array(Type.Unknown()),
  validRedemptionOrgEntityDetails: Type.Unknown(),
  dvsExpiryDateFormat: Type.String(),
  validTilldateFormat: Type.String(),
  redemptionValidFromFormat: Type.String(),
  entityLevelRedemptionConfigsValues: Type.Array(Type.Unknown()),
});

const DetailedRedemption = Type.Object({
  id: Type.Integer(),
  redemptionDate: Type.String(),
  transactionNumber: Type.String(),
  redeemedAt: Place,
  reversed: Type.Boolean(),
});

const DetailedCoupon = Type.Object({
  id: Type.Integer(),
  seriesId: Type.Integer(),
  series: DetailedSeries,
  code: Type.String(),
  description: Type.String(),
  createdDate: Type.String(),
  validTill: Type.String(),
  isRedeemed: Type.Boolean(),
  issuedTo: Type.Integer(),
  issuedBy: Type.Integer(),
  orgId: Type.Integer(),
  refId: Type.Integer(),
  issuedAt: Type.Object({
    id: Type.Integer(),
    code: Type.String(),
    description: Type.String(),
    name: Type.String(),
    type: Type.String(),
    adminType: Type.String(),
    isOrgUnit: Type.Boolean(),
  }),
  status: Status,
  couponDiscountType: Type.String(),
  issuedOn: Type.String(),
  activeFrom: Type.String(),
  redemptionsLeft: Type.Integer(),
  couponStatus: Status,
  redemptionInfo: Type.Array(DetailedRedemption),
  reversedRedemptionInfo: Type.Array(DetailedRedemption),
  discountType: Type.Boolean({ description: 'deprecated by the reference: read couponDiscountType' }),
  discountValue: Type.Number(),
  discountValueAsDouble: Type.Number(),
  discountUpto: Type.Number(),
  redeemed: Type.Boolean(),
  seriesName: Type.String(),
  trimmedCode: Type.String(),
  expired: Type.Boolean({ description: '(beyond) past its or its series’ last valid date' }),
});

export const DetailedWalletReply = Type.Object({
  entity: Type.Array(DetailedCoupon),
  pagination: Pagination,
  warnings: Warnings,
  errors: Type.Array(ErrorEntrySchema),
  success: Type.Boolean(),
});

const placeOf = (till: string | null) => ({ code: till ?? '', name: till ?? '' });

function customProperties(extra: Readonly<Record<string, unknown>>): { name: string; value: string }[] {
  const map = extra.customPropertyMap;
  if (map === null || typeof map !== 'object' || Array.isArray(map)) return [];
  return Object.entries(map as Record<string, unknown>).map(([name, value]) => ({
    name,
    value: typeof value === 'string' ? value : JSON.stringify(value),
  }));
}

function lastSecond(date: string, tz: string): string {
  return instantToWire(endOfDayExclusive(date, tz) - 1000);
}

function toBasicCoupon(w: WalletCoupon, codeCase: CodeCase, tz: string): Static<typeof BasicCoupon> {
  const { coupon, series } = w;
  const validTill = coupon.validTill ?? series.validTillDate;
  const redemptions = (reversed: boolean) =>
    w.redemptions
      .filter((r) => (r.reactivatedAt !== null) === reversed)
      .map((r) => ({
        id: r.id,
        date: instantToWire(r.at),
        transactionNumber: r.billNumber ?? '',
        redeemedAt: placeOf(r.tillId),
      }));
  return {
    code: inCase(coupon.code, codeCase),
    seriesId: series.id,
    description: series.description,
    validTill: dateToWire(validTill),
    discountType: series.discountType,
    discountValue: moneyToNumber(series.discountValue),
    discountUpto: moneyToNumber(series.discountUpto),
    redemptionCount: coupon.redemptionCount,
    redemptionsLeft: w.usesLeft,
    id: coupon.id,
    createdDate: instantToWire(coupon.issuedAt ?? coupon.createdAt),
    transactionNumber: '0',
    issuedAt: placeOf(w.issuedAtTill),
    customProperty: customProperties(series.extra),
    redemptions: redemptions(false),
    reversedRedemptions: redemptions(true),
    validTillDateTime: lastSecond(validTill, tz),
    expired: w.expired,
  };
}

export function toWalletReply(
  wallet: Wallet,
  page: { limit: number; offset: number },
  codeCase: CodeCase,
  tz: string,
): Static<typeof WalletReply> {
  const c = wallet.customer;
  return {
    entity: {
      pagination: { limit: String(page.limit), offset: String(page.offset), total: wallet.total },
      customers: [
        {
          firstname: c.firstName ?? '',
          lastname: c.lastName ?? '',
          email: c.email ?? '',
          mobile: c.mobile ?? '',
          id: c.id,
          ...(c.externalId !== null ? { externalId: c.externalId } : {}),
          coupons: wallet.coupons.map((w) => toBasicCoupon(w, codeCase, tz)),
        },
      ],
    },
    warnings: truncationWarnings(wallet.total, page.offset, wallet.coupons.length),
    errors: [],
    success: true,
  };
}

const ok = (message: string, code: number) => ({
  statusCode: { status: true, code, message },
  warnings: [],
  warningsAsStatusCode: [],
  code,
  success: true,
  message,
});

function toDetailedCoupon(w: WalletCoupon, codeCase: CodeCase, tz: string): Static<typeof DetailedCoupon> {
  const { coupon, series: s } = w;
  const x = s.extra;
  const validTill = coupon.validTill ?? s.validTillDate;
  const issuedAt = coupon.issuedAt ?? coupon.createdAt;
  const redemptions = (reversed: boolean) =>
    w.redemptions
      .filter((r) => (r.reactivatedAt !== null) === reversed)
      .map((r) => ({
        id: r.id,
        redemptionDate: instantToWire(r.at),
        transactionNumber: r.billNumber ?? '',
        redeemedAt: placeOf(r.tillId),
        reversed,
      }));
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  const redemptionFrom = s.redemptionValidFrom ?? '1970-01-01';
  const code = inCase(coupon.code, codeCase);
  return {
    id: coupon.id,
    seriesId: s.id,
    series: {
      ...toSeriesReply(s, w.counters),
      brands: list(x.brands),
      products: list(x.products),
      categories: list(x.categories),
      validRedemptionOrgEntityDetails: x.redemptionOrgEntityDetails ?? {
        concepts: [],
        zones: [],
        stores: [],
        tills: [],
      },
      dvsExpiryDateFormat:
        typeof x.dvsExpiryDate === 'string' ? x.dvsExpiryDate.slice(0, 10) : localDate(s.createdAt, 'UTC'),
      validTilldateFormat: s.validTillDate,
      redemptionValidFromFormat: redemptionFrom,
      entityLevelRedemptionConfigsValues: [],
    },
    code,
    description: s.description,
    createdDate: instantToWire(issuedAt),
    validTill: lastSecond(validTill, tz),
    isRedeemed: coupon.redemptionCount > 0,
    issuedTo: coupon.customerId ?? -1,
    issuedBy: -1,
    orgId: coupon.orgId,
    refId: 0,
    issuedAt: {
      id: -1,
      code: w.issuedAtTill ?? '',
      description: '',
      name: w.issuedAtTill ?? '',
      type: 'STORE',
      adminType: 'GENERAL',
      isOrgUnit: false,
    },
    status: ok('Coupon processing successful', 700),
    couponDiscountType: s.discountType,
    issuedOn: instantToWire(issuedAt),
    activeFrom: dateToWire(
      coupon.issuedAt === null ? redemptionFrom : redemptionStart(s, coupon.issuedAt, tz),
    ),
    redemptionsLeft: w.usesLeft,
    couponStatus: ok('Success', 200),
    redemptionInfo: redemptions(false),
    reversedRedemptionInfo: redemptions(true),
    discountType: false,
    discountValue: moneyToNumber(s.discountValue),
    discountValueAsDouble: moneyToNumber(s.discountValue),
    discountUpto: moneyToNumber(s.discountUpto),
    redeemed: coupon.redemptionCount > 0,
    seriesName: s.description,
    trimmedCode: code.trim(),
    expired: w.expired,
  };
}

export function toDetailedWalletReply(
  wallet: Wallet,
  page: { limit: number; offset: number },
  codeCase: CodeCase,
  tz: string,
): Static<typeof DetailedWalletReply> {
  return {
    entity: wallet.coupons.map((w) => toDetailedCoupon(w, codeCase, tz)),
    pagination: { limit: String(page.limit), offset: String(page.offset), total: wallet.total },
    warnings: truncationWarnings(wallet.total, page.offset, wallet.coupons.length),
    errors: [],
    success: true,
  };
}
