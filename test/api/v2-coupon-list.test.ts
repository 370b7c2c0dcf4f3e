// GET /v2/coupon (later edition, "Get coupon details"): a cut list says so, and coupon_code_case
// (docs/api.md §3 "Lists", §6).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { createSeries, issueCoupon, mobileSequence } from '../support/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const mobile = mobileSequence(9_620_000_000);

describe('GET /v2/coupon', () => {
  it('warns when a customer holds more coupons than one answer shows, and names the next offset', async () => {
    const s = (await createSeries(t, { isMultipleVouchersPerUserAllowed: true, maxVouchersPerUser: -1 })).id;
    const r = await t.post('/v2/coupon/issue/multiple', {
      seriesId: s,
      count: 105,
      customer: { mobile: mobile() },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const customer = r.body.customer.id;
    const first = await t.get(`/v2/coupon?issuedToIds=${customer}`);
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(100);
    expect(first.body.warnings).toEqual([
      expect.objectContaining({ code: 1001, reason: 'LIST_TRUNCATED', nextOffset: 100 }),
    ]);
    const rest = await t.get(`/v2/coupon?issuedToIds=${customer}&offset=100`);
    expect(rest.body.data).toHaveLength(5);
    expect(rest.body.warnings).toEqual([]);
    const all = await t.get(`/v2/coupon?issuedToIds=${customer}&limit=105`);
    expect(all.body.data).toHaveLength(105);
    expect(all.body.warnings).toEqual([]);
  });

  it("answers the page's sample: issuedToIds with coupon_code_case=LOWER; codes are upper-case by default", async () => {
    const s = (await createSeries(t)).id;
    const a = await issueCoupon(t, s, { mobile: mobile() });
    const lower = await t.get(`/v2/coupon?issuedToIds=${a.customer.id}&coupon_code_case=LOWER`);
    expect(lower.status).toBe(200);
    expect(lower.body.data.map((c: any) => c.code)).toEqual([a.code.toLowerCase()]);
    for (const q of ['', '&coupon_code_case=UPPER', '&coupon_code_case=as_it_is']) {
      const r = await t.get(`/v2/coupon?couponCodes=${a.code.toLowerCase()}${q}`);
      expect(
        r.body.data.map((c: any) => c.code),
        q,
      ).toEqual([a.code.toUpperCase()]);
    }
    const bad = await t.get(`/v2/coupon?issuedToIds=${a.customer.id}&coupon_code_case=CAMEL`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].code).toBe(629);
  });
});

describe('GET /v2/coupon/series without ids', () => {
  it('warns when more series exist than the page shows', async () => {
    const org = await t.createOrg('org L');
    for (let i = 0; i < 3; i++) await createSeries(t, { description: `list ${i}` }, org);
    const cut = await t.get('/v2/coupon/series?limit=2', org);
    expect(cut.status).toBe(200);
    expect(cut.body.entity).toHaveLength(2);
    expect(cut.body.warnings).toEqual([expect.objectContaining({ code: 1001, nextOffset: 2 })]);
    const rest = await t.get('/v2/coupon/series?limit=2&offset=2', org);
    expect(rest.body.entity).toHaveLength(1);
    expect(rest.body.warnings).toEqual([]);
  });
});
