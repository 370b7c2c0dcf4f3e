// Issuing coupons (docs/api.md §6): one coupon, one coupon of several series, or several of one series, to a
// customer named by any identifier (registered on the fly). Transaction boundary: docs/architecture.md "Issue".
import { createCodeGenerator } from '../domain/code-generator.js';
import type { Coupon } from '../domain/coupon.js';
import type { Customer, CustomerRef } from '../domain/customer.js';
import { CouponError, type CouponErrorName } from '../domain/errors.js';
import { decideIssue, isCouponUsable, MAX_BULK_SERIES, MAX_MULTIPLE_ISSUE } from '../domain/issuance.js';
import { DAY_MS } from '../domain/clock.js';
import type { OrgSettings, Principal } from '../domain/principal.js';
import {
  UNLIMITED,
  type CodeFormat,
  type CustomerSeriesCounts,
  type Series,
  type SeriesCounters,
} from '../domain/series.js';
import type { Script } from '../storage/script.js';
import type { Stores } from '../storage/stores.js';
import { resolveCustomer } from './customers.js';
import { issuePrefetchReads, readIssueState, readIssueStates, type IssuePrefetch } from './issue-reads.js';
import type { AnswerInWork, StorageDeps } from './deps.js';
import type { Metrics } from './metrics.js';
import { enqueueIssueSms } from './notifications.js';

/** How often a generated code may clash with an existing one before the issue fails; at ≤1 % occupancy, never. */
const CODE_ATTEMPTS = 10;

export type IssueOutcome =
  | {
      kind: 'issued';
      coupon: Coupon;
      series: Series;
      /** Unknown tags of the SMS template, left out. */ smsUnknownTags: string[];
    }
  | { kind: 'resent'; coupon: Coupon; series: Series }
  | { kind: 'refused'; reason: CouponErrorName; detail?: string };

export interface IssueOptions {
  /** Who is issuing, for coupon history: `client:KEY` or `upload:JOB`. */
  actor: string;
  /** The issuing till (a client's till), checked against the series' storeIdsJson. */
  tillId: string | null;
  via: 'api' | 'upload';
  /** A specific code to issue (a tagged upload row); the code must not exist yet. */
  code?: string;
  uploadJobId?: number;
}

const generators = new Map<string, () => string>();
/** One buffered generator per code format: bulk issues draw from a refilled CSPRNG buffer. */
function nextCode(format: CodeFormat): string {
  const key = JSON.stringify(format);
  let g = generators.get(key);
  if (!g) {
    if (generators.size > 1000) generators.clear();
    g = createCodeGenerator(format);
    generators.set(key, g);
  }
  return g();
}

/**
 * Issues one coupon of a series to a resolved customer, inside the caller's transaction. Decides with
 * what it reads after taking the customer's lock (and the series counter's when maxCreate is set), then writes with
 * guards; a guard that changes nothing throws RetryConflict so the transaction runs again.
 */
