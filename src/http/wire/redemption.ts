// Wire shapes of checking, redeeming, holds and reactivation (reference "Redeem Coupons", "Check if Coupon
// is Redeemable", "Redeem Coupon (Single)", "Redeem Customer Coupons (Bulk)"; docs/api.md §7, §8).
import Type, { type Static } from 'typebox';
import { parseWireTime } from '../../domain/clock.js';
import { parseCustomerRef, type CustomerRef } from '../../domain/customer.js';
import {
  CouponError,
  couponErrors,
  errorEntry,
  invalid,
  IS_REDEEM_SUCCESSFUL,
  PROCESSING_SUCCESSFUL,
  SUCCESS_CODE,
} from '../../domain/errors.js';
import { moneyToNumber, parseMoney, type Money } from '../../domain/money.js';
import type { OrgSettings } from '../../domain/principal.js';
import type { ItemOutcome } from '../../services/redemption/redeem.js';
import type { CouponNamed } from '../../services/redemption/redeem.js';
import { ErrorEntrySchema, MoneyIn } from './common.js';
import { DetailFields } from './redemption-details.js';
import { CustomerRefBody, type CustomerRefIn } from './coupon.js';

const CouponRequest = Type.Object(
  {
    code: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    id: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
  },
  { additionalProperties: true },
);

export const RedeemBody = Type.Object(
  {
    billAmount: Type.Optional(Type.Union([MoneyIn, Type.Null()])),
    transactionNumber: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Null()])),
    user: Type.Optional(CustomerRefBody),
    redemptionTime: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    redemptionRequestList: Type.Optional(Type.Array(CouponRequest)),
    holdId: Type.Optional(Type.Union([Type.Integer(), Type.String(), Type.Null()])),
  },
  { additionalProperties: true },
);
export type RedeemBodyIn = Static<typeof RedeemBody>;

export const HoldBody = Type.Object(
  {
    user: Type.Optional(CustomerRefBody),
    codes: Type.Array(Type.Union([Type.String(), Type.Number()]), { minItems: 1 }),
    billAmount: Type.Optional(Type.Union([MoneyIn, Type.Null()])),
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    transactionNumber: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Null()])),
  },
  { additionalProperties: true },
);

export const ReactivateBody = Type.Object(
  {
    redemptionIds: Type.Optional(
      Type.Union([
        Type.Array(Type.Union([Type.Integer(), Type.String()])),
        Type.String({ description: 'comma-separated redemption ids, as the later edition documents' }),
        Type.Integer(),
      ]),
    ),
    transactionNumber: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    user: Type.Optional(CustomerRefBody),
  },
  { additionalProperties: true },
);

/** The customer a redeem, hold or reactivation by bill names; `user` is required there. */
export function customerOf(raw: CustomerRefIn | undefined, org: OrgSettings): CustomerRef {
  if (!raw) throw new CouponError('InvalidCustomer', 'user is required');
  return parseCustomerRef(raw, org.mobileCountryCode);
}

/** The outcomes that did not pass (refused, or failed because another coupon did). */
export const failures = (items: readonly ItemOutcome[]) => items.filter((o) => o.decision.kind !== 'accept');

/** A bill amount: optional everywhere (the later edition's redeem pages do not require it; docs/api.md §7). */
export function parseBill(raw: unknown, required: boolean): Money | undefined {
  if (raw === undefined || raw === null || raw === '') {
    if (required) throw invalid('billAmount', 'the bill amount (a number or numeric string)');
    return undefined;
  }
  const m = parseMoney(raw);
  if (m === undefined || m < 0n)
    throw invalid('billAmount', 'a non-negative amount with at most 4 decimal places');
  return m;
}

export function parseTransactionNumber(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  const s = String(raw).trim();
  if (s.length > 128) throw invalid('transactionNumber', 'at most 128 characters');
  return s === '' ? null : s;
}

export function parseRedemptionTime(raw: unknown, timezone: string): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const at = typeof raw === 'string' ? parseWireTime(raw, timezone) : undefined;
  if (at === undefined) throw invalid('redemptionTime', 'YYYY-MM-DD HH:MM:SS, YYYY-MM-DD or ISO-8601');
  return at;
}

export function parseHoldId(raw: unknown): number | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw invalid('holdId', 'a hold id');
  return n;
}

/** The coupons a request names: `{code}` or `{id}` items (the reference takes either). */
export function parseCouponList(
  list: readonly { code?: unknown; id?: unknown }[] | undefined,
): CouponNamed[] {
  return (list ?? []).map((item, i) => {
    if (item.code !== undefined && item.code !== null && item.code !== '') return { code: String(item.code) };
    const id = Number(item.id);
    if (item.id !== undefined && Number.isSafeInteger(id) && id > 0) return { couponId: id };
    throw invalid(`redemptionRequestList[${i}]`, 'a code or a coupon id');
  });
}

const StatusCode = Type.Object({ status: Type.Boolean(), message: Type.String(), code: Type.Integer() });
export const RedemptionStatus = StatusCode;

const ItemStatus = Type.Object({
  statusCode: StatusCode,
  warnings: Type.Array(Type.Unknown()),
  warningsAsStatusCode: Type.Array(Type.Unknown()),
  message: Type.String(),
  code: Type.Integer(),
  success: Type.Boolean(),
});

