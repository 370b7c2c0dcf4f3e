// GET /v1.1/coupon/series (docs/api.md §14): a series by id, or every series, with the `expired` filter.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { CouponError } from '../../../domain/errors.js';
import type { Services } from '../../../services/index.js';
import { principalOf } from '../../auth.js';
import { FormatQuery, okStatus, TEXT, v11Responses, V11Reply, v11Route } from '../../wire/v11/envelope.js';
import { toV11Series } from '../../wire/v11/series.js';

export function v11SeriesRoutes(fastify: FastifyInstance, services: Services): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1.1/coupon/series',
    {
      ...v11Route('read'),
      schema: {
        tags: ['v1.1'],
        summary: 'A coupon series by id, or every series (expired=true: ended ones, false: running ones)',
        querystring: Type.Object({
          ...FormatQuery,
          id: Type.Optional(Type.String({ description: 'the series id' })),
          expired: Type.Optional(
            Type.String({ description: 'true, false, or extended (every series, with its configuration)' }),
          ),
        }),
        response: v11Responses(
          V11Reply(
            { series: Type.Object({ items: Type.Object({ item: Type.Unknown() }) }) },
            'series.items.item: one series (by id) or a list',
          ),
        ),
      },
    },
    async (request) => {
      const p = principalOf(request);
      const q = request.query;
      let id: number | undefined;
      if (q.id !== undefined && q.id.trim() !== '') {
        id = Number(q.id);
        if (!Number.isSafeInteger(id) || id <= 0) throw new CouponError('SeriesNotFound', q.id);
      }
      const expiredText = (q.expired ?? '').toLowerCase();
      if (!['', 'true', 'false', 'extended'].includes(expiredText))
        throw new CouponError('InvalidInput', 'expired: true, false or extended');
      const expired = expiredText === 'true' ? true : expiredText === 'false' ? false : undefined;
      const found = await services.couponViews.series(p, id, expired);
      const items = found.map((f) =>
        toV11Series(f.series, f.counters, p.org.timezone, expiredText === 'extended'),
      );
      return {
        response: {
          status: okStatus(TEXT),
          series: { items: { item: id !== undefined ? items[0] : items } },
        },
      };
    },
  );
}
