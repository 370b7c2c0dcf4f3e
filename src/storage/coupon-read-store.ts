// Coupon reads (`coupon`): finding a coupon by id or code (generic codes too), a customer's coupons, and the
// listings of GET /v2/coupon. The writes are in coupon-store.ts.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Coupon, CouponOrigin } from '../domain/coupon.js';
import type { Engine } from './database.js';
import { adhoc, all, one, prepare, rows, type Params, type Read, type Script } from './script.js';
import type { CouponTable, Database } from './tables.js';

export type CouponRow = Selectable<CouponTable>;

/** How a request names one coupon in a batched read: by its (not generic) code, or by its id. */
export type CouponKey = { code: string } | { id: number };
/** Which of the two a statement is compiled for (a prepared statement has one shape). */
export type CouponKeyKind = 'code' | 'id';
export const kindOf = (k: CouponKey): CouponKeyKind => ('code' in k ? 'code' : 'id');
export const valueOf = (k: CouponKey): string | number => ('code' in k ? k.code : k.id);

/** The coupon a key names, as a query to select from (a subquery of a statement keyed by a coupon). */
export function couponByKey(
  db: Kysely<Database>,
  kind: CouponKeyKind,
  p: Params<{ org: number; key: string | number }>,
) {
  const q = db.selectFrom('coupon').where('coupon.org_id', '=', p.org);
  return kind === 'id'
    ? q.where('coupon.id', '=', p.key as number)
    : q.where('coupon.code', '=', p.key as string).where('coupon.is_generic', '=', sql.lit(0));
}

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

export function createCouponReads(engine: Engine) {
  const db = engine.kysely;
  const pg = engine.dialect === 'postgres';

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
  const byIdForUpdate = prepare((p: Params<{ org: number; id: number }>) => {
    const q = db.selectFrom('coupon').selectAll().where('org_id', '=', p.org).where('id', '=', p.id);
    return pg ? q.forUpdate() : q;
  });
  /** The same, locked until commit (PostgreSQL). */
  const byCodeForUpdate = prepare((p: Params<{ org: number; code: string }>) => {
    const q = db
      .selectFrom('coupon')
      .selectAll()
      .where('org_id', '=', p.org)
      .where('code', '=', p.code)
      .where('is_generic', '=', sql.lit(0));
    return pg ? q.forUpdate() : q;
  });
  /** The coupons with these (not generic) codes in id order, locked in that order (PostgreSQL only). */
  const manyByCode = (lock: boolean) =>
    pg
      ? prepare((p: Params<{ org: number; codes: readonly string[] }>) => {
          const q = db
            .selectFrom('coupon')
            .selectAll()
            .where('org_id', '=', p.org)
            .where('code', '=', sql<string>`any(${p.codes})`)
            .where('is_generic', '=', sql.lit(0))
            .orderBy('id');
          return lock ? q.forUpdate() : q;
        })
      : undefined;
  const manyByCodeRead = manyByCode(false);
  const manyByCodeLocked = manyByCode(true);
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
  return {
    /** `customerCoupons` as a read that can join a batch. */
    readCustomerCoupons(org: number, customer: number, series: number): Read<Coupon[]> {
      return {
        op: customerCoupons.bind({ org, customer, series }),
        map: (rows) => (rows as CouponRow[]).map(toCoupon),
      };
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
    *find(org: number, id: number): Script<Coupon | undefined> {
      const row = yield* one(byId, { org, id });
      return row && toCoupon(row);
    },
    /**
     * The coupons with these (not generic) codes, as a read that can join a batch; with `lock` locked in
     * ascending id order (one statement, so the documented lock order holds). PostgreSQL only: undefined
     * on SQLite.
     */
    readManyByCode(org: number, codes: readonly string[], lock: boolean): Read<Coupon[]> | undefined {
      const st = lock ? manyByCodeLocked : manyByCodeRead;
      return st && { op: st.bind({ org, codes }), map: (rows) => (rows as CouponRow[]).map(toCoupon) };
    },
    /** The coupon a key names, as a read that can join a batch; locked with `lock` (PostgreSQL). */
    readByKey(org: number, key: CouponKey, lock: boolean): Read<Coupon | undefined> {
      return {
        op:
          'code' in key
            ? (lock ? byCodeForUpdate : byCode).bind({ org, code: key.code })
            : (lock ? byIdForUpdate : byId).bind({ org, id: key.id }),
        map: (rows) => {
          const row = (rows as CouponRow[])[0];
          return row && toCoupon(row);
        },
      };
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
  };
}
