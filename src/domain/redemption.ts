// The redemption rules (docs/api.md §7, §8; docs/errors.md "Checking and redeeming"): pure decisions, no I/O,
// no clock. Checking, holding and redeeming all decide here; redemption-plan.ts turns the decisions of one
// request into what its writer does.
import { DAY_MS, localDate } from './clock.js';
import type { Coupon } from './coupon.js';
import type { CouponErrorName } from './errors.js';
import { isCouponExpired, isSeriesExpired, redemptionStart } from './expiry.js';
import { minMoney, percentOf, ZERO, type Money } from './money.js';
import {
  hasBillRange,
  isBillInRange,
  isCustomerTargeted,
  isEntityAllowed,
  isInRange,
  isPastValidDays,
  isTillAllowed,
} from './redemption-restrictions.js';
import { UNLIMITED, type Series } from './series.js';

/**
 * Where and when coupons are checked, held or redeemed: one till's bill at one instant. Built once per
 * request and passed as it is to the load, the rules and the writer.
 */
export interface Checkout {
  /**
   * The bill amount; undefined when the request gives none (docs/api.md §7): a check or hold skips the
   * bill check then, a redeem (`billRequiredForRange`) is refused 733 by a series with a bill range.
   */
  bill: Money | undefined;
  /** A redeem without a bill cannot show it is in a series' bill range (docs/api.md §7). */
  billRequiredForRange?: boolean;
  /** The bill's number (the wire's transactionNumber): a coupon is redeemed once per bill (747). */
  billNumber: string | null;
  /** The hold this checkout took earlier, if it names it; its own hold never counts against it. */
  holdId: number | null;
  /** The till redeeming (the API client's, or the one an upload row names). */
  tillId: string | null;
  /**
   * The instant the checks run at and the redemption is recorded at: the server's now for an API request
   * (docs/api.md §7), the file's time for an upload row.
   */
  at: number;
  /** The till's own time for the bill (the wire's redemptionTime): kept in the history event, never checked. */
  billTime?: number;
}

/** What the rules decide with: the checkout, for which customer, in which timezone. */
export interface RedemptionContext extends Checkout {
  customerId: number;
  timezone: string;
}

/** Everything known about one coupon when deciding. */
export interface CouponState {
  coupon: Coupon;
  series: Series;
  /** Active (not reactivated) redemptions of this coupon by this customer. */
  redemptionsByCustomer: number;
  /** The coupon already has an active redemption on this checkout's bill number. */
  redeemedOnBill: boolean;
  /** A live (unexpired, active) hold of another checkout covers this coupon. */
  heldByOther: boolean;
}

/** Per series: active redemptions, and live holds of other checkouts (they count as uses: docs/api.md §8). */
export interface SeriesState {
  redeemed: number;
  heldByOthers: number;
}

/** Per customer and series. */
export interface CustomerSeriesState {
  redeemed: number;
  lastRedeemedAt: number | null;
  heldByOthers: number;
}

export type RedemptionDecision =
  { kind: 'accept'; discount: Money } | { kind: 'refuse'; reason: CouponErrorName };

const refuse = (reason: CouponErrorName): RedemptionDecision => ({ kind: 'refuse', reason });

/** True when a limit field is finite and `used` has reached it (-1 is unlimited; docs/api.md §5). */
const reached = (used: number, limit: number): boolean => limit !== UNLIMITED && used >= limit;

/** The money off `bill`: ABS → min(value, bill); PERC → bill × value / 100, capped by discountUpto when > 0. */
export function discountFor(
  series: Pick<Series, 'discountType' | 'discountValue' | 'discountUpto'>,
  bill: Money | undefined,
): Money {
  if (series.discountType === 'ABS') {
    return bill === undefined ? series.discountValue : minMoney(series.discountValue, bill);
  }
  // Without a bill (a hold without billAmount) a percentage has nothing to apply to.
  if (bill === undefined) return ZERO;
  const off = percentOf(bill, series.discountValue);
  return series.discountUpto > 0n ? minMoney(off, series.discountUpto) : off;
}

