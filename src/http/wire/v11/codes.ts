// The v1.1 answer codes (docs/errors.md "The v1.1 codes"): the ONE table from coupond's refusal names
// (domain/errors.ts) to the codes of the v1.1 calls. The rules that refuse are the v2 rules; this file only
// renames their outcome.
import { couponErrors, type CouponErrorName } from '../../../domain/errors.js';

/** The v1.1 success code (docs/errors.md "The v1.1 codes"). */
export const V11_OK = 700;

/** Codes the v1.1 table knows, with coupond's wording of each (docs/errors.md "The v1.1 codes"). */
export const V11_MESSAGES: Readonly<Record<number, string>> = {
  700: 'Coupon processing successful',
  701: 'Customer not found: check the mobile, email, external id, id or card given',
  702: 'Coupon code is not valid',
  703: 'The coupon was not issued to this customer',
  704: 'The coupon could not be sent to the customer’s mobile number',
  705: 'No coupon has this code (for these customers)',
  706: 'The coupon cannot be redeemed',
  707: 'No series has this id',
  710: 'This customer may not redeem this coupon',
  711: 'The coupon has already been redeemed',
  712: 'The coupon series has expired',
  713: 'The coupon has expired',
  714: 'The series has reached its maximum number of redemptions',
  716: 'The coupon cannot be redeemed twice on the same bill or by the same customer',
  719: 'No coupon has this code',
  721: 'The customer is not valid',
  722: 'The coupon could not be issued',
  728: 'The coupon has reached its maximum number of redemptions',
  729: 'The coupon cannot be redeemed on this day or at this hour',
  730: 'A refusal without a v1.1 code',
  733: 'The bill amount is outside the range the series allows',
  735: 'The coupon cannot be redeemed at this till',
  736: 'The customer has reached the maximum number of redemptions in this series',
  738: 'The previous redemption in this series is too recent',
  739: 'The coupon is not redeemable yet',
};

/**
 * Where a refusal's v2 code is not a v1.1 code, the v1.1 code that says the same. Every other refusal keeps
 * its catalogue code when the v1.1 table has it (701, 702, 707, 710–714, 716, 719, 721, 722, 728, 729, 733,
 * 735, 736, 738, 739), else it is a request-level refusal answered with its HTTP status (v11CodeOf).
 */
const RENAMED: Partial<Record<CouponErrorName, number>> = {
  CouponRevoked: 706,
  CouponHeld: 706,
  AlreadyRedeemedOnBill: 716,
  OtherCouponFailed: 706,
};

/**
 * Per call, where its page answers a refusal with another code: GET /v1.1/coupon/get answers an unknown code
 * with 705, and resend a coupon of another customer with 703 ("not issued to this customer").
 */
const BY_CALL: Partial<Record<V11Call, Partial<Record<CouponErrorName, number>>>> = {
  get: { CouponNotFound: 705, CodeMalformed: 705 },
  resend: { NotCustomersCoupon: 703 },
};

export type V11Call = 'issue' | 'resend' | 'redeem' | 'get' | 'coupons' | 'isredeemable' | 'series';

/** The v1.1 code of a refusal, or undefined for a request-level refusal with no v1.1 code (629, 401, …). */
export function v11CodeOf(reason: CouponErrorName, call?: V11Call): number | undefined {
  const byCall = call === undefined ? undefined : BY_CALL[call]?.[reason];
  if (byCall !== undefined) return byCall;
  const renamed = RENAMED[reason];
  if (renamed !== undefined) return renamed;
  const code = couponErrors[reason].wireCode;
  return code in V11_MESSAGES ? code : undefined;
}

/** The message of a v1.1 code: the catalogue's own words (they say why) when the code is the catalogue's. */
export function v11MessageOf(reason: CouponErrorName, call?: V11Call): string {
  const code = v11CodeOf(reason, call);
  if (code !== undefined && code === couponErrors[reason].wireCode) return couponErrors[reason].message;
  return (code !== undefined ? V11_MESSAGES[code] : undefined) ?? couponErrors[reason].message;
}
