// PUT /v2/coupon/bulk/expiry: change coupons' expiry (docs/api.md §6 "Expiry").
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { parseCustomerRef } from '../../domain/customer.js';
import { invalid } from '../../domain/errors.js';
import { inCase, parseCodeCase } from '../../domain/wallet.js';
import type { Services } from '../../services/index.js';
import { principalOf } from '../auth.js';
import { ErrorEntrySchema, withErrors } from '../wire/common.js';
import { CustomerRefBody, parseSeriesId } from '../wire/coupon.js';

const ExpiryBody = Type.Object({
  couponSeriesId: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
  customer: Type.Optional(CustomerRefBody),
  couponCodes: Type.Optional(
    Type.Array(
      Type.Object({
        couponCode: Type.Union([Type.String(), Type.Number()]),
        expiryDate: Type.Union([Type.String(), Type.Number()], {
          description: 'ISO-8601 (an offset or the org timezone), YYYY-MM-DD, or epoch milliseconds',
        }),
      }),
    ),
  ),
});

const ExpiryReply = Type.Object({
  entity: Type.Object({
    totalCount: Type.Integer(),
    failedCount: Type.Integer(),
    successCount: Type.Integer(),
    unprocessedCoupons: Type.Array(
      Type.Object({
        expiryDate: Type.Union([Type.String(), Type.Number()]),
        couponCode: Type.String(),
        errorCode: Type.Integer(),
        errorMessage: Type.String(),
        reason: Type.String(),
      }),
    ),
    userId: Type.Union([Type.Integer(), Type.Null()]),
    couponSeriesId: Type.Union([Type.Integer(), Type.Null()]),
  }),
  warnings: Type.Array(Type.Unknown()),
  errors: Type.Array(ErrorEntrySchema),
  success: Type.Boolean(),
});

export function couponExpiryRoutes(fastify: FastifyInstance, services: Services): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.put(
    '/v2/coupon/bulk/expiry',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['coupons'],
        summary: "Change coupons' expiry: one code, or up to 100 codes of a series; each on its own",
        body: ExpiryBody,
        querystring: Type.Object({ couponCodeCase: Type.Optional(Type.String()) }),
        response: withErrors({
          200: ExpiryReply,
          201: ExpiryReply,
          400: Type.Union([ExpiryReply, ErrorReplyLoose]),
        }),
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const body = request.body;
      const codeCase = parseCodeCase(request.query.couponCodeCase, 'couponCodeCase');
      const customer = body.customer && parseCustomerRef(body.customer, p.org.mobileCountryCode);
      if (customer && Object.keys(customer).length === 0)
        throw invalid('customer', 'one of id, mobile, email, externalId');
      const result = await services.couponExpiry.change(p, {
        seriesId: parseSeriesId(body.couponSeriesId, 'couponSeriesId'),
        customer,
        changes: (body.couponCodes ?? []).map((c) => ({
          couponCode: String(c.couponCode),
          expiryDate: c.expiryDate,
        })),
      });
      const failed = result.refused.length;
      const total = failed + result.changed.length;
      // docs/api.md §3: none changed is 400 (the reference answers 200 with success: true); some is 201.
      const status = failed === 0 ? 200 : failed < total ? 201 : 400;
      return reply.code(status).send({
        entity: {
          totalCount: total,
          failedCount: failed,
          successCount: result.changed.length,
          unprocessedCoupons: result.refused.map((r) => ({
            expiryDate: r.expiryDate as string | number,
            couponCode: inCase(r.couponCode, codeCase),
            errorCode: r.code,
            errorMessage: r.message,
            reason: r.reason,
          })),
          userId: result.customerId,
          couponSeriesId: result.seriesId,
        },
        warnings: [],
        // A refusal (400) carries its entries (docs/api.md §3), as well as entity.unprocessedCoupons.
        errors:
          status === 400
            ? result.refused.map(({ code, message, reason }) => ({ code, message, reason }))
            : [],
        success: status !== 400,
      });
    },
  );
}

const ErrorReplyLoose = Type.Object({
  errors: Type.Array(Type.Unknown()),
  warnings: Type.Array(Type.Unknown()),
});