export function* issueToCustomer(
  stores: Stores,
  org: OrgSettings,
  customer: Customer,
  seriesId: number,
  now: number,
  options: IssueOptions,
  /** PostgreSQL: what was read ahead (with a new customer's registration, or for a bulk issue). */
  prefetch?: IssuePrefetch,
): Script<IssueOutcome> {
  const orgId = org.orgId;
  let series: Series | undefined;
  let counters: SeriesCounters;
  let history: CustomerSeriesCounts;
  let mine: Coupon[];
  let couponId: number | undefined;
  let held: number[];
  if (stores.batching) {
    const state = yield* readIssueState(stores, orgId, customer.id, seriesId, prefetch);
    ({ series, counters, history, couponId } = state);
    if (!series) return { kind: 'refused', reason: 'SeriesNotFound', detail: String(seriesId) };
    mine = series.isMultipleVouchersPerUserAllowed ? [] : state.mine;
    // A customer registered by this transaction holds only what it was given in it (`givenHere`).
    held =
      prefetch && !prefetch.known
        ? series.exclusiveSeriesIds.filter((id) => prefetch.givenHere?.includes(id) ?? false)
        : yield* stores.coupon.heldSeries(orgId, customer.id, series.exclusiveSeriesIds);
  } else {
    yield* stores.customer.lock(orgId, customer.id);
    series = yield* stores.series.find(orgId, seriesId);
    if (!series) return { kind: 'refused', reason: 'SeriesNotFound', detail: String(seriesId) };

    if (series.maxCreate !== UNLIMITED) {
      // Lock order (docs/architecture.md): the customer's series row before the series counter, as redeem.
      yield* stores.customerSeries.lock(orgId, customer.id, series.id);
      yield* stores.counter.lockForLimit(orgId, series.id);
    }
    counters = yield* stores.counter.counters(orgId, series.id);
    history = yield* stores.customerSeries.find(orgId, customer.id, series.id);
    held = yield* stores.coupon.heldSeries(orgId, customer.id, series.exclusiveSeriesIds);
    mine = series.isMultipleVouchersPerUserAllowed
      ? []
      : yield* stores.coupon.customerCoupons(orgId, customer.id, series.id);
  }
  const decision = decideIssue({
    series,
    counters: { numIssued: counters.numIssued, poolAvailable: counters.numUploadedNonIssued },
    customerSeries: { issuedCount: history.issuedCount, lastIssuedAt: history.lastIssuedAt },
    activeCoupon: mine.find((c) => isCouponUsable(c, series, now, org.timezone)),
    heldExclusiveSeriesIds: held,
    tillId: options.tillId,
    now,
    timezone: org.timezone,
  });

  if (decision.kind === 'refuse') return { kind: 'refused', reason: decision.reason };
  if (decision.kind === 'resend') {
    yield* stores.event.add({
      org: orgId,
      coupon: decision.coupon.id,
      series: series.id,
      customer: customer.id,
      type: 'resent',
      at: now,
      actor: options.actor,
      details: JSON.stringify({ via: options.via }),
    });
    return { kind: 'resent', coupon: decision.coupon, series };
  }

  // Take the code: a specific one (tagged upload), the pool's oldest, the generic code, or a fresh one.
  let coupon: Coupon | undefined;
  let fromPool = false;
  const base = {
    org: orgId,
    series: series.id,
    customer: customer.id,
    issuedAt: now,
    validTill: decision.validTill,
    uploadJob: options.uploadJobId ?? null,
    by: options.actor,
    now,
  };
  if (options.code !== undefined) {
    coupon = yield* stores.coupon.insert({ ...base, code: options.code, generic: 0, origin: 'uploaded' });
    if (!coupon)
      return { kind: 'refused', reason: 'InvalidInput', detail: 'code already exists in this org' };
  } else if (decision.fromPool) {
    coupon = yield* stores.coupon.claimPool({
      org: orgId,
      series: series.id,
      customer: customer.id,
      now,
      validTill: decision.validTill,
      by: options.actor,
    });
    fromPool = coupon !== undefined;
    if (!coupon && series.clientHandlingType === 'DISC_CODE_PIN')
      return { kind: 'refused', reason: 'CouponsExhausted' };
  }
  if (!coupon && series.clientHandlingType === 'GENERIC') {
    coupon = yield* stores.coupon.insert({
      ...base,
      code: series.genericCode!,
      generic: 1,
      origin: 'generic',
    });
  }
  if (!coupon && couponId !== undefined) {
    // PostgreSQL: a fresh code under an id taken beforehand, not waited for; a clash runs the script again.
    coupon = yield* stores.coupon.insertWithId(
      { ...base, code: nextCode(series.code), generic: 0, origin: 'generated' },
      couponId,
    );
  }
  for (let attempt = 0; !coupon && attempt < CODE_ATTEMPTS; attempt++) {
    coupon = yield* stores.coupon.insert({
      ...base,
      code: nextCode(series.code),
      generic: 0,
      origin: 'generated',
    });
  }
  if (!coupon) throw new Error(`no free code after ${CODE_ATTEMPTS} attempts in series ${series.id}`);

  // Guarded writes: the limits are conditions of the statements themselves.
  const perCustomer = series.isMultipleVouchersPerUserAllowed ? series.maxVouchersPerUser : 1;
  const minGap = series.minDaysBetweenVouchers > 0 ? series.minDaysBetweenVouchers * DAY_MS : 0;
  // Each throws RetryConflict when its guard changes no row (on PostgreSQL, at the COMMIT's round trip).
  yield* stores.customerSeries.addIssueGuarded({
    org: orgId,
    customer: customer.id,
    series: series.id,
    now,
    limit: perCustomer,
    minGap,
  });
  yield* stores.counter.addIssuesWithinMaxCreateGuarded({
    org: orgId,
    series: series.id,
    version: series.configVersion,
    now,
    fromPool: fromPool ? 1 : 0,
    maxCreate: series.maxCreate,
  });
  yield* stores.event.add({
    org: orgId,
    coupon: coupon.id,
    series: series.id,
    customer: customer.id,
    type: 'issued',
    at: now,
    actor: options.actor,
    details: JSON.stringify({ via: options.via, origin: coupon.origin, fromPool }),
  });
  const smsUnknownTags = yield* enqueueIssueSms(stores, org, customer, coupon, series, now);
  return { kind: 'issued', coupon, series, smsUnknownTags };
}

export interface IssueResult {
  customer: Customer;
  outcome: IssueOutcome;
}

