// GET /v1.1/coupon/resend (docs/api.md §14): an issued coupon's SMS again, through the outbox
// (services/resend-coupon.ts).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { Services } from '../../../services/index.js';
import { principalOf } from '../../auth.js';
import { CustomerQuery, refOf } from '../../wire/v11/customer.js';
import {
  FormatQuery,
  isItemRefusal,
  itemOk,
  itemRefused,
  okStatus,
  overallStatus,
  TEXT,
  v11Responses,
  V11Reply,
  v11Route,
} from '../../wire/v11/envelope.js';

const CouponsReply = V11Reply(
  { coupons: Type.Optional(Type.Object({ coupon: Type.Array(Type.Unknown()) })) },
  'coupons.coupon: the coupon resent, or why not (item_status)',
);

export function v11ResendRoutes(fastify: FastifyInstance, services: Services): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1.1/coupon/resend',
    {
      ...v11Route('write'),
      schema: {
        tags: ['v1.1'],
        summary: 'Send an issued coupon to its customer again (the issue SMS, through the outbox)',
        querystring: Type.Object({
          ...FormatQuery,
          ...CustomerQuery,
          code: Type.String({ description: 'the coupon code' }),
        }),
        response: v11Responses(CouponsReply, { 400: CouponsReply }),
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const q = request.query;
      const ref = refOf(q, p.org.mobileCountryCode);
      const code = (q.code ?? '').trim();
      try {
        const { coupon } = await services.resend.resend(p, ref, code);
        return {
          response: {
            status: okStatus(TEXT, 'SUCCESS'),
            coupons: {
              coupon: [
                { id: String(coupon.id), code: coupon.code, item_status: itemOk(TEXT, 'Coupon Resent') },
              ],
            },
          },
        };
      } catch (e) {
        if (!isItemRefusal(e)) throw e;
        const { http, status } = overallStatus(TEXT, 1, 1);
        return reply.code(http).send({
          response: {
            status,
            coupons: {
              coupon: [
                { id: -1, code, item_status: itemRefused({ ...TEXT, textCodes: false }, e.reason, 'resend') },
              ],
            },
          },
        });
      }
    },
  );
}
