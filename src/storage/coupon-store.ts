// Coupons: issuing (generated, generic and pool codes), reading, revoking, and coupon history events.
import { sql, type Selectable } from 'kysely';
import type { Coupon, CouponOrigin } from '../domain/coupon.js';
import type { Engine } from './database.js';
import { newId } from './ids.js';
import { adhoc, all, one, prepare, rows, write, type Params, type Script } from './script.js';
import { greatest, int } from './sql.js';
import type { CouponEventTable, CouponTable, CustomerSeriesTable } from './tables.js';

export type CouponRow = Selectable<CouponTable>;
export type CustomerSeriesRow = Selectable<CustomerSeriesTable>;
export type CouponEventRow = Selectable<CouponEventTable>;

export function toCoupon(r: CouponRow): Coupon {
  return {
    id: Number(r.id),
    orgId: Number(r.org_id),
    seriesId: Number(r.series_id),
    code: r.code,
    isGeneric: Number(r.is_generic) === 1,
    customerId: r.customer_id === null ? null : Number(r.customer_id),
    issuedAt: r.issued_at === null ? null : Number(r.issued_at),
    validTill: r.valid_till,
    redemptionCount: Number(r.redemption_count),
    lastRedeemedAt: r.last_redeemed_at === null ? null : Number(r.last_redeemed_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    heldUntil: r.held_until === null ? null : Number(r.held_until),
    origin: r.origin as CouponOrigin,
    createdAt: Number(r.created_at),
  };
}

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

export interface NewEvent {
  org: number;
  coupon: number;
  series: number;
  customer: number | null;
  type: string;
  at: number;
  actor: string;
  details: string;
}

export function createCouponStore(engine: Engine) {
  const db = engine.kysely;
  const pg = engine.dialect === 'postgres';

  const insert = prepare((p: Params<NewCoupon>) =>
    db
      .insertInto('coupon')
      .values({
        ...newId(engine.dialect, 'coupon'),
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
      })
      // A clash on the code's unique index inserts nothing: the caller draws another code.
      .onConflict((oc) => oc.doNothing())
      .returningAll(),
  );

  /** Hands the oldest unissued pool code of a series to a customer (SKIP LOCKED: racing issuers take different codes). */
  const claimPool = prepare(
    (
      p: Params<{
        org: number;
        series: number;
        customer: number;
        now: number;
        validTill: string;
        by: string;
      }>,
    ) => {
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
    },
  );

  const customerSeries = prepare((p: Params<{ org: number; customer: number; series: number }>) =>
    db
      .selectFrom('customer_series')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('customer_id', '=', p.customer)
      .where('series_id', '=', p.series),
  );

  /**
   * Counts one more issue for the customer in the series, guarded by the per-customer limits: a row that
   * already reached `limit` (-1: none) or was issued to less than `minGap` ms ago is left alone (no row back).
   */
  const countIssue = prepare(
    (
      p: Params<{
        org: number;
        customer: number;
        series: number;
        now: number;
        limit: number;
        minGap: number;
      }>,
    ) =>
      db
        .insertInto('customer_series')
        .values({
          org_id: p.org,
          customer_id: p.customer,
          series_id: p.series,
          issued_count: 1,
          last_issued_at: p.now,
        })
        .onConflict((oc) =>
          oc
            .columns(['org_id', 'customer_id', 'series_id'])
            .doUpdateSet((eb) => ({
              issued_count: eb('customer_series.issued_count', '+', 1),
              // Another server's clock may be ahead: the latest issue time only moves forward.
              last_issued_at: greatest(
                engine.dialect,
                eb.fn.coalesce('customer_series.last_issued_at', int(0)),
                int(p.now),
              ),
            }))
            .where((eb) =>
              eb.and([
                eb.or([eb(int(p.limit), '<', 0), eb('customer_series.issued_count', '<', p.limit)]),
                eb.or([
                  eb(int(p.minGap), '<=', 0),
                  eb('customer_series.last_issued_at', 'is', null),
                  eb('customer_series.last_issued_at', '<=', sql<number>`${int(p.now)} - ${int(p.minGap)}`),
                ]),
              ]),
            ),
        )
        .returning('issued_count'),
  );

  const customerCoupons = prepare((p: Params<{ org: number; customer: number; series: number }>) =>
    db
      .selectFrom('coupon')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('customer_id', '=', p.customer)
      .where('series_id', '=', p.series)
      .orderBy('id', 'desc')
      .limit(50),
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

  /**
   * Counts an issue in a counter slot. Guarded twice: the slot must carry the configuration version the
   * decision used, and with a maxCreate (`limit` ≥ 0) the series total must still be below it.
   */
  const countIssueInSeries = prepare(
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
        .where((eb) =>
          eb.or([
            eb(int(p.limit), '<', 0),
            // The total before these n issues, plus n, stays within maxCreate.
            eb(
              eb
                .selectFrom('series_counter as c')
                .select((e) => e.fn.coalesce(e.fn.sum<number>('c.num_issued'), sql<number>`0`).as('n'))
                .where('c.org_id', '=', p.org)
                .where('c.series_id', '=', p.series),
              '<=',
              sql<number>`${int(p.limit)} - ${int(p.n)}`,
            ),
          ]),
        ),
  );

  const insertEvent = prepare((p: Params<NewEvent>) =>
    db.insertInto('coupon_event').values({
      ...newId(engine.dialect, 'coupon_event'),
      org_id: p.org,
      coupon_id: p.coupon,
      series_id: p.series,
      customer_id: p.customer,
      type: p.type,
      at: p.at,
      actor: p.actor,
      details: p.details,
    }),
  );

  const byId = prepare((p: Params<{ org: number; id: number }>) =>
    db.selectFrom('coupon').selectAll().where('org_id', '=', p.org).where('id', '=', p.id),
  );
  const byCode = prepare((p: Params<{ org: number; code: string }>) =>
    db
      .selectFrom('coupon')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('code', '=', p.code)
      .where('is_generic', '=', sql.lit(0)),
  );
  const genericByCode = prepare((p: Params<{ org: number; code: string; customer: number }>) =>
    db
      .selectFrom('coupon')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('code', '=', p.code)
      .where('is_generic', '=', sql.lit(1))
      .where('customer_id', '=', p.customer)
      .orderBy(sql`+id`, 'desc'),
  );
  const anyGeneric = prepare((p: Params<{ org: number; code: string }>) =>
    db
      .selectFrom('coupon_series')
      .select('id')
      .where('org_id', '=', p.org)
      .where('generic_code', '=', p.code),
  );
  const history = prepare((p: Params<{ org: number; coupon: number }>) =>
    db
      .selectFrom('coupon_event')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('coupon_id', '=', p.coupon)
      .orderBy('id'),
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
  const poolRevoked = prepare((p: Params<{ org: number; series: number; slot: number }>) =>
    db
      .updateTable('series_counter')
      .set((eb) => ({ num_uploaded_non_issued: eb('num_uploaded_non_issued', '-', 1) }))
      .where('org_id', '=', p.org)
      .where('series_id', '=', p.series)
      .where('slot', '=', p.slot),
  );
  /** Counts codes added to a series pool (uploads; no limit applies, so any slot will do). */
  const countPoolAdded = prepare((p: Params<{ org: number; series: number; slot: number; added: number }>) =>
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
  const byCustomerPage = prepare(
    (p: Params<{ org: number; customer: number; limit: number; offset: number }>) =>
      db
        .selectFrom('coupon')
        .selectAll()
        .where('org_id', '=', p.org)
        .where('customer_id', '=', p.customer)
        // `+id`, not `id`: ordering by the bare key lets SQLite walk the whole org in key order instead of
        // reading this customer's coupons through their index.
        .orderBy(sql`+id`)
        .limit(p.limit)
        .offset(p.offset),
  );

  return {
    *insert(c: NewCoupon): Script<Coupon | undefined> {
      const row = yield* one(insert, c);
      return row && toCoupon(row);
    },
    *claimPool(p: {
      org: number;
      series: number;
      customer: number;
      now: number;
      validTill: string;
      by: string;
    }): Script<Coupon | undefined> {
      const row = yield* one(claimPool, p);
      return row && toCoupon(row);
    },
    *customerSeries(org: number, customer: number, series: number): Script<CustomerSeriesRow | undefined> {
      return yield* one(customerSeries, { org, customer, series });
    },
    /** Records an issue for the customer; false when a per-customer limit guard refused it. */
    *countIssue(p: {
      org: number;
      customer: number;
      series: number;
      now: number;
      limit: number;
      minGap: number;
    }): Script<boolean> {
      return (yield* one(countIssue, p)) !== undefined;
    },
    *customerCoupons(org: number, customer: number, series: number): Script<Coupon[]> {
      return (yield* all(customerCoupons, { org, customer, series })).map(toCoupon);
    },
    /** Series among `seriesIds` in which the customer holds a coupon that is not revoked. */
    *heldSeries(org: number, customer: number, seriesIds: readonly number[]): Script<number[]> {
      if (seriesIds.length === 0) return [];
      const found = yield* rows<{ series_id: number }>(
        adhoc(
          db
            .selectFrom('coupon')
            .select('series_id')
            .distinct()
            .where('org_id', '=', org)
            .where('customer_id', '=', customer)
            .where('series_id', 'in', seriesIds)
            .where('revoked_at', 'is', null),
        ),
      );
      return found.map((r) => Number(r.series_id));
    },
    *lockSlot0(org: number, series: number): Script<void> {
      if (pg) yield* all(lockSlot0, { org, series });
    },
    /**
     * Counts `n` issues (default 1) in a slot; false when the configuration changed or maxCreate would be
     * exceeded.
     */
    *countIssueInSeries(p: {
      org: number;
      series: number;
      slot: number;
      version: number;
      now: number;
      pool: number;
      limit: number;
      n?: number;
    }): Script<boolean> {
      return (yield* write(countIssueInSeries, { ...p, n: p.n ?? 1 })) === 1;
    },
    *addEvent(e: NewEvent): Script<void> {
      yield* write(insertEvent, e);
    },
    *find(org: number, id: number): Script<Coupon | undefined> {
      const row = yield* one(byId, { org, id });
      return row && toCoupon(row);
    },
    *findByCode(org: number, code: string): Script<Coupon | undefined> {
      const row = yield* one(byCode, { org, code });
      return row && toCoupon(row);
    },
    /** The customer's coupons of a GENERIC code, newest first. */
    *findGeneric(org: number, code: string, customer: number): Script<Coupon[]> {
      return (yield* all(genericByCode, { org, code, customer })).map(toCoupon);
    },
    *isGenericCode(org: number, code: string): Script<boolean> {
      return (yield* one(anyGeneric, { org, code })) !== undefined;
    },
    *findManyByCode(org: number, codes: readonly string[]): Script<Coupon[]> {
      if (codes.length === 0) return [];
      const found = yield* rows<CouponRow>(
        adhoc(
          db
            .selectFrom('coupon')
            .selectAll()
            .where('org_id', '=', org)
            .where('code', 'in', codes)
            .where('is_generic', '=', sql.lit(0))
            .orderBy('id'),
        ),
      );
      return found.map(toCoupon);
    },
    *findManyById(org: number, ids: readonly number[]): Script<Coupon[]> {
      if (ids.length === 0) return [];
      const found = yield* rows<CouponRow>(
        adhoc(
          db.selectFrom('coupon').selectAll().where('org_id', '=', org).where('id', 'in', ids).orderBy('id'),
        ),
      );
      return found.map(toCoupon);
    },
    /** One page of the coupons matching any of the filters (customers, ids, codes incl. generic), in id order. */
    *findPage(
      org: number,
      f: { customers: readonly number[]; ids: readonly number[]; codes: readonly string[] },
      limit: number,
      offset: number,
    ): Script<Coupon[]> {
      // One select per filter, each through its own index, united; an OR of the filters made SQLite scan
      // the whole org. Codes are spelled per index: both code indexes are partial (is_generic = 0 / = 1).
      const parts = [
        ...(f.customers.length
          ? [
              db
                .selectFrom('coupon')
                .select('id')
                .where('org_id', '=', org)
                .where('customer_id', 'in', f.customers),
            ]
          : []),
        ...(f.ids.length
          ? [db.selectFrom('coupon').select('id').where('org_id', '=', org).where('id', 'in', f.ids)]
          : []),
        ...(f.codes.length
          ? [0, 1].map((generic) =>
              db
                .selectFrom('coupon')
                .select('id')
                .where('org_id', '=', org)
                .where('is_generic', '=', sql.lit(generic))
                .where('code', 'in', f.codes),
            )
          : []),
      ];
      if (parts.length === 0) return [];
      const matching = parts.slice(1).reduce((u, q) => u.unionAll(q), parts[0]!);
      const found = yield* rows<CouponRow>(
        adhoc(
          db
            .selectFrom('coupon')
            .selectAll()
            .where('org_id', '=', org)
            .where('id', 'in', matching)
            .orderBy(sql`+id`)
            .limit(limit)
            .offset(offset),
        ),
      );
      return found.map(toCoupon);
    },
    /** The codes among `codes` that some coupon of the org carries. */
    *existingCodes(org: number, codes: readonly string[]): Script<string[]> {
      if (codes.length === 0) return [];
      const found = yield* rows<{ code: string }>(
        adhoc(
          db
            .selectFrom('coupon')
            .select('code')
            .where('org_id', '=', org)
            .where('is_generic', '=', sql.lit(0))
            .where('code', 'in', codes)
            .union(
              db
                .selectFrom('coupon_series')
                .select((eb) => eb.fn.coalesce('generic_code', eb.val('')).as('code'))
                .where('org_id', '=', org)
                .where('generic_code', 'in', codes),
            ),
        ),
      );
      return found.map((r) => r.code);
    },
    /** A page of coupons issued to any of the customers, in id order. */
    *findByCustomers(
      org: number,
      customers: readonly number[],
      limit: number,
      offset: number,
    ): Script<Coupon[]> {
      if (customers.length === 0) return [];
      if (customers.length === 1)
        return (yield* all(byCustomerPage, { org, customer: customers[0]!, limit, offset })).map(toCoupon);
      const found = yield* rows<CouponRow>(
        adhoc(
          db
            .selectFrom('coupon')
            .selectAll()
            .where('org_id', '=', org)
            .where('customer_id', 'in', customers)
            .orderBy(sql`+id`)
            .limit(limit)
            .offset(offset),
        ),
      );
      return found.map(toCoupon);
    },
    /**
     * Revokes a coupon that has no active redemption, answering it as it is now (issued meanwhile or not);
     * undefined when it is revoked or redeemed meanwhile.
     */
    *revoke(org: number, id: number, now: number): Script<Coupon | undefined> {
      const row = yield* one(revoke, { org, id, now });
      return row && toCoupon(row);
    },
    *countPoolAdded(org: number, series: number, slot: number, added: number): Script<void> {
      yield* write(countPoolAdded, { org, series, slot, added });
    },
    *countPoolRevoked(org: number, series: number, slot: number): Script<void> {
      yield* write(poolRevoked, { org, series, slot });
    },
    *history(org: number, coupon: number): Script<CouponEventRow[]> {
      return yield* all(history, { org, coupon });
    },
  };
}

export type CouponStore = ReturnType<typeof createCouponStore>;
