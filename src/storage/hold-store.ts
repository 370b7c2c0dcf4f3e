// Holds (`coupon_hold`, `coupon_hold_item`): coupons reserved for a checkout, what other checkouts' live
// holds count against the limits, and the sweep that ends expired holds (docs/architecture.md "Redeem").
import { sql } from 'kysely';
import type { Hold, HoldItem, HoldStatus } from '../domain/hold.js';
import type { Checkout, HoldOnCoupon } from '../domain/redemption.js';
import { formatMoney, type Money } from '../domain/money.js';
import type { Engine } from './database.js';
import { newId } from './ids.js';
import { all, blind, countOf, one, prepare, write, type Params, type Read, type Script } from './script.js';

type ItemRow = { coupon_id: number; series_id: number; customer_id: number };
const toItem = (r: ItemRow, status: string): HoldItem => ({
  couponId: Number(r.coupon_id),
  seriesId: Number(r.series_id),
  customerId: Number(r.customer_id),
  status: status as HoldStatus,
});
/** The checkout's own hold and bill as the statements compare them (no hold: -1, no bill: ''). */
const own = (c: Pick<Checkout, 'holdId' | 'billNumber'>) => ({
  hold: c.holdId ?? -1,
  txn: c.billNumber ?? '',
});

export function createHoldStore(engine: Engine) {
  const db = engine.kysely;
  const pg = engine.dialect === 'postgres';

  type NewHoldParams = {
    org: number;
    customer: number;
    client: number | null;
    txn: string | null;
    bill: string | null;
    now: number;
    expires: number;
  };
  /** A hold's row: its id from the table (`newId`), or taken beforehand (`readNewId`, PostgreSQL). */
  const holdValues = (p: Params<NewHoldParams>, id?: Params<{ id: number }>['id']) => ({
    ...(id === undefined ? newId(engine.dialect, 'coupon_hold') : { id }),
    org_id: p.org,
    customer_id: p.customer,
    client_id: p.client,
    transaction_number: p.txn,
    bill_amount: p.bill,
    created_at: p.now,
    expires_at: p.expires,
    status: 'active',
  });
  const insertHoldWithId = prepare((p: Params<NewHoldParams & { id: number }>) =>
    db.insertInto('coupon_hold').values(holdValues(p, p.id)),
  );
  const nextHoldId = prepare(() =>
    db.selectNoFrom(sql<number>`nextval(pg_get_serial_sequence('coupon_hold', 'id'))`.as('id')),
  );
  const insertHold = prepare((p: Params<NewHoldParams>) =>
    db.insertInto('coupon_hold').values(holdValues(p)).returning('id'),
  );
  const insertItem = prepare(
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
  const byId = prepare((p: Params<{ org: number; id: number }>) => {
    const q = db.selectFrom('coupon_hold').selectAll().where('org_id', '=', p.org).where('id', '=', p.id);
    return pg ? q.forUpdate() : q;
  });
  const items = prepare((p: Params<{ org: number; hold: number }>) =>
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
  const endItems = prepare((p: Params<{ org: number; hold: number; status: string }>) =>
    db
      .updateTable('coupon_hold_item')
      .set({ status: p.status })
      .where('org_id', '=', p.org)
      .where('hold_id', '=', p.hold)
      .where('status', '=', sql.lit('active')),
  );
  const consumeItem = prepare((p: Params<{ org: number; hold: number; coupon: number }>) =>
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

  const liveOnCoupon = prepare((p: Params<{ org: number; coupon: number; now: number }>) =>
    db
      .selectFrom('coupon_hold_item')
      .select(['hold_id', 'transaction_number'])
      .where('org_id', '=', p.org)
      .where('coupon_id', '=', p.coupon)
      .where('status', '=', sql.lit('active'))
      .where('expires_at', '>', p.now),
  );
  /** Live holds in a series that belong to other checkouts (neither this hold nor this bill). */
  const othersInSeries = prepare(
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
  const othersOfCustomer = prepare(
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

  const expiredHolds = prepare((p: Params<{ now: number; limit: number }>) => {
    const q = db
      .selectFrom('coupon_hold')
      .select(['org_id', 'id', 'customer_id'])
      .where('status', '=', sql.lit('active'))
      .where('expires_at', '<=', p.now)
      .orderBy('expires_at')
      .limit(p.limit);
    return pg ? q.forUpdate().skipLocked() : q;
  });
  const expireHold = prepare((p: Params<{ org: number; id: number; now: number }>) =>
    db
      .updateTable('coupon_hold')
      .set({ status: 'expired', ended_at: p.now })
      .where('org_id', '=', p.org)
      .where('id', '=', p.id)
      .where('status', '=', sql.lit('active')),
  );
  const expireItems = prepare((p: Params<{ org: number; hold: number }>) =>
    db
      .updateTable('coupon_hold_item')
      .set({ status: 'expired' })
      .where('org_id', '=', p.org)
      .where('hold_id', '=', p.hold)
      .where('status', '=', sql.lit('active'))
      .returning(['coupon_id', 'series_id', 'customer_id']),
  );

  return {
    /**
     * Records a hold for a checkout (its bill number and amount, when given), with the id taken by `readNewId`
     * when there is one (nobody waits for the insert then); answers its id.
     */
    *insert(
      p: {
        org: number;
        customer: number;
        client: number | null;
        billNumber: string | null;
        bill: Money | undefined;
        now: number;
        expires: number;
      },
      id?: number,
    ): Script<number> {
      const bill = p.bill === undefined ? null : formatMoney(p.bill);
      const { org, customer, client, now, expires } = p;
      const row = { org, customer, client, txn: p.billNumber, bill, now, expires };
      if (id !== undefined) {
        yield* blind(insertHoldWithId, { ...row, id });
        return id;
      }
      return Number((yield* one(insertHold, row))!.id);
    },
    /** A hold id from the table's sequence, as a read that can join a batch (PostgreSQL only). */
    readNewId(): Read<number> | undefined {
      return pg
        ? { op: nextHoldId.bind({}), map: (rows) => Number((rows as { id: number }[])[0]!.id) }
        : undefined;
    },
    /** Adds one coupon to a hold. */
    *addItem(p: {
      org: number;
      hold: number;
      coupon: number;
      series: number;
      customer: number;
      billNumber: string | null;
      expires: number;
    }): Script<void> {
      const { billNumber, ...rest } = p;
      yield* blind(insertItem, { ...rest, txn: billNumber });
    },
    /** A hold, locked until commit on PostgreSQL. */
    *lock(org: number, id: number): Script<Hold | undefined> {
      const r = yield* one(byId, { org, id });
      return (
        r && {
          id: Number(r.id),
          customerId: Number(r.customer_id),
          status: r.status as HoldStatus,
          expiresAt: Number(r.expires_at),
        }
      );
    },
    *items(org: number, hold: number): Script<HoldItem[]> {
      return (yield* all(items, { org, hold })).map((r) => toItem(r, r.status));
    },
    /** Ends an active hold (released or consumed); false when it had already ended. */
    *end(org: number, id: number, status: 'released' | 'consumed', now: number): Script<boolean> {
      const done = (yield* write(endHold, { org, id, status, now })) === 1;
      if (done) yield* write(endItems, { org, hold: id, status });
      return done;
    },
    /** Marks one coupon of a hold consumed; the hold ends when none is left. */
    *consumeItem(org: number, hold: number, coupon: number, now: number): Script<void> {
      yield* write(consumeItem, { org, hold, coupon });
      if (countOf(yield* all(activeItemsLeft, { org, hold })) === 0)
        yield* write(endHold, { org, id: hold, status: 'consumed', now });
    },
    /** The live holds on a coupon. */
    *liveOnCoupon(org: number, coupon: number, now: number): Script<HoldOnCoupon[]> {
      return (yield* all(liveOnCoupon, { org, coupon, now })).map((h) => ({
        holdId: Number(h.hold_id),
        billNumber: h.transaction_number,
      }));
    },
    /** Live holds in a series of other checkouts (not `checkout`), as a read that can join a batch. */
    readOthersInSeries(
      org: number,
      series: number,
      now: number,
      checkout: Pick<Checkout, 'holdId' | 'billNumber'>,
    ): Read<number> {
      return { op: othersInSeries.bind({ org, series, now, ...own(checkout) }), map: countOf };
    },
    /** Coupons of a series held for the customer by other checkouts (not `checkout`), as a batchable read. */
    readOthersOfCustomer(
      org: number,
      series: number,
      customer: number,
      now: number,
      checkout: Pick<Checkout, 'holdId' | 'billNumber'>,
    ): Read<number> {
      return { op: othersOfCustomer.bind({ org, series, customer, now, ...own(checkout) }), map: countOf };
    },
    /** Ends up to `limit` expired holds (status 'expired') and answers their coupons, for hold-expired events. */
    *expire(now: number, limit: number): Script<{ org: number; hold: number; items: HoldItem[] }[]> {
      const found = yield* all(expiredHolds, { now, limit });
      const result = [];
      for (const h of found) {
        if ((yield* write(expireHold, { org: h.org_id, id: h.id, now })) !== 1) continue;
        const items = yield* all(expireItems, { org: h.org_id, hold: h.id });
        result.push({
          org: Number(h.org_id),
          hold: Number(h.id),
          items: items.map((r) => toItem(r, 'expired')),
        });
      }
      return result;
    },
  };
}

export type HoldStore = ReturnType<typeof createHoldStore>;