/** Decides whether one coupon can be redeemed in `ctx`, running the checks in docs/errors.md order (first failure wins). */
export function decideRedemption(
  c: CouponState,
  s: SeriesState,
  cs: CustomerSeriesState,
  ctx: RedemptionContext,
): RedemptionDecision {
  const { coupon, series } = c;
  const { at, timezone } = ctx;
  // Check 1 (702, 719) runs before a CouponState exists: see decideBatch.
  if (coupon.revokedAt !== null) return refuse('CouponRevoked');
  if (c.heldByOther) return refuse('CouponHeld');
  if (!isInRange(series.range, at, timezone)) return refuse('OutsideRedemptionRange');
  if (!series.anyUser && coupon.customerId !== ctx.customerId) return refuse('NotCustomersCoupon');
  if (!isCustomerTargeted(series, ctx.customerId)) return refuse('CustomerNotTargeted');
  if (c.redemptionsByCustomer > 0 && !series.sameUserMultipleRedeem)
    return refuse('AlreadyRedeemedByCustomer');
  if (coupon.redemptionCount > 0 && !series.isMultipleUseAllowed) return refuse('AlreadyRedeemed');
  if (reached(coupon.redemptionCount, series.redemptionPerCouponMaxLimit))
    return refuse('CouponUseLimitReached');
  if (isSeriesExpired(series, at, timezone)) return refuse('SeriesExpired');
  if (
    isCouponExpired(coupon.validTill, at, timezone) ||
    isPastValidDays(series, coupon.issuedAt, at, timezone)
  )
    return refuse('CouponExpired');
  // A pool code (never issued) has no redemption start, so it never becomes redeemable.
  if (
    coupon.issuedAt === null ||
    localDate(at, timezone) < redemptionStart(series, coupon.issuedAt, timezone)
  ) {
    return refuse('NotRedeemableYet');
  }
  // docs/api.md §8: live holds of other checkouts count as uses for every limit.
  if (reached(s.redeemed + s.heldByOthers, series.maxRedeem)) return refuse('SeriesRedeemLimitReached');
  if (reached(cs.redeemed + cs.heldByOthers, series.maxRedemptionsInSeriesPerUser)) {
    return refuse('CustomerRedeemLimitReached');
  }
  const minDays = series.minDaysBetweenRedemption;
  if (minDays > 0 && cs.lastRedeemedAt !== null && at - cs.lastRedeemedAt < minDays * DAY_MS) {
    return refuse('MinDaysBetweenRedemption');
  }
  if (ctx.bill === undefined) {
    if (ctx.billRequiredForRange === true && hasBillRange(series)) return refuse('BillAmountOutOfRange');
  } else if (!isBillInRange(series, ctx.bill)) return refuse('BillAmountOutOfRange');
  if (!isTillAllowed(series, ctx.tillId)) return refuse('TillNotAllowed');
  if (!isEntityAllowed(series, ctx.tillId)) return refuse('OrgEntityNotAllowed');
  if (c.redeemedOnBill) return refuse('AlreadyRedeemedOnBill');
  return { kind: 'accept', discount: discountFor(series, ctx.bill) };
}

/** How many more times the coupon can be redeemed under its finite limits, floored at 0; -1 when all are unlimited. */
export function redemptionsLeft(c: CouponState, s: SeriesState, cs: CustomerSeriesState): number {
  const { coupon, series } = c;
  const left: number[] = [];
  if (!series.isMultipleUseAllowed) left.push(1 - coupon.redemptionCount);
  if (series.redemptionPerCouponMaxLimit !== UNLIMITED) {
    left.push(series.redemptionPerCouponMaxLimit - coupon.redemptionCount);
  }
  if (series.maxRedeem !== UNLIMITED) left.push(series.maxRedeem - (s.redeemed + s.heldByOthers));
  if (series.maxRedemptionsInSeriesPerUser !== UNLIMITED) {
    left.push(series.maxRedemptionsInSeriesPerUser - (cs.redeemed + cs.heldByOthers));
  }
  if (!series.sameUserMultipleRedeem) left.push(1 - c.redemptionsByCustomer);
  return left.length === 0 ? UNLIMITED : Math.max(0, Math.min(...left));
}

export interface BatchItem {
  code: string;
  /** undefined when the code is malformed */
  normalised: string | undefined;
  couponId: number | undefined;
  /** A refusal known before the rules run (a generic code the customer holds no coupon of: 710). */
  early?: CouponErrorName;
}

export interface BatchState {
  coupons: ReadonlyMap<number, CouponState>;
  series: ReadonlyMap<number, SeriesState>;
  /** Keyed by series id. */
  customerSeries: ReadonlyMap<number, CustomerSeriesState>;
}

const NO_SERIES_USE: SeriesState = { redeemed: 0, heldByOthers: 0 };
const NO_CUSTOMER_USE: CustomerSeriesState = { redeemed: 0, lastRedeemedAt: null, heldByOthers: 0 };

