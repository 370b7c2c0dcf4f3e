// The v1.1 redeem body and the redeem and isredeemable items (docs/api.md §14). Each item's refusal comes from
// the v2 rules (domain/redemption.ts) through the one code table (codes.ts).
import Type from 'typebox';
import type { Customer, CustomerRef } from '../../../domain/customer.js';
import {
  CouponError,
  invalid,
  IS_REDEEM_SUCCESSFUL,
  PROCESSING_SUCCESSFUL,
  type CouponErrorName,
} from '../../../domain/errors.js';
import { formatMoney, parseMoney, type Money } from '../../../domain/money.js';
import type { ItemOutcome } from '../../../domain/redemption.js';
import type { CouponNamed } from '../../../services/redemption/redeem.js';
import { customerBrief, refOf, type V11Identifiers } from './customer.js';
import { itemOk, itemRefused, type Flavour } from './envelope.js';

const Loose = { additionalProperties: true };
const Text = Type.Union([Type.String({ maxLength: 256 }), Type.Number()]);
const Field = Type.Object(
  { name: Type.Optional(Text), value: Type.Optional(Type.Union([Text, Type.Null()])) },
  Loose,
);
const Transaction = Type.Object(
  {
    number: Type.Optional(Type.Union([Text, Type.Null()])),
    amount: Type.Optional(Type.Union([Text, Type.Null()])),
  },
  Loose,
);
const CouponItem = Type.Object(
  {
    code: Type.Optional(Text),
    id: Type.Optional(Text),
    validation_code: Type.Optional(Type.Union([Text, Type.Null()])),
    customer: Type.Optional(
      Type.Object(
        {
          mobile: Type.Optional(Type.Union([Text, Type.Null()])),
          email: Type.Optional(Type.Union([Text, Type.Null()])),
          external_id: Type.Optional(Type.Union([Text, Type.Null()])),
          id: Type.Optional(Type.Union([Text, Type.Null()])),
          card_number: Type.Optional(Type.Union([Text, Type.Null()])),
          card_external_id: Type.Optional(Type.Union([Text, Type.Null()])),
        },
        Loose,
      ),
    ),
    custom_fields: Type.Optional(
      Type.Object({ field: Type.Optional(Type.Union([Type.Array(Field, { maxItems: 50 }), Field])) }, Loose),
    ),
    transaction: Type.Optional(Type.Union([Type.Array(Transaction, { maxItems: 1 }), Transaction])),
  },
  Loose,
);

export const RedeemBody = Type.Object(
  {
    root: Type.Object(
      { coupon: Type.Union([Type.Array(CouponItem, { minItems: 1, maxItems: 50 }), CouponItem]) },
      Loose,
    ),
  },
  { ...Loose, description: 'root.coupon: one coupon or a list, each with its customer and transaction' },
);

type Item = {
  code?: string | number;
  id?: string | number;
  customer?: V11Identifiers;
  transaction?: { number?: unknown; amount?: unknown } | { number?: unknown; amount?: unknown }[];
  custom_fields?: { field?: CustomField | CustomField[] };
};
type CustomField = { name?: unknown; value?: unknown };

/** One coupon of the request, in service terms; the coupons of one customer and bill go in one service call. */
export interface RedeemLine {
  named: CouponNamed;
  /** What the request called the coupon, echoed on a refusal. */
  raw: string;
  ref: CustomerRef;
  bill: Money | undefined;
  billNumber: string | null;
  /** The bill amount as the answer shows it ("1000.00"). */
  amountText: string | null;
  /** `custom_fields.field[]` as name → value, kept on the line's redemption. */
  customFields: Record<string, string>;
  /** Lines with the same group redeem together (same customer, same bill, same custom fields). */
  group: string;
}

/** `custom_fields: {field: [{name, value}] | {name, value}}` as name → value; a field without a name is ignored. */
function customFieldsOf(raw: Item['custom_fields']): Record<string, string> {
  const f = raw?.field;
  const fields = f === undefined ? [] : Array.isArray(f) ? f : [f];
  return Object.fromEntries(
    fields.flatMap((x) =>
      x.name === undefined || String(x.name).trim() === '' ? [] : [[String(x.name), String(x.value ?? '')]],
    ),
  );
}

const amountText = (m: Money | undefined): string | null => {
  if (m === undefined) return null;
  const [whole, frac = ''] = formatMoney(m).split('.');
  return `${whole}.${frac.padEnd(2, '0')}`;
};

