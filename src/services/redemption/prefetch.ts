// The batched reads of the redemption pipeline's load on PostgreSQL (docs/architecture.md "Round trips on
// PostgreSQL"): what a request naming one coupon (by code or id) or several codes needs, read in one round
// trip, with the
// lookup of the customer where it can be. load.ts uses what they found and looks up the rest as usual;
// nothing here decides.
import { normaliseCode, type Coupon } from '../../domain/coupon.js';
import { IDENTIFIER_PRECEDENCE, type CustomerRef } from '../../domain/customer.js';
import type { CustomerSeriesCounts, Series } from '../../domain/series.js';
import type { CouponKey } from '../../storage/coupon-read-store.js';
import { readBatch, type Read, type Script } from '../../storage/script.js';
import type { SeriesSeen } from '../../storage/series-store.js';
import type { Stores } from '../../storage/stores.js';
import type { CouponNamed } from './load.js';

/** What `prefetch` and `prefetchMany` are asked: whose coupons, named how, locked or not. */
export interface PrefetchAsk {
  stores: Stores;
  org: number;
  customerId: number;
  named: readonly CouponNamed[];
  lock: boolean;
  /** Take the ids of the redemptions the write may insert, in the same round trip. */
  newId: boolean;
}

/** What a batch read before the load found for a request naming one coupon (PostgreSQL). */
export interface Prefetched {
  coupon: Coupon;
  /** The series as the batch saw it (series-store.ts `settle` finishes it). */
  seen: SeriesSeen;
  customerSeries: CustomerSeriesCounts;
}

/** The one coupon a request names: its code (normalised) or its id; undefined for several or an invalid code. */
function onlyKey(named: readonly CouponNamed[]): CouponKey | undefined {
  const only = named.length === 1 ? named[0]! : undefined;
  if (!only) return undefined;
  if ('couponId' in only) return { id: only.couponId };
  const code = normaliseCode(only.code);
  return code === undefined ? undefined : { code };
}

/** What was read with the lookup of the customer (`readsWithLookup`), for `loadRedemption`'s `early`. */
export interface EarlyReads {
  pre: Prefetched;
  newIds: number[];
  /** A hold id taken for the write (`newId: 'hold'`). */
  holdId?: number;
  /** Whether the coupon and the customer's series row were read under their locks. */
  locked: boolean;
}

/**
 * PostgreSQL, a request naming one coupon (by code or id): the reads of `prefetch` below, sent with the lookup of the
 * customer (customers.ts `withLookup`), so that a check is one round trip and a redemption two. The
 * customer's row of the series is found (and with `lock` created and locked, as `prefetch` does) by the
 * identifier that decides who the customer is (domain/customer.ts), and used only when it belongs to the
 * customer the lookup resolved; else `of` answers undefined and the load reads as usual. Undefined where
 * it does not apply (SQLite, several codes, a card).
 */
export function readsWithLookup(
  stores: Stores,
  org: number,
  ref: CustomerRef,
  named: readonly CouponNamed[],
  /** `newId`: take the id the write will insert under (a redemption's, a hold's), so nobody waits for it. */
  options: { lock: boolean; newId: 'redemption' | 'hold' | false },
):
  | { reads: Read<unknown>[]; of(answers: unknown[] | undefined, customerId: number): EarlyReads | undefined }
  | undefined {
  const key = onlyKey(named);
  const type = IDENTIFIER_PRECEDENCE.find((t) => ref[t] !== undefined);
  if (!stores.batching || key === undefined || ref.cardNumber !== undefined) return undefined;
  if (ref.cardExternalId !== undefined || type === undefined) return undefined;
  if (type === 'cardNumber' || type === 'cardExternalId') return undefined;
  const { lock } = options;
  const idRead =
    options.newId === 'redemption'
      ? stores.redemption.readNewId()
      : options.newId === 'hold'
        ? stores.hold.readNewId()
        : undefined;
  const reads: Read<unknown>[] = [
    stores.coupon.readByKey(org, key, lock),
    stores.series.readOfCoupon(org, key),
    stores.customerSeries.readOfCouponFor(org, { type, value: ref[type]! }, key, lock),
    ...(idRead ? [idRead] : []),
  ];
  return {
    reads,
    of(answers, customerId) {
      if (!answers) return undefined;
      const [coupon, seen, counts, id] = answers as [
        Coupon | undefined,
        SeriesSeen,
        { customerId: number; counts: CustomerSeriesCounts } | undefined,
        number | undefined,
      ];
      if (!coupon || !counts || counts.customerId !== customerId) return undefined;
      const pre = { coupon, seen, customerSeries: counts.counts };
      if (options.newId === 'hold')
        return { pre, newIds: [], ...(id === undefined ? {} : { holdId: id }), locked: lock };
      return { pre, newIds: id === undefined ? [] : [id], locked: lock };
    },
  };
}

