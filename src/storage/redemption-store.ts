// Redemptions, holds and the counters they move (docs/architecture.md "Redeem").
import { sql, type Selectable } from 'kysely';
import type { Engine } from './database.js';
import { newId } from './ids.js';
import { adhoc, all, one, prepare, rows, write, type Params, type Script } from './script.js';
import { greatest, int } from './sql.js';
import { toCoupon, type CouponRow } from './coupon-store.js';
import type { Coupon } from '../domain/coupon.js';
import type { CouponHoldTable, RedemptionTable } from './tables.js';

export type RedemptionRow = Selectable<RedemptionTable>;
export type HoldRow = Selectable<CouponHoldTable>;

export interface NewRedemption {
  org: number;
  coupon: number;
  series: number;
  customer: number;
  txn: string | null;
  bill: string | null;
  discount: string;
  till: string | null;
  client: number | null;
  redeemedAt: number;
  recordedAt: number;
  hold: number | null;
  origin: string;
  billId: string | null;
  details: string | null;
  uploadJob: number | null;
}

/** A live hold item: which checkout reserves a coupon. */
export interface LiveHold {
  hold_id: number;
  coupon_id: number;
  transaction_number: string | null;
}

export function createRedemptionStore(engine: Engine) {
  const db = engine.kysely;
  const pg = engine.dialect === 'postgres';

  /** Re-reads coupons under a row lock (PostgreSQL), in id order so that two batches never deadlock. */
  const lockCoupon = prepare((p: Params<{ org: number; id: number }>) => {
    const q = db.selectFrom('coupon').selectAll().where('org_id', '=', p.org).where('id', '=', p.id);
    return pg ? q.forUpdate() : q;
  });
  const markHeld = prepare((p: Params<{ org: number; id: number; until: number }>) =>
    db
      .updateTable('coupon')
      .set((eb) => ({
        held_until: greatest(engine.dialect, eb.fn.coalesce('held_until', int(0)), int(p.until)),
      }))
      .where('org_id', '=', p.org)
      .where('id', '=', p.id),
  );

  /** The customer's history in a series, locked (PostgreSQL): created when missing, so there is a row to lock. */
  const lockCustomerSeries = prepare((p: Params<{ org: number; customer: number; series: number }>) =>
    db
      .insertInto('customer_series')
      .values({ org_id: p.org, customer_id: p.customer, series_id: p.series })
      .onConflict((oc) =>
        oc
          .columns(['org_id', 'customer_id', 'series_id'])
          .doUpdateSet((eb) => ({ redeemed_count: eb.ref('customer_series.redeemed_count') })),
      )
      .returningAll(),
  );
  const customerSeries = prepare((p: Params<{ org: number; customer: number; series: number }>) =>
    db
      .selectFrom('customer_series')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('customer_id', '=', p.customer)
      .where('series_id', '=', p.series),
  );

  /** Active redemptions of a coupon: who redeemed it and on which bill (716, 747). */
  const activeOfCoupon = prepare((p: Params<{ org: number; coupon: number }>) =>
    db
      .selectFrom('redemption')
      .select(['id', 'customer_id', 'transaction_number'])
      .where('org_id', '=', p.org)
      .where('coupon_id', '=', p.coupon)
      .where('reactivated_at', 'is', null),
  );

  const liveHoldsOfCoupon = prepare((p: Params<{ org: number; coupon: number; now: number }>) =>
    db
      .selectFrom('coupon_hold_item')
      .select(['hold_id', 'coupon_id', 'transaction_number'])
      .where('org_id', '=', p.org)
      .where('coupon_id', '=', p.coupon)
      .where('status', '=', sql.lit('active'))
      .where('expires_at', '>', p.now),
  );

  /** Live holds in a series that belong to other checkouts (neither this hold nor this bill). */
  const othersHoldsInSeries = prepare(
    (p: Params<{ org: number; series: number; now: number; hold: number; txn: string }>) =>
      db
        .selectFrom('coupon_hold_item')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('org_id', '=', p.org)
        .where('series_id', '=', p.series)
        .where('status', '=', sql.lit('active'))
        .where('expires_at', '>', p.now)
        .where('hold_id', '<>', p.hold)
        .where((eb) => eb.or([eb('transaction_number', 'is', null), eb('transaction_number', '<>', p.txn)])),
  );
  const othersHoldsOfCustomer = prepare(
    (p: Params<{ org: number; series: number; customer: number; now: number; hold: number; txn: string }>) =>
      db
        .selectFrom('coupon_hold_item')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('org_id', '=', p.org)
        .where('series_id', '=', p.series)
        .where('customer_id', '=', p.customer)
        .where('status', '=', sql.lit('active'))
        .where('expires_at', '>', p.now)
        .where('hold_id', '<>', p.hold)
        .where((eb) => eb.or([eb('transaction_number', 'is', null), eb('transaction_number', '<>', p.txn)])),
  );

  const redeemedInSeries = prepare((p: Params<{ org: number; series: number }>) =>
    db
      .selectFrom('series_counter')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('num_redeemed'), sql<number>`0`).as('n'))
      .where('org_id', '=', p.org)
      .where('series_id', '=', p.series),
  );

  /** Takes one use of a coupon, guarded by the count the decision saw. */
  const useCoupon = prepare((p: Params<{ org: number; id: number; expected: number; at: number }>) =>
    db
      .updateTable('coupon')
      .set((eb) => ({
        redemption_count: eb('redemption_count', '+', 1),
        last_redeemed_at: greatest(engine.dialect, eb.fn.coalesce('last_redeemed_at', int(0)), int(p.at)),
      }))
      .where('org_id', '=', p.org)
      .where('id', '=', p.id)
      .where('redemption_count', '=', p.expected)
      .where('revoked_at', 'is', null),
  );

  /** Counts a redemption for the customer in the series, guarded by the count the decision saw. */
  const countCustomerRedemption = prepare(
    (p: Params<{ org: number; customer: number; series: number; expected: number; at: number }>) =>
      db
        .insertInto('customer_series')
        .values({
          org_id: p.org,
          customer_id: p.customer,
          series_id: p.series,
          redeemed_count: 1,
          last_redeemed_at: p.at,
        })
        .onConflict((oc) =>
          oc
            .columns(['org_id', 'customer_id', 'series_id'])
            .doUpdateSet((eb) => ({
              redeemed_count: eb('customer_series.redeemed_count', '+', 1),
              last_redeemed_at: greatest(
                engine.dialect,
                eb.fn.coalesce('customer_series.last_redeemed_at', int(0)),
                int(p.at),
              ),
            }))
            .where('customer_series.redeemed_count', '=', p.expected),
        )
        .returning('redeemed_count'),
  );

  /** Counts a redemption in a slot: same configuration version, and under maxRedeem when `limit` ≥ 0. */
  const countSeriesRedemption = prepare(
    (p: Params<{ org: number; series: number; slot: number; version: number; at: number; limit: number }>) =>
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
        .where((eb) =>
          eb.or([
            eb(int(p.limit), '<', 0),
            eb(
              eb
                .selectFrom('series_counter as c')
                .select((e) => e.fn.coalesce(e.fn.sum<number>('c.num_redeemed'), sql<number>`0`).as('n'))
                .where('c.org_id', '=', p.org)
                .where('c.series_id', '=', p.series),
              '<',
              p.limit,
            ),
          ]),
        ),
  );

  const insertRedemption = prepare((p: Params<NewRedemption>) =>
    db
      .insertInto('redemption')
      .values({
        ...newId(engine.dialect, 'redemption'),
        org_id: p.org,
        coupon_id: p.coupon,
        series_id: p.series,
        customer_id: p.customer,
        transaction_number: p.txn,
        bill_amount: p.bill,
        discount_amount: p.discount,
        till_id: p.till,
        client_id: p.client,
        redeemed_at: p.redeemedAt,
        recorded_at: p.recordedAt,
        hold_id: p.hold,
        origin: p.origin,
        bill_id: p.billId,
        details: p.details,
        upload_job_id: p.uploadJob,
      })
      .returning('id'),
  );

  // --- reactivation ---------------------------------------------------------------------------------------
  const redemptionById = prepare((p: Params<{ org: number; id: number }>) => {
    const q = db.selectFrom('redemption').selectAll().where('org_id', '=', p.org).where('id', '=', p.id);
    return pg ? q.forUpdate() : q;
  });
  const activeOnTransaction = prepare((p: Params<{ org: number; customer: number; txn: string }>) => {
    const q = db
      .selectFrom('redemption')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('customer_id', '=', p.customer)
      .where('transaction_number', '=', p.txn)
      .where('reactivated_at', 'is', null)
      .orderBy('id');
    return pg ? q.forUpdate() : q;
  });
  const markReactivated = prepare((p: Params<{ org: number; id: number; now: number }>) =>
    db
      .updateTable('redemption')
      .set({ reactivated_at: p.now })
      .where('org_id', '=', p.org)
      .where('id', '=', p.id)
      .where('reactivated_at', 'is', null),
  );
  /** Gives a use back to a coupon; its last redemption time becomes that of its latest active redemption. */
  const giveBackUse = prepare((p: Params<{ org: number; id: number }>) =>
    db
      .updateTable('coupon')
      .set((eb) => ({
        redemption_count: eb('redemption_count', '-', 1),
        last_redeemed_at: eb
          .selectFrom('redemption as r')
          .select((e) => e.fn.max('r.redeemed_at').as('m'))
          .where('r.org_id', '=', p.org)
          .where('r.coupon_id', '=', p.id)
          .where('r.reactivated_at', 'is', null),
      }))
      .where('org_id', '=', p.org)
      .where('id', '=', p.id)
      .where('redemption_count', '>', 0),
  );
  const uncountCustomerRedemption = prepare((p: Params<{ org: number; customer: number; series: number }>) =>
    db
      .updateTable('customer_series')
      .set((eb) => ({
        redeemed_count: eb('redeemed_count', '-', 1),
        last_redeemed_at: eb
          .selectFrom('redemption as r')
          .select((e) => e.fn.max('r.redeemed_at').as('m'))
          .where('r.org_id', '=', p.org)
          .where('r.customer_id', '=', p.customer)
          .where('r.series_id', '=', p.series)
          .where('r.reactivated_at', 'is', null),
      }))
      .where('org_id', '=', p.org)
      .where('customer_id', '=', p.customer)
      .where('series_id', '=', p.series)
      .where('redeemed_count', '>', 0),
  );
  const uncountSeriesRedemption = prepare((p: Params<{ org: number; series: number; slot: number }>) =>
    db
      .updateTable('series_counter')
      .set((eb) => ({ num_redeemed: eb('num_redeemed', '-', 1) }))
      .where('org_id', '=', p.org)
      .where('series_id', '=', p.series)
      .where('slot', '=', p.slot),
  );

  // --- holds ------------------------------------------------------------------------------------------------
  const insertHold = prepare(
    (
      p: Params<{
        org: number;
        customer: number;
        client: number | null;
        txn: string | null;
        bill: string | null;
        now: number;
        expires: number;
      }>,
    ) =>
      db
        .insertInto('coupon_hold')
        .values({
          ...newId(engine.dialect, 'coupon_hold'),
          org_id: p.org,
          customer_id: p.customer,
          client_id: p.client,
          transaction_number: p.txn,
          bill_amount: p.bill,
          created_at: p.now,
          expires_at: p.expires,
          status: 'active',
        })
        .returning('id'),
  );
  const insertHoldItem = prepare(
    (
      p: Params<{
        org: number;
        hold: number;
        coupon: number;
        series: number;
        customer: number;
        txn: string | null;
        expires: number;
      }>,
    ) =>
      db.insertInto('coupon_hold_item').values({
        org_id: p.org,
        hold_id: p.hold,
        coupon_id: p.coupon,
        series_id: p.series,
        customer_id: p.customer,
        transaction_number: p.txn,
        expires_at: p.expires,
        status: 'active',
      }),
  );
  const holdById = prepare((p: Params<{ org: number; id: number }>) => {
    const q = db.selectFrom('coupon_hold').selectAll().where('org_id', '=', p.org).where('id', '=', p.id);
    return pg ? q.forUpdate() : q;
  });
  const holdItems = prepare((p: Params<{ org: number; hold: number }>) =>
    db
      .selectFrom('coupon_hold_item')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('hold_id', '=', p.hold)
      .orderBy('coupon_id'),
  );
  const endHold = prepare((p: Params<{ org: number; id: number; status: string; now: number }>) =>
    db
      .updateTable('coupon_hold')
      .set({ status: p.status, ended_at: p.now })
      .where('org_id', '=', p.org)
      .where('id', '=', p.id)
      .where('status', '=', sql.lit('active')),
  );
  const endHoldItems = prepare((p: Params<{ org: number; hold: number; status: string }>) =>
    db
      .updateTable('coupon_hold_item')
      .set({ status: p.status })
      .where('org_id', '=', p.org)
      .where('hold_id', '=', p.hold)
      .where('status', '=', sql.lit('active')),
  );
  const consumeHoldItem = prepare((p: Params<{ org: number; hold: number; coupon: number }>) =>
    db
      .updateTable('coupon_hold_item')
      .set({ status: 'consumed' })
      .where('org_id', '=', p.org)
      .where('hold_id', '=', p.hold)
      .where('coupon_id', '=', p.coupon)
      .where('status', '=', sql.lit('active')),
  );
  const activeItemsLeft = prepare((p: Params<{ org: number; hold: number }>) =>
    db
      .selectFrom('coupon_hold_item')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', p.org)
      .where('hold_id', '=', p.hold)
      .where('status', '=', sql.lit('active')),
  );

  return {
    /** Locks and re-reads coupons (PostgreSQL) in ascending id order; SQLite's writer lock already covers them. */
    *lockCoupons(org: number, ids: readonly number[]): Script<Map<number, Coupon>> {
      const result = new Map<number, Coupon>();
      if (!pg) return result;
      for (const id of [...new Set(ids)].sort((a, b) => a - b)) {
        const row = yield* one<{ org: number; id: number }, CouponRow>(lockCoupon, { org, id });
        if (row) result.set(id, toCoupon(row));
      }
      return result;
    },
    /** The customer's counts in a series; `lock` takes its row lock first (PostgreSQL writes). */
    *customerSeries(
      org: number,
      customer: number,
      series: number,
      lock: boolean,
    ): Script<{ redeemed: number; lastRedeemedAt: number | null }> {
      const row =
        pg && lock
          ? yield* one(lockCustomerSeries, { org, customer, series })
          : yield* one(customerSeries, { org, customer, series });
      return {
        redeemed: Number(row?.redeemed_count ?? 0),
        lastRedeemedAt: row?.last_redeemed_at == null ? null : Number(row.last_redeemed_at),
      };
    },
    *activeRedemptionsOf(
      org: number,
      coupon: number,
    ): Script<{ id: number; customer_id: number; transaction_number: string | null }[]> {
      return yield* all(activeOfCoupon, { org, coupon });
    },
    *liveHoldsOf(org: number, coupon: number, now: number): Script<LiveHold[]> {
      return yield* all(liveHoldsOfCoupon, { org, coupon, now });
    },
    /** Live holds of other checkouts in a series (own = this hold id, or this bill's transaction number). */
    *othersHoldsInSeries(
      org: number,
      series: number,
      now: number,
      own: { hold: number; txn: string },
    ): Script<number> {
      return Number((yield* one(othersHoldsInSeries, { org, series, now, ...own }))?.n ?? 0);
    },
    *othersHoldsOfCustomer(
      org: number,
      series: number,
      customer: number,
      now: number,
      own: { hold: number; txn: string },
    ): Script<number> {
      return Number((yield* one(othersHoldsOfCustomer, { org, series, customer, now, ...own }))?.n ?? 0);
    },
    *redeemedInSeries(org: number, series: number): Script<number> {
      return Number((yield* one(redeemedInSeries, { org, series }))?.n ?? 0);
    },
    *useCoupon(org: number, id: number, expected: number, at: number): Script<boolean> {
      return (yield* write(useCoupon, { org, id, expected, at })) === 1;
    },
    *countCustomerRedemption(
      org: number,
      customer: number,
      series: number,
      expected: number,
      at: number,
    ): Script<boolean> {
      return (yield* one(countCustomerRedemption, { org, customer, series, expected, at })) !== undefined;
    },
    *countSeriesRedemption(p: {
      org: number;
      series: number;
      slot: number;
      version: number;
      at: number;
      limit: number;
    }): Script<boolean> {
      return (yield* write(countSeriesRedemption, p)) === 1;
    },
    *insert(r: NewRedemption): Script<number> {
      return Number((yield* one(insertRedemption, r))!.id);
    },
    *findForUpdate(org: number, id: number): Script<RedemptionRow | undefined> {
      return yield* one(redemptionById, { org, id });
    },
    *activeOnTransaction(org: number, customer: number, txn: string): Script<RedemptionRow[]> {
      return yield* all(activeOnTransaction, { org, customer, txn });
    },
    *markReactivated(org: number, id: number, now: number): Script<boolean> {
      return (yield* write(markReactivated, { org, id, now })) === 1;
    },
    *giveBackUse(org: number, coupon: number): Script<boolean> {
      return (yield* write(giveBackUse, { org, id: coupon })) === 1;
    },
    *uncountCustomerRedemption(org: number, customer: number, series: number): Script<boolean> {
      return (yield* write(uncountCustomerRedemption, { org, customer, series })) === 1;
    },
    *uncountSeriesRedemption(org: number, series: number, slot: number): Script<void> {
      yield* write(uncountSeriesRedemption, { org, series, slot });
    },
    *insertHold(p: {
      org: number;
      customer: number;
      client: number | null;
      txn: string | null;
      bill: string | null;
      now: number;
      expires: number;
    }): Script<number> {
      return Number((yield* one(insertHold, p))!.id);
    },
    *insertHoldItem(p: {
      org: number;
      hold: number;
      coupon: number;
      series: number;
      customer: number;
      txn: string | null;
      expires: number;
    }): Script<void> {
      yield* write(insertHoldItem, p);
      yield* write(markHeld, { org: p.org, id: p.coupon, until: p.expires });
    },
    *findHold(org: number, id: number): Script<HoldRow | undefined> {
      return yield* one(holdById, { org, id });
    },
    *holdItems(
      org: number,
      hold: number,
    ): Script<{ coupon_id: number; series_id: number; customer_id: number; status: string }[]> {
      return yield* all(holdItems, { org, hold });
    },
    /** Ends an active hold (released or consumed); false when it had already ended. */
    *endHold(org: number, id: number, status: 'released' | 'consumed', now: number): Script<boolean> {
      const done = (yield* write(endHold, { org, id, status, now })) === 1;
      if (done) yield* write(endHoldItems, { org, hold: id, status });
      return done;
    },
    /** Marks one coupon of a hold consumed; the hold ends when none is left. */
    *consumeHoldItem(org: number, hold: number, coupon: number, now: number): Script<void> {
      yield* write(consumeHoldItem, { org, hold, coupon });
      if (Number((yield* one(activeItemsLeft, { org, hold }))?.n ?? 0) === 0)
        yield* write(endHold, { org, id: hold, status: 'consumed', now });
    },
    /** Active redemptions of many coupons at once (is_redeemable of several codes). */
    *activeRedemptionsOfMany(
      org: number,
      coupons: readonly number[],
    ): Script<{ coupon_id: number; customer_id: number; transaction_number: string | null }[]> {
      if (coupons.length === 0) return [];
      return yield* rows(
        adhoc(
          db
            .selectFrom('redemption')
            .select(['coupon_id', 'customer_id', 'transaction_number'])
            .where('org_id', '=', org)
            .where('coupon_id', 'in', coupons)
            .where('reactivated_at', 'is', null),
        ),
      );
    },
  };
}

export type RedemptionStore = ReturnType<typeof createRedemptionStore>;
