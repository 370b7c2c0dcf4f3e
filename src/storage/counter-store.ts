// Series counters (`series_counter`): the only module that writes them and the only one that knows they
// are split over slots (docs/architecture.md "Counters without a hot row"). Callers speak of a series and
// its limits; which slot a write lands in is decided here.
import { randomInt } from 'node:crypto';
import { sql, type ExpressionBuilder, type RawBuilder } from 'kysely';
import { UNLIMITED, type SeriesCounters } from '../domain/series.js';
import type { Engine } from './database.js';
import type { Database } from './tables.js';
import {
  adhoc,
  all,
  blind,
  countOf,
  guarded,
  one,
  prepare,
  rows,
  write,
  type Params,
  type Read,
  type Script,
} from './script.js';
import { greatest, int } from './sql.js';

/** Counter slots per series. More slots spread unlimited writers further; readers sum them all. */
const COUNTER_SLOTS = 8;

/**
 * The slot a write of a counter with `limit` lands in: a limited counter funnels its writers through
 * slot 0 (whose row lock queues them, see `lockForLimit`); an unlimited one spreads them at random.
 */
const slotFor = (limit: number): number => (limit !== UNLIMITED ? 0 : randomInt(COUNTER_SLOTS));
/** A write no limit guards (a give-back, the pool's size): any slot will do. */
const anySlot = (): number => randomInt(COUNTER_SLOTS);

type CounterSums = {
  series_id: number;
  num_issued: number | string | null;
  num_redeemed: number | string | null;
  num_uploaded_total: number | string | null;
  num_uploaded_non_issued: number | string | null;
  latest_issual_time: number | string | null;
  latest_redemption_time: number | string | null;
};

function toCounters(r: CounterSums | undefined): SeriesCounters {
  return {
    numIssued: Number(r?.num_issued ?? 0),
    numRedeemed: Number(r?.num_redeemed ?? 0),
    numUploadedTotal: Number(r?.num_uploaded_total ?? 0),
    numUploadedNonIssued: Number(r?.num_uploaded_non_issued ?? 0),
    latestIssualTime: Number(r?.latest_issual_time ?? 0),
    latestRedemptionTime: Number(r?.latest_redemption_time ?? 0),
  };
}

/** Issues to count: `n` (default 1), `fromPool` of them took a pool code, within `maxCreate` (-1: none). */
interface IssuesToAdd {
  org: number;
  series: number;
  version: number;
  now: number;
  fromPool: number;
  maxCreate: number;
  n?: number;
}

/** The parameters of `addIssues` for a count, in the slot its limit sends it to. */
const issueParams = (p: IssuesToAdd) => ({
  org: p.org,
  series: p.series,
  slot: slotFor(p.maxCreate),
  version: p.version,
  now: p.now,
  pool: p.fromPool,
  limit: p.maxCreate,
  n: p.n ?? 1,
});