/**
 * PostgreSQL, a request naming one coupon (by code or id): the coupon (locked with `lock`), its series,
 * the customer's row of it and, with `newId`, a redemption id, in one round trip instead of four
 * (docs/architecture.md "Round trips on PostgreSQL"). The load below then skips those reads; it finds
 * nothing for a generic or unknown code, which the load then looks up as usual.
 */
export function* prefetch({
  stores,
  org,
  customerId,
  named,
  lock,
  newId,
}: PrefetchAsk): Script<{ pre: Prefetched | undefined; newIds: number[] }> {
  const key = onlyKey(named);
  if (!stores.batching || key === undefined) return { pre: undefined, newIds: [] };
  const idRead = newId ? stores.redemption.readNewId() : undefined;
  const reads = [
    stores.coupon.readByKey(org, key, lock),
    stores.series.readOfCoupon(org, key),
    stores.customerSeries.readOfCoupon(org, customerId, key, lock),
    ...(idRead ? [idRead] : []),
  ] as const;
  const [coupon, seen, customerSeries, id] = (yield* readBatch(reads as never)) as unknown as [
    Coupon | undefined,
    SeriesSeen,
    CustomerSeriesCounts,
    number | undefined,
  ];
  return {
    pre: coupon ? { coupon, seen, customerSeries } : undefined,
    newIds: id === undefined ? [] : [id],
  };
}

/** What a batch read before the load found for a request naming several codes (PostgreSQL). */
export interface PrefetchedMany {
  /** The coupons found by code (not generic), by normalised code; a code not here finds none. */
  coupons: Map<string, Coupon | undefined>;
  /** Their series, by id. */
  series: Map<number, Series>;
  /** The customer's counts in one of those series (locked with `lock`). */
  countsOf: (series: number) => CustomerSeriesCounts;
  newIds: number[];
}

/**
 * PostgreSQL, a request naming several codes: the coupons (with `lock`, locked by ascending id in one
 * statement), their series, the customer's rows of those series (with `lock`, created and locked in series
 * order) and a redemption id per code, in one round trip (docs/architecture.md "Round trips on
 * PostgreSQL"). A generic code or a coupon named by id is looked up by the load afterwards, as usual.
 */
export function* prefetchMany({
  stores,
  org,
  customerId,
  named,
  lock,
  newId,
}: PrefetchAsk): Script<PrefetchedMany | undefined> {
  if (!stores.batching || named.length < 2) return undefined;
  const codes = [
    ...new Set(
      named.flatMap((n) => {
        const c = 'code' in n ? normaliseCode(n.code) : undefined;
        return c === undefined ? [] : [c];
      }),
    ),
  ];
  const couponsRead = stores.coupon.readManyByCode(org, codes, lock);
  const countsRead = stores.customerSeries.readOfCodes(org, customerId, codes, lock);
  if (codes.length === 0 || !couponsRead || !countsRead) return undefined;
  const answers = yield* readBatch<unknown[]>([
    couponsRead,
    ...codes.map((code) => stores.series.readOfCoupon(org, { code })),
    countsRead,
    ...(newId ? codes.map(() => stores.redemption.readNewId()!) : []),
  ]);
  const found = new Map((answers[0] as Coupon[]).map((c) => [c.code, c]));
  const series = new Map<number, Series>();
  for (let i = 0; i < codes.length; i++) {
    const s = yield* stores.series.settle(answers[1 + i] as SeriesSeen);
    if (s) series.set(s.id, s);
  }
  return {
    coupons: new Map(codes.map((c) => [c, found.get(c)])),
    series,
    countsOf: answers[1 + codes.length] as (series: number) => CustomerSeriesCounts,
    newIds: answers.slice(2 + codes.length) as number[],
  };
}
