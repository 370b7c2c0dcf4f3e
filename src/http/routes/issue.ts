// Issuing routes (docs/api.md §6): single, bulk (one coupon per series) and multiple (several of one series).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { parseCustomerRef, type Customer, type CustomerRef } from '../../domain/customer.js';
import { CouponError, errorEntry, invalid, type ErrorEntry } from '../../domain/errors.js';
import { MAX_BULK_SERIES, MAX_MULTIPLE_ISSUE } from '../../domain/issuance.js';
import type { OrgSettings } from '../../domain/principal.js';
import type { IssueOutcome, IssueResult, MultipleResult } from '../../services/issue-coupon.js';
import type { Services } from '../../services/index.js';
import { principalOf } from '../auth.js';
import { answerOnce } from '../idempotency.js';
import { withErrors } from '../wire/common.js';
import { refusal } from '../wire/refusal.js';
import {
  BulkIssueBody,
  BulkItem,
  IssueBody,
  IssuedCoupon,
  MultipleIssueBody,
  parseSeriesId,
  SOURCES,
  SourceQuery,
  toIssuedCoupon,
  type CustomerRefIn,
} from '../wire/coupon.js';
import { CouponConfig, toCouponConfig } from '../wire/coupon-config.js';
import { CustomerReply, toCustomerReply } from '../wire/customer.js';

/** docs/api.md §11: an unknown tag of the SMS template is left out of the message and reported, never a failure. */
function warningsOf(outcome: IssueOutcome): unknown[] {
  if (outcome.kind === 'resent') return [RESENT];
  if (outcome.kind !== 'issued') return [];
  return outcome.smsUnknownTags.map((tag) => ({
    code: 700,
    reason: 'UNKNOWN_SMS_TAG',
    message: `smsTemplate: unknown tag {{${tag}}} left out of the message`,
  }));
}

/** A resend is not a refusal: the existing coupon is answered with this warning (docs/api.md §6). */
const RESENT = {
  code: 722,
  reason: 'EXISTING_COUPON_RESENT',
  message: 'the customer already holds an active coupon of this series; it is answered again',
};

const IssueReply = Type.Object({
  ...IssuedCoupon.properties,
  customer: CustomerReply,
  warnings: Type.Array(Type.Unknown()),
});

const BulkReply = Type.Object({
  response: Type.Array(BulkItem),
  totalCount: Type.Integer(),
  failureCount: Type.Integer(),
  warnings: Type.Array(Type.Unknown()),
});

const MultipleReply = Type.Object({
  coupons: Type.Array(
    Type.Object({
      ...IssuedCoupon.properties,
      couponId: Type.Integer(),
      warnings: Type.Array(Type.Unknown()),
    }),
  ),
  couponConfig: Type.Union([CouponConfig, Type.Null()]),
  totalCount: Type.Integer(),
  failureCount: Type.Integer(),
  successCount: Type.Integer(),
  errors: Type.Array(Type.Unknown()),
  customer: CustomerReply,
  warnings: Type.Array(Type.Unknown()),
});

function checkSource(source: string | undefined, required: boolean): void {
  if (source === undefined || source === '') {
    if (required) throw new CouponError('InvalidSource', `source is required: one of ${SOURCES.join(', ')}`);
    return;
  }
  if (!(SOURCES as readonly string[]).includes(source.toUpperCase())) {
    throw new CouponError('InvalidSource', `${source}; expected one of ${SOURCES.join(', ')}`);
  }
}

/** The customer a body names, and names for an on-the-fly registration. */
function customerOf(
  raw: CustomerRefIn | undefined,
  org: OrgSettings,
): { ref: CustomerRef; names: { firstName?: string | null; lastName?: string | null } } {
  // docs/errors.md: a missing field is 629 (an identifier that names nobody or is malformed stays 721).
  if (!raw) throw invalid('customer', 'an object with id, mobile, email or externalId');
  const names: { firstName?: string | null; lastName?: string | null } = {};
  if (typeof raw.firstName === 'string' && raw.firstName.trim()) names.firstName = raw.firstName.trim();
  if (typeof raw.lastName === 'string' && raw.lastName.trim()) names.lastName = raw.lastName.trim();
  return { ref: parseCustomerRef(raw, org.mobileCountryCode), names };
}

function refusalEntry(outcome: Extract<IssueOutcome, { kind: 'refused' }>): ErrorEntry {
  return errorEntry(outcome.reason, outcome.detail);
}

/** docs/api.md §3: 200 when all succeeded, 201 when some failed, 400 when all failed. */
function batchStatus(failures: number, total: number): number {
  return failures === 0 ? 200 : failures < total ? 201 : 400;
}

