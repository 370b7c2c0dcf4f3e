// Checking and redeeming coupons (docs/api.md §7): is_redeemable (no side effects), redeem (atomic batches, or
// each on its own with allowPartial). Transaction boundary: docs/architecture.md "Redeem".
import type { Customer, CustomerRef } from '../domain/customer.js';
import { CouponError } from '../domain/errors.js';
import { formatMoney, type Money } from '../domain/money.js';
import { actorOf, type OrgSettings, type Principal } from '../domain/principal.js';
import type { AttemptThrottle } from './attempt-throttle.js';
import { atomicOutcome, decideBatch, type RedemptionContext } from '../domain/redemption.js';
import { RetryConflict, type Script } from '../storage/script.js';
import type { Stores } from '../storage/stores.js';
import { resolveCustomer } from './customers.js';
import type { StorageDeps } from './deps.js';
import type { Metrics } from './metrics.js';
import { describeItem, withEarly, type ItemOutcome } from './redemption-outcome.js';
export type { ItemOutcome } from './redemption-outcome.js';
import { loadRedemptionState, type Checkout, type CouponNamed } from './redemption-state.js';

/** docs/api.md §7: at most this many coupons in one request (629). */
export const MAX_COUPONS_PER_REQUEST = 50;

export interface RedeemInput {
  ref: CustomerRef;
  codes: CouponNamed[];
  bill: Money | undefined;
  transactionNumber: string | null;
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

export interface WriteContext {
  org: OrgSettings;
  customer: Customer;
  checkout: Checkout;
  bill: Money | undefined;
  at: number;
  now: number;
  tillId: string | null;
  clientId: number | null;
  actor: string;
  origin: 'api' | 'upload';
  billId?: string | null;
  details?: string | null;
  uploadJobId?: number | null;
}

export function checkCount(codes: readonly CouponNamed[]): void {
  if (codes.length === 0) throw new CouponError('CouponIdOrCodeMissing');
  if (codes.length > MAX_COUPONS_PER_REQUEST) throw new CouponError('TooManyCoupons');
}

/**
 * Decides a batch and, for the accepted coupons, writes the redemptions with guarded statements. Runs
 * inside the caller's write transaction; a guard that changes nothing throws RetryConflict.
 */
export function* redeemInTransaction(
  stores: Stores,
  codes: readonly CouponNamed[],
  w: WriteContext,
  allowPartial: boolean,
): Script<ItemOutcome[]> {
  const org = w.org.orgId;
  const loaded = yield* loadRedemptionState(stores, org, w.customer.id, codes, {
    now: w.now,
    lock: true,
    checkout: w.checkout,
  });
  const ctx: RedemptionContext = {
    customerId: w.customer.id,
    bill: w.bill,
    tillId: w.tillId,
    at: w.at,
    timezone: w.org.timezone,
    transactionNumber: w.checkout.transactionNumber,
  };
  let decisions = withEarly(loaded.items, decideBatch(loaded.items, loaded.state, ctx));
  if (!allowPartial) decisions = atomicOutcome(decisions);

  const outcomes: ItemOutcome[] = loaded.items.map((it, i) => describeItem(it, decisions[i]!, loaded.state));
  const usesSoFar = new Map<number, number>();
  const seriesUsesSoFar = new Map<number, number>();
  for (const o of outcomes) {
    if (o.decision.kind !== 'accept') continue;
    const coupon = o.coupon!;
    const series = o.series!;
    const cs = loaded.state.customerSeries.get(series.id)!;
    const earlier = usesSoFar.get(coupon.id) ?? 0;
    const earlierInSeries = seriesUsesSoFar.get(series.id) ?? 0;
    if (!(yield* stores.coupon.addUseIfCountIs(org, coupon.id, coupon.redemptionCount + earlier, w.at)))
      throw new RetryConflict('coupon use');
    if (
      !(yield* stores.customerSeries.addRedemptionIfCountIs({
        org,
        customer: w.customer.id,
        series: series.id,
        expected: cs.redeemed + earlierInSeries,
        at: w.at,
      }))
    ) {
      throw new RetryConflict('customer redemptions');
    }
    const counted = yield* stores.counter.addRedemptionWithinMaxRedeem({
      org,
      series: series.id,
      version: series.configVersion,
      at: w.at,
      maxRedeem: series.maxRedeem,
    });
    if (!counted) throw new RetryConflict('series redemptions');
    usesSoFar.set(coupon.id, earlier + 1);
    seriesUsesSoFar.set(series.id, earlierInSeries + 1);
    const discount = o.decision.discount;
    o.redemptionId = yield* stores.redemption.insert({
      org,
      coupon: coupon.id,
      series: series.id,
      customer: w.customer.id,
      billNumber: w.checkout.transactionNumber,
      bill: w.bill,
      discount,
      till: w.tillId,
      client: w.clientId,
      redeemedAt: w.at,
      recordedAt: w.now,
      hold: w.checkout.holdId,
      origin: w.origin,
      billId: w.billId ?? null,
      details: w.details ?? null,
      uploadJob: w.uploadJobId ?? null,
    });
    yield* stores.event.add({
      org,
      coupon: coupon.id,
      series: series.id,
      customer: w.customer.id,
      type: w.origin === 'upload' ? 'imported' : 'redeemed',
      at: w.now,
      actor: w.actor,
      details: JSON.stringify({
        redemptionId: o.redemptionId,
        transactionNumber: w.checkout.transactionNumber,
        billAmount: w.bill === undefined ? null : formatMoney(w.bill),
        discountAmount: formatMoney(discount),
        tillId: w.tillId,
        redeemedAt: w.at,
      }),
    });
    if (w.checkout.holdId !== null) yield* stores.hold.consumeItem(org, w.checkout.holdId, coupon.id, w.now);
    else if (w.checkout.transactionNumber !== null && coupon.heldUntil !== null && coupon.heldUntil > w.now) {
      for (const h of yield* stores.hold.liveOnCoupon(org, coupon.id, w.now)) {
        if (h.billNumber === w.checkout.transactionNumber)
          yield* stores.hold.consumeItem(org, h.holdId, coupon.id, w.now);
      }
    }
  }
  return outcomes;
}

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
    async redeem(p: Principal, input: RedeemInput): Promise<RedeemResult> {
      checkCount(input.codes);
      const recordGuesses = guard(guesses, p, input.ref);
      const t = now();
      const result = await engine.run(
        function* () {
          const { customer } = yield* resolveCustomer(stores, p.org, input.ref, { register: false, now: t });
          const items = yield* redeemInTransaction(
            stores,
            input.codes,
            {
              org: p.org,
              customer,
              checkout: { holdId: input.holdId, transactionNumber: input.transactionNumber },
              bill: input.bill,
              at: input.at ?? t,
              now: t,
              tillId: input.tillId,
              clientId: p.clientId,
              actor: actorOf(p),
              origin: 'api',
            },
            input.allowPartial,
          );
          return { customer, items };
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
      const result = await engine.run(function* () {
        const { customer } = yield* resolveCustomer(stores, p.org, input.ref, { register: false, now: t });
        const checkout = { holdId: null, transactionNumber: input.transactionNumber };
        const loaded = yield* loadRedemptionState(stores, p.orgId, customer.id, input.codes, {
          now: t,
          lock: false,
          checkout,
        });
        const ctx: RedemptionContext = {
          customerId: customer.id,
          bill: input.bill,
          tillId: input.tillId,
          at: input.at ?? t,
          timezone: p.org.timezone,
          transactionNumber: input.transactionNumber,
        };
        const decisions = withEarly(loaded.items, decideBatch(loaded.items, loaded.state, ctx));
        return {
          customer,
          items: loaded.items.map((it, i) => describeItem(it, decisions[i]!, loaded.state)),
        };
      });
      record(result.items, 'is_redeemable');
      recordGuesses(result.items);
      return result;
    },
  };
}

export type RedeemService = ReturnType<typeof createRedeemService>;
