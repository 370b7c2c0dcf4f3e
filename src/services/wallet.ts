// A customer's wallet: the coupons issued to one customer, filtered by status, a page at a time, with their
// series, redemptions and issuing till (GET /v2/customers/coupons and /v2/customers/{id}/coupons,
// docs/api.md §6 "Wallet").
import type { Coupon } from '../domain/coupon.js';
import type { Customer, CustomerRef } from '../domain/customer.js';
import type { Principal } from '../domain/principal.js';
import type { Series, SeriesCounters } from '../domain/series.js';
import { couponUsesLeft, isWalletCouponExpired, matchesStatus, type WalletStatus } from '../domain/wallet.js';
import type { WalletRedemption } from '../storage/wallet-store.js';
import { resolveCustomer } from './customers.js';
import type { StorageDeps } from './deps.js';

export interface WalletQuery {
  customer: CustomerRef;
  statuses: WalletStatus[];
  /** Newest first (DESC, the default) or oldest first. */
  order: 'ASC' | 'DESC';
  limit: number;
  offset: number;
}

export interface WalletCoupon {
  coupon: Coupon;
  series: Series;
  counters: SeriesCounters;
  expired: boolean;
  usesLeft: number;
  redemptions: WalletRedemption[];
  /** The till of the client that issued the coupon; null when it had none or issued by upload. */
  issuedAtTill: string | null;
}

export interface Wallet {
  customer: Customer;
  /** Coupons matching the filter, before paging. */
  total: number;
  coupons: WalletCoupon[];
}

export function createWalletService(deps: StorageDeps) {
  const { engine, stores, now } = deps;
  return {
    /** The customer's coupons (revoked ones left out), filtered and paged; 701 for an unknown customer. */
    async list(p: Principal, q: WalletQuery): Promise<Wallet> {
      const org = p.orgId;
      const at = now();
      const tz = p.org.timezone;
      return engine.run(function* () {
        const { customer } = yield* resolveCustomer(stores, p.org, q.customer, {
          register: false,
          now: at,
        });
        const held = (yield* stores.wallet.ofCustomer(org, customer.id)).filter(
          (c) => c.coupon.revokedAt === null,
        );
        const issuedBy = new Map(held.map((c) => [c.coupon.id, c.issuedBy]));
        const all = held.map((c) => c.coupon);
        const seriesList = yield* stores.series.findMany(org, [...new Set(all.map((c) => c.seriesId))]);
        const series = new Map(seriesList.map((s) => [s.id, s]));
        const matching = all.filter((c) => matchesStatus(q.statuses, c, series.get(c.seriesId)!, at, tz));
        if (q.order === 'DESC') matching.reverse();
        const page = matching.slice(q.offset, q.offset + q.limit);
        const counters = yield* stores.counter.countersMany(org, [...new Set(page.map((c) => c.seriesId))]);
        const redemptions = yield* stores.wallet.redemptionsOf(
          org,
          page.map((c) => c.id),
        );
        const clientOf = (c: Coupon): string | undefined => {
          const by = issuedBy.get(c.id);
          return by?.startsWith('client:') ? by.slice('client:'.length) : undefined;
        };
        const keys = [...new Set(page.flatMap((c) => clientOf(c) ?? []))];
        const tills = yield* stores.wallet.tillsOfClients(org, keys);
        return {
          customer,
          total: matching.length,
          coupons: page.map((coupon) => {
            const s = series.get(coupon.seriesId)!;
            return {
              coupon,
              series: s,
              counters: counters.get(s.id)!,
              expired: isWalletCouponExpired(coupon, s, at, tz),
              usesLeft: couponUsesLeft(coupon, s),
              redemptions: redemptions.filter((r) => r.couponId === coupon.id),
              issuedAtTill: tills.get(clientOf(coupon) ?? '') ?? null,
            };
          }),
        };
      });
    },
  };
}

export type WalletService = ReturnType<typeof createWalletService>;
