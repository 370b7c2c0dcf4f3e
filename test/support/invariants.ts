// Compares every counter with the rows it counts and checks that no limit was exceeded. Used after races
// (issue and redeem tests, the race suite). Reads the database directly, as an auditor would.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/storage/tables.js';
import { checkRuleInvariants } from './invariants-rules.js';

export interface InvariantReport {
  checked: string[];
  violations: string[];
}

const n = (v: unknown) => Number(v ?? 0);

/** `now` decides which holds are live (default: the wall clock, which the servers under test use too). */
export async function checkInvariants(
  db: Kysely<Database>,
  orgId: number,
  now: number = Date.now(),
): Promise<InvariantReport> {
  const checked: string[] = [];
  const violations: string[] = [];
  const expect = (what: string, actual: number, expected: number) => {
    if (actual !== expected) violations.push(`${what}: counter ${actual}, rows ${expected}`);
  };

  const series = await db.selectFrom('coupon_series').selectAll().where('org_id', '=', orgId).execute();
  for (const s of series) {
    const sid = s.id;
    const c = await db
      .selectFrom('series_counter')
      .select((eb) => [
        eb.fn.sum<number>('num_issued').as('issued'),
        eb.fn.sum<number>('num_redeemed').as('redeemed'),
        eb.fn.sum<number>('num_uploaded_total').as('uploaded'),
        eb.fn.sum<number>('num_uploaded_non_issued').as('pool'),
      ])
      .where('org_id', '=', orgId)
      .where('series_id', '=', sid)
      .executeTakeFirstOrThrow();
    const rows = await db
      .selectFrom('coupon')
      .select([
        sql<number>`sum(case when customer_id is not null then 1 else 0 end)`.as('issued'),
        sql<number>`sum(case when origin = 'pool' then 1 else 0 end)`.as('uploaded'),
        sql<number>`sum(case when customer_id is null and revoked_at is null then 1 else 0 end)`.as('pool'),
      ])
      .where('org_id', '=', orgId)
      .where('series_id', '=', sid)
      .executeTakeFirstOrThrow();
    const redeemed = await db
      .selectFrom('redemption')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', orgId)
      .where('series_id', '=', sid)
      .where('reactivated_at', 'is', null)
      .executeTakeFirstOrThrow();
    expect(`series ${sid} numIssued`, n(c.issued), n(rows.issued));
    expect(`series ${sid} numRedeemed`, n(c.redeemed), n(redeemed.n));
    expect(`series ${sid} numUploadedTotal`, n(c.uploaded), n(rows.uploaded));
    expect(`series ${sid} numUploadedNonIssued`, n(c.pool), n(rows.pool));
    if (s.max_create !== -1 && n(rows.issued) > s.max_create)
      violations.push(`series ${sid}: ${n(rows.issued)} issued > maxCreate ${s.max_create}`);
    if (s.max_redeem !== -1 && n(redeemed.n) > s.max_redeem)
      violations.push(`series ${sid}: ${n(redeemed.n)} redeemed > maxRedeem ${s.max_redeem}`);
    checked.push(
      `series ${sid}: numIssued, numRedeemed, numUploadedTotal, numUploadedNonIssued = rows; maxCreate, maxRedeem held`,
    );
  }

  const coupons = await db
    .selectFrom('coupon as c')
    .innerJoin('coupon_series as s', (j) =>
      j.onRef('s.org_id', '=', 'c.org_id').onRef('s.id', '=', 'c.series_id'),
    )
    .leftJoin(
      db
        .selectFrom('redemption')
        .select((eb) => ['coupon_id', eb.fn.countAll<number>().as('active')])
        .where('org_id', '=', orgId)
        .where('reactivated_at', 'is', null)
        .groupBy('coupon_id')
        .as('r'),
      'r.coupon_id',
      'c.id',
    )
    .select([
      'c.id',
      'c.redemption_count',
      'r.active',
      's.is_multiple_use_allowed',
      's.redemption_per_coupon_max_limit',
    ])
    .where('c.org_id', '=', orgId)
    .execute();
  for (const c of coupons) {
    expect(`coupon ${c.id} redemption_count`, n(c.redemption_count), n(c.active));
    if (c.is_multiple_use_allowed === 0 && n(c.active) > 1)
      violations.push(`coupon ${c.id}: single use redeemed ${n(c.active)} times`);
    if (c.redemption_per_coupon_max_limit !== -1 && n(c.active) > c.redemption_per_coupon_max_limit) {
      violations.push(`coupon ${c.id}: redeemed ${n(c.active)} > redemptionPerCouponMaxLimit`);
    }
  }
  checked.push(
    `${coupons.length} coupons: redemption_count = active redemptions; single use and per-coupon limits held`,
  );

  const perCustomer = await db
    .selectFrom('customer_series as cs')
    .innerJoin('coupon_series as s', (j) =>
      j.onRef('s.org_id', '=', 'cs.org_id').onRef('s.id', '=', 'cs.series_id'),
    )
    .select([
      'cs.customer_id',
      'cs.series_id',
      'cs.issued_count',
      'cs.redeemed_count',
      's.multiple_vouchers_per_user',
      's.max_vouchers_per_user',
      's.max_redemptions_per_user',
      (eb) =>
        eb
          .selectFrom('redemption as r')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('r.org_id', '=', 'cs.org_id')
          .whereRef('r.customer_id', '=', 'cs.customer_id')
          .whereRef('r.series_id', '=', 'cs.series_id')
          .where('r.reactivated_at', 'is', null)
          .as('redeemed_rows'),
      (eb) =>
        eb
          .selectFrom('coupon as c')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('c.org_id', '=', 'cs.org_id')
          .whereRef('c.customer_id', '=', 'cs.customer_id')
          .whereRef('c.series_id', '=', 'cs.series_id')
          .as('issued_rows'),
    ])
    .where('cs.org_id', '=', orgId)
    .execute();
  for (const r of perCustomer) {
    const who = `customer ${r.customer_id} in series ${r.series_id}`;
    expect(`${who} redeemed_count`, n(r.redeemed_count), n(r.redeemed_rows));
    expect(`${who} issued_count`, n(r.issued_count), n(r.issued_rows));
    const perUser = r.multiple_vouchers_per_user === 1 ? r.max_vouchers_per_user : 1;
    if (perUser !== -1 && n(r.issued_rows) > perUser)
      violations.push(`${who}: ${n(r.issued_rows)} coupons > per-customer limit ${perUser}`);
    if (r.max_redemptions_per_user !== -1 && n(r.redeemed_rows) > r.max_redemptions_per_user) {
      violations.push(`${who}: ${n(r.redeemed_rows)} redemptions > maxRedemptionsInSeriesPerUser`);
    }
  }
  checked.push(
    `${perCustomer.length} customer-series rows: issued_count and redeemed_count = rows; per-customer limits held`,
  );
  const rules = await checkRuleInvariants(db, orgId, now);
  checked.push(...rules.checked);
  violations.push(...rules.violations);
  return { checked, violations };
}
