// Read views of the v1.1 calls (docs/api.md §14) beyond the v2 reads: coupons with their customer and active
// redemptions (by code or by customer), a customer's coupons with the v1.1 filters, and series by expiry.
// Nothing here decides a redemption: redeemability is the redemption pipeline's (services/redemption/redeem.ts).
import { startOfDay } from '../domain/clock.js';
import { normaliseCode, type Coupon } from '../domain/coupon.js';
import type { Customer, CustomerRef } from '../domain/customer.js';
import { CouponError } from '../domain/errors.js';
import { isCouponExpired, isSeriesExpired } from '../domain/expiry.js';
import type { Principal } from '../domain/principal.js';
import type { Series, SeriesCounters } from '../domain/series.js';
import type { RedemptionView } from '../storage/redemption-read-store.js';
import type { Script } from '../storage/script.js';
import type { Stores } from '../storage/stores.js';
import { resolveCustomer } from './customers.js';
import type { StorageDeps } from './deps.js';
import { MAX_LIST_LIMIT } from './series.js';

/** The most coupons one view reads (a customer's coupons, the coupons of a code list). */
export const MAX_VIEW_COUPONS = 1000;

export interface CouponView {
  coupon: Coupon;
  series: Series;
  customer: Customer | undefined;
  /** Active redemptions, newest first, with the customer who redeemed. */
  redemptions: (RedemptionView & { customer: Customer | undefined })[];
}

export const COUPON_STATUSES = ['unredeemed', 'redeemed', 'expired', 'active'] as const;
export const COUPON_ORDERS = ['created_date', 'created_by', 'valid_till'] as const;

export interface CustomerCouponFilter {
  status?: (typeof COUPON_STATUSES)[number];
  seriesId?: number;
  /** Active coupons this till may redeem. */
  tillId?: string;
  /** Issued or redeemed on or after this local date, and before the end date. */
  startDate?: string;
  endDate?: string;
  orderBy: (typeof COUPON_ORDERS)[number];
  descending: boolean;
  limit: number;
}

/** Series, customers and active redemptions of some coupons, read in the caller's transaction. */
function* viewsOf(stores: Stores, org: number, coupons: readonly Coupon[]): Script<CouponView[]> {
  const series = new Map(
    (yield* stores.series.findMany(org, [...new Set(coupons.map((c) => c.seriesId))])).map((s) => [s.id, s]),
  );
  const redemptions = yield* stores.redemptionRead.activeOfCoupons(
    org,
    coupons.map((c) => c.id),
  );
  const customerIds = [
    ...new Set([
      ...coupons.flatMap((c) => (c.customerId === null ? [] : [c.customerId])),
      ...redemptions.map((r) => r.customerId),
    ]),
  ];
  const customers = new Map((yield* stores.customer.findByIds(org, customerIds)).map((c) => [c.id, c]));
  return coupons.flatMap((coupon) => {
    const s = series.get(coupon.seriesId);
    if (!s) return [];
    return [
      {
        coupon,
        series: s,
        customer: coupon.customerId === null ? undefined : customers.get(coupon.customerId),
        redemptions: redemptions
          .filter((r) => r.couponId === coupon.id)
          .map((r) => ({ ...r, customer: customers.get(r.customerId) })),
      },
    ];
  });
}

const tillAllows = (s: Series, till: string): boolean =>
  s.redeemTills.kind === 'all' || s.redeemTills.tills.includes(till);

