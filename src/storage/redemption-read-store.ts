// Reading redemptions for display (the v1.1 coupon and customer-coupon answers, docs/api.md §14): the active
// redemptions of some coupons, newest first. Read-only; redemption-store.ts owns every write.
import type { Engine } from './database.js';
import { adhoc, rows, type Script } from './script.js';

/** One active (not reactivated) redemption, as the answers show it. */
export interface RedemptionView {
  id: number;
  couponId: number;
  customerId: number;
  billNumber: string | null;
  tillId: string | null;
  redeemedAt: number;
}

interface Row {
  id: number;
  coupon_id: number;
  customer_id: number;
  transaction_number: string | null;
  till_id: string | null;
  redeemed_at: number;
}

export function createRedemptionReadStore(engine: Engine) {
  const db = engine.kysely;
  return {
    /** The active redemptions of these coupons, newest first. */
    *activeOfCoupons(org: number, coupons: readonly number[]): Script<RedemptionView[]> {
      if (coupons.length === 0) return [];
      const found = yield* rows<Row>(
        adhoc(
          db
            .selectFrom('redemption')
            .select(['id', 'coupon_id', 'customer_id', 'transaction_number', 'till_id', 'redeemed_at'])
            .where('org_id', '=', org)
            .where('coupon_id', 'in', coupons)
            .where('reactivated_at', 'is', null)
            .orderBy('id', 'desc'),
        ),
      );
      return found.map((r) => ({
        id: Number(r.id),
        couponId: Number(r.coupon_id),
        customerId: Number(r.customer_id),
        billNumber: r.transaction_number,
        tillId: r.till_id,
        redeemedAt: Number(r.redeemed_at),
      }));
    },
  };
}
