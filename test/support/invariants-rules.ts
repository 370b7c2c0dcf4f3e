// The invariants of the redemption and issuance rules that checkInvariants adds to its counter checks:
// per-customer rules, revocation, pool-only and generic series, mutual exclusion, holds, and the history
// (one event per state change). Each reads the org's rows and reports what the rules forbid.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/storage/tables.js';

const DAY_MS = 86_400_000;
const n = (v: unknown) => Number(v ?? 0);

interface Coupon {
  id: number;
  series_id: number;
  customer_id: number | null;
  code: string;
  is_generic: number;
  origin: string;
  issued_at: number | null;
  revoked_at: number | null;
}
interface Redemption {
  id: number;
  coupon_id: number;
  series_id: number;
  customer_id: number;
  transaction_number: string | null;
  redeemed_at: number;
  reactivated_at: number | null;
  origin: string;
}
interface HoldItem {
  hold_id: number;
  coupon_id: number;
  series_id: number;
  customer_id: number;
  transaction_number: string | null;
  expires_at: number;
}

function group<T, K>(list: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const x of list) {
    const k = key(x);
    const l = m.get(k);
    if (l) l.push(x);
    else m.set(k, [x]);
  }
  return m;
}

/** Series ids a series excludes (mutualExclusiveSeriesIds is JSON text, "[]" when none). */
function excluded(text: string): number[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.map(Number).filter((x) => Number.isSafeInteger(x)) : [];
  } catch {
    return [];
  }
}

/**
 * Checks the rules of docs/errors.md that a race could break once the counters are right: each is a fact about
 * the rows that no interleaving of permitted requests can produce. `now` decides which holds are live.
 */
