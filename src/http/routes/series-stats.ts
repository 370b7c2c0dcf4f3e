// Series activity per day (beyond the reference): what the console's chart of a series draws.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { Services } from '../../services/index.js';
import { principalOf } from '../auth.js';
import { IdSchema, withErrors } from '../wire/common.js';

const Day = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}$',
  description: 'YYYY-MM-DD, in the org timezone',
});
const StatsParams = Type.Object({ id: IdSchema });
const StatsQuery = Type.Object({
  from: Type.Optional(Day),
  to: Type.Optional(Day),
});
const StatsReply = Type.Object({
  days: Type.Array(
    Type.Object({
      date: Type.String({ description: 'YYYY-MM-DD' }),
      issued: Type.Integer({ description: 'coupons issued that day' }),
      redeemed: Type.Integer({ description: 'redemptions that day, less those undone by a reactivation' }),
    }),
  ),
  warnings: Type.Array(Type.Unknown()),
});

export function seriesStatsRoutes(fastify: FastifyInstance, services: Services): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v2/coupon/series/:id/stats',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['series'],
        summary:
          'Coupons issued and redeemed per day of [from, to] in the org timezone (default: the last 30 days, at most 366)',
        params: StatsParams,
        querystring: StatsQuery,
        response: withErrors({ 200: StatsReply }),
      },
    },
    async (request) => {
      const { id } = request.params;
      const { from, to } = request.query;
      return {
        days: await services.seriesStats.perDay(principalOf(request), id, { from, to }),
        warnings: [],
      };
    },
  );
}
