// Reading coupons (GET /v2/coupon), revoking them (beyond), and their history (docs/api.md §6, §9).
import type { Coupon, CouponEvent } from '../domain/coupon.js';
import { normaliseCode } from '../domain/coupon.js';
import type { CustomerRef } from '../domain/customer.js';
import { CouponError, errorEntry, invalid, type ErrorEntry } from '../domain/errors.js';
import { isSeriesExpired } from '../domain/expiry.js';
import type { Principal } from '../domain/principal.js';
import { actorOf } from '../domain/principal.js';
import type { Series } from '../domain/series.js';
import { resolveCustomer } from './customers.js';
import type { AnswerInWork, StorageDeps } from './deps.js';

/** At most this many values per filter list, and per page. */
export const MAX_FILTER_VALUES = 1000;

export interface CouponFilter {
  issuedToIds: number[];
  couponIds: number[];
  couponCodes: string[];
  limit: number;
  offset: number;
}

/**
 * What to revoke: today's `codes` / `couponIds`, or the later edition's `couponCodes` (with
 * `couponSeriesId`) or a `customer` (docs/api.md §6 "Revoke").
 */
export interface RevokeTarget {
  codes: string[];
  couponIds: number[];
  /** The later edition's body: its refusals are 756 and 682 where today's are 781 and 719. */
  documented?: boolean;
  seriesId?: number;
  customer?: CustomerRef;
}

/** One revoked coupon. */
export interface RevokedCoupon {
  couponId: number;
  code: string;
  customerId: number | null;
}

/** What a revoke answers: the coupons revoked, and a refusal for each coupon that was not. */
export interface RevokeResult {
  revoked: RevokedCoupon[];
  errors: (ErrorEntry & { entity: string | number })[];
}

/** At most this many codes in one documented revoke, and this many of a customer's coupons. */
export const MAX_REVOKE_CODES = 50;
export const MAX_REVOKE_OF_CUSTOMER = 100;

