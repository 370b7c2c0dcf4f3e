// Coupon series routes (docs/api.md §5): create, read by ids or list, change.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { errorEntry, invalid } from '../../domain/errors.js';
import type { SeriesWithCounters } from '../../services/series.js';
import type { Services } from '../../services/index.js';
import { principalOf } from '../auth.js';
import { answerOnce } from '../idempotency.js';
import { IdSchema, moreWarnings, OffsetSchema, QueryList, splitList, withErrors } from '../wire/common.js';
import { fromSeriesBody, SeriesBody, SeriesCreateReply, SeriesReply, toSeriesReply } from '../wire/series.js';

const SeriesQuery = Type.Object({
  ids: Type.Optional(QueryList),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  offset: Type.Optional(OffsetSchema),
});
const SeriesListReply = Type.Object({
  entity: Type.Array(SeriesReply),
  warnings: Type.Array(Type.Unknown()),
});
const IdParams = Type.Object({ id: IdSchema });

function parseIds(values: string[]): number[] {
  return values.map((v) => {
    const n = Number(v);
    if (!/^\d{1,15}$/.test(v) || n <= 0) throw invalid('ids', 'series ids (positive integers)');
    return n;
  });
}

export function seriesRoutes(fastify: FastifyInstance, services: Services): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v2/coupon/series',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['series'],
        summary: 'Create a coupon series (body wrapped in CouponSeriesV2, or bare)',
        body: SeriesBody,
        response: withErrors({ 200: SeriesCreateReply }),
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const draft = fromSeriesBody(request.body, p.org.timezone);
      return answerOnce<SeriesWithCounters>(
        services.idempotency,
        request,
        reply,
        (record) => services.series.create(p, draft, record),
        ({ series, counters }) => ({
          status: 200,
          body: { ...toSeriesReply(series, counters), warnings: [] },
        }),
      );
    },
  );

  app.get(
    '/v2/coupon/series',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['series'],
        summary:
          "Series by ids (unknown ids named in warnings), or, without ids, the org's series newest first",
        querystring: SeriesQuery,
        response: withErrors({ 200: SeriesListReply }),
      },
    },
    async (request) => {
      const p = principalOf(request);
      const q = request.query;
      const ids = parseIds(splitList(q.ids));
      if (ids.length === 0) {
        // Read one past the page: a cut list says so (docs/api.md §3 "Lists").
        const limit = q.limit ?? 50;
        const offset = q.offset ?? 0;
        const found = await services.series.list(p, limit + 1, offset);
        const page = found.slice(0, limit);
        return {
          entity: page.map((s) => toSeriesReply(s.series, s.counters)),
          warnings: moreWarnings(found.length > limit, offset + page.length),
        };
      }
      const { found, missing } = await services.series.get(p, ids);
      return {
        entity: found.map((s) => toSeriesReply(s.series, s.counters)),
        warnings: missing.map((id) => ({ ...errorEntry('SeriesNotFound', String(id)), id })),
      };
    },
  );

  app.put(
    '/v2/coupon/series/:id',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['series'],
        summary: 'Change fields of a series (maxCreate never below what is issued)',
        params: IdParams,
        body: SeriesBody,
        response: withErrors({ 200: SeriesCreateReply }),
      },
    },
    async (request) => {
      const p = principalOf(request);
      const { id } = request.params;
      const { series, counters } = await services.series.update(
        p,
        id,
        fromSeriesBody(request.body, p.org.timezone),
      );
      return { ...toSeriesReply(series, counters), warnings: [] };
    },
  );
}
