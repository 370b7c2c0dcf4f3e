// Coupon series: create, read, list and change (docs/api.md §5).
import { randomBytes } from 'node:crypto';
import { localDate } from '../domain/clock.js';
import { generateCode } from '../domain/code-generator.js';
import { CouponError, invalid } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import {
  defaultSeriesConfig,
  UNLIMITED,
  type Series,
  type SeriesConfig,
  type SeriesCounters,
  type SeriesDraft,
} from '../domain/series.js';
import { applySeriesDraft, newSeriesConfig } from '../domain/series-validation.js';
import type { AnswerInWork, StorageDeps } from './deps.js';

export interface SeriesWithCounters {
  series: Series;
  counters: SeriesCounters;
}

/** The most series one list page answers. */
export const MAX_LIST_LIMIT = 500;

/** A 20-character upper-case hex code, as the reference generates when none is given. */
const newSeriesCode = (): string => randomBytes(10).toString('hex').toUpperCase();

export function createSeriesService(deps: StorageDeps) {
  const { engine, stores, now } = deps;

  /** A GENERIC series without a genericCode gets one in its own code format. */
  function withGenericCode(base: SeriesConfig, draft: SeriesDraft): SeriesDraft {
    const type = draft.clientHandlingType ?? base.clientHandlingType;
    const code = draft.genericCode !== undefined ? draft.genericCode : base.genericCode;
    if (type !== 'GENERIC' || code) return draft;
    const format = { ...base.code };
    for (const [k, v] of Object.entries(draft.code ?? {}))
      if (v !== undefined) Object.assign(format, { [k]: v });
    return { ...draft, genericCode: generateCode(format) };
  }

  return {
    /**
     * Creates a series. With `answer` (an Idempotency-Key), the request's answer is stored in the series'
     * own transaction (docs/architecture.md, "Idempotency").
     */
    async create(
      principal: Principal,
      draft: SeriesDraft,
      answer?: AnswerInWork<SeriesWithCounters>,
    ): Promise<SeriesWithCounters> {
      const t = now();
      const givenCode = draft.seriesCode;
      for (let attempt = 0; ; attempt++) {
        const base = defaultSeriesConfig(givenCode ?? newSeriesCode(), localDate(t, principal.org.timezone));
        const config = newSeriesConfig(base, withGenericCode(base, draft));
        const created = await engine.run(
          function* () {
            if (
              config.genericCode &&
              (yield* stores.series.isGenericCodeTaken(principal.orgId, config.genericCode, 0))
            ) {
              throw invalid('genericCode', 'a code not used elsewhere in the org');
            }
            const series = yield* stores.series.insert(principal.orgId, config, principal.clientId, t);
            if (!series) return undefined; // the code is taken: nothing written, tried again below
            const done = { series, counters: yield* stores.counter.counters(principal.orgId, series.id) };
            if (answer) yield* answer(done);
            return done;
          },
          { write: true },
        );
        if (created) return created;
        if (givenCode !== undefined || attempt >= 3)
          throw new CouponError('SeriesCodeExists', config.seriesCode);
      }
    },

    /** Answers the known series of the caller's org; unknown ids (or another org's) come back in `missing`. */
    async get(
      principal: Principal,
      ids: readonly number[],
    ): Promise<{ found: SeriesWithCounters[]; missing: number[] }> {
      const unique = [...new Set(ids)];
      return engine.run(function* () {
        const found = yield* stores.series.findMany(principal.orgId, unique);
        const counters = yield* stores.counter.countersMany(
          principal.orgId,
          found.map((s) => s.id),
        );
        const byId = new Map(found.map((s) => [s.id, s]));
        return {
          found: unique
            .filter((id) => byId.has(id))
            .map((id) => ({ series: byId.get(id)!, counters: counters.get(id)! })),
          missing: unique.filter((id) => !byId.has(id)),
        };
      });
    },

    /** The org's series, newest first. */
    async list(principal: Principal, limit: number, offset: number): Promise<SeriesWithCounters[]> {
      return engine.run(function* () {
        // One past the largest page, so a route can tell a full page from a cut list (docs/api.md §3 "Lists").
        const found = yield* stores.series.list(principal.orgId, Math.min(limit, MAX_LIST_LIMIT + 1), offset);
        const counters = yield* stores.counter.countersMany(
          principal.orgId,
          found.map((s) => s.id),
        );
        return found.map((series) => ({ series, counters: counters.get(series.id)! }));
      });
    },

    /**
     * Changes fields of a series. `maxCreate` never goes below what is issued; the handling type and the
     * generic code are fixed once coupons exist (issued coupons carry them).
     */
    async update(principal: Principal, id: number, draft: SeriesDraft): Promise<SeriesWithCounters> {
      const org = principal.orgId;
      const t = now();
      return engine.run(
        function* () {
          const current = yield* stores.series.findForUpdate(org, id);
          if (!current) throw new CouponError('SeriesNotFound', String(id));
          yield* stores.counter.lockAll(org, id);
          const counters = yield* stores.counter.counters(org, id);
          const next = applySeriesDraft(current, withGenericCode(current, draft));
          if (next.maxCreate !== UNLIMITED && next.maxCreate < counters.numIssued) {
            throw invalid('maxCreate', `at least the ${counters.numIssued} coupons already issued, or -1`);
          }
          if (counters.numIssued > 0 || counters.numUploadedTotal > 0) {
            if (next.clientHandlingType !== current.clientHandlingType) {
              throw invalid('clientHandlingType', 'unchanged once the series has coupons');
            }
            if (next.genericCode !== current.genericCode)
              throw invalid('genericCode', 'unchanged once the series has coupons');
          }
          if (
            next.seriesCode !== current.seriesCode &&
            (yield* stores.series.isCodeTaken(org, next.seriesCode, id))
          ) {
            throw new CouponError('SeriesCodeExists', next.seriesCode);
          }
          if (
            next.genericCode &&
            next.genericCode !== current.genericCode &&
            (yield* stores.series.isGenericCodeTaken(org, next.genericCode, id))
          ) {
            throw invalid('genericCode', 'a code not used elsewhere in the org');
          }
          const series = yield* stores.series.update(org, current, next, t);
          return { series, counters };
        },
        { write: true },
      );
    },
  };
}

export type SeriesService = ReturnType<typeof createSeriesService>;
