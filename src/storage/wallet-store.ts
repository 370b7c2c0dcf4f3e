// A customer's wallet (GET /v2/customers/coupons, docs/api.md §6 "Wallet"): every coupon issued to one
// customer, the redemptions of a page of them, and the tills of the clients that issued them.
import type { Engine } from './database.js';
import { toCoupon, type CouponRow } from './coupon-read-store.js';
import { adhoc, all, prepare, rows, type Params, type Script } from './script.js';
import type { Coupon } from '../domain/coupon.js';

/** One redemption as the wallet lists it (active or reactivated). */
export interface WalletRedemption {
  id: number;
  couponId: number;
  at: number;
  billNumber: string | null;
  tillId: string | null;
  reactivatedAt: number | null;
}

export function createWalletStore(engine: Engine) {
  const db = engine.kysely;

  // Served by the (org_id, customer_id, series_id, id) index of issued coupons.
  const ofCustomer = prepare((p: Params<{ org: number; customer: number }>) =>
    db.selectFrom('coupon').selectAll().where('org_id', '=', p.org).where('customer_id', '=', p.customer),
  );

  return {
    /** Every coupon issued to the customer, in id (issue) order, with who issued it (`client:<key>`). */
    *ofCustomer(org: number, customer: number): Script<{ coupon: Coupon; issuedBy: string | null }[]> {
      const found = (yield* all(ofCustomer, { org, customer })) as CouponRow[];
      return found
        .map((r) => ({ coupon: toCoupon(r), issuedBy: r.issued_by }))
        .sort((a, b) => a.coupon.id - b.coupon.id);
    },
    /** The redemptions of the coupons, oldest first (through `redemption_coupon_ix`). */
    *redemptionsOf(org: number, coupons: readonly number[]): Script<WalletRedemption[]> {
      if (coupons.length === 0) return [];
      const found = yield* rows<{
        id: number;
        coupon_id: number;
        redeemed_at: number;
        transaction_number: string | null;
        till_id: string | null;
        reactivated_at: number | null;
      }>(
        adhoc(
          db
            .selectFrom('redemption')
            .select(['id', 'coupon_id', 'redeemed_at', 'transaction_number', 'till_id', 'reactivated_at'])
            .where('org_id', '=', org)
            .where('coupon_id', 'in', coupons)
            .orderBy('id'),
        ),
      );
      return found.map((r) => ({
        id: Number(r.id),
        couponId: Number(r.coupon_id),
        at: Number(r.redeemed_at),
        billNumber: r.transaction_number,
        tillId: r.till_id,
        reactivatedAt: r.reactivated_at === null ? null : Number(r.reactivated_at),
      }));
    },
    /** The till of each API client key (a coupon's `issued_by` is `client:<key>`). */
    *tillsOfClients(org: number, keys: readonly string[]): Script<Map<string, string | null>> {
      if (keys.length === 0) return new Map();
      const found = yield* rows<{ key: string; till_id: string | null }>(
        adhoc(
          db
            .selectFrom('api_client')
            .select(['key', 'till_id'])
            .where('org_id', '=', org)
            .where('key', 'in', keys),
        ),
      );
      return new Map(found.map((r) => [r.key, r.till_id]));
    },
  };
}

export type WalletStore = ReturnType<typeof createWalletStore>;
