// Holds (docs/api.md §8, beyond): reserve coupons for a checkout after the redemption checks (the redemption
// pipeline, services/redemption/), so a code validated now cannot be used by another checkout before the
// payment completes. An expired hold counts for nothing.
import type { Customer, CustomerRef } from '../../domain/customer.js';
import { CouponError } from '../../domain/errors.js';
import type { Money } from '../../domain/money.js';
import { actorOf, type Principal } from '../../domain/principal.js';
import type { AnswerInWork, StorageDeps } from '../deps.js';
import { checkCount, type GuessGuard, type ItemOutcome } from './redeem.js';
import { holdCoupons, resolveForRedemption, type CouponNamed } from './pipeline.js';

export const DEFAULT_HOLD_SECONDS = 900;
/** Longer holds would let an abandoned checkout block a coupon for too long. */
export const MAX_HOLD_SECONDS = 86_400;

export interface HoldInput {
  ref: CustomerRef;
  codes: CouponNamed[];
  bill: Money | undefined;
  ttlSeconds: number;
  /** The bill's number (the wire's transactionNumber). */
  billNumber: string | null;
  tillId: string | null;
}

export interface HoldResult {
  customer: Customer;
  holdId: number | null;
  expiresAt: number;
  items: ItemOutcome[];
}

export function createHoldService(deps: StorageDeps & { guesses: GuessGuard }) {
  const { engine, stores, now, guesses } = deps;
  return {
    /** Runs the checks and, when every coupon passes, reserves them all for this checkout. */
    async hold(p: Principal, input: HoldInput, answer?: AnswerInWork<HoldResult>): Promise<HoldResult> {
      checkCount(input.codes);
      if (
        !Number.isInteger(input.ttlSeconds) ||
        input.ttlSeconds < 1 ||
        input.ttlSeconds > MAX_HOLD_SECONDS
      ) {
        throw new CouponError('InvalidInput', `ttlSeconds: between 1 and ${MAX_HOLD_SECONDS}`);
      }
      const recordGuesses = await guesses.check(p, input.ref);
      const t = now();
      const expiresAt = t + input.ttlSeconds * 1000;
      const org = p.orgId;
      const result = await engine.run(
        function* () {
          const { customer, early } = yield* resolveForRedemption(stores, p.org, input.ref, input.codes, t, {
            lock: true,
            newId: 'hold',
          });
          const checkout = {
            bill: input.bill,
            billNumber: input.billNumber,
            holdId: null,
            tillId: input.tillId,
            at: t,
          };
          const recording = { org, customerId: customer.id, clientId: p.clientId, actor: actorOf(p), now: t };
          const { holdId, items } = yield* holdCoupons(
            stores,
            p.org,
            customer,
            input.codes,
            checkout,
            recording,
            expiresAt,
            early,
          );
          const done = { customer, holdId, expiresAt, items };
          if (answer) yield* answer(done);
          return done;
        },
        { write: true },
      );
      recordGuesses(result.items, result.customer.id);
      return result;
    },

    /** Releases a hold; releasing one that already ended changes nothing. Another org's hold is unknown (404). */
    async release(p: Principal, holdId: number): Promise<{ holdId: number; status: string }> {
      const t = now();
      const org = p.orgId;
      return engine.run(
        function* () {
          const hold = yield* stores.hold.lock(org, holdId);
          if (!hold) throw new CouponError('NotFound', `hold ${holdId}`);
          const live = hold.status === 'active' && hold.expiresAt > t;
          if (hold.status !== 'active') return { holdId, status: hold.status };
          const items = yield* stores.hold.items(org, holdId);
          yield* stores.hold.end(org, holdId, 'released', t);
          for (const it of items) {
            if (it.status !== 'active') continue;
            yield* stores.event.add({
              org,
              coupon: it.couponId,
              series: it.seriesId,
              customer: it.customerId,
              type: 'released',
              at: t,
              actor: actorOf(p),
              details: JSON.stringify({ holdId, expired: !live }),
            });
          }
          return { holdId, status: 'released' };
        },
        { write: true },
      );
    },
  };
}

export type HoldService = ReturnType<typeof createHoldService>;
