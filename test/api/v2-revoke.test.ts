// POST /v2/coupon/revoke with the later edition's bodies and answer (docs/api.md §6 "Revoke"); today's body
// keeps today's answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TestClock, type TestApp } from '../support/build-test-app.js';
import { createSeries, issueCoupon, mobileSequence, redeemBody } from '../support/factories.js';

const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock });
});
afterAll(async () => t.close());

const mobile = mobileSequence(9_630_000_000);
const many = { isMultipleVouchersPerUserAllowed: true, maxVouchersPerUser: -1 };

describe('POST /v2/coupon/revoke (documented bodies)', () => {
  it("revokes a series' coupons by code, as the page's sample, and answers entity.revokedCoupons", async () => {
    const s = (await createSeries(t, many)).id;
    const m = mobile();
    const a = await issueCoupon(t, s, { mobile: m });
    const b = await issueCoupon(t, s, { mobile: m });
    const r = await t.post('/v2/coupon/revoke', { couponSeriesId: s, couponCodes: [a.code, b.code] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({
      entity: {
        totalCount: 2,
        failedCount: 0,
        revokedCoupons: [
          { couponId: a.id, couponCode: a.code, issuedToUserId: a.customer.id },
          { couponId: b.id, couponCode: b.code, issuedToUserId: b.customer.id },
        ],
        failedToRevoke: [],
      },
      warnings: [],
      errors: [],
      success: true,
    });
    const redeem = await t.post('/v2/coupon/redeem', redeemBody(m, [a.code], `RV-${m}`));
    expect(redeem.body.coupons?.[0]?.redemptionStatus?.code ?? redeem.body.errors?.[0]?.code).toBe(660);
  });

  it("revokes every unredeemed coupon of a customer's series by mobile, email, externalId or id", async () => {
    const s = (await createSeries(t, many)).id;
    const other = (await createSeries(t, many)).id;
    const m = mobile();
    const first = await issueCoupon(t, s, { mobile: m, email: `r${m}@example.com`, externalId: `X${m}` });
    const used = await issueCoupon(t, s, { mobile: m });
    const keep = await issueCoupon(t, other, { mobile: m });
    expect((await t.post('/v2/coupon/redeem', redeemBody(m, [used.code], `RC-${m}`))).status).toBe(200);
    const r = await t.post('/v2/coupon/revoke', { couponSeriesId: s, customer: { mobile: m } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.entity).toEqual({
      totalCount: 1,
      failedCount: 0,
      revokedCoupons: [{ couponId: first.id, couponCode: first.code, issuedToUserId: first.customer.id }],
      failedToRevoke: [],
    });
    for (const customer of [
      { email: `R${m}@example.com` },
      { externalId: `X${m}` },
      { id: String(first.customer.id) },
    ]) {
      const again = await t.post('/v2/coupon/revoke', { couponSeriesId: s, customer });
      expect(again.status).toBe(200);
      expect(again.body.entity).toMatchObject({ totalCount: 0, failedCount: 0, revokedCoupons: [] });
    }
    const wallet = await t.get(`/v2/customers/coupons?mobile=${m}&sort_order=ASC`);
    expect(wallet.body.entity.customers[0].coupons.map((c: any) => c.id)).toEqual([used.id, keep.id]);
  });

  it('groups refused codes by their code (682 not found), answers 201 for some and 400 for all', async () => {
    const s = (await createSeries(t, many)).id;
    const a = await issueCoupon(t, s, { mobile: mobile() });
    const some = await t.post('/v2/coupon/revoke', {
      couponSeriesId: s,
      couponCodes: [a.code, 'CODE123', 'NOPE4'],
    });
    expect(some.status).toBe(201);
    expect(some.body.entity).toMatchObject({
      totalCount: 3,
      failedCount: 2,
      revokedCoupons: [{ couponId: a.id }],
      failedToRevoke: [{ errorCode: 682, couponCodes: ['CODE123', 'NOPE4'] }],
    });
    const all = await t.post('/v2/coupon/revoke', { couponSeriesId: s, couponCodes: [a.code, 'CODE123'] });
    expect(all.status).toBe(400);
    expect(all.body).toMatchObject({ success: false, entity: { totalCount: 2, failedCount: 2 } });
    expect(all.body.entity.failedToRevoke.map((f: any) => f.errorCode).sort()).toEqual([660, 682]);
  });

  it('refuses a code of another series as not found, and a code list without a series (629)', async () => {
    const s = (await createSeries(t, many)).id;
    const other = (await createSeries(t, many)).id;
    const a = await issueCoupon(t, s, { mobile: mobile() });
    const b = await issueCoupon(t, s, { mobile: mobile() });
    const wrong = await t.post('/v2/coupon/revoke', { couponSeriesId: other, couponCodes: [a.code] });
    expect(wrong.body.entity.failedToRevoke[0].errorCode).toBe(682);
    const noSeries = await t.post('/v2/coupon/revoke', { couponCodes: [a.code, b.code] });
    expect(noSeries.status).toBe(400);
    expect(noSeries.body.errors[0].code).toBe(629);
    const single = await t.post('/v2/coupon/revoke', { couponCodes: [a.code.toLowerCase()] });
    expect(single.status).toBe(200);
    expect(single.body.entity.revokedCoupons[0].couponCode).toBe(a.code);
  });

  it('answers codes in couponCodeCase', async () => {
    const s = (await createSeries(t, many)).id;
    const a = await issueCoupon(t, s, { mobile: mobile() });
    const r = await t.post('/v2/coupon/revoke?couponCodeCase=LOWER', {
      couponSeriesId: s,
      couponCodes: [a.code],
    });
    expect(r.body.entity.revokedCoupons[0].couponCode).toBe(a.code.toLowerCase());
    const b = await issueCoupon(t, s, { mobile: mobile() });
    const old = await t.post('/v2/coupon/revoke?couponCodeCase=lower', { codes: [b.code] });
    expect(old.body.revoked).toEqual([b.code.toLowerCase()]);
  });

  it('refuses the whole request: 756 with nothing to revoke, 712 for an expired series, 701, 108, 629 over 50', async () => {
    const none = await t.post('/v2/coupon/revoke', { couponSeriesId: 1 });
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ errors: [{ code: 756 }] });
    const short = (await createSeries(t, { ...many, validTillDate: '2026-01-20' })).id;
    const a = await issueCoupon(t, short, { mobile: mobile() });
    clock.advance(10 * 86_400_000);
    const expired = await t.post('/v2/coupon/revoke', { couponSeriesId: short, couponCodes: [a.code] });
    expect(expired.body.errors[0].code).toBe(712);
    clock.advance(-10 * 86_400_000);
    const unknown = await t.post('/v2/coupon/revoke', {
      couponSeriesId: short,
      customer: { mobile: '919999000111' },
    });
    expect(unknown.body.errors[0].code).toBe(701);
    const generic = await createSeries(t, { clientHandlingType: 'GENERIC', genericCode: 'SALE20REV' });
    await issueCoupon(t, generic.id, { mobile: mobile() });
    const g = await t.post('/v2/coupon/revoke', { couponCodes: ['SALE20REV'] });
    expect(g.body.errors[0].code).toBe(108);
    const tooMany = await t.post('/v2/coupon/revoke', {
      couponSeriesId: short,
      couponCodes: Array.from({ length: 51 }, (_, i) => `C${i}`),
    });
    expect(tooMany.body.errors[0].code).toBe(629);
  });

  it('revokes a GENERIC code for the named customer only', async () => {
    const generic = await createSeries(t, { clientHandlingType: 'GENERIC', genericCode: 'SALE20' });
    const m1 = mobile();
    const m2 = mobile();
    const a = await issueCoupon(t, generic.id, { mobile: m1 });
    await issueCoupon(t, generic.id, { mobile: m2 });
    const r = await t.post('/v2/coupon/revoke', { couponSeriesId: generic.id, customer: { mobile: m1 } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.entity.revokedCoupons).toEqual([
      { couponId: a.id, couponCode: 'SALE20', issuedToUserId: a.customer.id },
    ]);
    const still = await t.get(`/v2/customers/coupons?mobile=${m2}`);
    expect(still.body.entity.customers[0].coupons).toHaveLength(1);
  });
});