/**
 * Decides every item of a request in sequence, each against the state the accepted items before it left
 * (docs/api.md §7: a single-use code listed twice fails the second time). A series or customer-series missing
 * from `state` has no redemptions and no holds (what a grouped count returns for it); a coupon id missing
 * from `state.coupons` is the caller's bug and throws.
 */
export function decideBatch(
  items: readonly BatchItem[],
  state: BatchState,
  ctx: RedemptionContext,
): RedemptionDecision[] {
  const coupons = new Map(state.coupons);
  const series = new Map(state.series);
  const customerSeries = new Map(state.customerSeries);
  return items.map((item) => {
    if (item.early) return refuse(item.early);
    if (item.normalised === undefined) return refuse('CodeMalformed');
    if (item.couponId === undefined) return refuse('CouponNotFound');
    const c = coupons.get(item.couponId);
    if (c === undefined) throw new Error(`decideBatch: no CouponState for coupon ${item.couponId}`);
    const seriesId = c.series.id;
    const s = series.get(seriesId) ?? NO_SERIES_USE;
    const cs = customerSeries.get(seriesId) ?? NO_CUSTOMER_USE;
    const decision = decideRedemption(c, s, cs, ctx);
    if (decision.kind === 'accept') {
      coupons.set(item.couponId, {
        ...c,
        coupon: { ...c.coupon, redemptionCount: c.coupon.redemptionCount + 1, lastRedeemedAt: ctx.at },
        redemptionsByCustomer: c.redemptionsByCustomer + 1,
        redeemedOnBill: c.redeemedOnBill || ctx.billNumber !== null,
      });
      series.set(seriesId, { ...s, redeemed: s.redeemed + 1 });
      customerSeries.set(seriesId, { ...cs, redeemed: cs.redeemed + 1, lastRedeemedAt: ctx.at });
    }
    return decision;
  });
}

/** Applies docs/api.md §7 atomicity: when any item is refused, refused items keep their reason and accepted ones get 749. */
export function atomicOutcome(decisions: readonly RedemptionDecision[]): RedemptionDecision[] {
  if (decisions.every((d) => d.kind === 'accept')) return [...decisions];
  return decisions.map((d) => (d.kind === 'accept' ? refuse('OtherCouponFailed') : d));
}

// --- one request: which coupon a code names, what is known of it, and the plan the writer follows ------

/** A live hold on a coupon: which hold, and the bill it was taken for. */
export interface HoldOnCoupon {
  holdId: number;
  billNumber: string | null;
}

/**
 * The coupon a GENERIC code names for a customer (everyone shares the code, each issue is a coupon of its
 * own): the newest one that is neither revoked nor used, else the newest. A customer with none of them is
 * refused 710 when the code is a generic code at all, and 719 otherwise.
 */
export function pickGeneric(
  mine: readonly Coupon[],
  codeIsGeneric: boolean,
): { coupon: Coupon | undefined; early?: CouponErrorName } {
  const coupon = mine.find((c) => c.revokedAt === null && c.redemptionCount === 0) ?? mine[0];
  return coupon || !codeIsGeneric ? { coupon } : { coupon, early: 'NotCustomersCoupon' };
}

/** What was read about one coupon: its active redemptions and live holds (each read only when it can exist). */
export interface CouponFacts {
  activeRedemptions: readonly { customerId: number; billNumber: string | null }[];
  liveHolds: readonly HoldOnCoupon[];
}

/** What the rules need of one coupon, from what was read about it. */
export function couponStateOf(
  coupon: Coupon,
  series: Series,
  facts: CouponFacts,
  ctx: Pick<RedemptionContext, 'customerId' | 'billNumber' | 'holdId'>,
): CouponState {
  const { billNumber, holdId } = ctx;
  return {
    coupon,
    series,
    redemptionsByCustomer: facts.activeRedemptions.filter((r) => r.customerId === ctx.customerId).length,
    redeemedOnBill: billNumber !== null && facts.activeRedemptions.some((r) => r.billNumber === billNumber),
    heldByOther: facts.liveHolds.some(
      (h) => h.holdId !== holdId && (billNumber === null || h.billNumber !== billNumber),
    ),
  };
}

/** One coupon named in a request, with what the load found for it. */
export interface RequestedCoupon extends BatchItem {
  /** The code or id as the request gave it. */
  raw: string;
  coupon: Coupon | undefined;
  series: Series | undefined;
}

