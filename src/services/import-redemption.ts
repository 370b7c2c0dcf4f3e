// Recording a redemption that happened elsewhere (docs/api.md §10 redeemed upload): the redemption pipeline
// runs at the time the file gives, for the till it names (an API redeem runs at now); a refusal becomes the
// row's error.
import { CouponError, errorEntry } from '../domain/errors.js';
import type { CustomerRef } from '../domain/customer.js';
import type { OrgSettings } from '../domain/principal.js';
import type { Script } from '../storage/script.js';
import type { Stores } from '../storage/stores.js';
import { resolveCustomer } from './customers.js';
import { redeemCoupons, type CouponNamed } from './redemption/pipeline.js';

export interface ImportedRedemption {
  customer: CustomerRef;
  /** COUPON_ID uploads name the coupon by id, COUPON_CODE uploads by code. */
  couponId?: number;
  couponCode?: string;
  /** When it happened (the file's redeemedDateInMillis). */
  redeemedAt: number;
  /** The till that redeemed it (the file's redeemedAt). */
  tillId: string | null;
  billId: string | null;
  billNumber: string | null;
  details: string | null;
}

export type ImportOutcome = { ok: true; redemptionId: number } | { ok: false; error: string };

/** Records one externally redeemed coupon of `seriesId`; a refusal comes back as a row error. */
export function* importRedemption(
  stores: Stores,
  org: OrgSettings,
  seriesId: number,
  row: ImportedRedemption,
  context: { actor: string; now: number; uploadJobId: number },
): Script<ImportOutcome> {
  let customer;
  try {
    customer = (yield* resolveCustomer(stores, org, row.customer, { register: false, now: context.now }))
      .customer;
  } catch (e) {
    if (e instanceof CouponError) return { ok: false, error: e.message };
    throw e;
  }
  const named: CouponNamed =
    row.couponId !== undefined ? { couponId: row.couponId } : { code: row.couponCode ?? '' };
  // The coupon must belong to the series the upload is for.
  const coupon =
    row.couponId !== undefined
      ? yield* stores.coupon.find(org.orgId, row.couponId)
      : yield* stores.coupon.findByCode(org.orgId, (row.couponCode ?? '').trim().toUpperCase());
  if (coupon && coupon.seriesId !== seriesId)
    return { ok: false, error: errorEntry('CouponNotFound', 'not a coupon of this series').message };
  const checkout = {
    bill: undefined,
    billNumber: row.billNumber,
    holdId: null,
    tillId: row.tillId,
    at: row.redeemedAt,
  };
  const recording = {
    org: org.orgId,
    customerId: customer.id,
    clientId: null,
    actor: context.actor,
    now: context.now,
    upload: { jobId: context.uploadJobId, billId: row.billId, details: row.details },
  };
  const [item] = yield* redeemCoupons(stores, org, customer, [named], checkout, recording, true);
  if (item!.decision.kind === 'accept') return { ok: true, redemptionId: item!.redemptionId! };
  return { ok: false, error: errorEntry(item!.decision.reason).message };
}
