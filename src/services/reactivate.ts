// Reactivation (docs/api.md §7): undoing redemptions (a return). The coupon becomes redeemable again and every
// counter and per-customer history goes back, in one transaction.
import { randomInt } from 'node:crypto';
import type { CustomerRef } from '../domain/customer.js';
import { CouponError } from '../domain/errors.js';
import { actorOf, type Principal } from '../domain/principal.js';
import type { RedemptionRow } from '../storage/redemption-store.js';
import { COUNTER_SLOTS } from '../storage/series-store.js';
import { RetryConflict, type Script } from '../storage/script.js';
import type { Stores } from '../storage/stores.js';
import { resolveCustomer } from './customers.js';
import type { StorageDeps } from './deps.js';

/** Undoes locked, active redemptions. Lock order: redemption rows (caller), then coupons by ascending id. */
function* undo(
  stores: Stores,
  org: number,
  redemptions: readonly RedemptionRow[],
  now: number,
  actor: string,
): Script<number[]> {
  yield* stores.redemption.lockCoupons(
    org,
    redemptions.map((r) => Number(r.coupon_id)),
  );
  // Lock the customers' series rows before changing them, so that the last redemption time recomputed
  // below sees every redemption committed before (a statement that waited for a row lock would not).
  const pairs = [...new Set(redemptions.map((r) => `${r.customer_id}:${r.series_id}`))]
    .map((p) => p.split(':').map(Number) as [number, number])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [customer, series] of pairs)
    yield* stores.redemption.customerSeries(org, customer, series, true);
  const done: number[] = [];
  for (const r of redemptions) {
    const id = Number(r.id);
    if (!(yield* stores.redemption.markReactivated(org, id, now)))
      throw new RetryConflict('redemption already reactivated');
    if (!(yield* stores.redemption.giveBackUse(org, Number(r.coupon_id))))
      throw new RetryConflict('coupon use count');
    if (
      !(yield* stores.redemption.uncountCustomerRedemption(org, Number(r.customer_id), Number(r.series_id)))
    ) {
      throw new RetryConflict('customer redemption count');
    }
    yield* stores.redemption.uncountSeriesRedemption(org, Number(r.series_id), randomInt(COUNTER_SLOTS));
    yield* stores.coupon.addEvent({
      org,
      coupon: Number(r.coupon_id),
      series: Number(r.series_id),
      customer: Number(r.customer_id),
      type: 'reactivated',
      at: now,
      actor,
      details: JSON.stringify({ redemptionId: id, transactionNumber: r.transaction_number }),
    });
    done.push(id);
  }
  return done;
}

export function createReactivateService(deps: StorageDeps) {
  const { engine, stores, now } = deps;
  return {
    /** Undoes the given redemptions, all or none: an unknown, foreign or already reactivated id is 510. */
    async byIds(p: Principal, ids: readonly number[]): Promise<number[]> {
      if (ids.length === 0) throw new CouponError('NoRedemptionIds');
      if (ids.length > 1000) throw new CouponError('InvalidInput', 'redemptionIds: at most 1000');
      const t = now();
      const org = p.orgId;
      return engine.run(
        function* () {
          const rows: RedemptionRow[] = [];
          const bad: number[] = [];
          for (const id of [...new Set(ids)].sort((a, b) => a - b)) {
            const r = yield* stores.redemption.findForUpdate(org, id);
            if (!r || r.reactivated_at !== null) bad.push(id);
            else rows.push(r);
          }
          if (bad.length > 0) throw new CouponError('RedemptionIdsInvalid', bad.join(', '));
          return yield* undo(stores, org, rows, t, actorOf(p));
        },
        { write: true },
      );
    },

    /** Undoes everything still redeemed on a customer's bill; a second call finds nothing and answers []. */
    async byTransaction(p: Principal, ref: CustomerRef, transactionNumber: string): Promise<number[]> {
      const t = now();
      const org = p.orgId;
      return engine.run(
        function* () {
          const { customer } = yield* resolveCustomer(stores, p.org, ref, { register: false, now: t });
          const rows = yield* stores.redemption.activeOnTransaction(org, customer.id, transactionNumber);
          return yield* undo(stores, org, rows, t, actorOf(p));
        },
        { write: true },
      );
    },
  };
}

export type ReactivateService = ReturnType<typeof createReactivateService>;
