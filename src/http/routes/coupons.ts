// Coupon reads (GET /v2/coupon), revocation (beyond) and history (beyond): docs/api.md §6 and §9.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { instantToWire } from '../../domain/clock.js';
import { parseCustomerRef } from '../../domain/customer.js';
import { couponErrors, CouponError, invalid, type CouponErrorName } from '../../domain/errors.js';
import { inCase, parseCodeCase, type CodeCase } from '../../domain/wallet.js';
import { MAX_FILTER_VALUES } from '../../services/coupons.js';
import type { RevokeResult, RevokeTarget } from '../../services/coupons.js';
import type { Services } from '../../services/index.js';
import { principalOf } from '../auth.js';
import { answerOnce } from '../idempotency.js';
import {
  ErrorEntrySchema,
  IdSchema,
  moreWarnings,
  OffsetSchema,
  QueryList,
  splitList,
  withErrors,
} from '../wire/common.js';
import { CouponDetails, CustomerRefBody, parseSeriesId, toCouponDetails } from '../wire/coupon.js';

const CouponQuery = Type.Object({
  issuedToIds: Type.Optional(QueryList),
  couponIds: Type.Optional(QueryList),
  couponCodes: Type.Optional(QueryList),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_FILTER_VALUES, default: 100 })),
  offset: Type.Optional(OffsetSchema),
  coupon_code_case: Type.Optional(Type.String({ description: 'UPPER (default), LOWER or AS_IT_IS' })),
});
const CouponsReply = Type.Object({
  data: Type.Array(CouponDetails),
  warnings: Type.Array(Type.Unknown()),
  errors: Type.Array(ErrorEntrySchema),
});

const RevokeBody = Type.Object(
  {
    couponSeriesId: Type.Optional(Type.Union([IdSchema, Type.String()])),
    couponCodes: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Number()]))),
    customer: Type.Optional(CustomerRefBody),
    codes: Type.Optional(Type.Array(Type.String(), { description: "today's body: codes" })),
    couponIds: Type.Optional(Type.Array(IdSchema, { description: "today's body: coupon ids" })),
  },
  { description: 'couponSeriesId with couponCodes, or a customer (documented); or codes / couponIds' },
);
const RevokeQuery = Type.Object({
  couponCodeCase: Type.Optional(Type.String({ description: 'UPPER (default), LOWER or AS_IT_IS' })),
});
/** Today's answer, for today's body. */
const RevokeReply = Type.Object({
  revoked: Type.Array(Type.String()),
  errors: Type.Array(
    Type.Object({ ...ErrorEntrySchema.properties, entity: Type.Union([Type.String(), Type.Integer()]) }),
  ),
  warnings: Type.Array(Type.Unknown()),
});
/** The later edition's answer, for its body. */
const RevokeEntityReply = Type.Object({
  entity: Type.Object({
    totalCount: Type.Integer(),
    failedCount: Type.Integer(),
    revokedCoupons: Type.Array(
      Type.Object({
        couponId: Type.Integer(),
        couponCode: Type.String(),
        issuedToUserId: Type.Union([Type.Integer(), Type.Null()]),
      }),
    ),
    failedToRevoke: Type.Array(
      Type.Object({
        errorCode: Type.Integer(),
        errorMessage: Type.String(),
        reason: Type.String(),
        couponCodes: Type.Array(Type.String()),
      }),
    ),
  }),
  warnings: Type.Array(Type.Unknown()),
  errors: Type.Array(ErrorEntrySchema),
  success: Type.Boolean(),
});

/** The later edition's answer: failures grouped by code, codes in the asked case. */
function toRevokeEntity(result: RevokeResult, codeCase: CodeCase) {
  const groups = new Map<
    number,
    { errorCode: number; errorMessage: string; reason: string; couponCodes: string[] }
  >();
  for (const e of result.errors) {
    const g = groups.get(e.code) ?? {
      errorCode: e.code,
      errorMessage: couponErrors[reasonOf(e.reason)].message,
      reason: e.reason,
      couponCodes: [],
    };
    g.couponCodes.push(String(e.entity));
    groups.set(e.code, g);
  }
  return {
    totalCount: result.revoked.length + result.errors.length,
    failedCount: result.errors.length,
    revokedCoupons: result.revoked.map((r) => ({
      couponId: r.couponId,
      couponCode: inCase(r.code, codeCase),
      issuedToUserId: r.customerId,
    })),
    failedToRevoke: [...groups.values()],
  };
}

const reasonOf = (reason: string): CouponErrorName =>
  (Object.keys(couponErrors) as CouponErrorName[]).find((n) => couponErrors[n].reason === reason) ??
  'InvalidInput';

const HistoryReply = Type.Object({
  events: Type.Array(
    Type.Object({
      type: Type.String(),
      at: Type.String(),
      actor: Type.String(),
      details: Type.Object({}, { additionalProperties: true }),
    }),
  ),
  warnings: Type.Array(Type.Unknown()),
});

