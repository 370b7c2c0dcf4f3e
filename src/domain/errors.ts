// Every refusal the API can return, in one catalogue: wire codes from docs/errors.md, HTTP statuses from docs/api.md §3.
// http/error-reply.ts is the only place that turns these into a response.

interface ErrorSpec {
  readonly wireCode: number;
  readonly http: number;
  readonly message: string;
  /** Stable upper-snake name a program can switch on (docs/errors.md `reason`). */
  readonly reason: string;
}

const spec = (wireCode: number, http: number, reason: string, message: string): ErrorSpec => ({
  wireCode,
  http,
  reason,
  message,
});

/** Issuance refusals share code 722; the reason tells them apart (docs/errors.md "Issuing"). */
const issuance = (reason: string, words: string): ErrorSpec =>
  spec(722, 400, reason, `unable to issue coupon: ${words}`);

export const couponErrors = {
  // Request level
  InvalidInput: spec(629, 400, 'INVALID_INPUT', 'invalid input'),
  TooManyCoupons: spec(629, 400, 'TOO_MANY_COUPONS', 'invalid input: at most 100 coupons in one request'),
  Unauthorized: spec(401, 401, 'UNAUTHORIZED', 'missing or bad credentials'),
  Forbidden: spec(403, 403, 'FORBIDDEN', 'the client lacks the scope for this call'),
  NotFound: spec(404, 404, 'NOT_FOUND', 'no such route or resource'),
  IdempotencyConflict: spec(
    409,
    409,
    'IDEMPOTENCY_KEY_REUSED',
    'Idempotency-Key reused with a different body',
  ),
  IdempotencyInProgress: spec(
    409,
    409,
    'IDEMPOTENCY_KEY_IN_PROGRESS',
    'a request with this Idempotency-Key is still running',
  ),
  PayloadTooLarge: spec(413, 413, 'PAYLOAD_TOO_LARGE', 'upload larger than the configured limit'),
  UnsupportedMediaType: spec(415, 415, 'UNSUPPORTED_MEDIA_TYPE', 'wrong content type'),
  NotAcceptable: spec(406, 406, 'NOT_ACCEPTABLE', 'this call answers JSON only (format=json)'),
  RateLimited: spec(429, 429, 'RATE_LIMITED', 'too many requests'),
  RequestTimeout: spec(629, 408, 'REQUEST_TIMEOUT', 'the request was not received in time'),
  Internal: spec(500, 500, 'INTERNAL_ERROR', 'internal error'),
  // Database and disk faults (docs/reliability.md): the request did not happen, or its outcome is unknown.
  DatabaseUnavailable: spec(
    503,
    503,
    'DATABASE_UNAVAILABLE',
    'the database is unavailable; nothing was written, retry later',
  ),
  OutcomeUnknown: spec(
    503,
    503,
    'OUTCOME_UNKNOWN',
    'the database connection failed while committing; retry with the same Idempotency-Key',
  ),
  StorageFull: spec(
    507,
    507,
    'INSUFFICIENT_STORAGE',
    'the server has no disk space left; nothing was written',
  ),
  CouponFilterMissing: spec(
    1000,
    400,
    'COUPON_FILTER_MISSING',
    'one of couponIds, couponCodes or issuedToIds is required',
  ),
  // A warning, never a refusal: a list answer holds fewer items than matched (docs/api.md §3 "Lists").
  ListTruncated: spec(1001, 200, 'LIST_TRUNCATED', 'the list holds more items than this answer'),
  SeriesIdMissing: spec(746, 400, 'SERIES_ID_MISSING', 'series id missing'),
  CouponIdOrCodeMissing: spec(
    781,
    400,
    'COUPON_ID_OR_CODE_MISSING',
    'neither coupon id nor coupon code given',
  ),
  // issue/multiple's count and series (docs/api.md §6, the later edition's codes)
  CountNotPositive: spec(756, 400, 'COUNT_NOT_POSITIVE', 'count should be greater than 0'),
  CountTooLarge: spec(677, 400, 'INVALID_COUPON_COUNT', 'invalid coupon count: minimum 1 and maximum 500'),
  SeriesIdMandatory: spec(756, 400, 'SERIES_ID_MANDATORY', 'seriesId is mandatory'),
  InvalidSource: spec(777, 400, 'INVALID_SOURCE', 'source is not one of the allowed sources'),

  // Customers
  CustomerNotFound: spec(701, 400, 'CUSTOMER_NOT_FOUND', 'customer not found'),
  InvalidCustomer: spec(721, 400, 'INVALID_CUSTOMER', 'invalid customer'),

  // Series
  SeriesNotFound: spec(707, 400, 'SERIES_NOT_FOUND', 'coupon series not found'),
  SeriesCodeExists: spec(751, 400, 'SERIES_CODE_EXISTS', 'a series with this seriesCode already exists'),

  // Issuing (722 with a reason; 712 and 707 keep their own codes)
  MaxCreateExceeded: issuance('MAX_CREATE_EXCEEDED', 'the series has issued maxCreate coupons'),
  CouponsExhausted: issuance('COUPONS_EXHAUSTED', 'no uploaded code is left in the pool'),
  AlreadyIssued: issuance('ALREADY_ISSUED', 'the customer already has a coupon of this series'),
  MaxPerUserExceeded: issuance(
    'MAX_PER_USER_EXCEEDED',
    'the customer holds maxVouchersPerUser coupons of this series',
  ),
  MinDaysBetweenIssual: issuance(
    'MIN_DAYS_BETWEEN_ISSUAL',
    'the last coupon of this series is younger than minDaysBetweenVouchers',
  ),
  MutuallyExclusiveSeries: issuance(
    'MUTUALLY_EXCLUSIVE_SERIES',
    'the customer holds a coupon of a mutually exclusive series',
  ),
  IssuingTillNotAllowed: issuance('INVALID_ISSUAL_STORE', 'this till may not issue coupons of this series'),
  RedemptionStartAfterExpiry: issuance(
    'REDEMPTION_START_AFTER_EXPIRY',
    'the coupon could only become redeemable after the series ends',
  ),

  // Checking and redeeming, in the order of docs/errors.md
  CodeMalformed: spec(702, 400, 'CODE_MALFORMED', 'coupon code is malformed'),
  CouponNotFound: spec(719, 400, 'COUPON_NOT_FOUND', 'coupon code does not exist'),
  CouponRevoked: spec(660, 400, 'COUPON_REVOKED', 'coupon has been revoked'),
  CouponHeld: spec(737, 400, 'COUPON_HELD', 'coupon is held by another checkout'),
  OutsideRedemptionRange: spec(
    729,
    400,
    'OUTSIDE_REDEMPTION_RANGE',
    'coupon cannot be redeemed at this day or hour',
  ),
  NotCustomersCoupon: spec(710, 400, 'NOT_CUSTOMERS_COUPON', 'coupon is not issued to this customer'),
  CustomerNotTargeted: spec(
    710,
    400,
    'CUSTOMER_NOT_TARGETED',
    'coupon is not meant for this customer (the series names the customers who may redeem)',
  ),
  AlreadyRedeemedByCustomer: spec(
    716,
    400,
    'ALREADY_REDEEMED_BY_CUSTOMER',
    'this customer has already redeemed this coupon',
  ),
  AlreadyRedeemed: spec(711, 400, 'ALREADY_REDEEMED', 'coupon has already been redeemed'),
  CouponUseLimitReached: spec(
    728,
    400,
    'COUPON_USE_LIMIT_REACHED',
    'coupon has reached its redemption limit',
  ),
  SeriesExpired: spec(712, 400, 'SERIES_EXPIRED', 'coupon series has expired'),
  CouponExpired: spec(713, 400, 'COUPON_EXPIRED', 'coupon has expired'),
  NotRedeemableYet: spec(739, 400, 'NOT_REDEEMABLE_YET', 'coupon is not redeemable yet'),
  SeriesRedeemLimitReached: spec(
    714,
    400,
    'SERIES_REDEEM_LIMIT_REACHED',
    'coupon series has reached maxRedeem',
  ),
  CustomerRedeemLimitReached: spec(
    736,
    400,
    'CUSTOMER_REDEEM_LIMIT_REACHED',
    'customer has reached the redemption limit of this series',
  ),
  MinDaysBetweenRedemption: spec(
    738,
    400,
    'MIN_DAYS_BETWEEN_REDEMPTION',
    'previous redemption in this series is too recent',
  ),
  BillAmountOutOfRange: spec(
    733,
    400,
    'BILL_AMOUNT_OUT_OF_RANGE',
    'bill amount is outside the allowed range',
  ),
  TillNotAllowed: spec(735, 400, 'STORE_NOT_ALLOWED', 'this till may not redeem coupons of this series'),
  OrgEntityNotAllowed: spec(
    735,
    400,
    'ORG_ENTITY_NOT_ALLOWED',
    'the coupon cannot be redeemed at this store (not a till or store of the series)',
  ),
  AlreadyRedeemedOnBill: spec(
    747,
    400,
    'ALREADY_REDEEMED_ON_TRANSACTION',
    'coupon already redeemed on this transaction number',
  ),
  OtherCouponFailed: spec(
    749,
    400,
    'OTHER_COUPON_FAILED',
    'not redeemed because another coupon in the request failed',
  ),

  // Resending (the v1.1 resend call, docs/api.md §14)
  SmsNotSendable: spec(
    704,
    400,
    'SMS_NOT_SENDABLE',
    'the coupon cannot be sent: the customer has no mobile number, or the series sends no SMS',
  ),

  // Reactivation and revocation
  RedemptionIdsInvalid: spec(
    510,
    400,
    'REDEMPTION_IDS_INVALID',
    'some redemption ids are unknown or already reactivated',
  ),
  NoRedemptionIds: spec(661, 400, 'NO_REDEMPTION_IDS', 'no redemption id given'),
  // Changing coupons' expiry (docs/api.md §6 "Expiry")
  ExpirySeriesIdMissing: spec(
    756,
    400,
    'SERIES_ID_MANDATORY',
    'coupon seriesid is mandatory with more than one coupon code',
  ),
  ExpiryCodesMissing: spec(
    756,
    400,
    'EXPIRY_CODES_MISSING',
    'at least one coupon code and expiry date is mandatory',
  ),
  ExpiryCodeInvalid: spec(633, 400, 'INVALID_COUPON_CODE', 'invalid coupon code'),
  ExpiryInPast: spec(690, 400, 'EXPIRY_IN_PAST', 'expiry date is a past date'),
  ExpiryBeyondSeries: spec(
    691,
    400,
    'EXPIRY_BEYOND_SERIES',
    'coupon code expiry date cannot be set beyond series expiry',
  ),
  ExpiryUserIdMissing: spec(
    695,
    400,
    'USER_ID_MANDATORY',
    'a customer is mandatory to change the expiry of a GENERIC code',
  ),
  // Revocation with the later edition's body (docs/api.md §6 "Revoke")
  RevokeTargetMissing: spec(756, 400, 'REVOKE_TARGET_MISSING', 'coupon codes or customer info is mandatory'),
  RevokeCouponNotFound: spec(682, 400, 'REVOKE_COUPON_NOT_FOUND', 'coupon not found'),
  GenericRevokeUnsupported: spec(
    108,
    400,
    'GENERIC_REVOKE_UNSUPPORTED',
    'a GENERIC code is revoked only for a named customer',
  ),
  TooManyToRevoke: spec(
    629,
    400,
    'TOO_MANY_TO_REVOKE',
    'invalid input: the customer holds more than 100 unredeemed coupons; name the codes',
  ),
} as const satisfies Record<string, ErrorSpec>;

