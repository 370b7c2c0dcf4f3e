// Checking and redeeming coupons (docs/api.md §7): is_redeemable (no side effects), redeem (atomic batches, or
// each on its own with allowPartial), through the redemption pipeline (services/redemption/). Transaction
// boundary: docs/architecture.md "Redeem".
import type { Customer, CustomerRef } from '../../domain/customer.js';
import { CouponError } from '../../domain/errors.js';
import type { Money } from '../../domain/money.js';
import { actorOf, type Principal } from '../../domain/principal.js';
import type { Checkout, ItemOutcome } from '../../domain/redemption.js';
import type { AttemptThrottle } from '../attempt-throttle.js';
import { knownCustomerId } from '../customers.js';
import type { AnswerInWork, StorageDeps } from '../deps.js';
import type { Metrics } from '../metrics.js';
import { SHORT_READ } from '../../storage/database.js';
import { checkCoupons, redeemCoupons, resolveForRedemption, type CouponNamed } from './pipeline.js';
export type { ItemOutcome } from '../../domain/redemption.js';
export type { CouponNamed } from './pipeline.js';

/** docs/api.md §7: at most this many coupons in one request (629). */
export const MAX_COUPONS_PER_REQUEST = 100;

export interface RedeemInput {
  ref: CustomerRef;
  codes: CouponNamed[];
  bill: Money | undefined;
  /** The bill's number (the wire's transactionNumber). */
  billNumber: string | null;
  /** The till's time for the bill (redemptionTime): recorded in the history event; the checks run at now. */
  at: number | undefined;
  holdId: number | null;
  allowPartial: boolean;
  /** The redeeming till; the API client's till unless an upload names one. */
  tillId: string | null;
  /** Custom fields kept on each redemption of the call (v1.1 `custom_fields`; docs/api.md §14). */
  customFields?: Readonly<Record<string, string>>;
}

export interface RedeemResult {
  customer: Customer;
  items: ItemOutcome[];
}

export function checkCount(codes: readonly CouponNamed[]): void {
  if (codes.length === 0) throw new CouponError('CouponIdOrCodeMissing');
  if (codes.length > MAX_COUPONS_PER_REQUEST) throw new CouponError('TooManyCoupons');
}

/**
 * The checkout a request describes. The checks run at the server's now, whatever redemptionTime says: the
 * later edition keeps the store's current time as the redemption time (docs/api.md §7), so a till with a
 * stale or wrong clock neither loses (739, 712) nor gains (an expired coupon) anything.
 */
const checkoutOf = (
  input: Omit<RedeemInput, 'allowPartial' | 'holdId'>,
  holdId: number | null,
  now: number,
  redeeming: boolean,
): Checkout => ({
  bill: input.bill,
  billRequiredForRange: redeeming,
  billNumber: input.billNumber,
  holdId,
  tillId: input.tillId,
  at: now,
  ...(input.at === undefined ? {} : { billTime: input.at }),
});

/** Refusals that mean "this code is not yours to use": what someone guessing codes gets. */
const GUESS_FAILURES = new Set(['CodeMalformed', 'CouponNotFound', 'NotCustomersCoupon']);

/**
 * Throttles for failed code attempts (issue 8: no brute-forcing codes; issue 15: without locking customers
 * out). Counted per API client, and per API client and customer: one till (or one stolen key) guessing a
 * customer's codes is stopped, while the customer's own code still works at every other till.
 */
export interface GuessThrottles {
  /** Key: org|client. */
  perClient: AttemptThrottle;
  /** Key: org|client|customer, the customer by id when it exists, else by the identifier given. */
  perCustomer: AttemptThrottle;
  /** How long a failure counts; a client without a failure this recent skips the customer lookup. */
  windowMs: number;
}

/** A customer nobody registered counts under its normalised identifier (parseCustomerRef normalised it). */
const unknownCustomerKey = (ref: CustomerRef): string =>
  ref.id !== undefined
    ? `id:${ref.id}`
    : ref.mobile !== undefined
      ? `mobile:${ref.mobile}`
      : ref.email !== undefined
        ? `email:${ref.email}`
        : `external:${ref.externalId ?? ''}`;

