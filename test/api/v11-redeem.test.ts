// POST /v1.1/coupon/redeem and GET /v1.1/coupon/isredeemable (docs/api.md §14), from the pages' samples: the
// envelope key for key, and one redemption for both APIs (a v1.1 redeem is seen by v2, and the reverse).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TestClock, type TestApp } from '../support/build-test-app.js';
import { billSequence, createSeries, issueCoupon, mobileSequence, redeemBody } from '../support/factories.js';

const clock = new TestClock(Date.UTC(2026, 0, 15, 10, 0, 0));
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ clock });
});
afterAll(async () => t.close());

const mobile = mobileSequence(447_700_900_000);
const bill = billSequence('bill-');

/** The page's sample body, with our code, customer and bill. */
const sampleBody = (code: string, m: string, number = bill()) => ({
  root: {
    coupon: [
      {
        code,
        customer: { mobile: m, email: '', external_id: '', card_number: '' },
        custom_fields: {
          field: [
            { name: 'Sport', value: 'Soccer' },
            { name: 'custom_field2', value: '50' },
          ],
        },
        transaction: [{ number, amount: '1000' }],
      },
    ],
  },
});

const SUCCESS_ITEM_KEYS = [
  'customer',
  'redemptionId',
  'code',
  'discount_code',
  'series_code',
  'series_info',
  'is_absolute',
  'coupon_value',
  'transaction',
  'side_effects',
  'item_status',
];
const FAILED_ITEM_KEYS = ['customer', 'code', 'is_absolute', 'transaction', 'side_effects', 'item_status'];

describe('POST /v1.1/coupon/redeem', () => {
  it('redeems with the page’s sample body: the sample’s keys, text values, and a redemption id', async () => {
    const s = await createSeries(t, { discountType: 'PERC', discountValue: 10 });
    const m = mobile();
    const c = await issueCoupon(t, s.id, { mobile: m });
    const code: string = c.coupon?.code ?? c.code;
    const number = bill();
    const r = await t.post('/v1.1/coupon/redeem', sampleBody(code, m, number));
    expect(r.status, r.text).toBe(200);
    expect(r.body.response.status).toEqual({ success: 'true', code: '200', message: 'Success' });
    const item = r.body.response.coupons.coupon;
    expect(Object.keys(item).sort()).toEqual([...SUCCESS_ITEM_KEYS].sort());
    expect(item).toMatchObject({
      customer: { mobile: m, email: null, external_id: null },
      code,
      discount_code: 'TEST10',
      is_absolute: 'false',
      coupon_value: '10',
      transaction: { amount: '1000.00', number },
      side_effects: [],
      item_status: { success: 'true', code: '700', message: 'Coupon processing successful' },
    });
    expect(item.redemptionId).toMatch(/^\d+$/);
  });

  it('refuses a second redemption with the page’s failure shape: 500, numeric codes, 711/716 for the coupon', async () => {
    const s = await createSeries(t);
    const m = mobile();
    const c = await issueCoupon(t, s.id, { mobile: m });
    const code = c.coupon?.code ?? c.code;
    expect((await t.post('/v1.1/coupon/redeem', sampleBody(code, m))).status).toBe(200);
    const again = await t.post('/v1.1/coupon/redeem', sampleBody(code, m));
    expect(again.status).toBe(400);
    expect(again.body.response.status).toEqual({
      success: 'false',
      code: 500,
      message: 'All requests have failed due to errors',
    });
    const item = again.body.response.coupons.coupon;
    expect(Object.keys(item).sort()).toEqual([...FAILED_ITEM_KEYS].sort());
    expect(item.item_status.success).toBe('false');
    expect(item.item_status.code).toBe(716);
  });

  it('redeems several coupons each on its own: one refused, the other redeemed (201 in the body)', async () => {
    const s = await createSeries(t);
    const m = mobile();
    const c = await issueCoupon(t, s.id, { mobile: m });
    const code = c.coupon?.code ?? c.code;
    const body = sampleBody(code, m);
    body.root.coupon.push({ ...body.root.coupon[0]!, code: 'NOSUCHCODE1' });
    const r = await t.post('/v1.1/coupon/redeem', body);
    expect(r.status).toBe(200);
    expect(r.body.response.status).toMatchObject({ success: 'false', code: 201 });
    const [ok, bad] = r.body.response.coupons.coupon;
    expect(ok.item_status.code).toBe('700');
    expect(bad.item_status).toMatchObject({ success: 'false', code: 719 });
  });

  it('answers an unknown customer with 701 on the item', async () => {
    const s = await createSeries(t);
    const c = await issueCoupon(t, s.id, { mobile: mobile() });
    const r = await t.post('/v1.1/coupon/redeem', sampleBody(c.coupon?.code ?? c.code, mobile()));
    expect(r.status).toBe(400);
    expect(r.body.response.coupons.coupon.item_status.code).toBe(701);
  });

  it('replays an Idempotency-Key: the same answer, one redemption', async () => {
    const s = await createSeries(t);
    const m = mobile();
    const c = await issueCoupon(t, s.id, { mobile: m });
    const code = c.coupon?.code ?? c.code;
    const body = sampleBody(code, m);
    const first = await t.post('/v1.1/coupon/redeem', body, t.client, { 'idempotency-key': `v11-${code}` });
    const second = await t.post('/v1.1/coupon/redeem', body, t.client, { 'idempotency-key': `v11-${code}` });
    expect(first.status).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
  });
});