export async function checkRuleInvariants(
  db: Kysely<Database>,
  orgId: number,
  now: number,
): Promise<{ checked: string[]; violations: string[] }> {
  const checked: string[] = [];
  const violations: string[] = [];
  const num = <T extends object>(rows: T[]): T[] =>
    rows.map(
      (r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [
            k,
            typeof v === 'string' && /(_id|^id|_at|count|^is_)$/.test(k) && v !== '' ? Number(v) : v,
          ]),
        ) as T,
    );

  const series = num(await db.selectFrom('coupon_series').selectAll().where('org_id', '=', orgId).execute());
  const byId = new Map(series.map((s) => [Number(s.id), s]));
  const coupons = num(
    (await db
      .selectFrom('coupon')
      .select(['id', 'series_id', 'customer_id', 'code', 'is_generic', 'origin', 'issued_at', 'revoked_at'])
      .where('org_id', '=', orgId)
      .execute()) as Coupon[],
  );
  const couponById = new Map(coupons.map((c) => [c.id, c]));
  const redemptions = num(
    (await db
      .selectFrom('redemption')
      .select([
        'id',
        'coupon_id',
        'series_id',
        'customer_id',
        'transaction_number',
        'redeemed_at',
        'reactivated_at',
        'origin',
      ])
      .where('org_id', '=', orgId)
      .execute()) as Redemption[],
  );
  const active = redemptions.filter((r) => r.reactivated_at === null);
  // Imported redemptions record what happened elsewhere; the rules below are about what coupond decided.
  const activeApi = active.filter((r) => r.origin === 'api');

  // 716 and 710: the same customer twice on one coupon, a customer redeeming someone else's coupon.
  for (const [key, list] of group(activeApi, (r) => `${r.coupon_id}:${r.customer_id}`)) {
    const c = couponById.get(list[0]!.coupon_id)!;
    if (byId.get(c.series_id)!.same_user_multiple_redeem === 0 && list.length > 1)
      violations.push(`coupon ${c.id}: customer ${key.split(':')[1]} redeemed it ${list.length} times (716)`);
  }
  for (const r of activeApi) {
    const c = couponById.get(r.coupon_id)!;
    if (byId.get(c.series_id)!.any_user === 0 && c.customer_id !== r.customer_id)
      violations.push(
        `coupon ${c.id} of customer ${c.customer_id} redeemed by customer ${r.customer_id} (710)`,
      );
  }
  checked.push(
    `${activeApi.length} active redemptions: no customer twice on a coupon unless sameUserMultipleRedeem (716); only the holder when anyUser is false (710)`,
  );

  // 660: a revoked coupon is never redeemed, and a revoked pool code is never issued.
  for (const c of coupons) {
    if (c.revoked_at === null) continue;
    const uses = active.filter((r) => r.coupon_id === c.id).length;
    if (uses > 0) violations.push(`coupon ${c.id}: revoked with ${uses} active redemptions`);
    if (c.issued_at !== null && c.issued_at > c.revoked_at)
      violations.push(`coupon ${c.id}: issued at ${c.issued_at} after its revocation at ${c.revoked_at}`);
  }
  checked.push('revoked coupons: no active redemption, none issued after revocation (660)');

  // minDaysBetweenVouchers and minDaysBetweenRedemption: the gaps between a customer's coupons and
  // redemptions of a series.
  const gaps = (what: string, days: number, times: number[]) => {
    const sorted = [...times].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++)
      if (sorted[i]! - sorted[i - 1]! < days * DAY_MS)
        violations.push(`${what}: ${sorted[i - 1]} and ${sorted[i]} < ${days} days apart`);
  };
  const issued = coupons.filter((c) => c.customer_id !== null && c.issued_at !== null);
  for (const [key, list] of group(issued, (c) => `${c.customer_id}:${c.series_id}`)) {
    const s = byId.get(list[0]!.series_id)!;
    if (s.min_days_between_vouchers > 0)
      gaps(
        `customer ${key.split(':')[0]} in series ${s.id}: issues`,
        s.min_days_between_vouchers,
        list.map((c) => c.issued_at!),
      );
  }
  for (const [key, list] of group(activeApi, (r) => `${r.customer_id}:${r.series_id}`)) {
    const s = byId.get(list[0]!.series_id)!;
    if (s.min_days_between_redemption > 0)
      gaps(
        `customer ${key.split(':')[0]} in series ${s.id}: redemptions`,
        s.min_days_between_redemption,
        list.map((r) => r.redeemed_at),
      );
  }
  checked.push('minDaysBetweenVouchers and minDaysBetweenRedemption: every gap per customer and series');

  // DISC_CODE_PIN issues only uploaded codes; GENERIC hands out its generic code only.
  for (const c of coupons) {
    const s = byId.get(c.series_id)!;
    if (s.client_handling_type === 'DISC_CODE_PIN' && c.origin !== 'pool' && c.origin !== 'uploaded')
      violations.push(`coupon ${c.id}: a ${c.origin} code in pool-only series ${s.id}`);
    if (
      s.client_handling_type === 'GENERIC' &&
      (c.is_generic !== 1 || c.code.toUpperCase() !== String(s.generic_code).toUpperCase())
    )
      violations.push(
        `coupon ${c.id}: code ${c.code} in generic series ${s.id} (generic code ${s.generic_code})`,
      );
  }
  checked.push('pool-only series hold uploaded codes only; generic series their generic code only');

  // Mutual exclusion, where both series exclude each other: no customer holds both.
  const held = group(
    coupons.filter((c) => c.customer_id !== null && c.revoked_at === null),
    (c) => c.customer_id,
  );
  let pairs = 0;
  for (const s of series) {
    for (const other of excluded(s.mutual_exclusive_series_ids)) {
      const o = byId.get(other);
      if (!o || !excluded(o.mutual_exclusive_series_ids).includes(Number(s.id)) || other < Number(s.id))
        continue;
      pairs++;
      for (const [customer, list] of held)
        if (list.some((c) => c.series_id === Number(s.id)) && list.some((c) => c.series_id === other))
          violations.push(
            `customer ${customer} holds coupons of mutually exclusive series ${s.id} and ${other}`,
          );
    }
  }
  checked.push(`${pairs} pairs of mutually exclusive series: no customer holds both`);

  // Holds: live at `now` (active and unexpired items). One checkout per coupon; a live hold of another
  // checkout never sits on a redeemed single-use coupon; live holds count against maxRedeem and
  // maxRedemptionsInSeriesPerUser.
  const live = num(
    (await db
      .selectFrom('coupon_hold_item')
      .select(['hold_id', 'coupon_id', 'series_id', 'customer_id', 'transaction_number', 'expires_at'])
      .where('org_id', '=', orgId)
      .where('status', '=', 'active')
      .where('expires_at', '>', now)
      .execute()) as HoldItem[],
  );
  const checkout = (h: HoldItem) =>
    h.transaction_number ? `txn:${h.transaction_number}` : `hold:${h.hold_id}`;
  for (const [coupon, list] of group(live, (h) => h.coupon_id)) {
    const checkouts = new Set(list.map(checkout));
    if (checkouts.size > 1)
      violations.push(`coupon ${coupon}: live holds of ${checkouts.size} checkouts at once (737)`);
    const c = couponById.get(coupon)!;
    if (byId.get(c.series_id)!.is_multiple_use_allowed === 0) {
      for (const r of active.filter((x) => x.coupon_id === coupon))
        if (list.some((h) => !h.transaction_number || h.transaction_number !== r.transaction_number))
          violations.push(`coupon ${coupon}: redeemed (redemption ${r.id}) and held by another checkout`);
    }
  }
  for (const s of series) {
    const sid = Number(s.id);
    const holds = live.filter((h) => h.series_id === sid);
    if (s.max_redeem !== -1) {
      const used = active.filter((r) => r.series_id === sid).length + holds.length;
      if (used > s.max_redeem)
        violations.push(`series ${sid}: ${used} redemptions and live holds > maxRedeem ${s.max_redeem}`);
    }
    if (s.max_redemptions_per_user !== -1) {
      for (const [customer, list] of group(
        active.filter((r) => r.series_id === sid),
        (r) => r.customer_id,
      )) {
        const used = list.length + holds.filter((h) => h.customer_id === customer).length;
        if (used > s.max_redemptions_per_user)
          violations.push(
            `customer ${customer} in series ${sid}: ${used} redemptions and live holds > maxRedemptionsInSeriesPerUser`,
          );
      }
    }
  }
  checked.push(
    `${live.length} live hold items: one checkout per coupon (737), none on a redeemed single-use coupon, counted within maxRedeem and maxRedemptionsInSeriesPerUser`,
  );

  // History: one event per state change (docs/api.md §9).
  const events = await sql<{ coupon_id: unknown; type: string; n: unknown }>`
    select coupon_id, type, count(*) as n from coupon_event where org_id = ${orgId} group by coupon_id, type`.execute(
    db,
  );
  const count = new Map(events.rows.map((e) => [`${n(e.coupon_id)}:${e.type}`, n(e.n)]));
  const holdItems = await sql<{ coupon_id: unknown; n: unknown }>`
    select coupon_id, count(*) as n from coupon_hold_item where org_id = ${orgId} group by coupon_id`.execute(
    db,
  );
  const heldCount = new Map(holdItems.rows.map((h) => [n(h.coupon_id), n(h.n)]));
  const byCoupon = group(redemptions, (r) => r.coupon_id);
  for (const c of coupons) {
    const rows = byCoupon.get(c.id) ?? [];
    const expected: Record<string, number> = {
      issued: c.customer_id === null ? 0 : 1,
      redeemed: rows.filter((r) => r.origin === 'api').length,
      imported: rows.filter((r) => r.origin === 'upload').length,
      reactivated: rows.filter((r) => r.reactivated_at !== null).length,
      revoked: c.revoked_at === null ? 0 : 1,
      held: heldCount.get(c.id) ?? 0,
    };
    for (const [type, want] of Object.entries(expected)) {
      const got = count.get(`${c.id}:${type}`) ?? 0;
      if (got !== want)
        violations.push(
          `coupon ${c.id}: ${got} '${type}' events for ${want} ${type === 'held' ? 'hold items' : 'state changes'}`,
        );
    }
  }
  checked.push(
    `${coupons.length} coupons' history: one issued, redeemed, imported, reactivated, revoked and held event per change`,
  );
  return { checked, violations };
}
