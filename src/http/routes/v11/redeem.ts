// POST /v1.1/coupon/redeem (docs/api.md §14): each coupon of root.coupon[] is redeemed on its own through the
// v2 redemption service (allowPartial), the coupons of one customer and bill in one call: the same rules,
// limits, history, reactivation and webhooks as POST /v2/coupon/redeem.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { CouponError } from '../../../domain/errors.js';
import type { Principal } from '../../../domain/principal.js';
import type { AnswerInWork } from '../../../services/deps.js';
import type { Services } from '../../../services/index.js';
import type { RedeemResult } from '../../../services/redemption/redeem.js';
import { principalOf } from '../../auth.js';
import { answerOnce } from '../../idempotency.js';
import Type from 'typebox';
import {
  FormatQuery,
  isItemRefusal,
  overallStatus,
  TEXT,
  v11Responses,
  V11Reply,
  v11Route,
} from '../../wire/v11/envelope.js';
import {
  parseRedeemBody,
  RedeemBody,
  toRedeemedItem,
  type LineOutcome,
  type RedeemLine,
} from '../../wire/v11/redemption.js';

/** Redeems each group (one customer, one bill); a refusal of a whole call (701, 721) refuses its lines. */
async function redeemLines(
  services: Services,
  p: Principal,
  lines: readonly RedeemLine[],
  record: AnswerInWork<LineOutcome[]> | undefined,
): Promise<LineOutcome[]> {
  const groups = [...new Set(lines.map((l) => l.group))];
  const outcomes: LineOutcome[] = new Array<LineOutcome>(lines.length);
  for (const group of groups) {
    const members = lines.flatMap((l, i) => (l.group === group ? [i] : []));
    const first = lines[members[0]!]!;
    const place = (result: RedeemResult) => {
      members.forEach((i, k) => {
        outcomes[i] = { kind: 'decided', customer: result.customer, item: result.items[k]! };
      });
    };
    // The answer is stored in the redemption's own transaction (an Idempotency-Key replay never redeems
    // twice); a request with a key and several groups is refused before this (docs/api.md §14).
    const inWork: AnswerInWork<RedeemResult> | undefined =
      record && groups.length === 1
        ? function* (result) {
            place(result);
            yield* record(outcomes);
          }
        : undefined;
    try {
      place(
        await services.redemption.redeem(
          p,
          {
            ref: first.ref,
            codes: members.map((i) => lines[i]!.named),
            bill: first.bill,
            billNumber: first.billNumber,
            at: undefined,
            holdId: null,
            allowPartial: true,
            tillId: p.tillId,
            customFields: first.customFields,
          },
          inWork,
        ),
      );
    } catch (e) {
      if (!isItemRefusal(e)) throw e;
      for (const i of members) outcomes[i] = { kind: 'refused', reason: e.reason };
    }
  }
  return outcomes;
}

export function v11RedeemRoutes(fastify: FastifyInstance, services: Services): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v1.1/coupon/redeem',
    {
      ...v11Route('write'),
      schema: {
        tags: ['v1.1'],
        summary:
          'Redeem coupons, each on its own: 200 when any was redeemed, 400 when none was (each item says why)',
        querystring: Type.Object(FormatQuery),
        body: RedeemBody,
        response: v11Responses(
          V11Reply(
            { coupons: Type.Object({ coupon: Type.Unknown() }) },
            'coupons.coupon: one item (one coupon) or a list',
          ),
          {
            400: V11Reply(
              { coupons: Type.Optional(Type.Object({ coupon: Type.Unknown() })) },
              'every coupon was refused (each item says why; code 500 in the body), or a refused request',
            ),
          },
        ),
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const lines = parseRedeemBody(request.body, p.org.mobileCountryCode);
      // Several customers or bills are several transactions: a stored answer could not be atomic with all
      // of them, so an Idempotency-Key is only taken for one customer and bill (docs/api.md §14).
      if (request.idempotency && new Set(lines.map((l) => l.group)).size > 1)
        throw new CouponError(
          'InvalidInput',
          'Idempotency-Key: a v1.1 redeem with a key takes one customer and one bill (send one request per bill)',
        );
      return answerOnce<LineOutcome[]>(
        services.idempotency,
        request,
        reply,
        (record) => redeemLines(services, p, lines, record),
        (outcomes) => {
          const items = lines.map((line, i) => toRedeemedItem(TEXT, line, outcomes[i]!));
          const failed = outcomes.filter(
            (o) => o.kind === 'refused' || o.item.decision.kind === 'refuse',
          ).length;
          const { http, status } = overallStatus(TEXT, items.length, failed);
          return {
            status: http,
            body: { response: { status, coupons: { coupon: items.length === 1 ? items[0] : items } } },
          };
        },
      );
    },
  );
}
