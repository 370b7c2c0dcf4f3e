// A coupon series as GET /v1.1/coupon/series shows it (docs/api.md §14): the v2 series fields under the
// v1.1 page's snake_case names, numbers and flags written as text the way the page's sample writes them.
import { formatMoney } from '../../../domain/money.js';
import type { Series, SeriesCounters } from '../../../domain/series.js';
import { localTime } from './customer.js';
import { itemOk, TEXT } from './envelope.js';

const flag = (b: unknown): string => (b === true ? '1' : '0');
const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** The series item; `extended` adds the configuration the page lists for `expired=extended`. */
export function toV11Series(s: Series, c: SeriesCounters, timezone: string, extended: boolean) {
  const x = s.extra as Record<string, unknown>;
  const tills = s.redeemTills.kind === 'all' ? null : JSON.stringify(s.redeemTills.tills);
  const item: Record<string, unknown> = {
    id: String(s.id),
    description: s.description,
    series_type: text(x.seriesType ?? 'CAMPAIGN'),
    client_handling_type: s.clientHandlingType,
    discount_code: s.discountCode,
    valid_till_date: s.validTillDate,
    valid_days_from_create: text(x.validDaysFromCreation ?? 30),
    expiry_strategy_type: s.expiryStrategyType,
    expiry_strategy_value: String(s.expiryStrategyValue),
    max_create: String(s.maxCreate),
    max_redeem: String(s.maxRedeem),
    transferrable: flag(x.isTransferrable),
    any_user: flag(s.anyUser),
    same_user_multiple_redeem: flag(s.sameUserMultipleRedeem),
    allow_referral_existing_users: flag(x.isReferralExistingUsersAllowed),
    multiple_use: flag(s.isMultipleUseAllowed),
    is_validation_required: '0',
    valid_with_discounted_item: String(x.isValidWithDiscountedItem === true),
    created_by: String(s.createdBy ?? -1),
    created: localTime(s.createdAt, timezone),
    last_used: localTime(Math.max(s.updatedAt, c.latestIssualTime, c.latestRedemptionTime), timezone),
    series_code: s.seriesCode,
    disable_sms: flag(s.isSmsDisabled),
    info: text(x.info ?? s.description),
    allow_multiple_vouchers_per_user: flag(s.isMultipleVouchersPerUserAllowed),
    do_not_resend_existing_voucher: flag(s.doNotResendExistingVoucher),
    mutual_exclusive_series_ids: s.mutualExclusiveSeriesIds,
    store_ids_json: s.storeIdsJson,
    max_vouchers_per_user: String(s.maxVouchersPerUser),
    min_days_between_vouchers: String(s.minDaysBetweenVouchers),
    discount_on: s.discountOn,
    discount_type: s.discountType,
    discount_value: formatMoney(s.discountValue),
    discount_upto: formatMoney(s.discountUpto),
    redemption_range: s.redemptionRange,
    min_bill_amount: formatMoney(s.minBillAmount),
    max_bill_amount: s.maxBillAmount < 0n ? '0' : formatMoney(s.maxBillAmount),
    redeem_at_store: s.redeemAtStore,
    max_redemptions_in_series_per_user: String(s.maxRedemptionsInSeriesPerUser),
    min_days_between_redemption: String(s.minDaysBetweenRedemption),
    redemption_valid_from: s.redemptionValidFrom ?? '',
    coupons: { issued: String(c.numIssued), redeemed: String(c.numRedeemed) },
    item_status: itemOk(TEXT, 'Coupon series fetched successfully'),
    valid_redemption_org_entities: { concepts: null, zones: null, stores: null, tills },
  };
  if (extended) {
    item.redemption_per_coupon_max_limit = String(s.redemptionPerCouponMaxLimit);
    item.redemption_valid_after_days = String(s.redemptionValidAfterDays);
    item.short_sms_template = s.smsTemplate;
  }
  return item;
}
