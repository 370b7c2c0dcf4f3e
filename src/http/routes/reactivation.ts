// Reactivation route (docs/api.md §7): undo redemptions by id, or everything redeemed on a customer's bill.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { CouponError, PROCESSING_SUCCESSFUL, SUCCESS_CODE } from '../../domain/errors.js';
import type { AnswerInWork } from '../../services/deps.js';
import type { Services } from '../../services/index.js';
import { principalOf } from '../auth.js';
import { answerOnce } from '../idempotency.js';
import { Warnings, withErrors } from '../wire/common.js';
import type { CustomerRefIn } from '../wire/coupon.js';
import { customerOf, parseTransactionNumber, ReactivateBody, RedemptionStatus } from '../wire/redemption.js';

const ReactivateReply = Type.Object({
  reactivated: Type.Array(Type.Integer()),
  redemptionStatus: RedemptionStatus,
  warnings: Warnings,
});

export function reactivationRoutes(app: FastifyInstance, services: Services): void {
  app.post(
    '/v2/coupon/reactivate',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['redeeming'],
        summary:
          'Undo redemptions by id, or everything redeemed on a customer’s bill (transactionNumber + user)',
        body: ReactivateBody,
        response: withErrors({ 200: ReactivateReply }),
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const body = request.body as {
        redemptionIds?: (number | string)[];
        transactionNumber?: string | number;
        user?: CustomerRefIn;
      };
      let work: (record: AnswerInWork<number[]> | undefined) => Promise<number[]>;
      if (body.redemptionIds !== undefined || body.transactionNumber === undefined) {
        const ids = (body.redemptionIds ?? []).map((v) => {
          const n = Number(v);
          if (!Number.isSafeInteger(n) || n <= 0) throw new CouponError('RedemptionIdsInvalid', String(v));
          return n;
        });
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
          reactivated,
          redemptionStatus: { status: true, message: PROCESSING_SUCCESSFUL, code: SUCCESS_CODE },
          warnings: [],
        },
      }));
    },
  );
}
