// The redemption rules (docs/api.md §7, §8; docs/errors.md "Checking and redeeming"): pure decisions, no I/O, no clock.
import { DAY_MS, localDate, localParts } from './clock.js';
import type { Coupon } from './coupon.js';
import type { CouponErrorName } from './errors.js';
import { isCouponExpired, isSeriesExpired, redemptionStart } from './expiry.js';
import { minMoney, percentOf, ZERO, type Money } from './money.js';
import { UNLIMITED, UNLIMITED_BILL, type RedemptionRange, type Series } from './series.js';

export interface RedemptionContext {
  customerId: number;
  /** The bill; undefined skips the bill check (a hold without billAmount). */
  bill: Money | undefined;
  tillId: string | null;
  /** The instant the checks run at: the request's redemptionTime, or now. */
  at: number;
  timezone: string;
  transactionNumber: string | null;
}

/** Everything known about one coupon when deciding. */
export interface CouponState {
  coupon: Coupon;
  series: Series;
  /** Active (not reactivated) redemptions of this coupon by this customer. */
  redemptionsByCustomer: number;
  /** The coupon already has an active redemption on this context's transactionNumber. */
  redeemedOnTransaction: boolean;
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

function isInRange(range: RedemptionRange, at: number, timezone: string): boolean {
  const p = localParts(at, timezone);
  const allows = (list: readonly number[] | null, value: number): boolean =>
    list === null || list.includes(value);
  return allows(range.dom, p.day) && allows(range.dow, p.isoWeekday) && allows(range.hours, p.hour);
}

function isBillInRange(series: Series, bill: Money): boolean {
  if (bill < series.minBillAmount) return false;
  return series.maxBillAmount === UNLIMITED_BILL || bill <= series.maxBillAmount;
}

function isTillAllowed(series: Series, tillId: string | null): boolean {
  const tills = series.redeemTills;
  return tills.kind === 'all' || (tillId !== null && tills.tills.includes(tillId));
}

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
  if (c.redemptionsByCustomer > 0 && !series.sameUserMultipleRedeem)
    return refuse('AlreadyRedeemedByCustomer');
  if (coupon.redemptionCount > 0 && !series.isMultipleUseAllowed) return refuse('AlreadyRedeemed');
  if (reached(coupon.redemptionCount, series.redemptionPerCouponMaxLimit))
    return refuse('CouponUseLimitReached');
  if (isSeriesExpired(series, at, timezone)) return refuse('SeriesExpired');
  if (isCouponExpired(coupon.validTill, at, timezone)) return refuse('CouponExpired');
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
  if (ctx.bill !== undefined && !isBillInRange(series, ctx.bill)) return refuse('BillAmountOutOfRange');
  if (!isTillAllowed(series, ctx.tillId)) return refuse('StoreNotAllowed');
  if (c.redeemedOnTransaction) return refuse('AlreadyRedeemedOnTransaction');
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
        redeemedOnTransaction: c.redeemedOnTransaction || ctx.transactionNumber !== null,
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
