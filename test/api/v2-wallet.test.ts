// The customer's wallet (docs/api.md §6 "Wallet"): GET /v2/customers/coupons and GET /v2/customers/{id}/coupons,
// from the later edition's own sample requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TestClock, type TestApp } from '../support/build-test-app.js';
import { createSeries, issueCoupon, mobileSequence, redeemBody } from '../support/factories.js';

const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock });
});
afterAll(async () => t.close());

const mobile = mobileSequence(9_610_000_000);
const many = { isMultipleVouchersPerUserAllowed: true, maxVouchersPerUser: -1 };

async function issueMany(seriesId: number, customer: Record<string, unknown>, n: number): Promise<any[]> {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await issueCoupon(t, seriesId, customer));
  return out;
}

describe('GET /v2/customers/coupons', () => {
  it("answers the page's sample request: coupon_code_case=LOWER, limit=20, offset=5", async () => {
    const s = (await createSeries(t, { description: 'doc_coupon01', discountValue: 500, ...many })).id;
    const issued = await issueMany(s, { mobile: '917003222195' }, 7);
    const r = await t.get(
      '/v2/customers/coupons?mobile=917003222195&coupon_code_case=LOWER&limit=20&offset=5',
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ warnings: [], errors: [], success: true });
    expect(r.body.entity.pagination).toEqual({ limit: '20', offset: '5', total: 7 });
    const [customer] = r.body.entity.customers;
    expect(customer).toMatchObject({ mobile: '917003222195', id: issued[0].customer.id });
    for (const key of ['firstname', 'lastname', 'email', 'mobile', 'id', 'coupons'])
      expect(customer).toHaveProperty(key);
    // Newest first by default: offset 5 skips the five newest.
    expect(customer.coupons.map((c: any) => c.code)).toEqual(
      [issued[1].code, issued[0].code].map((c: string) => c.toLowerCase()),
    );
    const c = customer.coupons[0];
    for (const key of [
      'code',
      'seriesId',
      'description',
      'validTill',
      'discountType',
      'discountValue',
      'discountUpto',
      'redemptionCount',
      'redemptionsLeft',
      'id',
      'createdDate',
      'transactionNumber',
      'issuedAt',
      'redemptions',
      'reversedRedemptions',
      'validTillDateTime',
    ])
      expect(c, key).toHaveProperty(key);
    expect(c).toMatchObject({
      seriesId: s,
      description: 'doc_coupon01',
      discountType: 'ABS',
      discountValue: 500,
      redemptionCount: 0,
      redemptionsLeft: 1,
      id: issued[1].id,
      redemptions: [],
      reversedRedemptions: [],
    });
    expect(c.validTillDateTime).toMatch(/T23:59:59Z$/);
  });

  it('upper-cases codes by default and answers them as stored with AS_IT_IS', async () => {
    const s = (await createSeries(t, many)).id;
    const m = mobile();
    const a = await issueCoupon(t, s, { mobile: m });
    for (const q of ['', '&coupon_code_case=upper', '&coupon_code_case=AS_IT_IS']) {
      const r = await t.get(`/v2/customers/coupons?mobile=${m}${q}`);
      expect(r.body.entity.customers[0].coupons[0].code).toBe(a.code.toUpperCase());
    }
    const bad = await t.get(`/v2/customers/coupons?mobile=${m}&coupon_code_case=TITLE`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].code).toBe(629);
  });

  it('pages with limit and offset and says when the list goes on', async () => {
    const s = (await createSeries(t, many)).id;
    const m = mobile();
    const issued = await issueMany(s, { mobile: m }, 5);
    const first = await t.get(`/v2/customers/coupons?mobile=${m}&limit=2&sort_order=ASC`);
    expect(first.body.entity.customers[0].coupons.map((c: any) => c.id)).toEqual([
      issued[0].id,
      issued[1].id,
    ]);
    expect(first.body.warnings).toEqual([
      expect.objectContaining({ code: 1001, reason: 'LIST_TRUNCATED', total: 5, nextOffset: 2 }),
    ]);
    const last = await t.get(`/v2/customers/coupons?mobile=${m}&limit=2&offset=4&sort_order=asc`);
    expect(last.body.entity.customers[0].coupons.map((c: any) => c.id)).toEqual([issued[4].id]);
    expect(last.body.warnings).toEqual([]);
  });

  it('filters by the documented status values', async () => {
    const short = (await createSeries(t, { ...many, expiryStrategyType: 'DAYS', expiryStrategyValue: 1 })).id;
    const long = (await createSeries(t, many)).id;
    const m = mobile();
    const expiring = await issueCoupon(t, short, { mobile: m });
    clock.advance(3 * 86_400_000);
    const redeemed = await issueCoupon(t, long, { mobile: m });
    const open = await issueCoupon(t, long, { mobile: m });
    const r = await t.post('/v2/coupon/redeem', redeemBody(m, [redeemed.code], `W-${m}`));
    expect(r.status, JSON.stringify(r.body)).toBe(200);

    const ids = async (status: string) => {
      const res = await t.get(`/v2/customers/coupons?mobile=${m}&status=${status}&sort_order=ASC`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.entity.pagination.total).toBe(res.body.entity.customers[0].coupons.length);
      return res.body.entity.customers[0].coupons.map((c: any) => c.id);
    };
    expect(await ids('REDEEMED')).toEqual([redeemed.id]);
    expect(await ids('UNREDEEMED')).toEqual([expiring.id, open.id]);
    expect(await ids('ACTIVE')).toEqual([redeemed.id, open.id]);
    expect(await ids('EXPIRED')).toEqual([expiring.id]);
    expect(await ids('ACTIVE_REDEEMED')).toEqual([redeemed.id]);
    expect(await ids('ACTIVE_UNREDEEMED')).toEqual([open.id]);
    expect(await ids('EXPIRED_REDEEMED')).toEqual([]);
    expect(await ids('EXPIRED_UNREDEEMED')).toEqual([expiring.id]);
    expect(await ids('REDEEMABLE')).toEqual([open.id]);
    expect(await ids('redeemed,expired')).toEqual([expiring.id, redeemed.id]);

    const all = await t.get(`/v2/customers/coupons?mobile=${m}&sort_order=ASC`);
    const red = all.body.entity.customers[0].coupons.find((c: any) => c.id === redeemed.id);
    expect(red).toMatchObject({ redemptionCount: 1, redemptionsLeft: 0 });
    expect(red.redemptions).toEqual([
      expect.objectContaining({ transactionNumber: `W-${m}`, redeemedAt: expect.any(Object) }),
    ]);

    const bad = await t.get(`/v2/customers/coupons?mobile=${m}&status=USED`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].code).toBe(629);
  });

  it('finds the customer by email, external_Id or id; none is 629, an unknown one 701', async () => {
    const s = (await createSeries(t, many)).id;
    const a = await issueCoupon(t, s, { email: 'wallet.reader@example.com', externalId: 'WALLET-1' });
    for (const q of ['email=Wallet.Reader@example.com', 'external_Id=WALLET-1', `id=${a.customer.id}`]) {
      const r = await t.get(`/v2/customers/coupons?${q}`);
      expect(r.status, q).toBe(200);
      expect(r.body.entity.customers[0].coupons.map((c: any) => c.id)).toEqual([a.id]);
      expect(r.body.entity.customers[0].externalId).toBe('WALLET-1');
    }
    const none = await t.get('/v2/customers/coupons?limit=5');
    expect(none.status).toBe(400);
    expect(none.body.errors[0].code).toBe(629);
    const unknown = await t.get('/v2/customers/coupons?mobile=919999999999');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].code).toBe(701);
  });

  it("never shows another org's customer, nor revoked coupons", async () => {
    const s = (await createSeries(t, many)).id;
    const m = mobile();
    const a = await issueCoupon(t, s, { mobile: m });
    const b = await issueCoupon(t, s, { mobile: m });
    expect((await t.post('/v2/coupon/revoke', { codes: [b.code] })).status).toBe(200);
    const mine = await t.get(`/v2/customers/coupons?mobile=${m}`);
    expect(mine.body.entity.customers[0].coupons.map((c: any) => c.id)).toEqual([a.id]);
    const other = await t.createOrg('org W');
    const theirs = await t.get(`/v2/customers/coupons?id=${a.customer.id}`, other);
    expect(theirs.body.errors[0].code).toBe(701);
    const detailed = await t.get(`/v2/customers/${a.customer.id}/coupons`, other);
    expect(detailed.body.errors[0].code).toBe(701);
  });
});

