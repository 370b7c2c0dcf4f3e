// A series' activity per day (coupons issued, redemptions in force), in the org's timezone: the console's chart.
import { addDays, localDate, startOfDay, type IsoDate } from '../domain/clock.js';
import { CouponError, invalid } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import { BUCKET_MS, type BucketCount } from '../storage/stats-store.js';
import type { StorageDeps } from './deps.js';

export interface DayStats {
  date: IsoDate;
  issued: number;
  redeemed: number;
}

/** The longest range one request may ask for: a year, leap day included. */
export const MAX_STATS_DAYS = 366;
/** Days answered when the request names no range: the 30 days ending today. */
export const DEFAULT_STATS_DAYS = 30;

function checkDate(field: string, value: string): IsoDate {
  // addDays normalises an impossible date (2026-02-30 → 2026-03-02), so only a real date survives unchanged.
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || addDays(value, 0) !== value)
    throw invalid(field, 'a calendar date, YYYY-MM-DD');
  return value;
}

/** The first instant of each day of [from, to] and the instant the last one ends: the day boundaries. */
export function dayStarts(
  from: IsoDate,
  to: IsoDate,
  timeZone: string,
): { dates: IsoDate[]; starts: number[] } {
  const dates: IsoDate[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) dates.push(d);
  const starts = [...dates, addDays(to, 1)].map((d) => startOfDay(d, timeZone));
  return { dates, starts };
}

/** Adds bucket counts to the day each bucket falls in (`starts` ascending, one more entry than days). */
export function addToDays(counts: readonly BucketCount[], starts: readonly number[], into: number[]): void {
  for (const { bucket, count } of counts) {
    const at = bucket * BUCKET_MS;
    let lo = 0;
    let hi = starts.length - 2; // the last entry is where the last day ends
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    into[lo]! += count;
  }
}

export function createSeriesStatsService(deps: StorageDeps) {
  const { engine, stores, now } = deps;
  return {
    /**
     * Issued coupons and redemptions per local day of [from, to] (defaults: the 30 days ending today). A
     * redemption counts on the day it happened; one undone by a reactivation does not count at all.
     */
    async perDay(
      principal: Principal,
      seriesId: number,
      range: { from?: string | undefined; to?: string | undefined },
    ): Promise<DayStats[]> {
      const tz = principal.org.timezone;
      const to = range.to === undefined ? localDate(now(), tz) : checkDate('to', range.to);
      const from =
        range.from === undefined ? addDays(to, 1 - DEFAULT_STATS_DAYS) : checkDate('from', range.from);
      if (from > to) throw invalid('from', `on or before to (${to})`);
      if (addDays(from, MAX_STATS_DAYS - 1) < to)
        throw invalid('to', `at most ${MAX_STATS_DAYS} days after from`);
      const { dates, starts } = dayStarts(from, to, tz);
      const until = starts[starts.length - 1]!;
      const org = principal.orgId;
      const { issued, redeemed } = await engine.run(function* () {
        if (!(yield* stores.series.find(org, seriesId)))
          throw new CouponError('SeriesNotFound', String(seriesId));
        return {
          issued: yield* stores.stats.issuedBuckets(org, seriesId, starts[0]!, until),
          redeemed: yield* stores.stats.redeemedBuckets(org, seriesId, starts[0]!, until),
        };
      });
      const issuedPerDay = dates.map(() => 0);
      const redeemedPerDay = dates.map(() => 0);
      addToDays(issued, starts, issuedPerDay);
      addToDays(redeemed, starts, redeemedPerDay);
      return dates.map((date, i) => ({ date, issued: issuedPerDay[i]!, redeemed: redeemedPerDay[i]! }));
    },
  };
}

export type SeriesStatsService = ReturnType<typeof createSeriesStatsService>;
