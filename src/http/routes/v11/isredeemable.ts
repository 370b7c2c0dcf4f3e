// GET /v1.1/coupon/isredeemable (docs/api.md §14): the v2 redemption checks (services/redemption/redeem.ts
// `check`), nothing written, answered in the v1.1 shape.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { CouponError } from '../../../domain/errors.js';
import type { Services } from '../../../services/index.js';
import { principalOf } from '../../auth.js';
import { codeCase, CodeCaseQuery, CustomerQuery, refOf } from '../../wire/v11/customer.js';
import {
  FormatQuery,
  okStatus,
  TEXT_FLAGS,
  v11Responses,
  V11Reply,
  v11Route,
} from '../../wire/v11/envelope.js';
import { toRedeemableItem } from '../../wire/v11/redemption.js';
import { toV11Series } from '../../wire/v11/series.js';

export function v11IsRedeemableRoutes(fastify: FastifyInstance, services: Services): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1.1/coupon/isredeemable',
    {
      ...v11Route('read'),
      schema: {
        tags: ['v1.1'],
        summary:
          'Run the redemption checks for a customer’s coupon codes (comma-separated) without redeeming',
        querystring: Type.Object({
          ...FormatQuery,
          ...CustomerQuery,
          ...CodeCaseQuery,
          code: Type.String({ description: 'coupon codes, comma-separated' }),
          details: Type.Optional(
            Type.String({ description: 'true: the series in series_info; extended: its configuration too' }),
          ),
        }),
        response: v11Responses(
          V11Reply(
            { coupons: Type.Object({ redeemable: Type.Unknown() }) },
            'coupons.redeemable: one entry (one code) or a list',
          ),
        ),
      },
    },
    async (request) => {
      const p = principalOf(request);
      const q = request.query;
      const details = (q.details ?? 'false').toLowerCase();
      if (!['true', 'false', 'extended', ''].includes(details))
        throw new CouponError('InvalidInput', 'details: true or extended');
      const codes = (q.code ?? '')
        .split(',')
        .map((c) => c.trim())
        .filter((c) => c !== '');
      if (codes.length === 0) throw new CouponError('CouponIdOrCodeMissing');
      const result = await services.redemption.check(p, {
        ref: refOf(q, p.org.mobileCountryCode),
        codes: codes.map((code) => ({ code })),
        bill: undefined,
        billNumber: null,
        at: undefined,
        tillId: p.tillId,
      });
      const cased = codeCase(q.coupon_code_case);
      const seriesIds = [...new Set(result.items.flatMap((o) => (o.series ? [o.series.id] : [])))];
      const withSeries = details === 'true' || details === 'extended';
      const found = withSeries ? (await services.series.get(p, seriesIds)).found : [];
      const bySeries = new Map(
        found.map((f) => [
          f.series.id,
          toV11Series(f.series, f.counters, p.org.timezone, details === 'extended'),
        ]),
      );
      const items = result.items.map((o) => {
        const item = toRedeemableItem(TEXT_FLAGS, result.customer, o, cased);
        return withSeries && o.series ? { ...item, series_info: bySeries.get(o.series.id) ?? null } : item;
      });
      return {
        response: {
          status: okStatus(TEXT_FLAGS),
          coupons: { redeemable: items.length === 1 ? items[0] : items },
        },
      };
    },
  );
}