/** One coupon of a redeem answer, as the reference shows it (redemptionId: the later edition), plus couponId and discountAmount (beyond). */
export const RedeemedItem = Type.Object({
  redemptionId: Type.String({
    description:
      'the redemption id, as the later edition writes it (a string); "-1" when nothing was redeemed',
  }),
  id: Type.Union([Type.Integer(), Type.Null()]),
  couponId: Type.Union([Type.Integer(), Type.Null()]),
  currencyInput: Type.Boolean(),
  localToBaseCurrencyExchangeRate: Type.Number(),
  warnings: Type.Array(Type.Unknown()),
  appendedErrorMessage: Type.String(),
  code: Type.String(),
  discountCode: Type.Union([Type.String(), Type.Null()]),
  seriesCode: Type.Union([Type.Integer(), Type.Null()]),
  isAbsolute: Type.Boolean(),
  couponValue: Type.Number(),
  redemptionStatus: ItemStatus,
  discountType: Type.Union([Type.String(), Type.Null()]),
  discountValue: Type.Number(),
  discountUpto: Type.Number(),
  discountAmount: Type.Number(),
});

function statusOf(o: ItemOutcome, success: string) {
  if (o.decision.kind === 'accept') return { status: true, message: success, code: SUCCESS_CODE };
  const e = errorEntry(o.decision.reason);
  return { status: false, message: e.message, code: e.code, reason: e.reason };
}

/** One coupon of a redeem answer (of a dry run: `success` is the check's message, and no redemption id). */
export function toRedeemedItem(
  o: ItemOutcome,
  success: string = PROCESSING_SUCCESSFUL,
): Static<typeof RedeemedItem> {
  const s = o.series;
  const st = statusOf(o, success);
  return {
    redemptionId: o.redemptionId === undefined ? '-1' : String(o.redemptionId),
    id: o.redemptionId ?? null,
    couponId: o.coupon?.id ?? null,
    currencyInput: false,
    localToBaseCurrencyExchangeRate: 0,
    warnings: [],
    appendedErrorMessage: st.status ? '' : st.message,
    code: o.coupon?.code ?? o.raw,
    discountCode: s?.discountCode ?? null,
    seriesCode: s?.id ?? null,
    isAbsolute: s?.discountType === 'ABS',
    couponValue: s ? moneyToNumber(s.discountValue) : 0,
    redemptionStatus: {
      statusCode: { status: st.status, message: st.message, code: st.code },
      warnings: [],
      warningsAsStatusCode: [],
      message: st.message,
      code: st.code,
      success: st.status,
    },
    discountType: s?.discountType ?? null,
    discountValue: s ? moneyToNumber(s.discountValue) : 0,
    discountUpto: s ? moneyToNumber(s.discountUpto) : 0,
    discountAmount: o.decision.kind === 'accept' ? moneyToNumber(o.decision.discount) : 0,
  };
}

/** One coupon of an is_redeemable (or hold) answer. */
export const CheckedItem = Type.Object(
  {
    appendedErrorMessage: Type.String(),
    code: Type.String(),
    couponId: Type.Union([Type.Integer(), Type.Null()]),
    isAbsolute: Type.Boolean(),
    isRedeemable: Type.Boolean(),
    numberOfRedemptionsByUser: Type.Integer(),
    redemptionsLeft: Type.Integer(),
    discountAmount: Type.Optional(Type.Number()),
    redemptionStatus: Type.Optional(
      Type.Object({
        status: Type.Boolean(),
        code: Type.Integer(),
        message: Type.String(),
        reason: Type.Optional(Type.String()),
      }),
    ),
    seriesDetails: Type.Optional(Type.Unknown()),
    ...DetailFields,
    warnings: Type.Array(Type.Unknown()),
  },
  { additionalProperties: false },
);
export type CheckedItemOut = Static<typeof CheckedItem>;

export function toCheckedItem(o: ItemOutcome, options: { withDiscount: boolean }): CheckedItemOut {
  const st = statusOf(o, IS_REDEEM_SUCCESSFUL);
  return {
    appendedErrorMessage: st.status ? '' : st.message,
    code: o.coupon?.code ?? o.raw,
    couponId: o.coupon?.id ?? null,
    isAbsolute: o.series?.discountType === 'ABS',
    isRedeemable: st.status,
    numberOfRedemptionsByUser: o.numberOfRedemptionsByUser,
    redemptionsLeft: o.redemptionsLeft,
    ...(options.withDiscount && o.decision.kind === 'accept'
      ? { discountAmount: moneyToNumber(o.decision.discount) }
      : {}),
    ...(st.status
      ? {}
      : {
          redemptionStatus: {
            status: false,
            code: st.code,
            message: st.message,
            ...(st.reason ? { reason: st.reason } : {}),
          },
        }),
    warnings: [],
  };
}

/** The request-level status: 700 when every coupon passed, else the first refusal. */
export function overallStatus(items: readonly ItemOutcome[], success: string) {
  const failed =
    items.find((o) => o.decision.kind !== 'accept' && o.decision.reason !== 'OtherCouponFailed') ??
    items.find((o) => o.decision.kind !== 'accept');
  if (!failed || failed.decision.kind === 'accept')
    return { status: true, message: success, code: SUCCESS_CODE };
  const e = couponErrors[failed.decision.reason];
  return { status: false, message: errorEntry(failed.decision.reason).message, code: e.wireCode };
}

export const BulkRedeemItem = Type.Object({
  entityId: Type.Union([Type.Integer(), Type.String()]),
  result: RedeemedItem,
  errors: Type.Array(ErrorEntrySchema),
});
