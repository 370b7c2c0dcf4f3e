// PostgreSQL plans each prepared statement of the hot calls once per connection (docs/architecture.md
// "Round trips on PostgreSQL"): after its first five runs, PostgreSQL keeps one generic plan unless a
// custom plan for the call's own values looks cheaper. A statement whose condition folds away for some
// values (`$limit < 0 or (select sum(...)) < $limit`) was planned afresh on every call: a tenth and more of
// PostgreSQL's CPU per redemption (BENCHMARKS.md "Issue 17, 2026-12-08"). With a pool of one connection,
// every statement of these calls is in that session's pg_prepared_statements, with its count of custom
// and generic plans. SQLite has no plan cache of this kind: skipped.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { billSequence, createSeries, issueCoupon, mobileSequence, redeemBody } from '../support/factories.js';
import { onPostgres } from '../support/test-database.js';

const mobile = mobileSequence(9_310_000_000);
const bill = billSequence('PLAN');

if (!onPostgres) {
  describe('PostgreSQL plans', () => {
    it.skip('runs on PostgreSQL only (TEST_DATABASE_URL): SQLite keeps no plans per connection', () =>
      undefined);
  });
} else {
  describe('PostgreSQL plans of the hot calls', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await buildTestApp({ env: { DATABASE_POOL_SIZE: '1' } });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('every statement of issue, is_redeemable, redeem, reactivate and hold, limited series or not, is planned generically after its first five runs', async () => {
      const open = (await createSeries(t, { description: 'plans, open' })).id as number;
      const limited = (
        await createSeries(t, { description: 'plans, limited', maxCreate: 100, maxRedeem: 100 })
      ).id as number;
      // A database in use: other orgs' series counters (orgs nobody calls) and statistics as autovacuum's
      // analyze keeps them. With the counter table's real size weighed, a plan that skips the limit's sum
      // looks cheaper than one that keeps it, which is what kept the statement from a generic plan.
      const db = t.app.engine.kysely;
      await sql`insert into series_counter (org_id, series_id, slot)
        select -1 - g / 8, g / 8, g % 8 from generate_series(0, 7999) as g`.execute(db);
      await sql`analyze series_counter`.execute(db);
      // One series after the other, as a busy till sees them: a plan's choice follows the average cost of
      // the custom plans so far, which calls of another series would mix.
      for (const seriesId of [open, limited]) {
        for (let i = 0; i < 12; i++) {
          const m = mobile();
          const { code } = await issueCoupon(t, seriesId, { mobile: m });
          const check = await t.get(`/v2/coupon/is_redeemable?mobile=${m}&code=${code}`);
          expect(check.body.redemptionStatus.code, JSON.stringify(check.body)).toBe(700);
          const r = await t.post('/v2/coupon/redeem', redeemBody(m, [code], bill()));
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          expect(r.body.redemptionStatus.code, JSON.stringify(r.body)).toBe(700);
          const back = await t.post('/v2/coupon/reactivate', {
            redemptionIds: [Number(r.body.redemption[0].id)],
          });
          expect(back.status, JSON.stringify(back.body)).toBe(200);
          const held = await t.post('/v2/coupon/hold', { user: { mobile: m }, codes: [code] });
          expect(typeof held.body.holdId, JSON.stringify(held.body)).toBe('number');
        }
      }
      const { rows } = await sql<{ statement: string; custom_plans: string; generic_plans: string }>`
        select statement, custom_plans, generic_plans from pg_prepared_statements`.execute(db);
      // The statements ran on this one connection (a redemption's own are among them)...
      expect(rows.some((r) => /insert into "redemption"/.test(r.statement))).toBe(true);
      expect(rows.some((r) => /update "series_counter"/.test(r.statement))).toBe(true);
      // ...and none of them was planned for each call's values.
      const replanned = rows.filter((r) => Number(r.custom_plans) > 5).map((r) => r.statement);
      expect(replanned).toEqual([]);
    });
  });
}