export function parseRedeemBody(
  body: { root: { coupon: unknown } },
  countryCode: string | null,
): RedeemLine[] {
  const items = (Array.isArray(body.root.coupon) ? body.root.coupon : [body.root.coupon]) as Item[];
  return items.map((it, i) => {
    const ref = refOf(it.customer, countryCode);
    let named: CouponNamed;
    if (it.code !== undefined && String(it.code).trim() !== '') named = { code: String(it.code) };
    else if (it.id !== undefined && String(it.id).trim() !== '') {
      const n = Number(it.id);
      if (!Number.isSafeInteger(n) || n <= 0) throw invalid(`root.coupon[${i}].id`, 'a coupon id');
      named = { couponId: n };
    } else throw new CouponError('CouponIdOrCodeMissing', `root.coupon[${i}]`);
    const t = Array.isArray(it.transaction) ? it.transaction[0] : it.transaction;
    let bill: Money | undefined;
    if (t?.amount !== undefined && t.amount !== null && String(t.amount).trim() !== '') {
      bill = parseMoney(t.amount);
      if (bill === undefined || bill < 0n) throw invalid(`root.coupon[${i}].transaction.amount`, 'an amount');
    }
    const number = t?.number === undefined || t.number === null ? '' : String(t.number).trim();
    if (number.length > 128) throw invalid(`root.coupon[${i}].transaction.number`, 'at most 128 characters');
    const billNumber = number === '' ? null : number;
    const customFields = customFieldsOf(it.custom_fields);
    return {
      named,
      raw: 'code' in named ? named.code : String(named.couponId),
      ref,
      bill,
      billNumber,
      amountText: amountText(bill),
      customFields,
      group: JSON.stringify([ref, bill === undefined ? null : String(bill), billNumber, customFields]),
    };
  });
}

/** The customer block of an item: the customer found, else the identifiers the request gave. */
const customerOf = (customer: Customer | undefined, ref: CustomerRef) =>
  customer
    ? customerBrief(customer)
    : { mobile: ref.mobile ?? null, email: ref.email ?? null, external_id: ref.externalId ?? null };

/** The outcome of one line: the pipeline's item, or a refusal of its whole service call (701, 721, …). */
export type LineOutcome =
  { kind: 'decided'; customer: Customer; item: ItemOutcome } | { kind: 'refused'; reason: CouponErrorName };

export function toRedeemedItem(f: Flavour, line: RedeemLine, out: LineOutcome) {
  const customer = customerOf(out.kind === 'decided' ? out.customer : undefined, line.ref);
  const item = out.kind === 'decided' ? out.item : undefined;
  const series = item?.series;
  const transaction = { amount: line.amountText, number: line.billNumber };
  const reason =
    out.kind === 'refused'
      ? out.reason
      : item!.decision.kind === 'refuse'
        ? item!.decision.reason
        : undefined;
  if (reason !== undefined) {
    return {
      customer,
      code: item?.coupon?.code ?? line.raw,
      is_absolute: String(series?.discountType === 'ABS'),
      transaction,
      side_effects: [],
      item_status: itemRefused({ ...f, textCodes: false }, reason, 'redeem'),
    };
  }
  return {
    customer,
    redemptionId: item!.redemptionId === undefined ? null : String(item!.redemptionId),
    code: item!.coupon!.code,
    discount_code: series!.discountCode,
    series_code: series!.seriesCode,
    series_info: [],
    is_absolute: String(series!.discountType === 'ABS'),
    coupon_value: formatMoney(series!.discountValue),
    transaction,
    side_effects: [],
    item_status: itemOk(f, PROCESSING_SUCCESSFUL),
  };
}

/** One `redeemable` entry of GET /v1.1/coupon/isredeemable. */
export function toRedeemableItem(
  f: Flavour,
  customer: Customer,
  o: ItemOutcome,
  cased: (code: string) => string,
) {
  const refused = o.decision.kind === 'refuse' ? o.decision.reason : undefined;
  const status = refused ? itemRefused(f, refused, 'isredeemable') : itemOk(f, IS_REDEEM_SUCCESSFUL);
  return {
    mobile: customer.mobile,
    code: cased(o.coupon?.code ?? o.raw),
    is_redeemable: String(refused === undefined),
    redemptions_left: o.redemptionsLeft,
    no_of_redemptions_by_user: o.numberOfRedemptionsByUser,
    coupon_value: o.series ? formatMoney(o.series.discountValue) : null,
    customer: customerBrief(customer),
    item_status: {
      success: status.success,
      status: status.success,
      code: status.code,
      message: status.message,
    },
  };
}