/** Everything a decision needs: per-coupon state, and the live holds read for each coupon. */
export interface RedemptionState extends BatchState {
  liveHolds: ReadonlyMap<number, readonly HoldOnCoupon[]>;
}

/** The outcome of one coupon in a check, hold or redeem request: its decision and the numbers the wire shows. */
export interface ItemOutcome {
  raw: string;
  coupon: Coupon | undefined;
  series: Series | undefined;
  decision: RedemptionDecision;
  /** The redemption's id, once written. */
  redemptionId?: number;
  numberOfRedemptionsByUser: number;
  redemptionsLeft: number;
}

/** One redemption to write, with the counts its guarded writes expect to find. */
export interface PlannedUse {
  outcome: ItemOutcome;
  coupon: Coupon;
  series: Series;
  discount: Money;
  /** The coupon's active redemptions before this one (the coupon row's guard). */
  couponUsesBefore: number;
  /** The customer's active redemptions in the series before this one (the customer-series guard). */
  customerUsesBefore: number;
  /** Holds of this checkout on the coupon that this redemption consumes. */
  consumesHolds: number[];
}

export interface RedemptionPlan {
  outcomes: ItemOutcome[];
  /** True when every coupon was accepted. */
  allAccepted: boolean;
  /** The redemptions to write, in request order (none when an atomic request has a refusal). */
  uses: PlannedUse[];
  /** The distinct accepted coupons, in request order (what a hold reserves). */
  coupons: Coupon[];
}

/**
 * Decides every coupon of a request and says what to write. `atomic`: one refusal refuses all (749 for
 * the others). `now` is the recording time: holds live at `now` are the ones a redeem consumes.
 */
export function planRedemption(
  items: readonly RequestedCoupon[],
  state: RedemptionState,
  ctx: RedemptionContext,
  options: { atomic: boolean; now: number },
): RedemptionPlan {
  let decisions = decideBatch(items, state, ctx);
  if (options.atomic) decisions = atomicOutcome(decisions);
  const outcomes = items.map((it, i) => describeItem(it, decisions[i]!, state));
  const allAccepted = decisions.every((d) => d.kind === 'accept');
  const uses: PlannedUse[] = [];
  const coupons = new Map<number, Coupon>();
  const couponUses = new Map<number, number>();
  const customerUses = new Map<number, number>();
  outcomes.forEach((o) => {
    if (o.decision.kind !== 'accept') return;
    const coupon = o.coupon!;
    const series = o.series!;
    const earlier = couponUses.get(coupon.id) ?? 0;
    const earlierInSeries = customerUses.get(series.id) ?? 0;
    couponUses.set(coupon.id, earlier + 1);
    customerUses.set(series.id, earlierInSeries + 1);
    uses.push({
      outcome: o,
      coupon,
      series,
      discount: o.decision.discount,
      couponUsesBefore: coupon.redemptionCount + earlier,
      customerUsesBefore: (state.customerSeries.get(series.id)?.redeemed ?? 0) + earlierInSeries,
      // A hold is consumed once, by the first redemption of its coupon in the request.
      consumesHolds: earlier > 0 ? [] : holdsConsumed(coupon, state, ctx, options.now),
    });
    coupons.set(coupon.id, coupon);
  });
  return { outcomes, allAccepted, uses, coupons: [...coupons.values()] };
}

/** The holds a redemption of `coupon` consumes: the one the checkout names, else its bill's live holds. */
function holdsConsumed(coupon: Coupon, state: RedemptionState, ctx: Checkout, now: number): number[] {
  if (ctx.holdId !== null) return [ctx.holdId];
  if (ctx.billNumber === null || coupon.heldUntil === null || coupon.heldUntil <= now) return [];
  return (state.liveHolds.get(coupon.id) ?? [])
    .filter((h) => h.billNumber === ctx.billNumber)
    .map((h) => h.holdId);
}

/** The wire's numbers for one coupon, from the state as read (before this request's own redemptions). */
function describeItem(it: RequestedCoupon, decision: RedemptionDecision, state: BatchState): ItemOutcome {
  const c = it.coupon ? state.coupons.get(it.coupon.id) : undefined;
  return {
    raw: it.raw,
    coupon: it.coupon,
    series: it.series,
    decision,
    numberOfRedemptionsByUser: c?.redemptionsByCustomer ?? 0,
    redemptionsLeft: c
      ? redemptionsLeft(
          c,
          state.series.get(c.series.id) ?? NO_SERIES_USE,
          state.customerSeries.get(c.series.id) ?? NO_CUSTOMER_USE,
        )
      : 0,
  };
}