export function createIssueService(deps: StorageDeps & { metrics: Metrics }) {
  const { engine, stores, now, metrics } = deps;
  const record = (outcome: IssueOutcome) => {
    if (outcome.kind === 'issued') metrics.issued.inc({ via: 'api' });
    else if (outcome.kind === 'refused') {
      metrics.refusals.inc({ operation: 'issue', code: String(new CouponError(outcome.reason).wireCode) });
    }
  };
  const optionsFor = (p: Principal): IssueOptions => ({
    actor: `client:${p.clientKey}`,
    tillId: p.tillId,
    via: 'api',
  });

  /**
   * One coupon of each series to the customer `ref` names (registered when new), inside the caller's
   * transaction; each series succeeds or is refused on its own (a refusal is an outcome, not a rollback).
   * On PostgreSQL what the decisions read is read ahead for every series at once (docs/architecture.md
   * "Round trips on PostgreSQL"): with a new customer's registration, else in one batch under the
   * customer's lock.
   */
  function* issueSeries(
    p: Principal,
    seriesIds: readonly number[],
    ref: CustomerRef,
    names: { firstName?: string | null; lastName?: string | null },
    t: number,
  ): Script<{ customer: Customer; outcomes: IssueOutcome[] }> {
    const prefetch = issuePrefetchReads(stores, p.orgId, seriesIds);
    const { customer, alongside } = yield* resolveCustomer(stores, p.org, ref, {
      register: true,
      now: t,
      ...names,
      ...(prefetch ? { alongside: prefetch.reads } : {}),
    });
    const ahead =
      prefetch?.of(alongside) ??
      (stores.batching ? yield* readIssueStates(stores, p.orgId, customer.id, seriesIds) : undefined);
    const outcomes: IssueOutcome[] = [];
    const given: number[] = [];
    for (const seriesId of seriesIds) {
      // A series named twice: its second issue reads again, after the first one's writes.
      const readAhead = ahead?.get(seriesId);
      ahead?.delete(seriesId);
      const outcome = yield* issueToCustomer(
        stores,
        p.org,
        customer,
        seriesId,
        t,
        optionsFor(p),
        readAhead && !readAhead.known ? { ...readAhead, givenHere: [...given] } : readAhead,
      );
      if (outcome.kind === 'issued') given.push(seriesId);
      outcomes.push(outcome);
    }
    return { customer, outcomes };
  }

  return {
    /** One coupon of one series (POST /v2/coupon/issue): the customer is resolved or registered first. */
    async issue(
      p: Principal,
      seriesId: number,
      ref: CustomerRef,
      names: { firstName?: string | null; lastName?: string | null } = {},
      answer?: AnswerInWork<IssueResult>,
    ): Promise<IssueResult> {
      const t = now();
      const result = await engine.run(
        function* () {
          const { customer, outcomes } = yield* issueSeries(p, [seriesId], ref, names, t);
          const done = { customer, outcome: outcomes[0]! };
          if (answer) yield* answer(done);
          return done;
        },
        { write: true },
      );
      record(result.outcome);
      return result;
    },

    /** One coupon of each series (POST /v2/coupon/bulk/issue); each series succeeds or fails on its own. */
    async issueBulk(
      p: Principal,
      seriesIds: readonly number[],
      ref: CustomerRef,
      names: { firstName?: string | null; lastName?: string | null } = {},
      answer?: AnswerInWork<MultipleResult>,
    ): Promise<MultipleResult> {
      // Defence in depth: the route's check holds the same bound (all series in one transaction below).
      if (seriesIds.length > MAX_BULK_SERIES)
        throw new CouponError('InvalidInput', `seriesIds: at most ${MAX_BULK_SERIES} series in one request`);
      const t = now();
      // One transaction for all the series (`issueSeries`); under an Idempotency-Key the answer commits
      // with them, so a crash leaves all of it or none.
      const result = await engine.run(
        function* () {
          const { customer, outcomes } = yield* issueSeries(p, seriesIds, ref, names, t);
          const done = { customer, outcomes };
          if (answer) yield* answer(done);
          return done;
        },
        { write: true },
      );
      result.outcomes.forEach(record);
      return result;
    },

    /** `count` coupons of one series to one customer (POST /v2/coupon/issue/multiple), each under the limits. */
    async issueMultiple(
      p: Principal,
      seriesId: number,
      count: number,
      ref: CustomerRef,
      answer?: AnswerInWork<MultipleResult>,
    ): Promise<MultipleResult> {
      // Defence in depth: whatever the HTTP schema let through, the loop below is bounded (issue 15: a count of
      // Infinity once ran it for ever inside one write transaction).
      if (!Number.isSafeInteger(count) || count < 1 || count > MAX_MULTIPLE_ISSUE)
        throw new CouponError('InvalidInput', `count: an integer from 1 to ${MAX_MULTIPLE_ISSUE}`);
      const t = now();
      const result = await engine.run(
        function* () {
          const { customer } = yield* resolveCustomer(stores, p.org, ref, { register: true, now: t });
          const outcomes: IssueOutcome[] = [];
          for (let i = 0; i < count; i++)
            outcomes.push(yield* issueToCustomer(stores, p.org, customer, seriesId, t, optionsFor(p)));
          // The series' counters after these issues, for the answer's couponConfig (docs/api.md §6).
          const counters = outcomes.some((o) => o.kind !== 'refused')
            ? yield* stores.counter.counters(p.orgId, seriesId)
            : undefined;
          const done: MultipleResult = { customer, outcomes, counters };
          if (answer) yield* answer(done);
          return done;
        },
        { write: true },
      );
      result.outcomes.forEach(record);
      return result;
    },
  };
}

export type IssueService = ReturnType<typeof createIssueService>;

/** What issue/multiple answers: each attempt's outcome, and the series' counters when any was issued. */
export interface MultipleResult {
  customer: Customer;
  outcomes: IssueOutcome[];
  counters?: SeriesCounters | undefined;
}
