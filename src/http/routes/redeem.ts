// Checking and redeeming routes (docs/api.md §7): is_redeemable, redeem and bulk redeem. Holds are in
// holds.ts, reactivation in reactivation.ts; the wire shapes they share are in wire/redemption.ts.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { parseCustomerRef } from '../../domain/customer.js';
import { CouponError, errorEntry, IS_REDEEM_SUCCESSFUL, PROCESSING_SUCCESSFUL } from '../../domain/errors.js';
import type { OrgSettings } from '../../domain/principal.js';
import type { Services } from '../../services/index.js';
import type { RedeemResult } from '../../services/redemption/redeem.js';
import { principalOf } from '../auth.js';
import { answerOnce } from '../idempotency.js';
import { QueryList, splitList, Warnings, withErrors } from '../wire/common.js';
import { SourceQuery, SOURCES } from '../wire/coupon.js';
import {
  CustomerIdentifierQuery,
  CustomerReply,
  fromLookupQuery,
  toCustomerReply,
} from '../wire/customer.js';
import {
  BulkRedeemItem,
  CheckedItem,
  customerOf,
  failures,
  overallStatus,
  parseBill,
  parseCouponList,
  parseHoldId,
  parseRedemptionTime,
  parseTransactionNumber,
  RedeemBody,
  RedeemedItem,
  RedemptionStatus,
  toCheckedItem,
  toRedeemedItem,
  type RedeemBodyIn,
} from '../wire/redemption.js';
import { detailFields, seriesSummary } from '../wire/redemption-details.js';
import { codeCase, CodeCaseQuery, CustomerQuery } from '../wire/v11/customer.js';
import { toSeriesReply } from '../wire/series.js';

const RedeemReply = Type.Object({
  redemption: Type.Array(RedeemedItem),
  redemptionStatus: RedemptionStatus,
  customer: CustomerReply,
  warnings: Warnings,
});
const CheckReply = Type.Object({
  customer: CustomerReply,
  redemption: Type.Array(CheckedItem),
  redemptionStatus: RedemptionStatus,
  warnings: Warnings,
});
const BulkRedeemReply = Type.Object({
  response: Type.Array(BulkRedeemItem),
  totalCount: Type.Integer(),
  failureCount: Type.Integer(),
  warnings: Warnings,
});

const CheckQuery = Type.Object({
  ...CustomerIdentifierQuery,
  external_id: CustomerQuery.external_id,
  card_number: CustomerQuery.card_number,
  card_external_id: CustomerQuery.card_external_id,
  ...CodeCaseQuery,
  code: Type.Optional(QueryList),
  couponId: Type.Optional(QueryList),
  details: Type.Optional(
    Type.String({ description: 'true: series details; extended: the series configuration too' }),
  ),
  billAmount: Type.Optional(Type.String()),
  transactionNumber: Type.Optional(Type.String()),
  redemptionTime: Type.Optional(Type.String()),
});

function checkSource(source: string | undefined): void {
  if (
    source !== undefined &&
    source !== '' &&
    !(SOURCES as readonly string[]).includes(source.toUpperCase())
  ) {
    throw new CouponError('InvalidSource', `${source}; expected one of ${SOURCES.join(', ')}`);
  }
}

/** What a redeem body asks for, in service terms. */
function redeemInput(body: RedeemBodyIn, org: OrgSettings, tillId: string | null, allowPartial: boolean) {
  const codes = parseCouponList(body.redemptionRequestList as { code?: unknown; id?: unknown }[] | undefined);
  if (codes.length === 0) throw new CouponError('CouponIdOrCodeMissing');
  return {
    ref: customerOf(body.user, org),
    codes,
    bill: parseBill(body.billAmount, false),
    billNumber: parseTransactionNumber(body.transactionNumber),
    at: parseRedemptionTime(body.redemptionTime, org.timezone),
    holdId: parseHoldId(body.holdId),
    allowPartial,
    tillId,
  };
}

