// Coupon writes (`coupon`): issuing (generated, generic and pool codes), locking, using and giving back a
// use, holding and revoking. The reads (finding, listing) are in coupon-read-store.ts; the store offers both.
import { sql } from 'kysely';
import type { Coupon, CouponOrigin } from '../domain/coupon.js';
import type { Engine } from './database.js';
import { newId } from './ids.js';
import { blind, guarded, one, prepare, readBatch, type Params, type Read, type Script } from './script.js';
import { greatest, int } from './sql.js';
import { createCouponReads, toCoupon, type CouponRow } from './coupon-read-store.js';

export interface NewCoupon {
  org: number;
  series: number;
  code: string;
  generic: number;
  customer: number | null;
  issuedAt: number | null;
  validTill: string | null;
  origin: CouponOrigin;
  uploadJob: number | null;
  by: string | null;
  now: number;
}

/** A customer taking a series' pool code, valid till `validTill`, issued by `by`. */
export interface PoolClaim {
  org: number;
  series: number;
  customer: number;
  now: number;
  validTill: string;
  by: string;
}

export function createCouponStore(engine: Engine) {
  const db = engine.kysely;
  const pg = engine.dialect === 'postgres';

  /** A new coupon's columns but its id. */
  const columnsOf = (p: Params<NewCoupon>) => ({
    org_id: p.org,
    series_id: p.series,
    code: p.code,
    is_generic: p.generic,
    customer_id: p.customer,
    issued_at: p.issuedAt,
    valid_till: p.validTill,
    origin: p.origin,
    upload_job_id: p.uploadJob,
    issued_by: p.by,
    created_at: p.now,
  });

  const insert = prepare((p: Params<NewCoupon>) =>
    db
      .insertInto('coupon')
      .values({ ...newId(engine.dialect, 'coupon'), ...columnsOf(p) })
      // A clash on the code's unique index inserts nothing: the caller draws another code.
      .onConflict((oc) => oc.doNothing())
      .returningAll(),
  );

  /** Hands the oldest unissued pool code of a series to a customer (SKIP LOCKED: racing issuers take different codes). */
  const claimPool = prepare((p: Params<PoolClaim>) => {
    let oldest = db
      .selectFrom('coupon')
      .select('id')
      .where('org_id', '=', p.org)
      .where('series_id', '=', p.series)
      .where('customer_id', 'is', null)
      .where('revoked_at', 'is', null)
      .orderBy('id')
      .limit(1);
    if (pg) oldest = oldest.forUpdate().skipLocked();
    return db
      .updateTable('coupon')
      .set({ customer_id: p.customer, issued_at: p.now, valid_till: p.validTill, issued_by: p.by })
      .where('org_id', '=', p.org)
      .where('id', '=', (eb) => eb.selectFrom(oldest.as('o')).select('o.id'))
      .where('customer_id', 'is', null)
      .returningAll();
  });

  /** Re-reads a coupon under its row lock (PostgreSQL). */
  const lockOne = prepare((p: Params<{ org: number; id: number }>) => {
    const q = db.selectFrom('coupon').selectAll().where('org_id', '=', p.org).where('id', '=', p.id);
    return pg ? q.forUpdate() : q;
  });
  /**
   * Locks the coupons of these redemptions in ascending id order (PostgreSQL: a reactivation, after the
   * redemption rows). A redemption's coupon never changes, so the subquery needs no lock of its own.
   */
  const lockOfRedemptions = pg
    ? prepare((p: Params<{ org: number; ids: readonly number[] }>) =>
        db
          .selectFrom('coupon')
          .select('id')
          .where('org_id', '=', p.org)
          .where('id', 'in', (eb) =>
            eb
              .selectFrom('redemption')
              .select('coupon_id')
              .where('org_id', '=', p.org)
              .where('id', '=', sql<number>`any(${p.ids})`),
          )
          .orderBy('id')
          .forUpdate(),
      )
    : undefined;
  /** Takes one use of a coupon, guarded by the count the decision saw. */
  const addUse = prepare((p: Params<{ org: number; id: number; expected: number; at: number }>) =>
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
  /** Gives a use back to a coupon; its last redemption time becomes that of its latest active redemption. */
  const removeUse = prepare((p: Params<{ org: number; id: number }>) =>
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
  const markHeld = prepare((p: Params<{ org: number; id: number; until: number }>) =>
    db
      .updateTable('coupon')
      .set((eb) => ({
        held_until: greatest(engine.dialect, eb.fn.coalesce('held_until', int(0)), int(p.until)),
      }))
      .where('org_id', '=', p.org)
      .where('id', '=', p.id),
  );

  /** The same with an id taken beforehand (PostgreSQL, `readNewId`); a code clash changes no row. */
  const insertWithId = prepare((p: Params<NewCoupon & { id: number }>) =>
    db
      .insertInto('coupon')
      .values({ id: p.id, ...columnsOf(p) })
      .onConflict((oc) => oc.doNothing()),
  );
  const nextId = prepare(() =>
    db.selectNoFrom(sql<number>`nextval(pg_get_serial_sequence('coupon', 'id'))`.as('id')),
  );
  // A revocation that waited for an issue holding the row (PostgreSQL) happened after it, even when its
  // clock was read first: it is never recorded before the issue it follows.
  const revoke = prepare((p: Params<{ org: number; id: number; now: number }>) =>
    db
      .updateTable('coupon')
      .set({
        revoked_at: greatest(
          engine.dialect,
          int(p.now),
          sql<number>`coalesce(${sql.ref('issued_at')}, ${int(p.now)})`,
        ),
      })
      .where('org_id', '=', p.org)
      .where('id', '=', p.id)
      .where('revoked_at', 'is', null)
      .where('redemption_count', '=', 0)
      .returningAll(),
  );
  return {
    ...createCouponReads(engine),
    *insert(c: NewCoupon): Script<Coupon | undefined> {
      const row = yield* one(insert, c);
      return row && toCoupon(row);
    },
    *claimPool(p: PoolClaim): Script<Coupon | undefined> {
      const row = yield* one(claimPool, p);
      return row && toCoupon(row);
    },
    /** PostgreSQL: a coupon id from the table's sequence, as a read that can join a batch (for `insertWithId`). */
    readNewId(): Read<number> | undefined {
      return pg
        ? { op: nextId.bind({}), map: (rows) => Number((rows as { id: number }[])[0]!.id) }
        : undefined;
    },
    /**
     * Inserts a coupon with an id taken by `readNewId`, without waiting for an answer (a guarded write,
     * storage/script.ts): a code clash throws RetryConflict, and the script runs again with another code.
     */
    *insertWithId(c: NewCoupon, id: number): Script<Coupon> {
      yield* guarded(insertWithId, { ...c, id }, 'coupon code');
      return {
        id,
        orgId: c.org,
        seriesId: c.series,
        code: c.code,
        isGeneric: c.generic === 1,
        customerId: c.customer,
        issuedAt: c.issuedAt,
        validTill: c.validTill,
        redemptionCount: 0,
        lastRedeemedAt: null,
        revokedAt: null,
        heldUntil: null,
        origin: c.origin,
        createdAt: c.now,
      };
    },
    /** Locks and re-reads coupons (PostgreSQL) in ascending id order; SQLite's writer lock already covers them. */
    *lockMany(org: number, ids: readonly number[]): Script<Map<number, Coupon>> {
      const result = new Map<number, Coupon>();
      if (!pg) return result;
      // One batch: its statements run in order, so the locks are still taken by ascending id.
      const sorted = [...new Set(ids)].sort((a, b) => a - b);
      const found = yield* readBatch(
        sorted.map((id) => ({
          op: lockOne.bind({ org, id }),
          map: (rows: unknown) => (rows as CouponRow[])[0],
        })),
      );
      sorted.forEach((id, i) => {
        const row = found[i];
        if (row) result.set(id, toCoupon(row));
      });
      return result;
    },
    /**
     * `lockOfRedemptions` as a read that can join a batch (PostgreSQL); undefined on SQLite, whose writer
     * lock already covers the coupons.
     */
    readLockOfRedemptions(org: number, redemptions: readonly number[]): Read<void> | undefined {
      return (
        lockOfRedemptions && { op: lockOfRedemptions.bind({ org, ids: redemptions }), map: () => undefined }
      );
    },
    /**
     * Takes one use; RetryConflict when the coupon's count is no longer `expected` or it was revoked
     * meanwhile (a guarded write: on PostgreSQL it travels with the next statement, storage/script.ts).
     */
    *addUseIfCountIs(org: number, id: number, expected: number, at: number): Script<void> {
      yield* guarded(addUse, { org, id, expected, at }, 'coupon use');
    },
    /** Gives a use back (a reactivation); false when the coupon had none. */
    *removeUse(org: number, id: number): Script<void> {
      yield* guarded(removeUse, { org, id }, 'coupon use count');
    },
    /** Notes that a hold reserves the coupon until `until` (holds are looked up only before that). */
    *markHeld(org: number, id: number, until: number): Script<void> {
      yield* blind(markHeld, { org, id, until });
    },
    /**
     * Revokes a coupon that has no active redemption, answering it as it is now (issued meanwhile or not);
     * undefined when it is revoked or redeemed meanwhile.
     */
    *revoke(org: number, id: number, now: number): Script<Coupon | undefined> {
      const row = yield* one(revoke, { org, id, now });
      return row && toCoupon(row);
    },
  };
}

export type CouponStore = ReturnType<typeof createCouponStore>;