export function createCouponViewService(deps: StorageDeps) {
  const { engine, stores, now } = deps;
  return {
    /**
     * Coupons by code (comma list, any case) and/or issued to some customers. With both, a coupon must match
     * both. `unknownCodes` are the codes that name no coupon (of those customers).
     */
    async byCodeOrCustomer(
      p: Principal,
      codes: readonly string[],
      customerIds: readonly number[],
    ): Promise<{ views: CouponView[]; unknownCodes: string[] }> {
      const org = p.orgId;
      const wanted = codes.map((raw) => ({ raw, code: normaliseCode(raw) }));
      const valid = [...new Set(wanted.flatMap((w) => (w.code ? [w.code] : [])))];
      return engine.run(function* () {
        const found = yield* stores.coupon.findPage(
          org,
          valid.length > 0
            ? { customers: [], ids: [], codes: valid }
            : { customers: customerIds, ids: [], codes: [] },
          MAX_VIEW_COUPONS,
          0,
        );
        const matching = found.filter(
          (c) =>
            (valid.length === 0 || valid.includes(c.code)) &&
            (customerIds.length === 0 || (c.customerId !== null && customerIds.includes(c.customerId))),
        );
        const views = yield* viewsOf(stores, org, matching);
        const seen = new Set(matching.map((c) => c.code));
        return {
          views,
          unknownCodes: wanted.filter((w) => !w.code || !seen.has(w.code)).map((w) => w.raw),
        };
      });
    },

    /** The coupons of the customer a ref names (701 when nobody), filtered, ordered and limited. */
    async ofCustomer(
      p: Principal,
      ref: CustomerRef,
      f: CustomerCouponFilter,
    ): Promise<{ customer: Customer; views: CouponView[]; total: number }> {
      const t = now();
      const tz = p.org.timezone;
      const from = f.startDate === undefined ? undefined : startOfDay(f.startDate, tz);
      const until = f.endDate === undefined ? undefined : startOfDay(f.endDate, tz);
      const inRange = (at: number | null) =>
        at !== null && (from === undefined || at >= from) && (until === undefined || at < until);
      const { customer, all } = await engine.run(function* () {
        const { customer } = yield* resolveCustomer(stores, p.org, ref, { register: false, now: t });
        const coupons = yield* stores.coupon.findPage(
          p.orgId,
          { customers: [customer.id], ids: [], codes: [] },
          MAX_VIEW_COUPONS,
          0,
        );
        return { customer, all: yield* viewsOf(stores, p.orgId, coupons) };
      });
      const expired = (v: CouponView) => isCouponExpired(v.coupon.validTill, t, tz);
      const kept = all.filter((v) => {
        if (f.seriesId !== undefined && v.series.id !== f.seriesId) return false;
        if (f.status === 'redeemed' && v.coupon.redemptionCount === 0) return false;
        if (f.status === 'unredeemed' && v.coupon.redemptionCount > 0) return false;
        if (f.status === 'expired' && !expired(v)) return false;
        if (f.status === 'active' && expired(v)) return false;
        if (f.tillId !== undefined && (expired(v) || !tillAllows(v.series, f.tillId))) return false;
        if (from !== undefined || until !== undefined)
          return inRange(v.coupon.issuedAt) || v.redemptions.some((r) => inRange(r.redeemedAt));
        return true;
      });
      const key = (v: CouponView): string | number =>
        f.orderBy === 'valid_till'
          ? (v.coupon.validTill ?? '9999-12-31')
          : (v.coupon.issuedAt ?? v.coupon.createdAt);
      kept.sort((a, b) => {
        const ka = key(a);
        const kb = key(b);
        const c = ka < kb ? -1 : ka > kb ? 1 : a.coupon.id - b.coupon.id;
        return f.descending ? -c : c;
      });
      return { customer, views: kept.slice(0, f.limit), total: kept.length };
    },

    /** One series by id (707 when unknown), or every series of the org; `expired` keeps ended or running ones. */
    async series(
      p: Principal,
      id: number | undefined,
      expired: boolean | undefined,
    ): Promise<{ series: Series; counters: SeriesCounters }[]> {
      const t = now();
      const org = p.orgId;
      return engine.run(function* () {
        let list: Series[];
        if (id !== undefined) {
          const s = yield* stores.series.find(org, id);
          if (!s) throw new CouponError('SeriesNotFound', String(id));
          list = [s];
        } else {
          list = [];
          for (let offset = 0; ; offset += MAX_LIST_LIMIT) {
            const page = yield* stores.series.list(org, MAX_LIST_LIMIT, offset);
            list.push(...page);
            if (page.length < MAX_LIST_LIMIT || list.length >= MAX_VIEW_COUPONS) break;
          }
        }
        if (expired !== undefined)
          list = list.filter((s) => isSeriesExpired(s, t, p.org.timezone) === expired);
        const counters = yield* stores.counter.countersMany(
          org,
          list.map((s) => s.id),
        );
        return list.map((s) => ({ series: s, counters: counters.get(s.id)! }));
      });
    },
  };
}

export type CouponViewService = ReturnType<typeof createCouponViewService>;