function ids(values: string[] | undefined, field: string): number[] {
  const list = splitList(values);
  if (list.length > MAX_FILTER_VALUES) throw invalid(field, `at most ${MAX_FILTER_VALUES} values`);
  return [
    ...new Set(
      list.map((v) => {
        if (!/^\d{1,15}$/.test(v) || Number(v) <= 0) throw invalid(field, 'positive integer ids');
        return Number(v);
      }),
    ),
  ];
}

export function couponRoutes(fastify: FastifyInstance, services: Services): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v2/coupon',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['coupons'],
        summary:
          'Coupons by customer ids, coupon ids or codes (repeated or comma-separated), a page at a time; a cut list warns',
        querystring: CouponQuery,
        response: withErrors({ 200: CouponsReply }),
      },
    },
    async (request) => {
      const q = request.query;
      const codeCase = parseCodeCase(q.coupon_code_case, 'coupon_code_case');
      const filter = {
        issuedToIds: ids(q.issuedToIds, 'issuedToIds'),
        couponIds: ids(q.couponIds, 'couponIds'),
        couponCodes: [...new Set(splitList(q.couponCodes))],
        limit: q.limit ?? 100,
        offset: q.offset ?? 0,
      };
      if (filter.couponCodes.length > MAX_FILTER_VALUES)
        throw invalid('couponCodes', `at most ${MAX_FILTER_VALUES} values`);
      if (filter.issuedToIds.length + filter.couponIds.length + filter.couponCodes.length === 0) {
        throw new CouponError('CouponFilterMissing');
      }
      // Read one past the page: a cut list says so (docs/api.md §3 "Lists").
      const { coupons, errors } = await services.coupons.find(principalOf(request), {
        ...filter,
        limit: filter.limit + 1,
      });
      const page = coupons.slice(0, filter.limit);
      return {
        data: page.map((c) => {
          const d = toCouponDetails(c.coupon, c.series);
          return { ...d, code: inCase(d.code, codeCase) };
        }),
        warnings: moreWarnings(coupons.length > filter.limit, filter.offset + page.length),
        errors,
      };
    },
  );

  app.post(
    '/v2/coupon/revoke',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['coupons'],
        summary:
          "Revoke unredeemed coupons: a series' codes, or a customer's coupons (or today's codes / couponIds); each on its own",
        body: RevokeBody,
        querystring: RevokeQuery,
        response: withErrors({
          200: Type.Union([RevokeEntityReply, RevokeReply]),
          201: Type.Union([RevokeEntityReply, RevokeReply]),
          400: Type.Union([
            RevokeEntityReply,
            RevokeReply,
            Type.Object({ errors: Type.Array(Type.Unknown()), warnings: Type.Array(Type.Unknown()) }),
          ]),
        }),
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const body = request.body;
      const codeCase = parseCodeCase(request.query.couponCodeCase, 'couponCodeCase');
      const documented =
        body.couponCodes !== undefined || body.couponSeriesId !== undefined || body.customer !== undefined;
      const target: RevokeTarget = documented
        ? {
            documented,
            codes: (body.couponCodes ?? []).map(String),
            couponIds: [],
            seriesId: parseSeriesId(body.couponSeriesId, 'couponSeriesId'),
            customer: body.customer && parseCustomerRef(body.customer, p.org.mobileCountryCode),
          }
        : { codes: body.codes ?? [], couponIds: body.couponIds ?? [] };
      if (target.customer && Object.keys(target.customer).length === 0) {
        throw invalid('customer', 'one of id, mobile, email, externalId');
      }
      return answerOnce<RevokeResult>(
        services.idempotency,
        request,
        reply,
        (record) => services.coupons.revoke(p, target, record),
        (result) => {
          const failed = result.errors.length;
          const total = failed + result.revoked.length;
          // docs/api.md §3: all refused is 400 (the reference answers 200 with success); some refused is 201.
          const status = failed === 0 ? 200 : failed < total ? 201 : 400;
          return {
            status,
            body: documented
              ? {
                  entity: toRevokeEntity(result, codeCase),
                  warnings: [],
                  // A refusal (400) carries its entries (docs/api.md §3), as well as entity.failedToRevoke.
                  errors:
                    status === 400
                      ? result.errors.map(({ code, message, reason }) => ({ code, message, reason }))
                      : [],
                  success: status !== 400,
                }
              : {
                  revoked: result.revoked.map((r) => inCase(r.code, codeCase)),
                  errors: result.errors,
                  warnings: [],
                },
          };
        },
      );
    },
  );

  app.get(
    '/v2/coupon/:id/history',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['coupons'],
        summary:
          "A coupon's history: issued, resent, held, released, redeemed, reactivated, revoked, imported",
        params: Type.Object({ id: IdSchema }),
        response: withErrors({ 200: HistoryReply }),
      },
    },
    async (request) => {
      const { id } = request.params;
      const events = await services.coupons.history(principalOf(request), id);
      return { events: events.map((e) => ({ ...e, at: instantToWire(e.at) })), warnings: [] };
    },
  );
}
