// Resending an issued coupon to its customer (GET /v1.1/coupon/resend, docs/api.md §14): the issue SMS again,
// through the same outbox as an issue (services/notifications.ts), and a `resent` entry in the coupon's history.
import { normaliseCode, type Coupon } from '../domain/coupon.js';
import type { Customer, CustomerRef } from '../domain/customer.js';
import { CouponError } from '../domain/errors.js';
import { isCouponExpired } from '../domain/expiry.js';
import { actorOf, type Principal } from '../domain/principal.js';
import { resolveCustomer } from './customers.js';
import type { StorageDeps } from './deps.js';
import { enqueueIssueSms } from './notifications.js';

export function createResendService(deps: StorageDeps) {
  const { engine, stores, now } = deps;
  return {
    /**
     * Queues the coupon's SMS again. Refusals: 701/721 for the customer, 719 for an unknown code, 710 (the
     * v1.1 answer says 703) for a coupon of another customer, 660 revoked, 713 expired, 704 when no SMS can go.
     */
    async resend(
      p: Principal,
      ref: CustomerRef,
      rawCode: string,
    ): Promise<{ customer: Customer; coupon: Coupon }> {
      const t = now();
      return engine.run(
        function* () {
          const { customer } = yield* resolveCustomer(stores, p.org, ref, { register: false, now: t });
          const code = normaliseCode(rawCode);
          if (!code) throw new CouponError('CouponNotFound', rawCode);
          const found = yield* stores.coupon.findByCode(p.orgId, code);
          const coupon =
            found && found.customerId === customer.id
              ? found
              : ((yield* stores.coupon.findGeneric(p.orgId, code, customer.id))[0] ?? found);
          if (!coupon) throw new CouponError('CouponNotFound', code);
          if (coupon.customerId !== customer.id) throw new CouponError('NotCustomersCoupon', code);
          if (coupon.revokedAt !== null) throw new CouponError('CouponRevoked', code);
          if (isCouponExpired(coupon.validTill, t, p.org.timezone))
            throw new CouponError('CouponExpired', code);
          const series = yield* stores.series.find(p.orgId, coupon.seriesId);
          if (!series || series.isSmsDisabled || !customer.mobile || series.smsTemplate.trim() === '')
            throw new CouponError('SmsNotSendable');
          yield* enqueueIssueSms(stores, p.org, customer, coupon, series, t);
          yield* stores.event.add({
            org: p.orgId,
            coupon: coupon.id,
            series: series.id,
            customer: customer.id,
            type: 'resent',
            at: t,
            actor: actorOf(p),
            details: JSON.stringify({ via: 'v1.1 resend' }),
          });
          return { customer, coupon };
        },
        { write: true },
      );
    },
  };
}

export type ResendService = ReturnType<typeof createResendService>;
