// Reactivation (docs/api.md §7): undoing redemptions (a return). The coupon becomes redeemable again and every
// counter and per-customer history goes back, in one transaction.
import type { Redemption } from '../domain/coupon.js';
import type { CustomerRef } from '../domain/customer.js';
import { CouponError } from '../domain/errors.js';
import { actorOf, type Principal } from '../domain/principal.js';
import { readBatch, type Read, type Script } from '../storage/script.js';
import type { Stores } from '../storage/stores.js';
import { resolveCustomer } from './customers.js';
import type { AnswerInWork, StorageDeps } from './deps.js';

/**
 * The locks a reactivation takes after the redemption rows, as reads that join their batch: the coupons (by
 * ascending id), then the customers' series rows, so that the last redemption time recomputed by `undo` sees
 * every redemption committed before (a statement that waited for a row lock would not). PostgreSQL only:
 * SQLite's writer lock already covers them. Found by the redemption ids, so they need not wait for the rows.
 */
function locksAfterRedemptions(stores: Stores, org: number, ids: readonly number[]): Read<unknown>[] {
  if (ids.length === 0) return [];
  return [
    stores.coupon.readLockOfRedemptions(org, ids),
    stores.customerSeries.readLockOfRedemptions(org, ids),
  ].filter((r): r is Read<void> => r !== undefined);
}

/** Undoes redemptions that are locked (with the locks after them) and active. */
function* undo(
  stores: Stores,
  org: number,
  redemptions: readonly Redemption[],
  now: number,
  actor: string,
): Script<number[]> {
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
          // One batch on PostgreSQL: the redemption rows by ascending id, then the locks after them.
          const sorted = [...new Set(ids)].sort((a, b) => a - b);
          const answers = yield* readBatch<unknown[]>([
            ...sorted.map((id) => stores.redemption.readLock(org, id)),
            ...locksAfterRedemptions(stores, org, sorted),
          ]);
          const found: Redemption[] = [];
          const bad: number[] = [];
          sorted.forEach((id, i) => {
            const r = answers[i] as Redemption | undefined;
            if (!r || r.reactivatedAt !== null) bad.push(id);
            else found.push(r);
          });
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
          const locks = locksAfterRedemptions(
            stores,
            org,
            onBill.map((r) => r.id),
          );
          if (locks.length > 0) yield* readBatch<unknown[]>(locks);
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