describe('one redemption for both APIs', () => {
  it('a v1.1 redeem is redeemed for v2: v2 is_redeemable and redeem refuse it', async () => {
    const s = await createSeries(t);
    const m = mobile();
    const c = await issueCoupon(t, s.id, { mobile: m });
    const code = c.coupon?.code ?? c.code;
    expect((await t.post('/v1.1/coupon/redeem', sampleBody(code, m))).status).toBe(200);
    const check = await t.get(`/v2/coupon/is_redeemable?mobile=${m}&code=${code}`);
    expect(check.body.redemption[0].redemptionStatus).toMatchObject({ status: false, code: 716 });
    const v2 = await t.post('/v2/coupon/redeem', redeemBody(m, [code], bill()));
    expect(v2.status).toBe(400);
  });

  it('a v2 redeem is redeemed for v1.1: isredeemable says false, and the series counts one redemption', async () => {
    const s = await createSeries(t);
    const m = mobile();
    const c = await issueCoupon(t, s.id, { mobile: m });
    const code = c.coupon?.code ?? c.code;
    expect((await t.post('/v2/coupon/redeem', redeemBody(m, [code], bill()))).status).toBe(200);
    const r = await t.get(`/v1.1/coupon/isredeemable?mobile=${m}&code=${code}`);
    expect(r.status).toBe(200);
    expect(r.body.response.coupons.redeemable).toMatchObject({
      is_redeemable: 'false',
      no_of_redemptions_by_user: 1,
      item_status: { success: 'false', status: 'false', code: 716 },
    });
    const series = await t.get(`/v1.1/coupon/series?id=${s.id}`);
    expect(series.body.response.series.items.item.coupons).toEqual({ issued: '1', redeemed: '1' });
  });
});

describe('GET /v1.1/coupon/isredeemable', () => {
  it('answers the page’s sample keys, and coupon_code_case=lower / upper', async () => {
    const s = await createSeries(t, { discountValue: 17 });
    const m = mobile();
    const c = await issueCoupon(t, s.id, { mobile: m, externalId: `ext-${m}` });
    const code: string = c.coupon?.code ?? c.code;
    const lower = await t.get(`/v1.1/coupon/isredeemable?mobile=${m}&code=${code}&coupon_code_case=lower`);
    expect(lower.status, lower.text).toBe(200);
    expect(lower.body.response.status).toEqual({ success: 'true', code: 200, message: 'Success' });
    expect(lower.body.response.coupons.redeemable).toEqual({
      mobile: m,
      code: code.toLowerCase(),
      is_redeemable: 'true',
      redemptions_left: expect.any(Number),
      no_of_redemptions_by_user: 0,
      coupon_value: '17',
      customer: { mobile: m, email: null, external_id: `ext-${m}` },
      item_status: { success: 'true', status: 'true', code: 700, message: 'Coupon isRedeem successful' },
    });
    const upper = await t.get(
      `/v1.1/coupon/isredeemable?external_id=ext-${m}&code=${code.toLowerCase()}&coupon_code_case=UPPER`,
    );
    expect(upper.body.response.coupons.redeemable.code).toBe(code.toUpperCase());
  });

  it('details=true adds the series, details=extended its configuration', async () => {
    const s = await createSeries(t);
    const m = mobile();
    const c = await issueCoupon(t, s.id, { mobile: m });
    const code = c.coupon?.code ?? c.code;
    const d = await t.get(`/v1.1/coupon/isredeemable?mobile=${m}&code=${code}&details=true`);
    expect(d.body.response.coupons.redeemable.series_info).toMatchObject({ id: String(s.id) });
    const e = await t.get(`/v1.1/coupon/isredeemable?mobile=${m}&code=${code}&details=extended`);
    expect(e.body.response.coupons.redeemable.series_info).toHaveProperty('redemption_per_coupon_max_limit');
  });

  it('refuses an unknown customer (701) and an unknown code (719) with v1.1 codes', async () => {
    const nobody = await t.get(`/v1.1/coupon/isredeemable?mobile=${mobile()}&code=ABC123`);
    expect(nobody.status).toBe(400);
    expect(nobody.body.response.status).toMatchObject({ success: 'false', code: 701 });
    const s = await createSeries(t);
    const m = mobile();
    await issueCoupon(t, s.id, { mobile: m });
    const unknown = await t.get(`/v1.1/coupon/isredeemable?mobile=${m}&code=NOSUCH99`);
    expect(unknown.body.response.coupons.redeemable.item_status).toMatchObject({
      success: 'false',
      code: 719,
    });
  });
});

describe('tenancy', () => {
  it('another org sees nothing of this org’s customers and coupons', async () => {
    const s = await createSeries(t);
    const m = mobile();
    const c = await issueCoupon(t, s.id, { mobile: m });
    const code = c.coupon?.code ?? c.code;
    const other = await t.createOrg('other org');
    const check = await t.get(`/v1.1/coupon/isredeemable?mobile=${m}&code=${code}`, other);
    expect(check.body.response.status.code).toBe(701);
    const redeem = await t.post('/v1.1/coupon/redeem', sampleBody(code, m), other);
    expect(redeem.status).toBe(400);
    expect(redeem.body.response.coupons.coupon.item_status.code).toBe(701);
    const mine = await t.get(`/v1.1/coupon/isredeemable?mobile=${m}&code=${code}`);
    expect(mine.body.response.coupons.redeemable.is_redeemable).toBe('true');
  });
});
