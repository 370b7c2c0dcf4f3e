// Wire shapes of PUT /v2/coupon/redeem (the later edition's page "Update coupon redeem field"; docs/api.md §7).
import Type, { type Static } from 'typebox';
import { parseCustomerRef, type CustomerRef } from '../../domain/customer.js';
import {
  errorEntry,
  invalid,
  REDEMPTION_PARTLY_UPDATED,
  REDEMPTION_UPDATED,
  type ErrorEntry,
} from '../../domain/errors.js';
import { moneyToNumber, parseMoney } from '../../domain/money.js';
import type { OrgSettings } from '../../domain/principal.js';
import type { RedemptionChange, RedemptionUpdateResult } from '../../services/redeem-update.js';
import { MoneyIn } from './common.js';
import { CustomerRefBody, type CustomerRefIn } from './coupon.js';
import { CustomerReply, toCustomerReply } from './customer.js';
import { parseTransactionNumber } from './redemption.js';

const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
const Fields = Type.Record(Type.String(), Scalar);

export const RedeemUpdateBody = Type.Object(
  {
    redemptions: Type.Array(
      Type.Object(
        {
          redemptionId: Type.Union([Type.Integer(), Type.String()]),
          billAmount: Type.Optional(Type.Union([MoneyIn, Type.Null()])),
          transactionNumber: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Null()])),
          billId: Type.Optional(Type.Union([Type.Integer(), Type.String(), Type.Null()])),
          customFields: Type.Optional(
            Type.Union([Fields, Type.Array(Fields)], {
              description: 'an object, or a list of objects merged',
            }),
          ),
        },
        { additionalProperties: true },
      ),
    ),
    user: Type.Optional(CustomerRefBody),
  },
  { additionalProperties: true },
);
export type RedeemUpdateBodyIn = Static<typeof RedeemUpdateBody>;

const Status = Type.Object({ status: Type.Boolean(), code: Type.Integer(), message: Type.String() });

export const RedeemUpdateReply = Type.Object({
  entity: Type.Object({
    redemptions: Type.Array(
      Type.Object({
        redemptionId: Type.Integer(),
        billAmount: Type.Number(),
        transactionNumber: Type.Union([Type.String(), Type.Null()]),
        billId: Type.Union([Type.Integer(), Type.String(), Type.Null()]),
        customFields: Type.Record(Type.String(), Type.String()),
        redemptionStatus: Status,
      }),
    ),
    user: Type.Union([CustomerReply, Type.Null()]),
    status: Status,
    totalCount: Type.Integer(),
    failedCount: Type.Integer(),
  }),
  warnings: Type.Array(Type.Unknown()),
  errors: Type.Array(Type.Unknown()),
  success: Type.Boolean(),
});

/** The changes a body asks for; a missing or bad billAmount or redemptionId refuses the request (629). */
export function parseRedeemUpdate(
  body: RedeemUpdateBodyIn,
  org: OrgSettings,
): { ref: CustomerRef | undefined; changes: RedemptionChange[] } {
  const changes = body.redemptions.map((r, i): RedemptionChange => {
    const id = Number(r.redemptionId);
    if (!Number.isSafeInteger(id) || id <= 0)
      throw invalid(`redemptions[${i}].redemptionId`, 'a redemption id');
    const bill = parseMoney(r.billAmount);
    if (bill === undefined || bill < 0n)
      throw invalid(`redemptions[${i}].billAmount`, 'the bill amount (required, zero or more)');
    const fields =
      r.customFields === undefined
        ? undefined
        : Array.isArray(r.customFields)
          ? r.customFields
          : [r.customFields];
    const billId = r.billId === undefined ? undefined : r.billId === null ? null : String(r.billId).trim();
    // A bill id is a whole number (the page's `long`) or a text; a number that is not whole is refused
    // (the schema may have turned a JSON 1.5 or 1e309 into text already).
    if (billId && /^[+-]?(\d|\.\d|Infinity)/.test(billId) && !/^\d{1,19}$/.test(billId))
      throw invalid(`redemptions[${i}].billId`, 'a whole number or a text');
    if (billId !== undefined && billId !== null && billId.length > 128)
      throw invalid(`redemptions[${i}].billId`, 'at most 128 characters');
    return {
      redemptionId: id,
      bill,
      ...(r.transactionNumber === undefined
        ? {}
        : { billNumber: parseTransactionNumber(r.transactionNumber) }),
      ...(billId === undefined ? {} : { billId: billId === '' ? null : billId }),
      ...(fields === undefined
        ? {}
        : {
            customFields: Object.fromEntries(
              fields.flatMap((f) => Object.entries(f)).map(([k, v]) => [k, String(v)]),
            ),
          }),
    };
  });
  const user = body.user as CustomerRefIn | undefined;
  return { ref: user ? parseCustomerRef(user, org.mobileCountryCode) : undefined, changes };
}

/** A bill id as the page shows it: a number when it is one. */
const billIdOut = (v: string | null): number | string | null =>
  v !== null && /^[0-9]{1,15}$/.test(v) ? Number(v) : v;

export function toRedeemUpdateReply(result: RedemptionUpdateResult): {
  status: number;
  body: Static<typeof RedeemUpdateReply> & { errors: ErrorEntry[] };
} {
  const failed = result.items.filter((i) => i.refused !== undefined);
  const errors = failed.map((i) => errorEntry(i.refused!, String(i.change.redemptionId)));
  const redemptions = result.items.map((i) => {
    const e = i.refused === undefined ? undefined : errorEntry(i.refused);
    return {
      redemptionId: i.change.redemptionId,
      billAmount: moneyToNumber(i.change.bill),
      transactionNumber: i.billNumber,
      billId: billIdOut(i.billId),
      customFields: i.customFields,
      redemptionStatus: e
        ? { status: false, code: e.code, message: e.message }
        : { status: true, ...REDEMPTION_UPDATED },
    };
  });
  const allFailed = failed.length === result.items.length;
  const status = allFailed
    ? { status: false, ...errorEntry('RedemptionIdsInvalid') }
    : failed.length > 0
      ? { status: true, ...REDEMPTION_PARTLY_UPDATED }
      : { status: true, ...REDEMPTION_UPDATED };
  return {
    // An all-refused batch is a refusal (docs/api.md §7), not a 200 with success false.
    status: allFailed ? 400 : 200,
    body: {
      entity: {
        redemptions,
        user: result.customer ? toCustomerReply(result.customer) : null,
        status: { status: status.status, code: status.code, message: status.message },
        totalCount: result.items.length,
        failedCount: failed.length,
      },
      warnings: [],
      // As the page's partial sample: the refused ids are in their items, and `errors` lists them only
      // when nothing was changed.
      errors: allFailed ? errors : [],
      success: !allFailed,
    },
  };
}
