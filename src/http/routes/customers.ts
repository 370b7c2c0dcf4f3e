// Customer routes (docs/api.md §4 beyond): register and look up.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { ResolvedCustomer } from '../../services/customers.js';
import type { Services } from '../../services/index.js';
import { principalOf } from '../auth.js';
import { answerOnce } from '../idempotency.js';
import { withErrors } from '../wire/common.js';
import {
  fromLookupQuery,
  fromRegisterBody,
  LookupQuerySchema,
  LookupReply,
  RegisterBody,
  RegisterReply,
  toCustomerReply,
} from '../wire/customer.js';

export function customerRoutes(fastify: FastifyInstance, services: Services): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v2/customers',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['customers'],
        summary: 'Register a customer, or answer the one its identifiers already name',
        body: RegisterBody,
        response: withErrors({ 200: RegisterReply }),
      },
    },
    async (request, reply) => {
      const org = principalOf(request).org;
      const input = fromRegisterBody(request.body);
      return answerOnce<ResolvedCustomer>(
        services.idempotency,
        request,
        reply,
        (record) => services.customers.register(org, input, record),
        ({ customer, created }) => ({
          status: 200,
          body: { customer: toCustomerReply(customer), created, warnings: [] },
        }),
      );
    },
  );

  app.get(
    '/v2/customers/lookup',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['customers'],
        summary: 'Find a customer by id, externalId, mobile or email',
        querystring: LookupQuerySchema,
        response: withErrors({ 200: LookupReply }),
      },
    },
    async (request) => {
      const org = principalOf(request).org;
      const customer = await services.customers.lookup(org, fromLookupQuery(request.query));
      return { customer: toCustomerReply(customer), warnings: [] };
    },
  );
}
