// GET /v1.1/customer/coupons (docs/api.md §14): a customer's coupons with their redemptions, filtered by
// status, series, till and dates, ordered and limited.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { parseIsoDate } from '../../../domain/clock.js';
import { invalid } from '../../../domain/errors.js';
import type { Services } from '../../../services/index.js';
import { COUPON_ORDERS, COUPON_STATUSES, MAX_VIEW_COUPONS } from '../../../services/coupon-views.js';
import { principalOf } from '../../auth.js';
import { toCustomerWithCoupons } from '../../wire/v11/coupon.js';
import { CustomerQuery, refOf } from '../../wire/v11/customer.js';
import {
  FormatQuery,
  okStatus,
  TEXT_FLAGS,
  v11Responses,
  V11Reply,
  v11Route,
} from '../../wire/v11/envelope.js';

const DEFAULT_LIMIT = 100;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function date(raw: string | undefined, field: string): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const d = raw.trim().slice(0, 10);
  try {
    if (DATE.test(d)) {
      parseIsoDate(d);
      return d;
    }
  } catch {
    // fall through
  }
  throw invalid(field, 'a date YYYY-MM-DD');
}

function oneOf<T extends string>(
  raw: string | undefined,
  allowed: readonly T[],
  field: string,
): T | undefined {
  if (raw === undefined || raw === '') return undefined;
  const v = raw.toLowerCase() as T;
  if (!allowed.includes(v)) throw invalid(field, allowed.join(', '));
  return v;
}

export function v11CustomerCouponRoutes(fastify: FastifyInstance, services: Services): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1.1/customer/coupons',
    {
      ...v11Route('read'),
      schema: {
        tags: ['v1.1'],
        summary: 'A customer’s coupons (issued, redeemed, expired) with their redemptions',
        querystring: Type.Object({
          ...FormatQuery,
          ...CustomerQuery,
          start_date: Type.Optional(
            Type.String({ description: 'issued or redeemed on or after (YYYY-MM-DD)' }),
          ),
          end_date: Type.Optional(Type.String({ description: 'issued or redeemed before (YYYY-MM-DD)' })),
          status: Type.Optional(Type.String({ description: COUPON_STATUSES.join(', ') })),
          series_id: Type.Optional(Type.String()),
          store_id: Type.Optional(Type.String({ description: 'active coupons this till may redeem' })),
          order_by: Type.Optional(Type.String({ description: COUPON_ORDERS.join(', ') })),
          sort_order: Type.Optional(Type.String({ description: 'asc or desc (default)' })),
          limit: Type.Optional(
            Type.String({ description: `at most ${MAX_VIEW_COUPONS}; default ${DEFAULT_LIMIT}` }),
          ),
        }),
        response: v11Responses(
          V11Reply(
            {
              pagination: Type.Object({ limit: Type.String(), offset: Type.String(), total: Type.Integer() }),
              customers: Type.Object({ customer: Type.Array(Type.Unknown()) }),
            },
            'customers.customer: the customer with coupons.coupon',
          ),
        ),
      },
    },
    async (request) => {
      const p = principalOf(request);
      const q = request.query;
      let limit = DEFAULT_LIMIT;
      if (q.limit !== undefined && q.limit !== '') {
        limit = Number(q.limit);
        if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_VIEW_COUPONS)
          throw invalid('limit', `an integer from 1 to ${MAX_VIEW_COUPONS}`);
      }
      let seriesId: number | undefined;
      if (q.series_id !== undefined && q.series_id !== '') {
        seriesId = Number(q.series_id);
        if (!Number.isSafeInteger(seriesId) || seriesId <= 0) throw invalid('series_id', 'a series id');
      }
      const sort = oneOf(q.sort_order, ['asc', 'desc'] as const, 'sort_order');
      const { customer, views, total } = await services.couponViews.ofCustomer(
        p,
        refOf(q, p.org.mobileCountryCode),
        {
          status: oneOf(q.status, COUPON_STATUSES, 'status'),
          seriesId,
          tillId: q.store_id === undefined || q.store_id === '' ? undefined : q.store_id,
          startDate: date(q.start_date, 'start_date'),
          endDate: date(q.end_date, 'end_date'),
          orderBy: oneOf(q.order_by, COUPON_ORDERS, 'order_by') ?? 'created_date',
          descending: sort !== 'asc',
          limit,
        },
      );
      return {
        response: {
          pagination: { limit: String(limit), offset: '0', total },
          status: okStatus(TEXT_FLAGS),
          customers: { customer: [toCustomerWithCoupons(customer, views, TEXT_FLAGS)] },
        },
      };
    },
  );
}