export function createCounterStore(engine: Engine) {
  const db = engine.kysely;
  const pg = engine.dialect === 'postgres';

  const insertSlots = prepare((p: Params<{ org: number; series: number }>) =>
    db.insertInto('series_counter').values(
      Array.from({ length: COUNTER_SLOTS }, (_, slot) => ({
        org_id: p.org,
        series_id: p.series,
        slot,
        config_version: 1,
      })),
    ),
  );

  const sums = (q: ReturnType<typeof db.selectFrom<'series_counter'>>) =>
    q
      .select((eb) => [
        'series_id',
        eb.fn.sum<number>('num_issued').as('num_issued'),
        eb.fn.sum<number>('num_redeemed').as('num_redeemed'),
        eb.fn.sum<number>('num_uploaded_total').as('num_uploaded_total'),
        eb.fn.sum<number>('num_uploaded_non_issued').as('num_uploaded_non_issued'),
        eb.fn.max<number>('latest_issual_time').as('latest_issual_time'),
        eb.fn.max<number>('latest_redemption_time').as('latest_redemption_time'),
      ])
      .groupBy('series_id');
  const countersOne = prepare((p: Params<{ org: number; series: number }>) =>
    sums(db.selectFrom('series_counter').where('org_id', '=', p.org).where('series_id', '=', p.series)),
  );
  const redeemedInSeries = prepare((p: Params<{ org: number; series: number }>) =>
    db
      .selectFrom('series_counter')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('num_redeemed'), sql<number>`0`).as('n'))
      .where('org_id', '=', p.org)
      .where('series_id', '=', p.series),
  );

  /** On PostgreSQL, locks slot 0 of a series: the queue every writer of a limited counter joins. */
  const lockSlot0 = prepare((p: Params<{ org: number; series: number }>) =>
    db
      .selectFrom('series_counter')
      .select('slot')
      .where('org_id', '=', p.org)
      .where('series_id', '=', p.series)
      .where('slot', '=', 0)
      .forUpdate(),
  );
  /** Locks every slot of a series (PostgreSQL): waits for in-flight writers, keeps new ones out until commit. */
  const lockSlots = prepare((p: Params<{ org: number; series: number }>) =>
    db
      .selectFrom('series_counter')
      .select('slot')
      .where('org_id', '=', p.org)
      .where('series_id', '=', p.series)
      .orderBy('slot')
      .forUpdate(),
  );
  const setVersion = prepare((p: Params<{ org: number; series: number; version: number }>) =>
    db
      .updateTable('series_counter')
      .set({ config_version: p.version })
      .where('org_id', '=', p.org)
      .where('series_id', '=', p.series),
  );

  /**
   * The series' total of a counter (all its slots) still `op` `bound`. Only in the statements of a limited
   * counter: an `or` with "no limit" in one statement would let PostgreSQL fold it away per call, so it
   * planned that statement afresh for every execution (custom plans) instead of once (BENCHMARKS.md).
   */
  const withinLimit = (
    eb: ExpressionBuilder<Database, 'series_counter'>,
    p: Params<{ org: number; series: number }>,
    counter: 'num_issued' | 'num_redeemed',
    op: '<' | '<=',
    bound: number | RawBuilder<number>,
  ) =>
    eb(
      eb
        .selectFrom('series_counter as c')
        .select((e) => e.fn.coalesce(e.fn.sum<number>(`c.${counter}`), sql<number>`0`).as('n'))
        .where('c.org_id', '=', p.org)
        .where('c.series_id', '=', p.series),
      op,
      bound,
    );

  /**
   * Counts issues in a slot. Guarded twice: the slot must carry the configuration version the decision
   * used, and with a maxCreate (`limited`) the series total must still leave room for `n` more.
   */
  const addIssuesStatement = (limited: boolean) =>
    prepare(
      (
        p: Params<{
          org: number;
          series: number;
          slot: number;
          version: number;
          now: number;
          pool: number;
          limit: number;
          n: number;
        }>,
      ) =>
        db
          .updateTable('series_counter')
          .set((eb) => ({
            num_issued: eb('num_issued', '+', p.n),
            num_uploaded_non_issued: eb('num_uploaded_non_issued', '-', p.pool),
            latest_issual_time: greatest(engine.dialect, eb.ref('latest_issual_time'), p.now),
          }))
          .where('org_id', '=', p.org)
          .where('series_id', '=', p.series)
          .where('slot', '=', p.slot)
          .where('config_version', '=', p.version)
          // The total before these n issues, plus n, stays within maxCreate.
          .$if(limited, (q) =>
            q.where((eb) =>
              withinLimit(eb, p, 'num_issued', '<=', sql<number>`${int(p.limit)} - ${int(p.n)}`),
            ),
          ),
    );
  const addIssues = { open: addIssuesStatement(false), limited: addIssuesStatement(true) };

  /** Counts a redemption in a slot: same configuration version, and under maxRedeem when `limited`. */
  const addRedemptionStatement = (limited: boolean) =>
    prepare(
      (
        p: Params<{ org: number; series: number; slot: number; version: number; at: number; limit: number }>,
      ) =>
        db
          .updateTable('series_counter')
          .set((eb) => ({
            num_redeemed: eb('num_redeemed', '+', 1),
            latest_redemption_time: greatest(engine.dialect, eb.ref('latest_redemption_time'), int(p.at)),
          }))
          .where('org_id', '=', p.org)
          .where('series_id', '=', p.series)
          .where('slot', '=', p.slot)
          .where('config_version', '=', p.version)
          .$if(limited, (q) => q.where((eb) => withinLimit(eb, p, 'num_redeemed', '<', p.limit))),
    );
  const addRedemption = { open: addRedemptionStatement(false), limited: addRedemptionStatement(true) };
  /** Of a counter's two statements, the one for `limit` (negative: none). */
  const forLimit = <S>(statements: { open: S; limited: S }, limit: number): S =>
    limit < 0 ? statements.open : statements.limited;

  const removeRedemption = prepare((p: Params<{ org: number; series: number; slot: number }>) =>
    db
      .updateTable('series_counter')
      .set((eb) => ({ num_redeemed: eb('num_redeemed', '-', 1) }))
      .where('org_id', '=', p.org)
      .where('series_id', '=', p.series)
      .where('slot', '=', p.slot),
  );
  /** Counts codes added to a series pool (uploads; no limit applies). */
  const addToPool = prepare((p: Params<{ org: number; series: number; slot: number; added: number }>) =>
    db
      .updateTable('series_counter')
      .set((eb) => ({
        num_uploaded_total: eb('num_uploaded_total', '+', p.added),
        num_uploaded_non_issued: eb('num_uploaded_non_issued', '+', p.added),
      }))
      .where('org_id', '=', p.org)
      .where('series_id', '=', p.series)
      .where('slot', '=', p.slot),
  );
  const removeFromPool = prepare((p: Params<{ org: number; series: number; slot: number }>) =>
    db
      .updateTable('series_counter')
      .set((eb) => ({ num_uploaded_non_issued: eb('num_uploaded_non_issued', '-', 1) }))
      .where('org_id', '=', p.org)
      .where('series_id', '=', p.series)
      .where('slot', '=', p.slot),
  );

  return {
    /** Creates the counters of a new series (configuration version 1). */
    *create(org: number, series: number): Script<void> {
      yield* write(insertSlots, { org, series });
    },
    /** `counters` as a read that can join a batch. */
    readCounters(org: number, series: number): Read<SeriesCounters> {
      return {
        op: countersOne.bind({ org, series }),
        map: (rows) => toCounters((rows as CounterSums[])[0]),
      };
    },
    *counters(org: number, series: number): Script<SeriesCounters> {
      return toCounters(yield* one(countersOne, { org, series }));
    },
    *countersMany(org: number, ids: readonly number[]): Script<Map<number, SeriesCounters>> {
      const result = new Map<number, SeriesCounters>();
      if (ids.length === 0) return result;
      const found = yield* rows<CounterSums>(
        adhoc(sums(db.selectFrom('series_counter').where('org_id', '=', org).where('series_id', 'in', ids))),
      );
      for (const id of ids) result.set(id, toCounters(found.find((r) => Number(r.series_id) === id)));
      return result;
    },
    /** Active redemptions of a series (the sum of its slots), as a read that can join a batch. */
    readTotalRedeemed(org: number, series: number): Read<number> {
      return { op: redeemedInSeries.bind({ org, series }), map: countOf };
    },
    /**
     * On PostgreSQL, queues behind every writer of the series' limited counters (SQLite's writer lock already
     * serialises them): taken before reading what a limit is checked against.
     */
    *lockForLimit(org: number, series: number): Script<void> {
      if (pg) yield* all(lockSlot0, { org, series });
    },
    /**
     * `lockForLimit` as a read that can join a batch, in front of the reads it guards (a batch's statements
     * run in order, each reading what was committed when it starts): undefined on SQLite, where there is
     * nothing to send.
     */
    readLockForLimit(org: number, series: number): Read<void> | undefined {
      return pg ? { op: lockSlot0.bind({ org, series }), map: () => undefined } : undefined;
    },
    /**
     * Locks every counter of a series on PostgreSQL (SQLite's writer lock already covers it): in-flight
     * writers finish first and are counted; later ones see the new configuration or fail their version guard.
     */
    *lockAll(org: number, series: number): Script<void> {
      if (pg) yield* all(lockSlots, { org, series });
    },
    /** Marks every counter of a series with a new configuration version (writers of the old one fail). */
    *setVersion(org: number, series: number, version: number): Script<void> {
      yield* write(setVersion, { org, series, version });
    },
    /**
     * Adds `n` issues (default 1; `fromPool` of them took a pool code); false when the configuration
     * changed since `version` or `maxCreate` (-1: none) would be passed.
     */
    *addIssuesWithinMaxCreate(p: IssuesToAdd): Script<boolean> {
      return (yield* write(forLimit(addIssues, p.maxCreate), issueParams(p))) === 1;
    },
    /** The same as a guarded write (storage/script.ts): RetryConflict instead of false. */
    *addIssuesWithinMaxCreateGuarded(p: IssuesToAdd): Script<void> {
      yield* guarded(forLimit(addIssues, p.maxCreate), issueParams(p), 'series counter');
    },
    /**
     * Adds a redemption; RetryConflict when the configuration changed since `version` or `maxRedeem` is
     * reached (a guarded write: storage/script.ts).
     */
    *addRedemptionWithinMaxRedeem(p: {
      org: number;
      series: number;
      version: number;
      at: number;
      maxRedeem: number;
    }): Script<void> {
      const { org, series, version, at, maxRedeem } = p;
      const params = { org, series, slot: slotFor(maxRedeem), version, at, limit: maxRedeem };
      yield* guarded(forLimit(addRedemption, maxRedeem), params, 'series redemptions');
    },
    /** Takes back a redemption (a reactivation). */
    *removeRedemption(org: number, series: number): Script<void> {
      yield* blind(removeRedemption, { org, series, slot: anySlot() });
    },
    /** Counts codes uploaded into the series pool. */
    *addToPool(org: number, series: number, added: number): Script<void> {
      yield* write(addToPool, { org, series, slot: anySlot(), added });
    },
    /** Counts a pool code that left the pool without being issued (revoked). */
    *removeFromPool(org: number, series: number): Script<void> {
      yield* write(removeFromPool, { org, series, slot: anySlot() });
    },
  };
}

export type CounterStore = ReturnType<typeof createCounterStore>;