export function issueRoutes(fastify: FastifyInstance, services: Services): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v2/coupon/issue',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['issuing'],
        summary: 'Issue a coupon of a series to a customer (registered on the fly when unknown)',
        querystring: SourceQuery,
        body: IssueBody,
        response: withErrors({ 200: IssueReply }),
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      checkSource(request.query.source, false);
      const body = request.body;
      const seriesId = parseSeriesId(body.seriesId);
      if (seriesId === undefined) throw new CouponError('SeriesIdMissing');
      const { ref, names } = customerOf(body.customer, p.org);
      return answerOnce<IssueResult>(
        services.idempotency,
        request,
        reply,
        (record) => services.issuing.issue(p, seriesId, ref, names, record),
        ({ customer, outcome }) => {
          if (outcome.kind === 'refused')
            return { status: 400, body: refusal('v2', outcome.reason, outcome.detail).body };
          const { redemptionCount, id, ...fields } = toIssuedCoupon(outcome.coupon, outcome.series);
          return {
            status: 200,
            body: {
              ...fields,
              customer: toCustomerReply(customer),
              redemptionCount,
              id,
              warnings: warningsOf(outcome),
            },
          };
        },
      );
    },
  );

  app.post(
    '/v2/coupon/bulk/issue',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['issuing'],
        summary: 'Issue one coupon of each series to a customer; each series succeeds or fails on its own',
        querystring: SourceQuery,
        body: BulkIssueBody,
        response: withErrors({
          200: BulkReply,
          201: BulkReply,
          400: Type.Union([
            BulkReply,
            Type.Object({ errors: Type.Array(Type.Unknown()), warnings: Type.Array(Type.Unknown()) }),
          ]),
        }),
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      // The later edition's sample sends no source (docs/api.md §6): absent is fine, a wrong one 777.
      checkSource(request.query.source, false);
      const body = request.body;
      const ids = (body.seriesIds ?? []).map((v) => parseSeriesId(v, 'seriesIds'));
      if (ids.length === 0 || ids.some((id) => id === undefined)) throw new CouponError('SeriesIdMissing');
      if (ids.length > MAX_BULK_SERIES)
        throw new CouponError('InvalidInput', `seriesIds: at most ${MAX_BULK_SERIES} series in one request`);
      const { ref, names } = customerOf(body.customer, p.org);
      return answerOnce<{ customer: Customer; outcomes: IssueOutcome[] }>(
        services.idempotency,
        request,
        reply,
        (record) => services.issuing.issueBulk(p, ids as number[], ref, names, record),
        ({ outcomes }) => {
          const response = outcomes.map((o, i) =>
            o.kind === 'refused'
              ? { entityId: ids[i]!, result: null, errors: [refusalEntry(o)], warnings: [] }
              : {
                  entityId: o.series.id,
                  result: toIssuedCoupon(o.coupon, o.series),
                  errors: [],
                  warnings: warningsOf(o),
                },
          );
          const failureCount = outcomes.filter((o) => o.kind === 'refused').length;
          return {
            status: batchStatus(failureCount, outcomes.length),
            body: { response, totalCount: outcomes.length, failureCount, warnings: [] },
          };
        },
      );
    },
  );

  app.post(
    '/v2/coupon/issue/multiple',
    {
      config: { scope: 'write' },
      schema: {
        tags: ['issuing'],
        summary: 'Issue several coupons of one series to one customer (count 1–500), each under the limits',
        body: MultipleIssueBody,
        response: withErrors({
          200: MultipleReply,
          201: MultipleReply,
          400: Type.Union([
            MultipleReply,
            Type.Object({ errors: Type.Array(Type.Unknown()), warnings: Type.Array(Type.Unknown()) }),
          ]),
        }),
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const body = request.body;
      const seriesId =
        body.seriesIds !== undefined && body.seriesIds !== null && body.seriesIds !== ''
          ? parseSeriesId(body.seriesIds, 'seriesIds')
          : parseSeriesId(body.seriesId);
      if (seriesId === undefined) throw new CouponError('SeriesIdMandatory');
      const count = body.count ?? 1;
      if (count < 1) throw new CouponError('CountNotPositive');
      if (count > MAX_MULTIPLE_ISSUE) throw new CouponError('CountTooLarge');
      const { ref } = customerOf(body.customer, p.org);
      return answerOnce<MultipleResult>(
        services.idempotency,
        request,
        reply,
        (record) => services.issuing.issueMultiple(p, seriesId, count, ref, record),
        ({ customer, outcomes, counters }) => {
          const coupons = outcomes.flatMap((o) => {
            if (o.kind === 'refused') return [];
            const c = toIssuedCoupon(o.coupon, o.series);
            return [{ ...c, couponId: c.id, warnings: warningsOf(o) }];
          });
          const errors = outcomes.flatMap((o) => (o.kind === 'refused' ? [refusalEntry(o)] : []));
          const issued = outcomes.find((o) => o.kind !== 'refused');
          return {
            status: batchStatus(errors.length, outcomes.length),
            body: {
              coupons,
              couponConfig: issued && counters ? toCouponConfig(issued.series, counters) : null,
              totalCount: outcomes.length,
              failureCount: errors.length,
              successCount: coupons.length,
              errors,
              customer: toCustomerReply(customer),
              warnings: [],
            },
          };
        },
      );
    },
  );
}
