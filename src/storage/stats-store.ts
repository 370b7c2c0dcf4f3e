// Per-series activity over time: coupons issued and redemptions, counted in quarter-hour buckets.
import { sql, type RawBuilder } from 'kysely';
import type { Engine } from './database.js';
import { all, prepare, type Params, type Script } from './script.js';

/**
 * Width of a bucket, in ms. The caller maps buckets to local days, which is exact because every timezone
 * in use has an offset that is a whole number of quarter hours and changes it on a quarter hour. A wider
 * bucket (an hour) would misplace activity in +05:30 or +05:45 zones; a narrower one only returns more rows.
 */
export const BUCKET_MS = 900_000;

/** A count of events in one bucket; the bucket starts at `bucket * BUCKET_MS`. */
export interface BucketCount {
  bucket: number;
  count: number;
}

interface BucketRow {
  b: number | string;
  n: number | string;
}

/** Integer division on both dialects: the operands are integers (bigint on PostgreSQL). */
const bucketOf = (column: string): RawBuilder<number> =>
  sql<number>`${sql.ref(column)} / ${sql.lit(BUCKET_MS)}`;

const toCounts = (found: BucketRow[]): BucketCount[] =>
  found.map((r) => ({ bucket: Number(r.b), count: Number(r.n) }));

export function createStatsStore(engine: Engine) {
  const db = engine.kysely;
  type Range = { org: number; series: number; from: number; until: number };

  // Pool codes have no issued_at until they are handed out, so they are not counted as issued.
  const issued = prepare((p: Params<Range>) =>
    db
      .selectFrom('coupon')
      .select((eb) => [bucketOf('issued_at').as('b'), eb.fn.countAll<number>().as('n')])
      .where('org_id', '=', p.org)
      .where('series_id', '=', p.series)
      .where('issued_at', '>=', p.from)
      .where('issued_at', '<', p.until)
      .groupBy(bucketOf('issued_at')),
  );

  // A reactivated redemption was undone (a return): it no longer counts, as it no longer counts in numRedeemed.
  const redeemed = prepare((p: Params<Range>) =>
    db
      .selectFrom('redemption')
      .select((eb) => [bucketOf('redeemed_at').as('b'), eb.fn.countAll<number>().as('n')])
      .where('org_id', '=', p.org)
      .where('series_id', '=', p.series)
      .where('reactivated_at', 'is', null)
      .where('redeemed_at', '>=', p.from)
      .where('redeemed_at', '<', p.until)
      .groupBy(bucketOf('redeemed_at')),
  );

  return {
    /** Coupons of a series issued in [from, until), per bucket (buckets without any are left out). */
    *issuedBuckets(org: number, series: number, from: number, until: number): Script<BucketCount[]> {
      return toCounts(yield* all(issued, { org, series, from, until }));
    },
    /** Redemptions of a series at [from, until) still in force, per bucket. */
    *redeemedBuckets(org: number, series: number, from: number, until: number): Script<BucketCount[]> {
      return toCounts(yield* all(redeemed, { org, series, from, until }));
    },
  };
}

export type StatsStore = ReturnType<typeof createStatsStore>;
