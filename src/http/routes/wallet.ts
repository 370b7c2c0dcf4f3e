// A customer's wallet: GET /v2/customers/coupons (the basic, paged list) and GET /v2/customers/{id}/coupons
// (the detailed list), docs/api.md §6 "Wallet".
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { invalid } from '../../domain/errors.js';
import { parseCustomerRef } from '../../domain/customer.js';
import { CODE_CASES, parseCodeCase, parseStatuses, WALLET_STATUSES } from '../../domain/wallet.js';
import type { Services } from '../../services/index.js';
import { principalOf } from '../auth.js';
import { IdSchema, OffsetSchema, QueryList, splitList, withErrors } from '../wire/common.js';
import { DetailedWalletReply, toDetailedWalletReply, toWalletReply, WalletReply } from '../wire/wallet.js';

/** At most this many coupons in one answer. */
export const MAX_WALLET_PAGE = 1000;

const PageQuery = {
  status: Type.Optional({
    ...QueryList,
    description: `any of ${WALLET_STATUSES.join(', ')} (repeated or comma-separated; none: every coupon)`,
  }),
  coupon_code_case: Type.Optional(Type.String({ description: CODE_CASES.join(', ') + ' (default UPPER)' })),
  sort_order: Type.Optional(Type.String({ description: 'ASC or DESC (default: newest first)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_WALLET_PAGE, default: 100 })),
  offset: Type.Optional(OffsetSchema),
};

const WalletQuery = Type.Object({
  mobile: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  external_Id: Type.Optional(Type.String()),
  externalId: Type.Optional(Type.String()),
  id: Type.Optional(Type.String()),
  ...PageQuery,
});

interface PageIn {
  status?: string[];
  coupon_code_case?: string;
  sort_order?: string;
  limit?: number;
  offset?: number;
}

function pageOf(q: PageIn) {
  const order = (q.sort_order ?? 'DESC').trim().toUpperCase();
  if (order !== 'ASC' && order !== 'DESC') throw invalid('sort_order', 'ASC or DESC');
  return {
    statuses: parseStatuses(splitList(q.status)),
    codeCase: parseCodeCase(q.coupon_code_case, 'coupon_code_case'),
    order: order as 'ASC' | 'DESC',
    limit: q.limit ?? 100,
    offset: q.offset ?? 0,
  };
}

export function walletRoutes(fastify: FastifyInstance, services: Services): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v2/customers/coupons',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['customers'],
        summary:
          "A customer's coupons (by mobile, email, external_Id or id), filtered by status, a page at a time",
        querystring: WalletQuery,
        response: withErrors({ 200: WalletReply }),
      },
    },
    async (request) => {
      const p = principalOf(request);
      const q = request.query;
      const page = pageOf(q);
      const customer = parseCustomerRef(
        { id: q.id, mobile: q.mobile, email: q.email, externalId: q.external_Id ?? q.externalId },
        p.org.mobileCountryCode,
      );
      if (Object.keys(customer).length === 0) {
        throw invalid('mobile, email, external_Id or id', 'one customer identifier is required');
      }
      const wallet = await services.wallet.list(p, { customer, ...page });
      return toWalletReply(wallet, page, page.codeCase, p.org.timezone);
    },
  );

  app.get(
    '/v2/customers/:id/coupons',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['customers'],
        summary: "A customer's coupons in detail (series, status, redemptions), a page at a time",
        params: Type.Object({ id: IdSchema }),
        querystring: Type.Object(PageQuery),
        response: withErrors({ 200: DetailedWalletReply }),
      },
    },
    async (request) => {
      const p = principalOf(request);
      const { id } = request.params;
      const page = pageOf(request.query);
      const wallet = await services.wallet.list(p, { customer: { id }, ...page });
      return toDetailedWalletReply(wallet, page, page.codeCase, p.org.timezone);
    },
  );
}
