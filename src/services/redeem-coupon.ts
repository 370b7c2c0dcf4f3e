// Checking and redeeming coupons (docs/api.md §7): is_redeemable (no side effects), redeem (atomic batches, or
// each on its own with allowPartial), through the redemption pipeline (services/redemption/). Transaction
// boundary: docs/architecture.md "Redeem".
import type { Customer, CustomerRef } from '../domain/customer.js';
import { CouponError } from '../domain/errors.js';
import type { Money } from '../domain/money.js';
import { actorOf, type Principal } from '../domain/principal.js';
import type { Checkout, ItemOutcome } from '../domain/redemption.js';
import type { AttemptThrottle } from './attempt-throttle.js';
import { resolveCustomer } from './customers.js';
import type { AnswerInWork, StorageDeps } from './deps.js';
import type { Metrics } from './metrics.js';
import { checkCoupons, redeemCoupons, type CouponNamed } from './redemption/pipeline.js';
export type { ItemOutcome } from '../domain/redemption.js';
export type { CouponNamed } from './redemption/pipeline.js';

/** docs/api.md §7: at most this many coupons in one request (629). */
export const MAX_COUPONS_PER_REQUEST = 50;

export interface RedeemInput {
  ref: CustomerRef;
  codes: CouponNamed[];
  bill: Money | undefined;
  /** The bill's number (the wire's transactionNumber). */
  billNumber: string | null;
  /** The requested redemption time (back-dated till uploads); the checks run then. */
  at: number | undefined;
  holdId: number | null;
  allowPartial: boolean;
  /** The redeeming till; the API client's till unless an upload names one. */
  tillId: string | null;
}

export interface RedeemResult {
  customer: Customer;
  items: ItemOutcome[];
}

export function checkCount(codes: readonly CouponNamed[]): void {
  if (codes.length === 0) throw new CouponError('CouponIdOrCodeMissing');
  if (codes.length > MAX_COUPONS_PER_REQUEST) throw new CouponError('TooManyCoupons');
}

/** The checkout a request describes; the checks run at its redemptionTime, else now. */
const checkoutOf = (
  input: Omit<RedeemInput, 'allowPartial' | 'holdId'>,
  holdId: number | null,
  now: number,
): Checkout => ({
  bill: input.bill,
  billNumber: input.billNumber,
  holdId,
  tillId: input.tillId,
  at: input.at ?? now,
});

/** Refusals that mean "this code is not yours to use": what someone guessing codes gets. */
const GUESS_FAILURES = new Set(['CodeMalformed', 'CouponNotFound', 'NotCustomersCoupon']);

/** Throttles for failed code attempts, per client and per customer (issue 8: no brute-forcing codes). */
export interface GuessThrottles {
  perClient: AttemptThrottle;
  perCustomer: AttemptThrottle;
}

const refKey = (p: Principal, ref: CustomerRef) =>
  `${p.orgId}|${ref.id ?? ''}|${ref.externalId ?? ''}|${ref.mobile ?? ''}|${ref.email ?? ''}`;

/** Refuses a caller that used up its failed attempts; answers a function that records this request's. */
export function guard(
  throttles: GuessThrottles,
  p: Principal,
  ref: CustomerRef,
): (items: readonly ItemOutcome[]) => void {
  const clientKey = `${p.orgId}|${p.clientId}`;
  const customerKey = refKey(p, ref);
  throttles.perClient.check(clientKey);
  throttles.perCustomer.check(customerKey);
  return (items) => {
    const failed = items.filter(
      (o) => o.decision.kind === 'refuse' && GUESS_FAILURES.has(o.decision.reason),
    ).length;
    throttles.perClient.fail(clientKey, failed);
    throttles.perCustomer.fail(customerKey, failed);
  };
}

export function createRedeemService(deps: StorageDeps & { metrics: Metrics; guesses: GuessThrottles }) {
  const { engine, stores, now, metrics, guesses } = deps;

  const record = (items: readonly ItemOutcome[], operation: string) => {
    for (const it of items) {
      if (it.decision.kind === 'accept') {
        if (operation === 'redeem') metrics.redeemed.inc({ via: 'api' });
      } else metrics.refusals.inc({ operation, code: String(new CouponError(it.decision.reason).wireCode) });
    }
  };

  return {
    /** Redeems coupons for one bill: all or none, or each on its own with `allowPartial`. */
    async redeem(
      p: Principal,
      input: RedeemInput,
      answer?: AnswerInWork<RedeemResult>,
    ): Promise<RedeemResult> {
      checkCount(input.codes);
      const recordGuesses = guard(guesses, p, input.ref);
      const t = now();
      const checkout = checkoutOf(input, input.holdId, t);
      const result = await engine.run(
        function* () {
          const { customer } = yield* resolveCustomer(stores, p.org, input.ref, { register: false, now: t });
          const recording = {
            org: p.orgId,
            customerId: customer.id,
            clientId: p.clientId,
            actor: actorOf(p),
            now: t,
          };
          const items = yield* redeemCoupons(
            stores,
            p.org,
            customer,
            input.codes,
            checkout,
            recording,
            !input.allowPartial,
          );
          const done = { customer, items };
          if (answer) yield* answer(done);
          return done;
        },
        { write: true },
      );
      record(result.items, 'redeem');
      recordGuesses(result.items);
      return result;
    },

    /** Runs the redemption checks for each code without writing anything (GET /v2/coupon/is_redeemable). */
    async check(p: Principal, input: Omit<RedeemInput, 'allowPartial' | 'holdId'>): Promise<RedeemResult> {
      checkCount(input.codes);
      const recordGuesses = guard(guesses, p, input.ref);
      const t = now();
      const checkout = checkoutOf(input, null, t);
      const result = await engine.run(function* () {
        const { customer } = yield* resolveCustomer(stores, p.org, input.ref, { register: false, now: t });
        return { customer, items: yield* checkCoupons(stores, p.org, customer, input.codes, checkout, t) };
      });
      record(result.items, 'is_redeemable');
      recordGuesses(result.items);
      return result;
    },
  };
}

export type RedeemService = ReturnType<typeof createRedeemService>;