describe('GET /v2/customers/{id}/coupons', () => {
  it("answers the page's sample: every coupon field and the series object", async () => {
    const s = await createSeries(t, { description: 'Mobile Push offer 1', discountType: 'PERC', ...many });
    const m = mobile();
    const a = await issueCoupon(t, s.id, { mobile: m });
    const r = await t.get(`/v2/customers/${a.customer.id}/coupons`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ warnings: [], errors: [], success: true });
    const [c] = r.body.entity;
    for (const key of [
      'id',
      'seriesId',
      'series',
      'code',
      'description',
      'createdDate',
      'validTill',
      'isRedeemed',
      'issuedTo',
      'issuedBy',
      'orgId',
      'refId',
      'issuedAt',
      'status',
      'couponDiscountType',
      'issuedOn',
      'activeFrom',
      'redemptionsLeft',
      'couponStatus',
      'redemptionInfo',
      'reversedRedemptionInfo',
      'discountType',
      'discountValue',
      'discountValueAsDouble',
      'discountUpto',
      'redeemed',
      'seriesName',
      'trimmedCode',
    ])
      expect(c, key).toHaveProperty(key);
    expect(c).toMatchObject({
      id: a.id,
      seriesId: s.id,
      code: a.code,
      isRedeemed: false,
      issuedTo: a.customer.id,
      couponDiscountType: 'PERC',
      redemptionsLeft: 1,
      redeemed: false,
      seriesName: 'Mobile Push offer 1',
      trimmedCode: a.code,
      status: { code: 700, success: true },
    });
    for (const key of [
      'id',
      'orgId',
      'description',
      'discountCode',
      'validTillDate',
      'maxCreate',
      'maxRedeem',
      'numIssued',
      'numRedeemed',
      'brands',
      'products',
      'categories',
      'validRedemptionOrgEntityDetails',
      'clientHandlingType',
      'expiryStrategyType',
      'validTilldateFormat',
      'redemptionValidFromFormat',
      'dvsExpiryDateFormat',
    ])
      expect(c.series, key).toHaveProperty(key);
    expect(c.series).toMatchObject({ id: s.id, numIssued: 1, brands: [], products: [], categories: [] });

    const lower = await t.get(`/v2/customers/${a.customer.id}/coupons?coupon_code_case=LOWER`);
    expect(lower.body.entity[0].code).toBe(a.code.toLowerCase());
    const unknown = await t.get('/v2/customers/99999999/coupons');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].code).toBe(701);
  });
});
