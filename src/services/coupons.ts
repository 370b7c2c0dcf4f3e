// Reading coupons (GET /v2/coupon), revoking them (beyond), and their history (docs/api.md §6, §9).
import type { Coupon, CouponEvent } from '../domain/coupon.js';
import { normaliseCode } from '../domain/coupon.js';
import { CouponError, errorEntry, type ErrorEntry } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import { actorOf } from '../domain/principal.js';
import type { Series } from '../domain/series.js';
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

/** What a revoke answers: the codes revoked, and a refusal for each coupon that was not. */
export interface RevokeResult {
  revoked: string[];
  errors: (ErrorEntry & { entity: string | number })[];
}

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
     * code leaves the pool. Each coupon succeeds or fails on its own. With `answer` (an Idempotency-Key),
     * the request's answer is stored in the same transaction.
     */
    async revoke(
      p: Principal,
      target: { codes: string[]; couponIds: number[] },
      answer?: AnswerInWork<RevokeResult>,
    ): Promise<RevokeResult> {
      if (target.codes.length === 0 && target.couponIds.length === 0)
        throw new CouponError('CouponIdOrCodeMissing');
      if (target.codes.length + target.couponIds.length > MAX_FILTER_VALUES) {
        throw new CouponError('InvalidInput', `at most ${MAX_FILTER_VALUES} coupons in one request`);
      }
      const org = p.orgId;
      const t = now();
      return engine.run(
        function* () {
          const revoked: string[] = [];
          const errors: (ErrorEntry & { entity: string | number })[] = [];
          const targets: { entity: string | number; coupon: Coupon | undefined }[] = [];
          for (const raw of target.codes) {
            const code = normaliseCode(raw);
            targets.push({
              entity: raw,
              coupon: code === undefined ? undefined : yield* stores.coupon.findByCode(org, code),
            });
          }
          for (const id of target.couponIds)
            targets.push({ entity: id, coupon: yield* stores.coupon.find(org, id) });
          for (const { entity, coupon } of targets) {
            if (!coupon) {
              errors.push({ ...errorEntry('CouponNotFound', String(entity)), entity });
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
              revoked.push(coupon.code);
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
