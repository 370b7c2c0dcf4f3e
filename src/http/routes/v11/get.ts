// GET /v1.1/coupon/get (docs/api.md §14): coupons by code (comma list) and/or by the customers they were issued
// to, with coupon_code_case.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { parseCustomerId } from '../../../domain/customer.js';
import { CouponError, invalid } from '../../../domain/errors.js';
import type { Services } from '../../../services/index.js';
import { principalOf } from '../../auth.js';
import { toCouponDetail, toUnknownCoupon } from '../../wire/v11/coupon.js';
import { codeCase, CodeCaseQuery } from '../../wire/v11/customer.js';
import { FormatQuery, v11Responses, V11Reply, v11Route } from '../../wire/v11/envelope.js';

const list = (raw: string | undefined): string[] =>
  (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

export function v11GetRoutes(fastify: FastifyInstance, services: Services): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1.1/coupon/get',
    {
      ...v11Route('read'),
      schema: {
        tags: ['v1.1'],
        summary: 'Coupons by code (comma-separated) and/or by the customer ids they were issued to',
        querystring: Type.Object({
          ...FormatQuery,
          ...CodeCaseQuery,
          code: Type.Optional(Type.String({ description: 'coupon codes, comma-separated (any case)' })),
          issuedToIds: Type.Optional(Type.String({ description: 'customer ids, comma-separated' })),
        }),
        response: v11Responses(
          V11Reply(
            { coupons: Type.Object({ coupon: Type.Array(Type.Unknown()) }) },
            'coupons.coupon: the coupons',
          ),
        ),
      },
    },
    async (request) => {
      const p = principalOf(request);
      const q = request.query;
      const codes = list(q.code);
      const customerIds = list(q.issuedToIds).map((v) => {
        const id = parseCustomerId(v);
        if (id === undefined) throw invalid('issuedToIds', 'customer ids');
        return id;
      });
      if (codes.length === 0 && customerIds.length === 0) throw new CouponError('CouponFilterMissing');
      if (codes.length > 1000 || customerIds.length > 1000)
        throw invalid('code', 'at most 1000 codes and 1000 customer ids');
      const cased = codeCase(q.coupon_code_case);
      const { views, unknownCodes } = await services.couponViews.byCodeOrCustomer(p, codes, customerIds);
      return {
        response: {
          status: { success: 'true', status: 'true', code: 200, message: 'Success' },
          coupons: {
            coupon: [
              ...views.map((v) => toCouponDetail(v, p.org.timezone, cased)),
              ...unknownCodes.map((c) => toUnknownCoupon(c, cased)),
            ],
          },
        },
      };
    },
  );
}
