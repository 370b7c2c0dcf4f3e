// Redemptions (`redemption`): one row per redemption of a coupon, and the reads that the rules and
// reactivation need (docs/architecture.md "Redeem", "Reactivate").
import type { Redemption } from '../domain/coupon.js';
import { formatMoney, type Money } from '../domain/money.js';
import type { Engine } from './database.js';
import { newId } from './ids.js';
import { sql } from 'kysely';
import { all, blind, guarded, one, prepare, write, type Params, type Read, type Script } from './script.js';

export interface NewRedemption {
  org: number;
  coupon: number;
  series: number;
  customer: number;
  billNumber: string | null;
  /** The bill amount; undefined when the redemption came without one (an upload). */
  bill: Money | undefined;
  discount: Money;
  till: string | null;
  client: number | null;
  redeemedAt: number;
  recordedAt: number;
  hold: number | null;
  origin: 'api' | 'upload';
  billId: string | null;
  details: string | null;
  uploadJob: number | null;
}

/** The bill fields of a redemption (the bill amount as the column holds it: a decimal string). */
export interface RedemptionBill {
  id: number;
  customerId: number;
  couponId: number;
  seriesId: number;
  billNumber: string | null;
  bill: string | null;
  billId: string | null;
  details: string | null;
}

type RedemptionRow = {
  id: number;
  coupon_id: number;
  series_id: number;
  customer_id: number;
  transaction_number: string | null;
  reactivated_at: number | null;
};
const toRedemption = (r: RedemptionRow): Redemption => ({
  id: Number(r.id),
  couponId: Number(r.coupon_id),
  seriesId: Number(r.series_id),
  customerId: Number(r.customer_id),
  billNumber: r.transaction_number,
  reactivatedAt: r.reactivated_at === null ? null : Number(r.reactivated_at),
});

/** A new redemption as inserted: its amounts as decimal text. */
type InsertedRedemption = Omit<NewRedemption, 'bill' | 'discount'> & {
  bill: string | null;
  discount: string;
};

export function createRedemptionStore(engine: Engine) {
  const db = engine.kysely;
  const pg = engine.dialect === 'postgres';

  /** A new redemption's columns but its id, the amounts as stored (decimal text). */
  const columnsOf = (p: Params<InsertedRedemption>) => ({
    org_id: p.org,
    coupon_id: p.coupon,
    series_id: p.series,
    customer_id: p.customer,
    transaction_number: p.billNumber,
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
  });

  const insert = prepare((p: Params<InsertedRedemption>) =>
    db
      .insertInto('redemption')
      .values({ ...newId(engine.dialect, 'redemption'), ...columnsOf(p) })
      .returning('id'),
  );

  /** The same with an id taken beforehand (PostgreSQL, `readNewId`), so nobody waits for the answer. */
  const insertWithId = prepare((p: Params<InsertedRedemption & { id: number }>) =>
    db.insertInto('redemption').values({ id: p.id, ...columnsOf(p) }),
  );
  const nextId = prepare(() =>
    db.selectNoFrom(sql<number>`nextval(pg_get_serial_sequence('redemption', 'id'))`.as('id')),
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

  const byIdForUpdate = prepare((p: Params<{ org: number; id: number }>) => {
    const q = db.selectFrom('redemption').selectAll().where('org_id', '=', p.org).where('id', '=', p.id);
    return pg ? q.forUpdate() : q;
  });
  const activeOnBill = prepare((p: Params<{ org: number; customer: number; txn: string }>) => {
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

  // PUT /v2/coupon/redeem (docs/api.md §7): the bill of an active redemption, changed after the fact.
  const billOf = prepare((p: Params<{ org: number; id: number }>) => {
    const q = db
      .selectFrom('redemption')
      .select([
        'id',
        'customer_id',
        'coupon_id',
        'series_id',
        'transaction_number',
        'bill_amount',
        'bill_id',
        'details',
      ])
      .where('org_id', '=', p.org)
      .where('id', '=', p.id)
      .where('reactivated_at', 'is', null);
    return pg ? q.forUpdate() : q;
  });
  const setBill = prepare(
    (
      p: Params<{
        org: number;
        id: number;
        txn: string | null;
        bill: string | null;
        billId: string | null;
        details: string | null;
      }>,
    ) =>
      db
        .updateTable('redemption')
        .set({ transaction_number: p.txn, bill_amount: p.bill, bill_id: p.billId, details: p.details })
        .where('org_id', '=', p.org)
        .where('id', '=', p.id)
        .where('reactivated_at', 'is', null),
  );

  return {
    /** An active redemption's bill fields, locked until commit on PostgreSQL (undefined: unknown or undone). */
    *lockBill(org: number, id: number): Script<RedemptionBill | undefined> {
      const r = yield* one(billOf, { org, id });
      return (
        r && {
          id: Number(r.id),
          customerId: Number(r.customer_id),
          couponId: Number(r.coupon_id),
          seriesId: Number(r.series_id),
          billNumber: r.transaction_number,
          bill: r.bill_amount === null ? null : String(r.bill_amount),
          billId: r.bill_id,
          details: r.details,
        }
      );
    },
    /** Changes an active redemption's bill fields; false when it is no longer active. */
    *updateBill(
      org: number,
      b: Omit<RedemptionBill, 'customerId' | 'couponId' | 'seriesId'>,
    ): Script<boolean> {
      const row = { org, id: b.id, txn: b.billNumber, bill: b.bill, billId: b.billId, details: b.details };
      return (yield* write(setBill, row)) === 1;
    },
    /**
     * PostgreSQL: a redemption id taken from the table's sequence, as a read that can join a batch, so that
     * `insert` need not wait for its answer; undefined on SQLite (there the insert answers at once).
     */
    readNewId(): Read<number> | undefined {
      return pg
        ? { op: nextId.bind({}), map: (rows) => Number((rows as { id: number }[])[0]!.id) }
        : undefined;
    },
    /** Records a redemption, with the id taken by `readNewId` when there is one; answers its id. */
    *insert(r: NewRedemption, id?: number): Script<number> {
      const row = {
        ...r,
        bill: r.bill === undefined ? null : formatMoney(r.bill),
        discount: formatMoney(r.discount),
      };
      if (id !== undefined) {
        yield* blind(insertWithId, { ...row, id });
        return id;
      }
      return Number((yield* one(insert, row))!.id);
    },
    /** Who redeemed a coupon (active redemptions only), and on which bill. */
    *activeOf(org: number, coupon: number): Script<{ customerId: number; billNumber: string | null }[]> {
      return (yield* all(activeOfCoupon, { org, coupon })).map((r) => ({
        customerId: Number(r.customer_id),
        billNumber: r.transaction_number,
      }));
    },
    /** A redemption, locked until commit on PostgreSQL, as a read that can join a batch. */
    readLock(org: number, id: number): Read<Redemption | undefined> {
      return {
        op: byIdForUpdate.bind({ org, id }),
        map: (rows) => {
          const r = (rows as RedemptionRow[])[0];
          return r && toRedemption(r);
        },
      };
    },
    /** The customer's active redemptions on a bill, locked until commit on PostgreSQL, in id order. */
    *lockActiveOnBill(org: number, customer: number, billNumber: string): Script<Redemption[]> {
      return (yield* all(activeOnBill, { org, customer, txn: billNumber })).map(toRedemption);
    },
    /** Marks a redemption undone; false when it already was. */
    *markReactivated(org: number, id: number, now: number): Script<void> {
      yield* guarded(markReactivated, { org, id, now }, 'redemption already reactivated');
    },
  };
}

export type RedemptionStore = ReturnType<typeof createRedemptionStore>;
