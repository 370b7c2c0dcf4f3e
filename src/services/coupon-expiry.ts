// Changing coupons' expiry, one by one or a series' codes in bulk (PUT /v2/coupon/bulk/expiry, docs/api.md §6
// "Expiry"). Each coupon succeeds or fails on its own; the series and the customer refuse the whole request.
import type { Coupon } from '../domain/coupon.js';
import { normaliseCode } from '../domain/coupon.js';
import { expiryFromWire, expiryRefusal } from '../domain/coupon-expiry.js';
import type { CustomerRef } from '../domain/customer.js';
import { CouponError, errorEntry, type CouponErrorName, type ErrorEntry } from '../domain/errors.js';
import { isSeriesExpired } from '../domain/expiry.js';
import type { Principal } from '../domain/principal.js';
import { actorOf } from '../domain/principal.js';
import type { Series } from '../domain/series.js';
import { resolveCustomer } from './customers.js';
import type { AnswerInWork, StorageDeps } from './deps.js';

/** At most this many coupons in one request. */
export const MAX_EXPIRY_CHANGES = 100;

export interface ExpiryChange {
  couponCode: string;
  /** As the wire gave it: ISO-8601, a date, or epoch milliseconds. */
  expiryDate: unknown;
}

export interface ExpiryRequest {
  seriesId?: number;
  customer?: CustomerRef;
  changes: ExpiryChange[];
}

export interface ExpiryResult {
  changed: { couponId: number; code: string; validTill: string }[];
  refused: (ErrorEntry & { couponCode: string; expiryDate: unknown })[];
  customerId: number | null;
  seriesId: number | null;
}

export function createCouponExpiryService(deps: StorageDeps) {
  const { engine, stores, now } = deps;
  return {
    async change(
      p: Principal,
      req: ExpiryRequest,
      answer?: AnswerInWork<ExpiryResult>,
    ): Promise<ExpiryResult> {
      if (req.changes.length === 0) throw new CouponError('ExpiryCodesMissing');
      if (req.changes.length > MAX_EXPIRY_CHANGES)
        throw new CouponError('InvalidInput', `at most ${MAX_EXPIRY_CHANGES} coupons in one request`);
      if (req.changes.length > 1 && req.seriesId === undefined)
        throw new CouponError('ExpirySeriesIdMissing');
      const org = p.orgId;
      const tz = p.org.timezone;
      const t = now();
      return engine.run(
        function* () {
          let series: Series | undefined;
          if (req.seriesId !== undefined) {
            series = yield* stores.series.find(org, req.seriesId);
            if (!series) throw new CouponError('SeriesNotFound', `id ${req.seriesId}`);
            if (isSeriesExpired(series, t, tz)) throw new CouponError('SeriesExpired');
          }
          const customer = req.customer
            ? (yield* resolveCustomer(stores, p.org, req.customer, { register: false, now: t })).customer
            : undefined;
          const changed: ExpiryResult['changed'] = [];
          const refused: ExpiryResult['refused'] = [];
          const refuse = (c: ExpiryChange, reason: CouponErrorName) =>
            refused.push({ ...errorEntry(reason), couponCode: c.couponCode, expiryDate: c.expiryDate });
          const seriesOf = new Map<number, Series>(series ? [[series.id, series]] : []);
          for (const c of req.changes) {
            const code = normaliseCode(c.couponCode);
            let coupon: Coupon | undefined =
              code === undefined ? undefined : yield* stores.coupon.findByCode(org, code);
            if (!coupon && code !== undefined && (yield* stores.coupon.isGenericCode(org, code))) {
              // A GENERIC code is everyone's: only the named customer's coupon of it changes.
              if (!customer) throw new CouponError('ExpiryUserIdMissing');
              coupon = (yield* stores.coupon.findGeneric(org, code, customer.id)).find(
                (x) => x.revokedAt === null,
              );
            }
            if (
              !coupon ||
              coupon.customerId === null ||
              (series && coupon.seriesId !== series.id) ||
              (customer && coupon.customerId !== customer.id)
            ) {
              refuse(c, 'ExpiryCodeInvalid');
              continue;
            }
            if (coupon.revokedAt !== null) {
              refuse(c, 'CouponRevoked');
              continue;
            }
            let s = seriesOf.get(coupon.seriesId);
            if (!s) {
              s = (yield* stores.series.find(org, coupon.seriesId))!;
              seriesOf.set(s.id, s);
            }
            if (isSeriesExpired(s, t, tz)) {
              refuse(c, 'SeriesExpired');
              continue;
            }
            const expiry = expiryFromWire(c.expiryDate, tz);
            if (!expiry) {
              refused.push({
                ...errorEntry('InvalidInput', 'expiryDate: ISO-8601, YYYY-MM-DD or epoch milliseconds'),
                couponCode: c.couponCode,
                expiryDate: c.expiryDate,
              });
              continue;
            }
            const why = expiryRefusal(expiry, s.validTillDate, t);
            if (why) {
              refuse(c, why);
              continue;
            }
            if (!(yield* stores.couponExpiry.setValidTill(org, coupon.id, expiry.lastValidDay))) {
              refuse(c, 'CouponRevoked');
              continue;
            }
            yield* stores.event.add({
              org,
              coupon: coupon.id,
              series: coupon.seriesId,
              customer: coupon.customerId,
              type: 'expiry_changed',
              at: t,
              actor: actorOf(p),
              details: JSON.stringify({ from: coupon.validTill, to: expiry.lastValidDay }),
            });
            changed.push({ couponId: coupon.id, code: coupon.code, validTill: expiry.lastValidDay });
          }
          const only = <T>(values: T[]): T | null => (new Set(values).size === 1 ? values[0]! : null);
          const done: ExpiryResult = {
            changed,
            refused,
            customerId: customer?.id ?? null,
            seriesId: series?.id ?? null,
          };
          if (done.customerId === null || done.seriesId === null) {
            const touched = yield* stores.coupon.findManyById(
              org,
              changed.map((c) => c.couponId),
            );
            done.customerId ??= only(touched.map((c) => c.customerId));
            done.seriesId ??= only(touched.map((c) => c.seriesId));
          }
          if (answer) yield* answer(done);
          return done;
        },
        { write: true },
      );
    },
  };
}

export type CouponExpiryService = ReturnType<typeof createCouponExpiryService>;