export type RecordGuesses = (items: readonly ItemOutcome[], customerId: number) => void;

/**
 * The guess guard: `check` refuses (429) a caller that used up its failed attempts, and answers a function
 * that records the failed codes of the request once it ran, against the customer it resolved to.
 */
export function createGuessGuard(deps: StorageDeps, throttles: GuessThrottles) {
  const { engine, stores, now } = deps;
  /** When each client last failed: a client with no recent failure cannot be over a per-customer limit. */
  const lastFailure = new Map<string, number>();
  return {
    async check(p: Principal, ref: CustomerRef): Promise<RecordGuesses> {
      const clientKey = `${p.orgId}|${p.clientId}`;
      throttles.perClient.check(clientKey);
      const last = lastFailure.get(clientKey);
      if (last !== undefined && now() - last < throttles.windowMs) {
        const id = await engine.run(() => knownCustomerId(stores, p.org, ref), SHORT_READ);
        throttles.perCustomer.check(
          `${clientKey}|${id !== undefined ? `id:${id}` : unknownCustomerKey(ref)}`,
        );
      }
      return (items, customerId) => {
        const failed = items.filter(
          (o) => o.decision.kind === 'refuse' && GUESS_FAILURES.has(o.decision.reason),
        ).length;
        if (failed === 0) return;
        if (lastFailure.size >= 100_000) lastFailure.clear();
        lastFailure.set(clientKey, now());
        throttles.perClient.fail(clientKey, failed);
        throttles.perCustomer.fail(`${clientKey}|id:${customerId}`, failed);
      };
    },
  };
}

export type GuessGuard = ReturnType<typeof createGuessGuard>;

export function createRedeemService(deps: StorageDeps & { metrics: Metrics; guesses: GuessGuard }) {
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
      const recordGuesses = await guesses.check(p, input.ref);
      const t = now();
      const checkout = checkoutOf(input, input.holdId, t, true);
      const result = await engine.run(
        function* () {
          const { customer, early } = yield* resolveForRedemption(stores, p.org, input.ref, input.codes, t, {
            lock: true,
            newId: 'redemption',
          });
          const recording = {
            org: p.orgId,
            customerId: customer.id,
            clientId: p.clientId,
            actor: actorOf(p),
            now: t,
            customFields: input.customFields,
          };
          const items = yield* redeemCoupons(
            stores,
            p.org,
            customer,
            input.codes,
            checkout,
            recording,
            !input.allowPartial,
            early,
          );
          const done = { customer, items };
          if (answer) yield* answer(done);
          return done;
        },
        { write: true },
      );
      record(result.items, 'redeem');
      recordGuesses(result.items, result.customer.id);
      return result;
    },

    /** Runs the redemption checks for each code without writing anything (GET /v2/coupon/is_redeemable). */
    async check(
      p: Principal,
      input: Omit<RedeemInput, 'allowPartial' | 'holdId'>,
      /** `asRedeem`: answer what a redeem of the same body would (a bulk dry run: the bill rule of a redeem). */
      options: { asRedeem?: boolean } = {},
    ): Promise<RedeemResult> {
      checkCount(input.codes);
      const recordGuesses = await guesses.check(p, input.ref);
      const t = now();
      const checkout = checkoutOf(input, null, t, options.asRedeem === true);
      const result = await engine.run(function* () {
        const { customer, early } = yield* resolveForRedemption(stores, p.org, input.ref, input.codes, t, {
          lock: false,
          newId: false,
        });
        return {
          customer,
          items: yield* checkCoupons(stores, p.org, customer, input.codes, checkout, t, early),
        };
      }, SHORT_READ);
      record(result.items, 'is_redeemable');
      recordGuesses(result.items, result.customer.id);
      return result;
    },
  };
}

export type RedeemService = ReturnType<typeof createRedeemService>;
