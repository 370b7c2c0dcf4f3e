// Coupons as the v1.1 answers show them (docs/api.md §14): the issue answer, an item of GET /v1.1/coupon/get,
// and an item of GET /v1.1/customer/coupons.
import { formatMoney, moneyToNumber } from '../../../domain/money.js';
import type { Coupon } from '../../../domain/coupon.js';
import type { Customer } from '../../../domain/customer.js';
import type { Series } from '../../../domain/series.js';
import type { CouponView } from '../../../services/coupon-views.js';
import { customerBrief, customerNamed, isoTime, localTime } from './customer.js';
import { itemOk, itemRefused, JSON_VALUES, TEXT_FLAGS, type Flavour } from './envelope.js';
import type { CouponErrorName } from '../../../domain/errors.js';

/** `YYYY-MM-DD` as `DD-MM-YYYY` (valid_till of GET /v1.1/coupon/get). */
const dayFirst = (date: string): string => date.split('-').reverse().join('-');

/** response.coupon of POST /v1.1/coupon/issue. */
export function toIssuedCoupon(coupon: Coupon, series: Series, customer: Customer) {
  const info = (series.extra as Record<string, unknown>).info;
  return {
    code: coupon.code,
    series_id: String(series.id),
    description: series.description,
    discount_code: series.discountCode,
    valid_till: coupon.validTill ?? series.validTillDate,
    discount_type: series.discountType,
    discount_value: formatMoney(series.discountValue),
    discount_upto: formatMoney(series.discountUpto),
    discount_on: series.discountOn,
    detailed_info: typeof info === 'string' ? info : series.description,
    customer: customerBrief(customer),
    item_status: itemOk(JSON_VALUES, 'Coupon processing successful'),
  };
}

/** A refused issue: the series and customer asked for, and why. */
export function toRefusedIssue(
  seriesId: string,
  customer: ReturnType<typeof customerBrief>,
  reason: CouponErrorName,
) {
  return { series_id: seriesId, customer, item_status: itemRefused(JSON_VALUES, reason, 'issue') };
}

/** One item of GET /v1.1/coupon/get. */
export function toCouponDetail(v: CouponView, timezone: string, cased: (code: string) => string) {
  const { coupon, series } = v;
  const issued = coupon.issuedAt ?? coupon.createdAt;
  const latest = v.redemptions[0];
  const redeemer = latest?.customer;
  return {
    id: String(coupon.id),
    code: cased(coupon.code),
    valid_till: dayFirst(coupon.validTill ?? series.validTillDate),
    issued_on: localTime(issued, timezone),
    valid_from: localTime(issued, timezone),
    purpose: '',
    custom_properties: { custom_property: [] },
    series_id: series.id,
    is_absolute: series.discountType === 'ABS',
    value: moneyToNumber(series.discountValue),
    discount_upto: moneyToNumber(series.discountUpto),
    ...(v.customer ? { customer: customerNamed(v.customer) } : {}),
    ...(latest
      ? {
          redemption_info: {
            redeemed: 'true',
            id: latest.id,
            redeemed_on: localTime(latest.redeemedAt, timezone),
            redeemed_at: latest.tillId ?? '',
            redeemed_by: {
              firstname: redeemer?.firstName ?? null,
              lastname: redeemer?.lastName ?? null,
              email: redeemer?.email ?? null,
              mobile: redeemer?.mobile ?? null,
            },
            store: { code: latest.tillId ?? '', name: latest.tillId ?? '' },
            transaction: { id: null, bill_number: latest.billNumber },
          },
        }
      : {}),
    pincode: 'NULL',
    item_status: itemOk(TEXT_FLAGS, 'Coupon processing successful'),
  };
}

/** An item of GET /v1.1/coupon/get for a code that names no coupon. */
export function toUnknownCoupon(raw: string, cased: (code: string) => string) {
  return {
    id: -1,
    code: cased(raw.trim()),
    is_absolute: false,
    value: null,
    discount_upto: null,
    pincode: 'NULL',
    item_status: itemRefused(TEXT_FLAGS, 'CouponNotFound', 'get'),
  };
}

/** One coupon of GET /v1.1/customer/coupons. */
export function toCustomerCoupon(v: CouponView) {
  const { coupon, series } = v;
  return {
    id: String(coupon.id),
    series_id: String(series.id),
    series_name: series.description,
    redemption_count: coupon.redemptionCount,
    created_date: isoTime(coupon.issuedAt ?? coupon.createdAt),
    valid_till: `${coupon.validTill ?? series.validTillDate} 23:59:59`,
    code: coupon.code,
    transaction_number: null,
    purpose: '',
    custom_properties: { custom_property: [] },
    redemptions:
      v.redemptions.length === 0
        ? {}
        : {
            redemption: v.redemptions.map((r) => ({
              id: String(r.id),
              date: isoTime(r.redeemedAt),
              transaction_number: r.billNumber,
              redeemed_at: { code: r.tillId ?? '', name: r.tillId ?? '' },
            })),
          },
  };
}

/** The customer entry of GET /v1.1/customer/coupons, with its coupons. */
export function toCustomerWithCoupons(c: Customer, views: readonly CouponView[], f: Flavour) {
  return {
    firstname: c.firstName,
    lastname: c.lastName,
    email: c.email,
    external_id: c.externalId,
    mobile: c.mobile,
    id: String(c.id),
    coupons: { coupon: views.map(toCustomerCoupon) },
    item_status: itemOk(f, 'Coupons retrieved successfully', 1000),
  };
}