export function redeemRoutes(fastify: FastifyInstance, services: Services): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v2/coupon/is_redeemable',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['redeeming'],
        summary: 'Run the redemption checks for codes (comma-separated) without redeeming',
        querystring: CheckQuery,
        response: withErrors({ 200: CheckReply }),
      },
    },
    async (request) => {
      const p = principalOf(request);
      const q = request.query;
      const codes = [
        ...splitList(q.code as string[] | undefined).map((code) => ({ code })),
        ...splitList(q.couponId as string[] | undefined).map((v) => {
          const n = Number(v);
          if (!Number.isSafeInteger(n) || n <= 0)
            throw new CouponError('InvalidInput', 'couponId: coupon ids');
          return { couponId: n };
        }),
      ];
      if (codes.length === 0) throw new CouponError('CouponIdOrCodeMissing');
      const details = (q.details ?? 'false').toLowerCase();
      if (!['true', 'false', 'extended'].includes(details))
        throw new CouponError('InvalidInput', 'details: true, false or extended');
      // Both spellings of the identifiers (v2 camelCase, v1.1 snake_case; docs/api.md §4).
      const ref = parseCustomerRef(
        {
          ...fromLookupQuery(q),
          external_id: q.external_id,
          card_number: q.card_number,
          card_external_id: q.card_external_id,
        },
        p.org.mobileCountryCode,
      );
      // coupon_code_case as in the v1.1 calls (§14); without it the code shows as today.
      const caseArg = q.coupon_code_case as string | undefined;
      const cased = caseArg ? codeCase(caseArg) : (c: string) => c;
      const result = await services.redemption.check(p, {
        ref,
        codes,
        bill: parseBill(q.billAmount, false),
        billNumber: parseTransactionNumber(q.transactionNumber),
        at: parseRedemptionTime(q.redemptionTime, p.org.timezone),
        tillId: p.tillId,
      });
      let configs = new Map<number, unknown>();
      if (details === 'extended') {
        const ids = [...new Set(result.items.flatMap((o) => (o.series ? [o.series.id] : [])))];
        const { found } = await services.series.get(p, ids);
        configs = new Map(found.map((f) => [f.series.id, toSeriesReply(f.series, f.counters)]));
      }
      const redemption = result.items.map((o) => {
        const checked = toCheckedItem(o, { withDiscount: q.billAmount !== undefined });
        const item = { ...checked, code: cased(checked.code) };
        if (!o.series || (details !== 'true' && details !== 'extended')) return item;
        const config = configs.get(o.series.id);
        return {
          ...item,
          ...detailFields(o.coupon, o.series, details, config),
          // Today's key, kept for older integrations (docs/api.md §7).
          seriesDetails: details === 'true' ? seriesSummary(o.series) : config,
        };
      });
      return {
        customer: toCustomerReply(result.customer),
        redemption,
        redemptionStatus: overallStatus(result.items, IS_REDEEM_SUCCESSFUL),
        warnings: [],
      };
    },
  );

  app.post(
    '/v2/coupon/redeem',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['redeeming'],
        summary:
          'Redeem coupons against a bill: all of them, or none (the failing coupon carries its code, the others 749)',
        body: RedeemBody,
        response: withErrors({ 200: RedeemReply }),
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const input = redeemInput(request.body, p.org, p.tillId, false);
      return answerOnce<RedeemResult>(
        services.idempotency,
        request,
        reply,
        (record) => services.redemption.redeem(p, input, record),
        (result) => {
          const failed = failures(result.items);
          const body = {
            redemption: result.items.map((o) => toRedeemedItem(o)),
            redemptionStatus: overallStatus(result.items, PROCESSING_SUCCESSFUL),
            customer: toCustomerReply(result.customer),
            warnings: [],
          };
          if (failed.length === 0) return { status: 200, body };
          const errors = failed.flatMap((o) =>
            o.decision.kind === 'refuse' && o.decision.reason !== 'OtherCouponFailed'
              ? [errorEntry(o.decision.reason, o.coupon?.code ?? o.raw)]
              : [],
          );
          return { status: 400, body: { errors, ...body } };
        },
      );
    },
  );

  app.post(
    '/v2/coupon/bulk/redeem',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['redeeming'],
        summary: 'Redeem a customer’s coupons against a bill; atomic unless allowPartial=true',
        querystring: Type.Object({
          ...SourceQuery.properties,
          allowPartial: Type.Optional(Type.Boolean()),
          is_redeemable: Type.Optional(
            Type.Boolean({ description: 'true: a dry run: the checks only, nothing is redeemed' }),
          ),
          isredeemable: Type.Optional(Type.Boolean({ description: 'the same as is_redeemable' })),
        }),
        body: RedeemBody,
        response: withErrors({ 200: BulkRedeemReply, 201: BulkRedeemReply }),
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const q = request.query;
      checkSource(q.source);
      const input = redeemInput(request.body, p.org, p.tillId, q.allowPartial === true);
      // A dry run (a till validating a cart before payment) runs the same checks as the redeem and writes
      // nothing: the check path of the redemption service, answered in the bulk shape.
      const dryRun = q.is_redeemable === true || q.isredeemable === true;
      const success = dryRun ? IS_REDEEM_SUCCESSFUL : PROCESSING_SUCCESSFUL;
      return answerOnce<RedeemResult>(
        services.idempotency,
        request,
        reply,
        (record) =>
          dryRun
            ? services.redemption.check(p, input, { asRedeem: true })
            : services.redemption.redeem(p, input, record),
        (result) => {
          const response = result.items.map((o) => ({
            entityId: o.coupon?.id ?? o.raw,
            result: toRedeemedItem(o, success),
            errors: o.decision.kind === 'refuse' ? [errorEntry(o.decision.reason)] : [],
          }));
          const failureCount = failures(result.items).length;
          const status = failureCount === 0 ? 200 : failureCount < result.items.length ? 201 : 400;
          return {
            status,
            body: {
              response,
              totalCount: result.items.length,
              failureCount,
              warnings: [],
              ...(status === 400
                ? { errors: response.flatMap((r) => r.errors).filter((e) => e.code !== 749) }
                : {}),
            },
          };
        },
      );
    },
  );
}
