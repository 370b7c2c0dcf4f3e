// POST /v1.1/coupon/issue (docs/api.md §14): one coupon of a series to a customer, through the v2 issue service
// (the customer is registered on the fly, cards included; the same limits, SMS and history).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { invalid } from '../../../domain/errors.js';
import type { Services } from '../../../services/index.js';
import type { IssueResult } from '../../../services/issue-coupon.js';
import { principalOf } from '../../auth.js';
import { answerOnce } from '../../idempotency.js';
import { toIssuedCoupon, toRefusedIssue } from '../../wire/v11/coupon.js';
import { customerBrief, refOf } from '../../wire/v11/customer.js';
import {
  FormatQuery,
  JSON_VALUES,
  okStatus,
  overallStatus,
  v11Responses,
  V11Reply,
  v11Route,
} from '../../wire/v11/envelope.js';

const Loose = { additionalProperties: true };
const Text = Type.Union([Type.String({ maxLength: 320 }), Type.Number(), Type.Null()]);
const IssueItem = Type.Object(
  {
    series_id: Type.Union([Type.String({ maxLength: 32 }), Type.Integer()]),
    customer: Type.Object(
      {
        mobile: Type.Optional(Text),
        email: Type.Optional(Text),
        external_id: Type.Optional(Text),
        id: Type.Optional(Text),
        card_number: Type.Optional(Text),
        card_external_id: Type.Optional(Text),
        firstname: Type.Optional(Text),
        lastname: Type.Optional(Text),
      },
      Loose,
    ),
  },
  Loose,
);
const IssueBody = Type.Object(
  {
    root: Type.Object(
      { coupon: Type.Union([IssueItem, Type.Array(IssueItem, { minItems: 1, maxItems: 1 })]) },
      Loose,
    ),
  },
  { ...Loose, description: 'root.coupon: the series and the customer (one coupon per request)' },
);
const name = (v: unknown): string | null =>
  typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, 200) : null;

export function v11IssueRoutes(fastify: FastifyInstance, services: Services): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v1.1/coupon/issue',
    {
      ...v11Route('write'),
      schema: {
        tags: ['v1.1'],
        summary: 'Issue a coupon of a series to a customer (registered when new)',
        querystring: Type.Object(FormatQuery),
        body: IssueBody,
        response: v11Responses(V11Reply({ coupon: Type.Unknown() }, 'response.coupon: the coupon issued'), {
          400: V11Reply(
            { coupon: Type.Optional(Type.Unknown()) },
            'the coupon was not issued (item_status says why)',
          ),
        }),
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const root = request.body.root;
      const item = Array.isArray(root.coupon) ? root.coupon[0]! : root.coupon;
      const seriesId = Number(item.series_id);
      if (!Number.isSafeInteger(seriesId) || seriesId <= 0)
        throw invalid('root.coupon.series_id', 'a series id');
      const ref = refOf(item.customer, p.org.mobileCountryCode);
      const names = { firstName: name(item.customer.firstname), lastName: name(item.customer.lastname) };
      return answerOnce<IssueResult>(
        services.idempotency,
        request,
        reply,
        (record) => services.issuing.issue(p, seriesId, ref, names, record),
        ({ customer, outcome }) => {
          if (outcome.kind === 'refused') {
            const { http, status } = overallStatus(JSON_VALUES, 1, 1);
            return {
              status: http,
              body: {
                response: {
                  status,
                  coupon: toRefusedIssue(String(seriesId), customerBrief(customer), outcome.reason),
                },
              },
            };
          }
          return {
            status: 200,
            body: {
              response: {
                status: okStatus(JSON_VALUES),
                coupon: toIssuedCoupon(outcome.coupon, outcome.series, customer),
              },
            },
          };
        },
      );
    },
  );
}
