// Reactivation route (docs/api.md §7): undo redemptions by id, or everything redeemed on a customer's bill;
// and the redeem update (PUT /v2/coupon/redeem): the bill of redemptions, changed after the fact.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { CouponError, PROCESSING_SUCCESSFUL, SUCCESS_CODE } from '../../domain/errors.js';
import type { AnswerInWork } from '../../services/deps.js';
import type { Services } from '../../services/index.js';
import { principalOf } from '../auth.js';
import { answerOnce } from '../idempotency.js';
import { Warnings, withErrors } from '../wire/common.js';
import {
  parseRedeemUpdate,
  RedeemUpdateBody,
  RedeemUpdateReply,
  toRedeemUpdateReply,
} from '../wire/redeem-update.js';
import { customerOf, parseTransactionNumber, ReactivateBody, RedemptionStatus } from '../wire/redemption.js';

/** The later edition's `{warnings, errors, success}`, with today's `reactivated` and `redemptionStatus` kept. */
const ReactivateReply = Type.Object({
  warnings: Warnings,
  errors: Type.Array(Type.Unknown()),
  success: Type.Boolean(),
  reactivated: Type.Array(Type.Integer()),
  redemptionStatus: RedemptionStatus,
});

/** Redemption ids as an array, a comma-separated string, or array items that are themselves lists. */
function parseRedemptionIds(raw: unknown): number[] {
  if (raw === undefined || raw === null) return [];
  const parts = (Array.isArray(raw) ? raw : [raw]).flatMap((v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x !== '')
      : [v],
  );
  return parts.map((v) => {
    const n = typeof v === 'string' || typeof v === 'number' ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n <= 0) throw new CouponError('RedemptionIdsInvalid', String(v));
    return n;
  });
}

export function reactivationRoutes(fastify: FastifyInstance, services: Services): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v2/coupon/reactivate',
    {
      config: { scope: 'write', errorShape: 'success' },
      schema: {
        tags: ['redeeming'],
        summary:
          'Undo redemptions by id (an array or a comma-separated string), or everything redeemed on a customer’s bill (transactionNumber + user)',
        body: ReactivateBody,
        response: withErrors({ 200: ReactivateReply }),
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const body = request.body;
      let work: (record: AnswerInWork<number[]> | undefined) => Promise<number[]>;
      if (body.redemptionIds !== undefined || body.transactionNumber === undefined) {
        const ids = parseRedemptionIds(body.redemptionIds);
        work = (record) => services.reactivation.byIds(p, ids, record);
      } else {
        const txn = parseTransactionNumber(body.transactionNumber);
        if (txn === null) throw new CouponError('InvalidInput', 'transactionNumber: the bill to undo');
        const ref = customerOf(body.user, p.org);
        work = (record) => services.reactivation.byBill(p, ref, txn, record);
      }
      return answerOnce(services.idempotency, request, reply, work, (reactivated) => ({
        status: 200,
        body: {
          warnings: [],
          errors: [],
          success: true,
          reactivated,
          redemptionStatus: { status: true, message: PROCESSING_SUCCESSFUL, code: SUCCESS_CODE },
        },
      }));
    },
  );

  app.put(
    '/v2/coupon/redeem',
    {
      config: { scope: 'write', errorShape: 'success' },
      schema: {
        tags: ['redeeming'],
        summary:
          'Change the bill number, bill amount, bill id and custom fields of redemptions, each on its own (the checks do not run again)',
        body: RedeemUpdateBody,
        response: withErrors({ 200: RedeemUpdateReply }),
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const input = parseRedeemUpdate(request.body, p.org);
      return answerOnce(
        services.idempotency,
        request,
        reply,
        (record) => services.redemptionUpdate.update(p, input, record),
        toRedeemUpdateReply,
      );
    },
  );
}