export function createCouponService(deps: StorageDeps) {
  const { engine, stores, now } = deps;

  return {
    /**
     * Coupons issued to any of the customers, or with any of the ids or codes, in id order, one page at a
     * time; values that name nothing in the org come back as errors (701 customers, 719 coupons).
     */
    async find(
      p: Principal,
      f: CouponFilter,
    ): Promise<{ coupons: { coupon: Coupon; series: Series }[]; errors: ErrorEntry[] }> {
      const org = p.orgId;
      const codes = [...new Set(f.couponCodes.map((c) => normaliseCode(c) ?? c.trim().toUpperCase()))];
      return engine.run(function* () {
        const page = yield* stores.coupon.findPage(
          org,
          { customers: f.issuedToIds, ids: f.couponIds, codes },
          f.limit,
          f.offset,
        );
        const errors: ErrorEntry[] = [];
        const customers = new Set((yield* stores.customer.findByIds(org, f.issuedToIds)).map((c) => c.id));
        for (const id of f.issuedToIds)
          if (!customers.has(id)) errors.push(errorEntry('CustomerNotFound', `id ${id}`));
        const knownIds = new Set((yield* stores.coupon.findManyById(org, f.couponIds)).map((c) => c.id));
        for (const id of f.couponIds)
          if (!knownIds.has(id)) errors.push(errorEntry('CouponNotFound', `id ${id}`));
        const knownCodes = new Set(yield* stores.coupon.existingCodes(org, codes));
        for (const code of codes) if (!knownCodes.has(code)) errors.push(errorEntry('CouponNotFound', code));
        const series = new Map(
          (yield* stores.series.findMany(org, [...new Set(page.map((c) => c.seriesId))])).map((s) => [
            s.id,
            s,
          ]),
        );
        return { coupons: page.map((coupon) => ({ coupon, series: series.get(coupon.seriesId)! })), errors };
      });
    },

    /**
     * Revokes coupons that have no active redemption: they become unusable (660 at redeem). A revoked pool
     * code leaves the pool. Each coupon succeeds or fails on its own; the series and the customer are
     * checked first, and refuse the whole request. With `answer` (an Idempotency-Key), the request's answer
     * is stored in the same transaction.
     */
    async revoke(
      p: Principal,
      target: RevokeTarget,
      answer?: AnswerInWork<RevokeResult>,
    ): Promise<RevokeResult> {
      const documented = target.documented === true;
      if (target.codes.length === 0 && target.couponIds.length === 0 && !target.customer)
        throw new CouponError(documented ? 'RevokeTargetMissing' : 'CouponIdOrCodeMissing');
      if (documented && target.codes.length > MAX_REVOKE_CODES) throw new CouponError('TooManyCoupons');
      if (target.codes.length + target.couponIds.length > MAX_FILTER_VALUES) {
        throw new CouponError('InvalidInput', `at most ${MAX_FILTER_VALUES} coupons in one request`);
      }
      if (documented && target.codes.length > 1 && target.seriesId === undefined)
        throw invalid('couponSeriesId', 'required with more than one coupon code');
      const notFound = documented ? 'RevokeCouponNotFound' : 'CouponNotFound';
      const org = p.orgId;
      const t = now();
      return engine.run(
        function* () {
          let series: Series | undefined;
          if (target.seriesId !== undefined) {
            series = yield* stores.series.find(org, target.seriesId);
            if (!series) throw new CouponError('SeriesNotFound', `id ${target.seriesId}`);
            if (isSeriesExpired(series, t, p.org.timezone)) throw new CouponError('SeriesExpired');
          }
          const customer = target.customer
            ? (yield* resolveCustomer(stores, p.org, target.customer, { register: false, now: t })).customer
            : undefined;
          const revoked: RevokedCoupon[] = [];
          const errors: (ErrorEntry & { entity: string | number })[] = [];
          const targets: { entity: string | number; coupon: Coupon | undefined }[] = [];
          for (const raw of target.codes) {
            const code = normaliseCode(raw);
            let coupon = code === undefined ? undefined : yield* stores.coupon.findByCode(org, code);
            if (!coupon && code !== undefined && (yield* stores.coupon.isGenericCode(org, code))) {
              // A generic code is everyone's: only a customer's own coupon of it can be revoked.
              if (!customer) throw new CouponError('GenericRevokeUnsupported');
              coupon = (yield* stores.coupon.findGeneric(org, code, customer.id)).find(
                (c) => c.revokedAt === null,
              );
            }
            if (coupon && series && coupon.seriesId !== series.id) coupon = undefined;
            targets.push({ entity: raw, coupon });
          }
          for (const id of target.couponIds)
            targets.push({ entity: id, coupon: yield* stores.coupon.find(org, id) });
          if (customer && target.codes.length === 0 && target.couponIds.length === 0) {
            const open = (yield* stores.wallet.ofCustomer(org, customer.id))
              .map((c) => c.coupon)
              .filter(
                (c) =>
                  c.revokedAt === null &&
                  c.redemptionCount === 0 &&
                  (series === undefined || c.seriesId === series.id),
              );
            if (open.length > MAX_REVOKE_OF_CUSTOMER) throw new CouponError('TooManyToRevoke');
            for (const coupon of open) targets.push({ entity: coupon.code, coupon });
          }
          for (const { entity, coupon } of targets) {
            if (!coupon) {
              errors.push({ ...errorEntry(notFound, String(entity)), entity });
              continue;
            }
            const done = yield* stores.coupon.revoke(org, coupon.id, t);
            if (done) {
              // Decided from the row as revoked, not as first read: an issue may have taken a pool code since.
              if (done.customerId === null) yield* stores.counter.removeFromPool(org, done.seriesId);
              yield* stores.event.add({
                org,
                coupon: done.id,
                series: done.seriesId,
                customer: done.customerId,
                type: 'revoked',
                at: done.revokedAt ?? t,
                actor: actorOf(p),
                details: '{}',
              });
              revoked.push({ couponId: done.id, code: done.code, customerId: done.customerId });
              continue;
            }
            // The guard refused: read why (already revoked, or redeemed meanwhile).
            const current = (yield* stores.coupon.find(org, coupon.id))!;
            const reason = current.revokedAt !== null ? 'CouponRevoked' : 'AlreadyRedeemed';
            errors.push({ ...errorEntry(reason, current.code), entity });
          }
          const done = { revoked, errors };
          if (answer) yield* answer(done);
          return done;
        },
        { write: true },
      );
    },

    /** Every event of a coupon, oldest first; another org's coupon is unknown (404). */
    async history(p: Principal, couponId: number): Promise<CouponEvent[]> {
      return engine.run(function* () {
        const coupon = yield* stores.coupon.find(p.orgId, couponId);
        if (!coupon) throw new CouponError('NotFound', `coupon ${couponId}`);
        return yield* stores.event.history(p.orgId, couponId);
      });
    },
  };
}

export type CouponService = ReturnType<typeof createCouponService>;
