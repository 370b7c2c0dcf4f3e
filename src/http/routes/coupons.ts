// Coupon reads (GET /v2/coupon), revocation (beyond) and history (beyond): docs/api.md §6 and §9.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { instantToWire } from '../../domain/clock.js';
import { CouponError, invalid } from '../../domain/errors.js';
import { inCase, parseCodeCase } from '../../domain/wallet.js';
import { MAX_FILTER_VALUES } from '../../services/coupons.js';
import type { RevokeResult } from '../../services/coupons.js';
import type { Services } from '../../services/index.js';
import { principalOf } from '../auth.js';
import { answerOnce } from '../idempotency.js';
import {
  ErrorEntrySchema,
  IdSchema,
  OffsetSchema,
  QueryList,
  splitList,
  withErrors,
} from '../wire/common.js';
import { CouponDetails, toCouponDetails } from '../wire/coupon.js';
import { moreWarnings } from '../wire/wallet.js';

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

const RevokeBody = Type.Object({
  codes: Type.Optional(Type.Array(Type.String())),
  couponIds: Type.Optional(Type.Array(IdSchema)),
});
const RevokeReply = Type.Object({
  revoked: Type.Array(Type.String()),
  errors: Type.Array(
    Type.Object({ ...ErrorEntrySchema.properties, entity: Type.Union([Type.String(), Type.Integer()]) }),
  ),
  warnings: Type.Array(Type.Unknown()),
});

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

export function couponRoutes(app: FastifyInstance, services: Services): void {
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
      const q = request.query as {
        issuedToIds?: string[];
        couponIds?: string[];
        couponCodes?: string[];
        limit?: number;
        offset?: number;
        coupon_code_case?: string;
      };
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
        summary: 'Revoke unredeemed coupons by code or id; each succeeds or fails on its own',
        body: RevokeBody,
        response: withErrors({
          200: RevokeReply,
          201: RevokeReply,
          400: Type.Union([
            RevokeReply,
            Type.Object({ errors: Type.Array(Type.Unknown()), warnings: Type.Array(Type.Unknown()) }),
          ]),
        }),
      },
    },
    async (request, reply) => {
      const body = request.body as { codes?: string[]; couponIds?: number[] };
      const target = { codes: body.codes ?? [], couponIds: body.couponIds ?? [] };
      return answerOnce<RevokeResult>(
        services.idempotency,
        request,
        reply,
        (record) => services.coupons.revoke(principalOf(request), target, record),
        (result) => {
          const failed = result.errors.length;
          const total = failed + result.revoked.length;
          return {
            status: failed === 0 ? 200 : failed < total ? 201 : 400,
            body: { ...result, warnings: [] },
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
      const { id } = request.params as { id: number };
      const events = await services.coupons.history(principalOf(request), id);
      return { events: events.map((e) => ({ ...e, at: instantToWire(e.at) })), warnings: [] };
    },
  );
}
