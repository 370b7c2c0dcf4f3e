// Hold routes (docs/api.md §8): reserve coupons for one checkout, release a hold.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { errorEntry } from '../../domain/errors.js';
import { DEFAULT_HOLD_SECONDS, type HoldResult } from '../../services/redemption/holds.js';
import type { Services } from '../../services/index.js';
import { principalOf } from '../auth.js';
import { answerOnce } from '../idempotency.js';
import { IdSchema, Warnings, withErrors } from '../wire/common.js';
import {
  CheckedItem,
  customerOf,
  failures,
  HoldBody,
  parseBill,
  parseTransactionNumber,
  toCheckedItem,
} from '../wire/redemption.js';

const HoldReply = Type.Object({
  holdId: Type.Union([Type.Integer(), Type.Null()]),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  redemption: Type.Array(CheckedItem),
  warnings: Warnings,
});

export function holdRoutes(fastify: FastifyInstance, services: Services): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v2/coupon/hold',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['holds'],
        summary:
          'Run the checks and reserve coupons for one checkout until a redeem with its transactionNumber or holdId',
        body: HoldBody,
        response: withErrors({ 200: HoldReply }),
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const body = request.body;
      const input = {
        ref: customerOf(body.user, p.org),
        codes: body.codes.map((c) => ({ code: String(c) })),
        bill: parseBill(body.billAmount, false),
        ttlSeconds: body.ttlSeconds ?? DEFAULT_HOLD_SECONDS,
        billNumber: parseTransactionNumber(body.transactionNumber),
        tillId: p.tillId,
      };
      return answerOnce<HoldResult>(
        services.idempotency,
        request,
        reply,
        (record) => services.holds.hold(p, input, record),
        (result) => {
          const redemption = result.items.map((o) =>
            toCheckedItem(o, { withDiscount: body.billAmount !== undefined }),
          );
          if (result.holdId === null) {
            const errors = failures(result.items).flatMap((o) =>
              o.decision.kind === 'refuse' && o.decision.reason !== 'OtherCouponFailed'
                ? [errorEntry(o.decision.reason, o.coupon?.code ?? o.raw)]
                : [],
            );
            return { status: 400, body: { errors, holdId: null, expiresAt: null, redemption, warnings: [] } };
          }
          return {
            status: 200,
            body: {
              holdId: result.holdId,
              expiresAt: new Date(result.expiresAt).toISOString(),
              redemption,
              warnings: [],
            },
          };
        },
      );
    },
  );

  app.delete(
    '/v2/coupon/hold/:holdId',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['holds'],
        summary: 'Release a hold (an expired hold has released itself already)',
        params: Type.Object({ holdId: IdSchema }),
        response: withErrors({
          200: Type.Object({ holdId: Type.Integer(), status: Type.String(), warnings: Warnings }),
        }),
      },
    },
    async (request) => {
      const { holdId } = request.params;
      return { ...(await services.holds.release(principalOf(request), holdId)), warnings: [] };
    },
  );
}