export type CouponErrorName = keyof typeof couponErrors;

/** Success statuses (docs/errors.md "Success"). */
export const SUCCESS_CODE = 700;
export const PROCESSING_SUCCESSFUL = 'Coupon processing successful';
export const IS_REDEEM_SUCCESSFUL = 'Coupon isRedeem successful';
/** PUT /v2/coupon/redeem: every change made (761), some of them (762). */
export const REDEMPTION_UPDATED = { code: 761, message: 'Coupon redemption update successful' } as const;
export const REDEMPTION_PARTLY_UPDATED = {
  code: 762,
  message: 'Coupon redemption update partially successful',
} as const;

/** A refusal of the whole request. `detail` is appended to the catalogue text, never replaces it. */
export class CouponError extends Error {
  /** For 429 and 503: how long the caller should wait (the Retry-After header). */
  retryAfterSeconds?: number;
  /** Several problems of one request (each field of a series): one wire entry each; `detail` is the first. */
  details?: readonly string[];

  constructor(
    readonly reason: CouponErrorName,
    readonly detail?: string,
    options?: ErrorOptions,
  ) {
    super(detail ? `${couponErrors[reason].message}: ${detail}` : couponErrors[reason].message, options);
    this.name = 'CouponError';
  }

  get wireCode(): number {
    return couponErrors[this.reason].wireCode;
  }
}

/** The wire entry of one refusal: `{code, message, reason}`. */
export interface ErrorEntry {
  code: number;
  message: string;
  reason: string;
}

export function errorEntry(reason: CouponErrorName, detail?: string): ErrorEntry {
  const e = couponErrors[reason];
  return { code: e.wireCode, message: detail ? `${e.message}: ${detail}` : e.message, reason: e.reason };
}

export function invalid(field: string, expected: string): CouponError {
  return new CouponError('InvalidInput', `${field}: ${expected}`);
}

/** 629 naming each field that is missing or wrong: `[field, what it must be]` pairs, in order. */
export function invalidFields(problems: readonly (readonly [string, string])[]): CouponError {
  const details = problems.map(([field, expected]) => `${field}: ${expected}`);
  const error = new CouponError('InvalidInput', details[0]);
  error.details = details;
  return error;
}
