// Recording a redemption that happened elsewhere (SPEC §10 redeemed upload). Being written with the
// redemption service; the upload job calls `importRedemption` inside its batch transaction.
import type { CustomerRef } from '../domain/customer.js';
import type { OrgSettings } from '../domain/principal.js';
import type { Script } from '../storage/script.js';
import type { Stores } from '../storage/stores.js';

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
// eslint-disable-next-line require-yield
export function* importRedemption(
  stores: Stores,
  org: OrgSettings,
  seriesId: number,
  row: ImportedRedemption,
  context: { actor: string; now: number; uploadJobId: number },
): Script<ImportOutcome> {
  void stores;
  void org;
  void seriesId;
  void row;
  void context;
  throw new Error('importRedemption is not implemented yet');
}
