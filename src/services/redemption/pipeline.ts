// The redemption pipeline (docs/architecture.md "Redeem"): load the state, decide with the rules of
// domain/redemption.ts, write what the decision planned. One path for checking (is_redeemable), holding,
// redeeming and the rows of a redeemed-coupon upload; each runs inside its caller's transaction script.
import type { Customer } from '../../domain/customer.js';
import type { OrgSettings } from '../../domain/principal.js';
import {
  planRedemption,
  type Checkout,
  type ItemOutcome,
  type RedemptionPlan,
} from '../../domain/redemption.js';
import type { Script } from '../../storage/script.js';
import type { Stores } from '../../storage/stores.js';
import type { CustomerRef } from '../../domain/customer.js';
import { resolveCustomer } from '../customers.js';
import { loadRedemption, type CouponNamed } from './load.js';
import { readsWithLookup, type EarlyReads } from './prefetch.js';
import { writeHold, writeRedemptions, type Recording } from './write.js';

export type { CouponNamed } from './load.js';
export type { Recording } from './write.js';

/**
 * The customer a request names (never registered: 701 when unknown) and, on PostgreSQL with one code, what
 * the decision reads, in the same round trip (load.ts `readsWithLookup`): the first step of every entry
 * below. `options` as there: the locks a write needs, and the id it will insert under.
 */
export function* resolveForRedemption(
  stores: Stores,
  org: OrgSettings,
  ref: CustomerRef,
  named: readonly CouponNamed[],
  now: number,
  options: Parameters<typeof readsWithLookup>[4],
): Script<{ customer: Customer; early: EarlyReads | undefined }> {
  const reads = readsWithLookup(stores, org.orgId, ref, named, options);
  const { customer, withLookup } = yield* resolveCustomer(stores, org, ref, {
    register: false,
    now,
    ...(reads ? { withLookup: reads.reads } : {}),
  });
  return { customer, early: reads?.of(withLookup, customer.id) };
}

/** Loads and decides; `lock` when the plan will be written. */
function* decide(
  stores: Stores,
  org: OrgSettings,
  customer: Customer,
  named: readonly CouponNamed[],
  checkout: Checkout,
  options: { lock: boolean; atomic: boolean; now: number; newIds?: boolean; early?: EarlyReads | undefined },
): Script<RedemptionPlan & { newIds: number[] }> {
  const { lock, atomic, now } = options;
  const loaded = yield* loadRedemption(stores, org.orgId, customer.id, named, {
    now,
    lock,
    checkout,
    newIds: !!options.newIds,
    early: options.early,
  });
  const ctx = { ...checkout, customerId: customer.id, timezone: org.timezone };
  return { ...planRedemption(loaded.items, loaded.state, ctx, { atomic, now }), newIds: loaded.newIds };
}

/**
 * Runs the checks for each coupon on its own and writes nothing (is_redeemable); `early` is what was read
 * with the customer's lookup (load.ts `readsWithLookup`).
 */
export function* checkCoupons(
  stores: Stores,
  org: OrgSettings,
  customer: Customer,
  named: readonly CouponNamed[],
  checkout: Checkout,
  now: number,
  early?: EarlyReads,
): Script<ItemOutcome[]> {
  return (yield* decide(stores, org, customer, named, checkout, { lock: false, atomic: false, now, early }))
    .outcomes;
}

/** Redeems the coupons: all or none (`atomic`), or each on its own. */
export function* redeemCoupons(
  stores: Stores,
  org: OrgSettings,
  customer: Customer,
  named: readonly CouponNamed[],
  checkout: Checkout,
  recording: Recording,
  atomic: boolean,
  early?: EarlyReads,
): Script<ItemOutcome[]> {
  const plan = yield* decide(stores, org, customer, named, checkout, {
    lock: true,
    atomic,
    now: recording.now,
    newIds: true,
    early,
  });
  yield* writeRedemptions(stores, plan, checkout, recording, plan.newIds);
  return plan.outcomes;
}

/** Holds the coupons for this checkout until `expiresAt` when every one passes the checks; else nothing. */
export function* holdCoupons(
  stores: Stores,
  org: OrgSettings,
  customer: Customer,
  named: readonly CouponNamed[],
  checkout: Checkout,
  recording: Recording,
  expiresAt: number,
  early?: EarlyReads,
): Script<{ holdId: number | null; items: ItemOutcome[] }> {
  const plan = yield* decide(stores, org, customer, named, checkout, {
    lock: true,
    atomic: true,
    now: recording.now,
    early,
  });
  if (!plan.allAccepted) return { holdId: null, items: plan.outcomes };
  const holdId = yield* writeHold(stores, plan, checkout, recording, expiresAt, early?.holdId);
  return { holdId, items: plan.outcomes };
}
