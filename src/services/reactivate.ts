// Reactivation (docs/api.md §7): undoing redemptions (a return). The coupon becomes redeemable again and every
// counter and per-customer history goes back, in one transaction.
import type { Redemption } from '../domain/coupon.js';
import type { CustomerRef } from '../domain/customer.js';
import { CouponError } from '../domain/errors.js';
import { actorOf, type Principal } from '../domain/principal.js';
import type { Script } from '../storage/script.js';
import type { Stores } from '../storage/stores.js';
import { resolveCustomer } from './customers.js';
import type { AnswerInWork, StorageDeps } from './deps.js';

/** Undoes locked, active redemptions. Lock order: redemption rows (caller), then coupons by ascending id. */
function* undo(
  stores: Stores,
  org: number,
  redemptions: readonly Redemption[],
  now: number,
  actor: string,
): Script<number[]> {
  yield* stores.coupon.lockMany(
    org,
    redemptions.map((r) => r.couponId),
  );
  // Lock the customers' series rows before changing them, so that the last redemption time recomputed
  // below sees every redemption committed before (a statement that waited for a row lock would not).
  const pairs = [...new Set(redemptions.map((r) => `${r.customerId}:${r.seriesId}`))]
    .map((p) => p.split(':').map(Number) as [number, number])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [customer, series] of pairs) yield* stores.customerSeries.lock(org, customer, series);
  const done: number[] = [];
  for (const r of redemptions) {
    const id = r.id;
    // Guarded writes: one that changes no row (the world moved since the locks) runs the script again; on
    // PostgreSQL they go with the COMMIT, unawaited (docs/architecture.md "Round trips on PostgreSQL").
    yield* stores.redemption.markReactivated(org, id, now);
    yield* stores.coupon.removeUse(org, r.couponId);
    yield* stores.customerSeries.removeRedemption(org, r.customerId, r.seriesId);
    yield* stores.counter.removeRedemption(org, r.seriesId);
    yield* stores.event.add({
      org,
      coupon: r.couponId,
      series: r.seriesId,
      customer: r.customerId,
      type: 'reactivated',
      at: now,
      actor,
      details: JSON.stringify({ redemptionId: id, transactionNumber: r.billNumber }),
    });
    done.push(id);
  }
  return done;
}

export function createReactivateService(deps: StorageDeps) {
  const { engine, stores, now } = deps;
  return {
    /** Undoes the given redemptions, all or none: an unknown, foreign or already reactivated id is 510. */
    async byIds(p: Principal, ids: readonly number[], answer?: AnswerInWork<number[]>): Promise<number[]> {
      if (ids.length === 0) throw new CouponError('NoRedemptionIds');
      if (ids.length > 1000) throw new CouponError('InvalidInput', 'redemptionIds: at most 1000');
      const t = now();
      const org = p.orgId;
      return engine.run(
        function* () {
          const found: Redemption[] = [];
          const bad: number[] = [];
          for (const id of [...new Set(ids)].sort((a, b) => a - b)) {
            const r = yield* stores.redemption.lock(org, id);
            if (!r || r.reactivatedAt !== null) bad.push(id);
            else found.push(r);
          }
          if (bad.length > 0) throw new CouponError('RedemptionIdsInvalid', bad.join(', '));
          const done = yield* undo(stores, org, found, t, actorOf(p));
          if (answer) yield* answer(done);
          return done;
        },
        { write: true },
      );
    },

    /** Undoes everything still redeemed on a customer's bill; a second call finds nothing and answers []. */
    async byBill(
      p: Principal,
      ref: CustomerRef,
      billNumber: string,
      answer?: AnswerInWork<number[]>,
    ): Promise<number[]> {
      const t = now();
      const org = p.orgId;
      return engine.run(
        function* () {
          const { customer } = yield* resolveCustomer(stores, p.org, ref, { register: false, now: t });
          const onBill = yield* stores.redemption.lockActiveOnBill(org, customer.id, billNumber);
          const done = yield* undo(stores, org, onBill, t, actorOf(p));
          if (answer) yield* answer(done);
          return done;
        },
        { write: true },
      );
    },
  };
}

export type ReactivateService = ReturnType<typeof createReactivateService>;
